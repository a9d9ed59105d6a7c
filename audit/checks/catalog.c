/* checks/catalog.c: the check catalog (static metadata, sorted by id), the shared helpers of
 * the check files, and the two entry points fa_audit_app() and fa_audit_org(). */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DOC "https://fly.io/docs/"

static const char *const tags_secrets[] = {"security", "secrets", NULL};
static const char *const tags_network[] = {"security", "network", NULL};
static const char *const tags_tls[] = {"security", "tls", "network", NULL};
static const char *const tags_container[] = {"security", "container", NULL};
static const char *const tags_health[] = {"reliability", "health-checks", NULL};
static const char *const tags_tokens[] = {"security", "tokens", "iam", NULL};
static const char *const tags_autostop[] = {"cost", "security", "machines", NULL};
static const char *const tags_volumes[] = {"security", "storage", "encryption", NULL};
static const char *const tags_backups[] = {"reliability", "storage", "backup", NULL};
static const char *const tags_ci[] = {"security", "ci", "supply-chain", NULL};
static const char *const tags_drift[] = {"security", "configuration", "regions", NULL};
static const char *const tags_access[] = {"security", "iam", "access", NULL};
static const char *const tags_wireguard[] = {"security", "network", "wireguard", "access", NULL};
static const char *const tags_edge[] = {"security", "tls", "network", "probe", NULL};
static const char *const tags_edge_files[] = {"security", "secrets", "probe", NULL};

static const char *const refs_secrets[] = {DOC "apps/secrets/",
	DOC "reference/configuration/#the-env-variables-section", NULL};
static const char *const refs_private[] = {DOC "networking/private-networking/",
	DOC "networking/flycast/", DOC "networking/services/", NULL};
static const char *const refs_ips[] = {DOC "networking/flycast/", DOC "flyctl/ips-release/",
	DOC "flyctl/ips-allocate-v6/", DOC "networking/services/", NULL};
static const char *const refs_https[] = {DOC "reference/configuration/#the-http_service-section",
	DOC "networking/services/", NULL};
static const char *const refs_tlsopt[] = {DOC "reference/configuration/#services-ports-tls_options",
	DOC "networking/services/", NULL};
static const char *const refs_certs[] = {DOC "networking/custom-domain/",
	DOC "flyctl/certs-check/", NULL};
static const char *const refs_root[] = {DOC "machines/api/machines-resource/",
	DOC "reference/configuration/#the-processes-section", NULL};
static const char *const refs_image[] = {DOC "reference/configuration/#the-build-section",
	DOC "machines/api/machines-resource/", NULL};
static const char *const refs_health[] = {DOC "reference/health-checks/",
	DOC "flyctl/checks-list/", NULL};
static const char *const refs_tokens[] = {DOC "security/tokens/", DOC "flyctl/tokens-create/",
	DOC "flyctl/tokens-revoke/", NULL};
static const char *const refs_readonly[] = {DOC "security/tokens/",
	DOC "flyctl/tokens-create-readonly/", NULL};
static const char *const refs_autostop[] = {DOC "launch/autostop-autostart/",
	DOC "reference/fly-proxy-autostop-autostart/", NULL};
static const char *const refs_volumes[] = {DOC "volumes/overview/", DOC "flyctl/volumes-create/",
	NULL};
static const char *const refs_backups[] = {DOC "volumes/snapshots/", DOC "volumes/overview/",
	NULL};
static const char *const refs_allowlist[] = {DOC "networking/request-headers/",
	DOC "networking/flycast/", NULL};
static const char *const refs_flycast[] = {DOC "networking/flycast/",
	DOC "networking/custom-private-networks/", DOC "flyctl/ips-release/", NULL};
static const char *const refs_edge_tls[] = {DOC "networking/services/",
	DOC "reference/configuration/#services-ports-tls_options",
	DOC "reference/configuration/#the-http_service-section", NULL};
static const char *const refs_edge_certs[] = {DOC "networking/custom-domain/",
	DOC "flyctl/certs-check/", NULL};
static const char *const refs_edge_files[] = {DOC "apps/secrets/", DOC "reference/configuration/",
	NULL};
static const char *const refs_drift[] = {DOC "apps/scale-count/", DOC "launch/deploy/",
	DOC "machines/api/machines-resource/", NULL};

static const char *const refs_members[] = {DOC "flyctl/orgs-show/", DOC "flyctl/orgs-remove/",
	DOC "flyctl/orgs-invite/", DOC "security/sso/", NULL};
static const char *const refs_sso[] = {DOC "security/sso/", NULL};
static const char *const refs_wireguard[] = {DOC "networking/private-networking/",
	DOC "flyctl/wireguard-list/", DOC "flyctl/wireguard-remove/", NULL};
static const char *const refs_owner[] = {DOC "security/tokens/", DOC "flyctl/tokens-list/",
	DOC "flyctl/tokens-revoke/", DOC "flyctl/orgs-remove/", NULL};
static const char *const refs_ci_token[] = {DOC "launch/continuous-deployment-with-github-actions/",
	DOC "security/tokens/", DOC "flyctl/tokens-create-deploy/", NULL};
static const char *const refs_build_secret[] = {DOC "apps/build-secrets/",
	DOC "flyctl/deploy/", NULL};
static const char *const refs_dockerfile[] = {DOC "apps/build-secrets/", DOC "apps/secrets/",
	NULL};
static const char *const refs_env_file[] = {DOC "apps/secrets/", DOC "languages-and-frameworks/dockerfile/",
	NULL};
/* Compliance mapping, one pair per check (a judgement, documented in README "Compliance"):
 * CIS Controls v8.1 safeguards and SOC 2 Trust Services Criteria (2017, revised points of
 * focus 2022). test_compliance fails when an entry has none: map every new check. */
/* people and access (issue 10): MFA (6.3, 6.5), admin privileges and RBAC (5.4, 6.8),
 * dormant accounts and revoking access (5.3, 6.2), centralized access control (6.7),
 * remote access through VPN/AAA (12.7); SOC 2 logical access (CC6.1-CC6.3, CC6.6). */
