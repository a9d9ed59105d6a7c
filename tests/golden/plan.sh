#!/bin/sh
# flyaudit fix plan for org demo, from report.json
# 4 failures. flyaudit ran none of this: review each block first.
# Steps that destroy or replace something are commented out under a WARNING.
# Secret values are never in this file: type them yourself.
set -eu

# ---- [critical] secrets.plaintext_env: app demo-web, machine 148e1234 (web-1) region iad
# env var STRIPE_KEY holds a Stripe secret key
# fix: `fly secrets set NAME=...` for each credential named, then remove it from [env] in fly.toml (check headers: read the secret in the app instead; inline files: use `[[files]] secret_name = "NAME"`; command lines: read it from the environment) and `fly deploy`; rotate every credential that was in the config.
fly secrets list -a 'demo-web'
# for each variable the finding names, set it as a secret (type the value
# yourself; it is not in this plan), then rotate it: it was readable in [env].
#   fly secrets set --stage NAME=VALUE -a 'demo-web'
# fly.toml edit:
#   remove those variables from [env]
# WARNING: a deploy replaces the app's machines (rolling restart). Uncomment only after review:
# fly deploy -a 'demo-web'

# ---- [high] tls.https_not_forced: app demo-web, machine 148e1234 (web-1) region iad
# port 80 has the http handler without force_https
# fix: Set `[http_service] force_https = true` in fly.toml (or `force_https = true` on the port-80 [[services.ports]]), then `fly deploy`.
# fly.toml edit:
#   [http_service]
#   force_https = true
# WARNING: a deploy replaces the app's machines (rolling restart). Uncomment only after review:
# fly deploy -a 'demo-web'

# ---- [medium] tokens.long_lived: app (org), token tok_1 (ci deploy)
# org token 'ci deploy' never expires
# fix: Replace it with a short-lived one, e.g. `fly tokens create deploy -a APP -x 720h` (or `fly tokens create readonly ORG -x 720h`), then `fly tokens revoke ID`.
# mint a short-lived replacement (it prints a secret: send it straight to
# your secret store, never to a file or log):
#   fly tokens create org -x 720h -o 'demo'
# WARNING: revoking breaks whatever still uses the token. Uncomment only after review:
# fly tokens revoke 'tok_1'

# ---- [high] volumes.unencrypted: app demo-db, volume vol_1 (pgdata) region ams
# volume pgdata is not encrypted
# fix: Volumes cannot be encrypted in place: `fly volumes create NAME --encrypted -r REGION`, copy the data (or `fly volumes fork`), point [mounts] at it, then `fly volumes destroy OLD_ID`.
fly volumes list -a 'demo-db'
# a volume cannot be encrypted in place: create an encrypted one, copy the data,
# point [mounts] at it, deploy, and only then destroy the old one:
#   fly volumes create 'pgdata' --encrypted -r 'ams' -a 'demo-db'
# WARNING: destroying a volume deletes its data for good. Uncomment only after review:
# fly volumes destroy 'vol_1' -a 'demo-db'