static const char *const cis_access_admins_excess[] = {"5.4", "6.8", NULL};
static const char *const soc2_access_admins_excess[] = {"CC6.1", "CC6.3", NULL};
static const char *const cis_access_invitation_stale[] = {"5.3", "6.2", NULL};
static const char *const soc2_access_invitation_stale[] = {"CC6.2", NULL};
static const char *const cis_access_member_without_2fa[] = {"6.3", "6.5", NULL};
static const char *const soc2_access_member_without_2fa[] = {"CC6.1", NULL};
static const char *const cis_access_sso_not_required[] = {"6.7", "12.5", NULL};
static const char *const soc2_access_sso_not_required[] = {"CC6.1", NULL};
static const char *const cis_network_wireguard_peers[] = {"6.2", "12.7", NULL};
static const char *const soc2_network_wireguard_peers[] = {"CC6.1", "CC6.6", NULL};
static const char *const cis_tokens_owner_not_member[] = {"5.3", "6.2", NULL};
static const char *const soc2_tokens_owner_not_member[] = {"CC6.2", "CC6.3", NULL};
static const char *const cis_container_image_unpinned[] = {"2.5", "4.1", "16.7", NULL};
static const char *const soc2_container_image_unpinned[] = {"CC7.1", "CC8.1", NULL};
static const char *const cis_container_runs_as_root[] = {"4.1", "5.4", NULL};
static const char *const soc2_container_runs_as_root[] = {"CC6.1", "CC6.3", NULL};
static const char *const cis_edge_certificate_expiring[] = {"3.10", "12.6", NULL};
static const char *const soc2_edge_certificate_expiring[] = {"CC6.7", "A1.2", NULL};
static const char *const cis_edge_hsts_missing[] = {"3.10", NULL};
static const char *const soc2_edge_hsts_missing[] = {"CC6.7", NULL};
static const char *const cis_edge_http_not_redirected[] = {"3.10", NULL};
static const char *const soc2_edge_http_not_redirected[] = {"CC6.1", "CC6.7", NULL};
static const char *const cis_edge_sensitive_path_exposed[] = {"3.3", "3.11", "16.1", NULL};
static const char *const soc2_edge_sensitive_path_exposed[] = {"CC6.1", "CC6.7", NULL};
static const char *const cis_edge_tls_legacy_accepted[] = {"3.10", "4.1", NULL};
static const char *const soc2_edge_tls_legacy_accepted[] = {"CC6.7", NULL};
static const char *const cis_health_checks_failing[] = {"4.1", NULL};
static const char *const soc2_health_checks_failing[] = {"CC7.2", "A1.2", NULL};
static const char *const cis_health_checks_missing[] = {"4.1", NULL};
static const char *const soc2_health_checks_missing[] = {"CC7.2", "A1.2", NULL};
static const char *const cis_machines_autostop_disabled[] = {"4.8", NULL};
static const char *const soc2_machines_autostop_disabled[] = {"CC6.6", NULL};
static const char *const cis_network_admin_allowlist[] = {"4.4", "12.2", "13.10", NULL};
static const char *const soc2_network_admin_allowlist[] = {"CC6.1", "CC6.6", NULL};
static const char *const cis_network_flycast_cross_org[] = {"12.2", "12.3", NULL};
static const char *const soc2_network_flycast_cross_org[] = {"CC6.1", "CC6.6", NULL};
static const char *const cis_network_private_service_public[] = {"4.4", "4.8", "12.2", NULL};
static const char *const soc2_network_private_service_public[] = {"CC6.1", "CC6.6", NULL};
static const char *const cis_network_public_ip_unused[] = {"4.8", "12.2", NULL};
static const char *const soc2_network_public_ip_unused[] = {"CC6.6", NULL};
static const char *const cis_regions_config_drift[] = {"4.1", "16.7", NULL};
static const char *const soc2_regions_config_drift[] = {"CC7.1", "CC8.1", NULL};
static const char *const cis_container_image_stale[] = {"2.2", "7.4", "16.5", NULL};
static const char *const soc2_container_image_stale[] = {"CC7.1", "CC8.1", NULL};
static const char *const cis_secrets_image[] = {"3.3", "3.11", "16.1", NULL};
static const char *const soc2_secrets_image[] = {"CC6.1", "CC6.7", NULL};
static const char *const cis_secrets_plaintext_env[] = {"3.3", "3.11", "16.1", NULL};
static const char *const soc2_secrets_plaintext_env[] = {"CC6.1", "CC6.7", NULL};
static const char *const cis_tls_certificate_not_ready[] = {"3.10", "12.6", NULL};
static const char *const soc2_tls_certificate_not_ready[] = {"CC6.7", NULL};
static const char *const cis_tls_https_not_forced[] = {"3.10", NULL};
static const char *const soc2_tls_https_not_forced[] = {"CC6.1", "CC6.7", NULL};
static const char *const cis_tls_weak_protocols[] = {"3.10", "4.1", NULL};
static const char *const soc2_tls_weak_protocols[] = {"CC6.7", NULL};
static const char *const cis_tokens_auditor_expiring[] = {"6.2", NULL};
static const char *const soc2_tokens_auditor_expiring[] = {"CC6.2", NULL};
static const char *const cis_tokens_auditor_not_readonly[] = {"5.4", "6.8", NULL};
static const char *const soc2_tokens_auditor_not_readonly[] = {"CC6.3", NULL};
static const char *const cis_tokens_long_lived[] = {"5.3", "6.2", NULL};
static const char *const soc2_tokens_long_lived[] = {"CC6.2", "CC6.3", NULL};
static const char *const cis_tokens_undischarged[] = {"6.8", NULL};
static const char *const soc2_tokens_undischarged[] = {"CC6.1", NULL};
static const char *const cis_volumes_no_backups[] = {"11.2", "11.3", NULL};
static const char *const soc2_volumes_no_backups[] = {"A1.2", "CC7.5", NULL};
static const char *const cis_volumes_unencrypted[] = {"3.11", NULL};
static const char *const soc2_volumes_unencrypted[] = {"CC6.1", "CC6.7", NULL};
/* The checks of `flyaudit scan` and `audit --repo`: a credential in a file or a workflow
 * is mapped as secrets.plaintext_env is; action pinning to software inventory and change
 * control; repository drift as regions.config_drift. */
static const char *const cis_scan_secret[] = {"3.3", "3.11", "16.1", NULL};
static const char *const soc2_scan_secret[] = {"CC6.1", "CC6.7", NULL};
static const char *const cis_ci_action_unpinned[] = {"2.5", "16.4", NULL};
static const char *const soc2_ci_action_unpinned[] = {"CC7.1", "CC8.1", NULL};

/* Sorted by id; the FA_CK_* indexes follow this order. */
static const fa_check_meta catalog[FA_CK_COUNT] = {
	[FA_CK_ADMINS_EXCESS] = {
		"access.admins_excess", FA_SEV_MEDIUM,
		"The org has few admins",
		"Restrict which users can deploy (organizations, teams, least privilege)",
		"Counts the org's members with role ADMIN (GraphQL organization.members) and fails "
		"when there are more than --max-admins (default 3). The message names them. Unknown "
		"when the member list could not be read.",
		"Every admin can invite people, mint org-wide tokens, read and change every app and "
		"delete the org: each extra admin account is one more way in.",
		"Demote the admins who do not need it in the dashboard (Organization > Team: change "
		"the role to Member), or remove people who left: `fly orgs remove ORG EMAIL`; list "
		"members with `fly orgs show ORG`.",
		refs_members, "org", tags_access,
		cis_access_admins_excess, soc2_access_admins_excess},
	[FA_CK_INVITATION_STALE] = {
		"access.invitation_stale", FA_SEV_LOW,
		"No invitation waits unredeemed for more than 14 days",
		"Restrict which users can deploy (organizations, teams, least privilege)",
		"One result per unredeemed invitation (GraphQL organization.invitations): fails when "
		"it was created more than 14 days ago; unknown when its date does not parse.",
		"An old invitation is a standing way into the org: whoever gets hold of the mail "
		"(a forwarded message, a reused address of someone who left) can join.",
		"Cancel it in the dashboard (Organization > Team > pending invitations) and invite "
		"again when the person is ready: `fly orgs invite ORG EMAIL`.",
		refs_members, "invitation", tags_access,
		cis_access_invitation_stale, soc2_access_invitation_stale},
	[FA_CK_MEMBER_WITHOUT_2FA] = {
		"access.member_without_2fa", FA_SEV_HIGH,
		"Org members have two-factor protection",
		"Restrict which users can deploy (organizations, teams, least privilege)",
		"One result per org member (GraphQL organization.members, User.twoFactorProtection): "
		"fails when the user has no two-factor protection, unknown when the API does not "
		"say or the member list could not be read.",
		"A member's password alone (phished, reused, leaked) is enough to deploy, read "
		"secrets through a deploy or mint tokens for the whole org.",
		"Ask the member to turn on two-factor authentication (dashboard: Account > "
		"Settings > Two-factor authentication), require SSO for the org (see "
		"access.sso_not_required), or remove them: `fly orgs remove ORG EMAIL`.",
		refs_members, "member", tags_access,
		cis_access_member_without_2fa, soc2_access_member_without_2fa},
	[FA_CK_SSO_NOT_REQUIRED] = {
		"access.sso_not_required", FA_SEV_LOW,
		"Single sign-on is required for the org",
		"Restrict which users can deploy (organizations, teams, least privilege)",
		"Reads the org's third-party configurations (GraphQL thirdPartyConfigurations): "
		"passes when one is REQUIRED for both flyctl (flyctlLevel) and dashboard (uiexLevel) "
		"sessions; fails when none is (OPT_IN, MEMBER_OPT_OUT, ADMIN_OPT_OUT and DISABLED do "
		"not force it on anyone). Unknown when they could not be read.",
		"Without required SSO, people keep Fly logins outside your identity provider: "
		"offboarding there does not lock them out of Fly, and your 2FA policy does not "
		"apply.",
		"In the dashboard, pick the org, then Settings > Single Sign On > Google SSO "
		"Requirement (your Google Workspace hosted domain) or GitHub SSO Requirement (your "
		"GitHub organization), check Enable and Save: members must then sign in through it "
		"to reach the org, from flyctl and the dashboard alike.",
		refs_sso, "org", tags_access,
		cis_access_sso_not_required, soc2_access_sso_not_required},
	[FA_CK_CI_ACTION_UNPINNED] = {
		"ci.action_unpinned", FA_SEV_MEDIUM,
		"Workflow actions are pinned to a commit SHA",
		"Fly API token stored in CI secrets (supply chain of the deploy job)",
		"`flyaudit scan`: fails when a GitHub Actions workflow step uses an action by branch "
		"or tag (`superfly/flyctl-actions/setup-flyctl@master`, `actions/checkout@v4`) "
		"instead of a full 40-character commit SHA. Local (`./`) and `docker://` actions "
		"with a digest pass.",
		"A branch or tag can be moved: whoever controls the action's repository then runs "
		"code in the job that holds FLY_API_TOKEN.",
		"Pin by commit with the tag in a comment, as Dependabot writes it: "
		"`uses: superfly/flyctl-actions/setup-flyctl@<40-hex SHA> # v1.5`.",
		refs_ci_token, "file", tags_ci, cis_ci_action_unpinned, soc2_ci_action_unpinned},
	[FA_CK_CI_SECRET_BUILD_ARG] = {
		"ci.secret_as_build_arg", FA_SEV_HIGH,
		"Secrets reach the build as build secrets, not build arguments",
		"Use secrets via `fly secrets set`, not [env]",
		"`flyaudit scan`: fails when a workflow runs `fly deploy` (or `docker build`) with "
		"`--build-arg NAME=${{ secrets.X }}` or a secret-like build argument.",
		"Build arguments are recorded in the image history: anyone who can pull the image "
		"reads the secret.",
		"Pass it with `fly deploy --build-secret NAME=${{ secrets.X }}` and read it in the "
		"Dockerfile with `RUN --mount=type=secret,id=NAME`.",
		refs_build_secret, "file", tags_ci, cis_scan_secret, soc2_scan_secret},
	[FA_CK_CI_TOKEN_HARDCODED] = {
		"ci.token_hardcoded", FA_SEV_CRITICAL,
		"No Fly token is committed to the repository",
		"Fly API token stored in CI secrets",
		"`flyaudit scan`: fails when a tracked text file holds a Fly token (`FlyV1 fm2_...`, "
		"`fm1r_...`, `fo1_...`), confirmed by decoding it. The result says what the token "
		"can do (org, apps, read-only or not, expiry), never the token.",
		"Anyone who can read the repository (or its history, forks and CI logs) can act with "
		"the token's rights on the organization.",
		"Revoke it now (`fly tokens revoke ID`; `fly tokens list` finds it), remove it from "
		"the file and the history, and keep the new one in CI secrets: "
		"`FLY_API_TOKEN: ${{ secrets.FLY_API_TOKEN }}`.",
		refs_ci_token, "file", tags_ci, cis_scan_secret, soc2_scan_secret},
	[FA_CK_CI_TOKEN_NOT_SECRET] = {
		"ci.token_not_from_secrets", FA_SEV_HIGH,
		"CI takes the Fly token from its secrets",
		"Fly API token stored in CI secrets",
		"`flyaudit scan`: fails when a workflow sets FLY_API_TOKEN or FLY_ACCESS_TOKEN (in an "
		"`env:` block or a `run:` line) from anything but `${{ secrets.NAME }}`. Also fails "
		"`fly tokens create` without an expiry (`-x`).",
		"A token written into a workflow is readable by everyone with read access to the "
		"repository and stays in its history.",
		"Store the token with `gh secret set FLY_API_TOKEN` and use "
		"`env: FLY_API_TOKEN: ${{ secrets.FLY_API_TOKEN }}`; create it short-lived: "
		"`fly tokens create deploy -x 720h`.",
		refs_ci_token, "file", tags_ci, cis_scan_secret, soc2_scan_secret},
	[FA_CK_REPO_DRIFT] = {
		"config.repo_drift", FA_SEV_MEDIUM,
		"The repository's fly.toml matches the live app",
		"Each instance needs the same security configuration",
		"`flyaudit audit --repo DIR`: each fly.toml of DIR is held against the started "
		"machines of the app it names (`app = \"...\"`, or the one --app): force_https, the "
		"public ports and their handlers, which internal ports are public, TLS versions, "
		"whether health checks exist, auto-stop, env NAMES, and `[build] image`. One failure "
		"per setting that differs, naming the repository's value, the live value and the "
		"file:line. Env values are not compared.",
		"What was reviewed is not what runs: a setting fixed in the repository but never "
		"deployed (or changed live by hand) leaves production exposed while the repository "
		"looks safe.",
		"Deploy the reviewed configuration: `fly deploy -c fly.toml -a APP`, or bring the "
		"repository in line with what runs (`fly config save -a APP` shows it).",
		refs_drift, "app", tags_drift, cis_regions_config_drift, soc2_regions_config_drift},
	[FA_CK_IMAGE_STALE] = {
		"container.image_stale", FA_SEV_LOW,
		"Running images were built recently",
		"Dockerfile uses non-root user (\"Use specific versions, not 'latest'\")",
		"Reads the `created` date of the image config each machine runs, from Fly's "
		"registry, and fails when it is older than --max-image-age days (default 180). "
		"Unknown when the image could not be read or does not say when it was built.",
		"An image nobody has rebuilt for months carries every vulnerability fixed in its "
		"base image and packages since.",
		"Rebuild and redeploy on a schedule: `fly deploy --no-cache` (with a maintained, "
		"versioned base image), e.g. from a weekly CI job.",
		refs_image, "machine", tags_container,
		cis_container_image_stale, soc2_container_image_stale},
	[FA_CK_IMAGE_UNPINNED] = {
		"container.image_unpinned", FA_SEV_LOW,
		"Machine images are pinned to a version",
		"Dockerfile uses non-root user (\"Use specific versions, not 'latest'\")",
		"A machine's config.image, and each container's image, must name a specific tag or "
		"digest (the message names the container). The `latest` tag or "
		"no tag (which means `latest`) changes under you: the next update, clone or restart "
		"from config can run a different image. An image pinned by digest (@sha256:...) passes.",
		"An unreviewed image can reach production, and one region can end up running a "
		"different build than another.",
		"Deploy a tagged or digest-pinned image: `fly deploy --image registry.fly.io/APP:TAG` "
		"(or `@sha256:DIGEST`), and use a versioned base image in the Dockerfile "
		"(`FROM node:20-alpine`, not `FROM node:latest`).",
		refs_image, "machine", tags_container,
		cis_container_image_unpinned, soc2_container_image_unpinned},
	[FA_CK_RUNS_AS_ROOT] = {
		"container.runs_as_root", FA_SEV_MEDIUM,
		"Processes run as a non-root user",
		"Dockerfile uses non-root user",
		"Fails when a process (`processes[].user`) or a container of a multi-container machine "
		"(`containers[].user`) names `root` or `0` as its user; the message names the "
		"container. What names no user runs as its image's `USER` (Dockerfile), read from the "
		"image config in its registry: empty, `root`, `0` and `0:*` are root. Passes when "
		"every process and container runs as a non-root user. Unknown when the image could "
		"not be read (the reason says why) or was not asked for.",
		"A compromised process running as root owns the whole VM: it can read every secret, "
		"tamper with volumes and install persistence.",
		"Add `USER appuser` (created with `adduser -S appuser`) to the Dockerfile and drop any "
		"`user = \"root\"` from [processes]/machine config; verify with "
		"`fly ssh console -C id`.",
		refs_root, "machine", tags_container,
		cis_container_runs_as_root, soc2_container_runs_as_root},
	[FA_CK_EDGE_CERT_EXPIRING] = {
		"edge.certificate_expiring", FA_SEV_MEDIUM,
		"Served certificates verify and are not about to expire",
		"HTTPS forced",
		"With --probe: the certificate the edge serves for the hostname is verified (chain and "
		"name) and fails when it does not verify or expires within 14 days. Fly renews its "
		"certificates well before that, so a near expiry means renewal is failing (DNS no "
		"longer points at Fly, a CAA record, a custom certificate nobody renews).",
		"Browsers and API clients refuse an expired or unverifiable certificate: an outage, and "
		"users trained to click through warnings.",
		"Run `fly certs check HOSTNAME -a APP` and fix what it reports (DNS records, CAA); for a "
		"custom certificate upload a renewed one with `fly certs add`.",
		refs_edge_certs, "hostname", tags_edge,
		cis_edge_certificate_expiring, soc2_edge_certificate_expiring},
	[FA_CK_EDGE_HSTS] = {
		"edge.hsts_missing", FA_SEV_LOW,
		"HTTPS answers carry Strict-Transport-Security",
		"HTTPS forced",
		"With --probe: fails when `GET https://HOSTNAME/` answers without a "
		"Strict-Transport-Security header, or with max-age=0.",
		"Without HSTS a browser tries plain HTTP first, and an attacker on the path can keep "
		"the user on it (SSL stripping).",
		"Send `Strict-Transport-Security: max-age=31536000; includeSubDomains` from the app "
		"(or its web server) on every HTTPS response.",
		refs_edge_tls, "hostname", tags_edge,
		cis_edge_hsts_missing, soc2_edge_hsts_missing},
	[FA_CK_EDGE_HTTP] = {
		"edge.http_not_redirected", FA_SEV_HIGH,
		"Plain HTTP redirects to HTTPS",
		"HTTPS forced",
		"With --probe: `GET http://HOSTNAME/` must answer with a redirect to an https:// URL "
		"(Fly's force_https answers 301/308). Content over plain HTTP fails; nothing listening "
		"on port 80 passes.",
		"Content and cookies over plain HTTP can be read and changed by anyone on the path.",
		"Set `force_https = true` on the port 80 handler (`[http_service] force_https = true`) "
		"and `fly deploy`.",
		refs_edge_tls, "hostname", tags_edge,
		cis_edge_http_not_redirected, soc2_edge_http_not_redirected},
	[FA_CK_EDGE_SENSITIVE] = {
		"edge.sensitive_path_exposed", FA_SEV_CRITICAL,
		"No sensitive file is served",
		"No .env in git or the image",
		"With --probe: GETs /.env, /.git/config, /.git/HEAD, /config.json, /.npmrc, "
		"/server-status, /actuator/env and /debug/pprof/ and fails only when a 200 answer "
		"holds what such a file holds (`KEY=value` lines, `[core]`, `ref: refs/`, a JSON "
		"object...), and is not the app's own `/` page (single-page apps answer every path "
		"with it).",
		"A served .env or .git directory hands out credentials and source code to anyone who "
		"asks; scanners request these paths constantly.",
		"Stop serving the file (exclude it in .dockerignore, do not copy it into the web root, "
		"disable the debug endpoint), then rotate every credential it held "
		"(`fly secrets set`).",
		refs_edge_files, "hostname", tags_edge_files,
		cis_edge_sensitive_path_exposed, soc2_edge_sensitive_path_exposed},
	[FA_CK_EDGE_TLS_LEGACY] = {
		"edge.tls_legacy_accepted", FA_SEV_MEDIUM,
		"The edge refuses TLS 1.0 and 1.1",
		"HTTPS forced",
		"With --probe: TLS handshakes pinned to 1.0, 1.1, 1.2 and 1.3 (the client side allows "
		"old ciphers for this only); fails when a 1.0 or 1.1 handshake completes. Unknown when "
		"this client cannot offer the old versions.",
		"TLS 1.0 and 1.1 are deprecated (RFC 8996) and weaker against downgrade and "
		"cipher attacks.",
		"Set `[[services.ports]] tls_options = { versions = [\"TLSv1.2\", \"TLSv1.3\"] }` (or "
		"drop tls_options for Fly's defaults) and `fly deploy`.",
		refs_edge_tls, "hostname", tags_edge,
		cis_edge_tls_legacy_accepted, soc2_edge_tls_legacy_accepted},
	[FA_CK_CHECKS_FAILING] = {
		"health.checks_failing", FA_SEV_HIGH,
		"Health checks are passing",
		"Health checks configured and working",
		"Looks at the live check statuses of every started machine; fails when one is "
		"`critical`.",
		"A failing machine is taken out of routing but not restarted: capacity is lost, and a "
		"check that keeps failing can hide a compromised or broken instance.",
		"Inspect with `fly checks list -a APP` and `fly logs -a APP`, fix the app or the check, "
		"or replace the machine: `fly machine restart ID`.",
		refs_health, "machine", tags_health,
		cis_health_checks_failing, soc2_health_checks_failing},
	[FA_CK_CHECKS_MISSING] = {
		"health.checks_missing", FA_SEV_MEDIUM,
		"Public services have health checks",
		"Health checks configured and working",
		"Fails when a machine with a public service has neither service checks "
		"([[services.http_checks]], [[services.tcp_checks]], [[http_service.checks]]) nor "
		"machine checks ([checks]).",
		"Without checks Fly Proxy routes traffic to machines that are up but broken, and "
		"deployments cannot halt on an unhealthy release.",
		"Add to fly.toml: `[[http_service.checks]] grace_period = \"10s\" interval = \"15s\" "
		"method = \"GET\" path = \"/health\" timeout = \"5s\"` (or [[services.tcp_checks]]), "
		"then `fly deploy`.",
		refs_health, "machine", tags_health,
		cis_health_checks_missing, soc2_health_checks_missing},
	[FA_CK_AUTOSTOP_DISABLED] = {
		"machines.autostop_disabled", FA_SEV_LOW,
		"Auto-stop is enabled on public services",
		"Auto-stop enabled for cost and security (idle machines)",
		"Fails when a service with public ports has autostop off, or not set (Fly's default "
		"when the field is absent is off). `stop` and `suspend` pass.",
		"Idle machines stay reachable and running: more attack surface and cost for no "
		"traffic.",
		"Set in fly.toml `[http_service] auto_stop_machines = \"stop\"` "
		"(or in [[services]]) with `auto_start_machines = true`, then `fly deploy`.",
		refs_autostop, "machine", tags_autostop,
		cis_machines_autostop_disabled, soc2_machines_autostop_disabled},
	[FA_CK_ADMIN_ALLOWLIST] = {
		"network.admin_allowlist", FA_SEV_NONE,
		"Admin endpoints are restricted by IP",
		"IP allowlisting for admin endpoints",
		"Manual: the API cannot show whether the application restricts its admin routes. One "
		"result per app with a public HTTP service. With --probe it is decided by evidence, "
		"one result per probed hostname: /admin, /admin/, /wp-admin/, /phpmyadmin/, /_admin "
		"or /dashboard answering 200 (not the app's own `/` page) to the prober fails.",
		"Admin panels reachable from the whole internet are a prime brute-force and exploit "
		"target.",
		"Check admin routes against an allowlist of the `Fly-Client-IP` header, or move the "
		"admin interface to a private service reached over Flycast/.internal "
		"(`fly ips allocate-v6 --private`).",
		refs_allowlist, "app", tags_network,
		cis_network_admin_allowlist, soc2_network_admin_allowlist},
	[FA_CK_FLYCAST_CROSS_ORG] = {
		"network.flycast_cross_org", FA_SEV_MEDIUM,
		"Flycast addresses live in the app's own organization",
		"Internal services use private networking (.internal or .flycast)",
		"Looks at every Flycast (private_v6) address of the app: fails when its network "
		"belongs to another organization (`network.org_slug` of the IP assignment is not the "
		"app's org), since that org's machines can then reach the service. Unknown when the "
		"API does not say which org the network belongs to.",
		"A private service published into another organization's network is reachable by "
		"every machine and WireGuard peer of that organization: private, but not to you.",
		"Release the address with `fly ips release ADDR -a APP` and allocate one in the app's "
		"own org: `fly ips allocate-v6 --private -a APP` (add `--org` only for an org you "
		"mean to share with, and record why).",
		refs_flycast, "ip", tags_network,
		cis_network_flycast_cross_org, soc2_network_flycast_cross_org},
	[FA_CK_PRIVATE_SERVICE_PUBLIC] = {
		"network.private_service_public", FA_SEV_HIGH,
		"Internal services are not exposed publicly",
		"Internal services use private networking (.internal or .flycast)",
		"Fails when a service with public ports uses a well-known private-service port as "
		"internal or public port (Postgres 5432/5433, MySQL 3306, Redis 6379, MongoDB 27017, "
		"Elasticsearch 9200/9300, memcached 11211, etcd 2379/2380, RabbitMQ 5672/15672, Kafka "
		"9092, Cassandra 9042, SSH 22, Docker 2375/2376), or has a `pg_tls` handler.",
		"Databases, caches, SSH and the Docker API exposed to the internet are scanned and "
		"brute-forced within minutes of going up.",
		"Remove the [[services.ports]] of the internal service from fly.toml (no ports = not "
		"public), reach it over `APP.internal` or Flycast (`fly ips allocate-v6 --private`), "
		"and `fly deploy`.",
		refs_private, "machine", tags_network,
		cis_network_private_service_public, soc2_network_private_service_public},
	[FA_CK_PUBLIC_IP_UNUSED] = {
		"network.public_ip_unused", FA_SEV_MEDIUM,
		"Public IPs are only held by apps with public services",
		"Internal services use private networking (.internal or .flycast)",
		"Fails when the app holds a public IP (dedicated v4, v6 or shared v4) but no machine "
		"has a service with public ports. Needs both the IP list and the machine list.",
		"A public address on an internal app is one config change away from exposing it, and "
		"a dedicated IPv4 is billed for nothing.",
		"`fly ips release ADDR -a APP` for each public address, and "
		"`fly ips allocate-v6 --private -a APP` for private Flycast access.",
		refs_ips, "app", tags_network,
		cis_network_public_ip_unused, soc2_network_public_ip_unused},
	[FA_CK_WIREGUARD_PEERS] = {
		"network.wireguard_peers", FA_SEV_NONE,
		"WireGuard peers belong to people and machines that still need them",
		"Internal services use private networking (.internal or .flycast)",
		"Manual: one result per WireGuard peer of the org (GraphQL wireGuardPeers: name, "
		"region, peer IP, network). The API shows neither the owner nor when the peer was "
		"last used, so each needs a person to confirm it. Unknown when the list could not be "
		"read.",
		"A WireGuard peer is a door into the org's private network (every app's .internal "
		"and Flycast addresses): a forgotten laptop config or an old CI peer keeps it open.",
		"List them with `fly wireguard list ORG`, ask each owner, and remove the ones nobody "
		"needs: `fly wireguard remove ORG NAME`; revoke delegated WireGuard tokens with "
		"`fly wireguard token delete ORG NAME`.",
		refs_wireguard, "wireguard_peer", tags_wireguard,
		cis_network_wireguard_peers, soc2_network_wireguard_peers},
	[FA_CK_CONFIG_DRIFT] = {
		"regions.config_drift", FA_SEV_MEDIUM,
		"Machines of a process group share one configuration",
		"Each instance needs the same security configuration (\"Scaling Security "
		"Considerations\")",
		"Compares the machines that serve (started, or stopped/suspended with a service that "
		"autostarts) of one app and process group (`metadata.fly_process_group`, else the "
		"legacy `process_group`; a machine with neither is group `(none)`): image, env names "
		"and value hashes (not FLY_* variables, which the platform manages), processes (user, "
		"env), containers (name, image, user, env), services (protocol, internal port, ports, "
		"handlers, force_https, TLS versions, autostop) and health checks. One-shot "
		"release_command machines are never compared. Per-machine things (id, region, "
		"volumes, mounts) are not drift. One result per process group (`app/group`).",
		"A fix rolled out to some regions only leaves the others exposed, and results of the "
		"other checks on one machine stop describing the app.",
		"Redeploy every machine from one fly.toml: `fly deploy -a APP` (or "
		"`fly machine update ID --image IMAGE` for stragglers); check with "
		"`fly config show -a APP` and `fly machine status ID`.",
		refs_drift, "process_group", tags_drift,
		cis_regions_config_drift, soc2_regions_config_drift},
	[FA_CK_SECRETS_DOCKERFILE] = {
		"secrets.dockerfile", FA_SEV_CRITICAL,
		"Dockerfiles hold no credentials",
		"Use secrets via `fly secrets set`, not [env]",
		"`flyaudit scan`: fails when a Dockerfile `ENV` or `ARG` default holds a credential "
		"(the detectors of secrets.plaintext_env: credential formats, or a secret-like name "
		"with a non-trivial value).",
		"ENV and ARG values are baked into the image config and history: anyone who can "
		"pull the image reads them.",
		"Remove the value; set it at run time with `fly secrets set NAME=...`, or for the "
		"build `fly deploy --build-secret NAME=...` with `RUN --mount=type=secret,id=NAME`.",
		refs_dockerfile, "file", tags_secrets, cis_scan_secret, soc2_scan_secret},
	[FA_CK_ENV_FILE_COMMITTED] = {
		"secrets.env_file_committed", FA_SEV_CRITICAL,
		"No .env file is committed or sent to the build",
		"No .env files in git or the image",
		"`flyaudit scan`: fails when a `.env` file (`.env`, `.env.production`, ...) is tracked "
		"in git (present in the tree when DIR is not a git work tree), or when a Dockerfile "
		"builds from a context whose `.dockerignore` does not exclude `.env*`. Templates "
		"(`.env.example`, `.env.sample`, `.env.template`) pass.",
		"A committed .env file publishes its secrets to everyone who can read the "
		"repository; one in the build context is copied into the image by `COPY . .`.",
		"`git rm --cached .env`, add `.env*` to .gitignore and .dockerignore, rotate what it "
		"held, and move the values to `fly secrets set`.",
		refs_env_file, "file", tags_secrets, cis_scan_secret, soc2_scan_secret},
	[FA_CK_IMAGE_ENV] = {
		"secrets.image_env", FA_SEV_CRITICAL,
		"Secrets are not baked into the image's ENV",
		"All secrets stored via fly secrets set, not in fly.toml",
		"Reads the `Env` of the image config each machine runs (Dockerfile `ENV` and "
		"base-image variables), from Fly's registry, and fails when a value is in a "
		"known credential format or a secret-like name has a non-trivial value (the "
		"detectors of secrets.plaintext_env). Messages name variables, never values.",
		"Anyone who can pull the image (every deploy token of the org, every registry "
		"mirror, every copy of the image) reads the credential.",
		"Remove the `ENV` line from the Dockerfile, `fly secrets set NAME=...` instead, "
		"redeploy, and rotate the credential (it stays in every earlier image).",
		refs_secrets, "machine", tags_secrets, cis_secrets_image, soc2_secrets_image},
	[FA_CK_IMAGE_FILES] = {
		"secrets.image_files", FA_SEV_CRITICAL,
		"No credential files in the image's layers",
		"No .env files in git or the image",
		"With `audit --image-layers`: streams every layer of the image each machine runs "
		"(gzip, zstd or plain tar, in memory, never to disk), lists its files and reads the "
		"few whose names are suspicious (`.env`, `.npmrc`, `.pypirc`, `.netrc`, `*.pem`, "
		"`*.key`, `id_*` ssh keys, `.git/config`, `credentials*`, `.docker/config.json`). "
		"Fails when one holds a credential by the detectors of secrets.plaintext_env (also "
		"when a later layer deletes it: its bytes stay in the image). Unknown when a layer "
		"could not be read to its end (a cap, an unknown media type, a digest mismatch). "
		"Not evaluated without --image-layers. Messages name files and detectors, never content.",
		"Anyone who can pull the image reads every file of every layer, including files a "
		"later Dockerfile step deleted.",
		"Add the file to `.dockerignore` (or use `fly deploy --build-secret` and "
		"`RUN --mount=type=secret`), redeploy, and rotate the credential (it stays in every "
		"earlier image).",
		refs_env_file, "machine", tags_secrets, cis_secrets_image, soc2_secrets_image},
	[FA_CK_IMAGE_HISTORY] = {
		"secrets.image_history", FA_SEV_CRITICAL,
		"Secrets are not in the image's build history",
		"All secrets stored via fly secrets set, not in fly.toml",
		"Reads the build history of the image config each machine runs and fails when a "
		"step carries a credential: `--build-arg`/`ARG` values show as `NAME=value` before "
		"each `RUN`, and `ENV` steps keep their values. Step texts are never stored.",
		"Build arguments are saved in the image for good: anyone who can pull it reads them.",
		"Pass build-time secrets with `fly deploy --build-secret NAME=...` and "
		"`RUN --mount=type=secret,id=NAME` instead of `--build-arg`; redeploy and rotate "
		"the credential.",
		refs_secrets, "machine", tags_secrets, cis_secrets_image, soc2_secrets_image},
	[FA_CK_PLAINTEXT_ENV] = {
		"secrets.plaintext_env", FA_SEV_CRITICAL,
		"Secrets are not in [env]",
		"All secrets stored via fly secrets set, not in fly.toml",
		"Fails when a machine's config.env, processes[].env or a container's env holds a "
		"value in a known credential format (Fly token, AWS key, Stripe secret or restricted "
		"key, GitHub token, Slack token, SendGrid key, Google API key, PEM private key, JWT, "
		"URL with a password), a secret-like name (...SECRET..., ...PASSWORD..., ...TOKEN..., "
		"...API_KEY..., ...PRIVATE_KEY..., ..._KEY, ...CREDENTIAL...) with a non-trivial "
		"value, or a name that is also an app secret. The same detectors also read the places "
		"credentials hide outside env: health-check header values (machine, service and "
		"container checks; an Authorization or Cookie header with a value always counts), "
		"inline files (`files[].raw_value`, decoded; `secret_name` files are the safe form), "
		"and command lines (`init.exec/entrypoint/cmd`, `processes[]`, each container's). "
		"Messages name the variable or the place (`check \"http\" header Authorization`, "
		"`file /app/.env`, `init.cmd argument 3`, `container nginx env TOKEN`), never values.",
		"[env] values live in fly.toml, version control, CI logs and the machine config, "
		"readable by anyone with read access to the app or the repository; headers, inline "
		"files and command lines are in the same machine config.",
		"`fly secrets set NAME=...` for each credential named, then remove it from [env] in "
		"fly.toml (check headers: read the secret in the app instead; inline files: use "
		"`[[files]] secret_name = \"NAME\"`; command lines: read it from the environment) "
		"and `fly deploy`; rotate every credential that was in the config.",
		refs_secrets, "machine", tags_secrets,
		cis_secrets_plaintext_env, soc2_secrets_plaintext_env},
	[FA_CK_CERT_NOT_READY] = {
		"tls.certificate_not_ready", FA_SEV_MEDIUM,
		"Custom-domain certificates are active",
		"HTTPS forced with force_https = true",
		"Fails when a custom-domain certificate is not `active` or its DNS is not configured. "
		"Readiness is read as flyctl reads it, from `status`, `configured`, "
		"`has_custom_certificate` and the `acme_dns/alpn/http_configured` flags together: an "
		"active, configured certificate passes with a custom certificate or an ACME challenge "
		"configured, and is unknown when no challenge is configured or the API does not say.",
		"Visitors of the domain get certificate errors or no TLS at all, and a stale DNS "
		"record pointing elsewhere can be taken over.",
		"`fly certs check HOSTNAME -a APP`, create the DNS records it prints (A/AAAA or CNAME, "
		"and the _acme-challenge CNAME), or `fly certs remove HOSTNAME -a APP` if unused.",
		refs_certs, "certificate", tags_tls,
		cis_tls_certificate_not_ready, soc2_tls_certificate_not_ready},
	[FA_CK_HTTPS_NOT_FORCED] = {
		"tls.https_not_forced", FA_SEV_HIGH,
		"HTTPS is forced on public HTTP ports",
		"HTTPS forced with force_https = true",
		"Fails when a public port has the `http` handler, no `tls` handler, and force_https "
		"is not true (Fly's default when absent is false).",
		"Plain-HTTP requests carry cookies, credentials and tokens in clear text and can be "
		"modified in transit.",
		"Set `[http_service] force_https = true` in fly.toml (or `force_https = true` on the "
		"port-80 [[services.ports]]), then `fly deploy`.",
		refs_https, "machine", tags_tls,
		cis_tls_https_not_forced, soc2_tls_https_not_forced},
	[FA_CK_WEAK_PROTOCOLS] = {
		"tls.weak_protocols", FA_SEV_MEDIUM,
		"TLS 1.0 and 1.1 are not allowed",
		"HTTPS forced with force_https = true",
		"Fails when a port's tls_options.versions allows TLS 1.0 or TLS 1.1. Ports without "
		"tls_options use Fly's defaults and pass.",
		"TLS 1.0/1.1 are deprecated (RFC 8996) and allow downgrade attacks on clients that "
		"still speak them.",
		"Set `[[services.ports]] tls_options = { versions = [\"TLSv1.2\", \"TLSv1.3\"] }` "
		"(or remove tls_options.versions), then `fly deploy`.",
		refs_tlsopt, "machine", tags_tls,
		cis_tls_weak_protocols, soc2_tls_weak_protocols},
	[FA_CK_AUDITOR_EXPIRING] = {
		"tokens.auditor_expiring", FA_SEV_LOW,
		"The audit token does not expire within 14 days",
		"Fly API token stored securely in CI/CD secrets",
		"Fails when the token flyaudit runs with expires within 14 days (scheduled audits "
		"would stop).",
		"A scheduled audit silently stops running when its token expires.",
		"Mint a new one before it lapses: `fly tokens create readonly ORG -x 2160h`, store it "
		"in the CI/CD secret store, and revoke the old one (`fly tokens revoke ID`).",
		refs_readonly, "token", tags_tokens,
		cis_tokens_auditor_expiring, soc2_tokens_auditor_expiring},
	[FA_CK_AUDITOR_NOT_READONLY] = {
		"tokens.auditor_not_readonly", FA_SEV_MEDIUM,
		"flyaudit runs with a read-only token",
		"Deploy tokens have minimal permissions",
		"Fails when the token flyaudit runs with can write, or is a user token. Passes for a "
		"macaroon whose caveats restrict it to read. Unknown when it cannot be decoded.",
		"An audit job holding a write token is an attractive target: whoever reads its "
		"secret store can deploy, destroy or read secrets of every app.",
		"`fly tokens create readonly ORG -x 2160h` and give flyaudit that token.",
		refs_readonly, "token", tags_tokens,
		cis_tokens_auditor_not_readonly, soc2_tokens_auditor_not_readonly},
	[FA_CK_LONG_LIVED] = {
		"tokens.long_lived", FA_SEV_MEDIUM,
		"Tokens expire within a year",
		"Deploy tokens have minimal permissions",
		"Fails when a live (not revoked, not expired) org or app token never expires or "
		"lives longer than 365 days from now (flyctl's default expiry is 20 years). Revoked "
		"and expired tokens are not reported: they can no longer be used.",
		"A leaked long-lived token (in a CI log, a laptop, a former employee's shell history) "
		"stays usable for years.",
		"Replace it with a short-lived one, e.g. `fly tokens create deploy -a APP -x 720h` "
		"(or `fly tokens create readonly ORG -x 720h`), then `fly tokens revoke ID`.",
		refs_tokens, "token", tags_tokens,
		cis_tokens_long_lived, soc2_tokens_long_lived},
	[FA_CK_OWNER_NOT_MEMBER] = {
		"tokens.owner_not_member", FA_SEV_HIGH,
		"Live tokens were created by current members",
		"Deploy tokens have minimal permissions (audit token use)",
		"One result per live (not revoked, not expired) org or app token: fails when the "
		"email of the user who created it (LimitedAccessToken.user) is not a current member "
		"of the org; unknown when the token names no user or the member list could not be "
		"read.",
		"Removing a person from the org does not revoke the tokens they minted: the "
		"offboarded person's deploy token keeps deploying.",
		"Revoke it and, if a job still needs one, mint a new token owned by a current member: "
		"`fly tokens list -o ORG` (or `-a APP`), `fly tokens revoke ID`, then "
		"`fly tokens create deploy -a APP -x 720h`.",
		refs_owner, "token", tags_tokens,
		cis_tokens_owner_not_member, soc2_tokens_owner_not_member},
	[FA_CK_UNDISCHARGED] = {
		"tokens.undischarged", FA_SEV_INFO,
		"The audit token carries no undischarged third-party caveats",
		"Fly API token stored securely in CI/CD secrets",
		"Informational: the running token has third-party caveats without a discharge "
		"macaroon, so requests that need them will be refused.",
		"Parts of the audit can fail with authorization errors, giving unknown results.",
		"Use a token minted for automation (`fly tokens create readonly ORG`) rather than one "
		"that needs an interactive login discharge.",
		refs_readonly, "token", tags_tokens,
		cis_tokens_undischarged, soc2_tokens_undischarged},
	[FA_CK_NO_BACKUPS] = {
		"volumes.no_backups", FA_SEV_LOW,
		"Volumes have automatic snapshots",
		"Volumes encrypted at rest (Fly.io default) (data safety)",
		"Fails when a volume has auto_backup_enabled false (daily snapshots are on by "
		"default).",
		"A lost or corrupted volume cannot be restored.",
		"`fly volumes update VOLUME_ID --scheduled-snapshots=true --snapshot-retention 5`.",
		refs_backups, "volume", tags_backups,
		cis_volumes_no_backups, soc2_volumes_no_backups},
	[FA_CK_UNENCRYPTED] = {
		"volumes.unencrypted", FA_SEV_HIGH,
		"Volumes are encrypted at rest",
		"Volumes encrypted at rest (Fly.io default)",
		"Fails when a volume has encrypted false; unknown when the API does not say.",
		"Data on an unencrypted volume is readable from the underlying disk outside the VM.",
		"Volumes cannot be encrypted in place: `fly volumes create NAME --encrypted -r REGION`, "
		"copy the data (or `fly volumes fork`), point [mounts] at it, then "
		"`fly volumes destroy OLD_ID`.",
		refs_volumes, "volume", tags_volumes,
		cis_volumes_unencrypted, soc2_volumes_unencrypted},
};

const fa_check_meta *fa_checks(size_t *n)
{
	if (n)
		*n = FA_CK_COUNT;
	return catalog;
}

const fa_check_meta *fa_check_find(const char *id)
{
	size_t i;

	if (!id)
		return NULL;
	for (i = 0; i < FA_CK_COUNT; i++)
		if (strcmp(catalog[i].id, id) == 0)
			return &catalog[i];
	return NULL;
}

const fa_check_meta *fa_chk_meta(int idx)
{
	if (idx < 0 || idx >= FA_CK_COUNT)
		return NULL;
	return &catalog[idx];
}

/* ---- messages ------------------------------------------------------------------ */

void fa_msg_init(fa_msg *m)
{
	m->buf[0] = '\0';
	m->len = 0;
	m->cut = false;
}

/* Appends n bytes, replacing control characters so the message stays one line. */
static void msg_put(fa_msg *m, const char *s, size_t n)
{
	size_t room;
	size_t i;

	if (m->cut)
		return;
	room = sizeof(m->buf) - 4 - m->len; /* keep room for "..." and NUL */
	if (n > room) {
		n = room;
		m->cut = true;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		m->buf[m->len++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	m->buf[m->len] = '\0';
}

void fa_msg_add(fa_msg *m, const char *s)
{
	if (s)
		msg_put(m, s, strlen(s));
}

void fa_msg_addf(fa_msg *m, const char *fmt, ...)
{
	char tmp[FA_MSG_MAX];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	if ((size_t)k >= sizeof(tmp)) {
		msg_put(m, tmp, sizeof(tmp) - 1);
		m->cut = true;
		return;
	}
	msg_put(m, tmp, (size_t)k);
}

const char *fa_msg_str(fa_msg *m)
{
	/* idempotent: the "..." goes after len, which stays put */
	if (m->cut)
		memcpy(m->buf + m->len, "...", 4);
	return m->buf;
}

/* ---- emitting ---------------------------------------------------------------------- */

int fa_chk_emit(fa_run *r, int idx, fa_status st, const char *type, const char *id,
		const char *name, const char *region, const char *message)
{
	const char *org;

	if (r->err)
		return r->err;
	org = r->ctx && r->ctx->org ? r->ctx->org : (r->app ? r->app->org_slug : NULL);
	if (fa_results_add(r->out, fa_chk_meta(idx), st, org, r->app ? r->app->name : NULL,
			   type, id, name, region, message) < 0)
		r->err = -1;
	return r->err;
}

int fa_chk_emit_machine(fa_run *r, int idx, fa_status st, const fa_machine *m,
			const char *message)
{
	return fa_chk_emit(r, idx, st, "machine", m->id ? m->id : "(no id)", m->name, m->region,
			   message);
}

bool fa_chk_loaded(const fa_app *app, fa_endpoint ep)
{
	return app && ep >= 0 && ep < FA_EP_COUNT && app->load[ep].loaded;
}

void fa_chk_load_reason_l(fa_msg *m, const fa_load *l, const char *what)
{
	if (!what)
		what = "?";
	if (!l->tried && !l->message) {
		fa_msg_addf(m, "%s were not read", what);
		return;
	}
	fa_msg_addf(m, "%s could not be read", what);
	if (l->status > 0)
		fa_msg_addf(m, ": HTTP %d", l->status);
	else
		fa_msg_add(m, ": transport error");
	if (l->message && l->message[0]) {
		fa_msg_add(m, ": ");
		fa_msg_add(m, l->message);
	}
}

void fa_chk_load_reason(fa_msg *m, const fa_app *app, fa_endpoint ep)
{
	fa_chk_load_reason_l(m, &app->load[ep], fa_endpoint_name(ep));
}

int fa_chk_emit_load_unknown(fa_run *r, int idx, fa_endpoint ep)
{
	fa_msg m;

	fa_msg_init(&m);
	fa_chk_load_reason(&m, r->app, ep);
	return fa_chk_emit(r, idx, FA_STATUS_UNKNOWN, "app", r->app->name ? r->app->name : "(no name)",
			   NULL, NULL, fa_msg_str(&m));
}

bool fa_chk_machine_audited(const fa_machine *m)
{
	return fa_machine_audited(m);
}

bool fa_chk_service_public(const fa_service *s)
{
	return s->n_ports > 0;
}

/* ---- RFC 3339 ------------------------------------------------------------------------ */

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned mo, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static int days_in_month(int y, int mo)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mo == 2 && leap ? 29 : dm[mo - 1];
}

int fa_chk_parse_rfc3339(const char *s, long long *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0;
	long long off = 0;
	const char *p;

	if (!s || strlen(s) < 20)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		off = (long long)oh * 3600 + (long long)om * 60;
		if (*p == '+')
			off = -off;
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	if (sec == 60)
		sec = 59; /* a leap second: close enough for expiry arithmetic */
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + (long long)h * 3600 +
	       (long long)mi * 60 + sec + off;
	return 0;
}

/* ---- entry points ------------------------------------------------------------------ */

int fa_audit_app(const fa_audit_ctx *ctx, const fa_app *app, fa_results *out)
{
	fa_run r;

	if (!ctx || !app || !out)
		return -1;
	r.ctx = ctx;
	r.app = app;
	r.out = out;
	r.err = 0;
	fa_chk_machines(&r);
	fa_chk_app_network(&r);
	fa_chk_drift(&r);
	fa_chk_images(&r);
	fa_chk_volumes(&r);
	fa_chk_certs(&r);
	fa_chk_tokens(&r, app->tokens, app->n_tokens, &app->load[FA_EP_TOKENS]);
	return r.err;
}

int fa_audit_org(const fa_audit_ctx *ctx, const fa_inventory *inv, fa_results *out)
{
	fa_run r;

	if (!ctx || !out)
		return -1;
	r.ctx = ctx;
	r.app = NULL;
	r.out = out;
	r.err = 0;
	if (inv) {
		fa_chk_tokens(&r, inv->org_tokens, inv->n_org_tokens, &inv->org_tokens_load);
		fa_chk_access(&r, &inv->access);
	}
	fa_chk_self(&r);
	return r.err;
}
