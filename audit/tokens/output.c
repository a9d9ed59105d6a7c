/* tokens/output.c: what `flyaudit whoami` prints about a decoded token (JSON and text),
 * and the fa_self summary the audit keeps. Never prints the token itself. */
#include "flyaudit/macaroon.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a JSON writer with a sticky error -------------------------------------------------- */

typedef struct jw {
	fa_buf *b;
	int err;
} jw;

static void put(jw *w, const char *s)
{
	if (!w->err && fa_buf_adds(w->b, s) != 0)
		w->err = -1;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void putf(jw *w, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		w->err = -1;
		return;
	}
	put(w, tmp);
}

/* Length of a valid UTF-8 sequence at s (0 if invalid). */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return 0;
		if (s[0] == 0xed && s[1] > 0x9f)
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xf0 && s[1] < 0x90)
			return 0;
		if (s[0] == 0xf4 && s[1] > 0x8f)
			return 0;
		return 4;
	}
	return 0;
}

/* A JSON string; invalid UTF-8 becomes U+FFFD. */
static void put_jstr(jw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	put(w, "\"");
	while (*p && !w->err) {
		size_t n;

		if (*p == '"' || *p == '\\') {
			putf(w, "\\%c", *p);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			putf(w, "\\u%04x", *p);
			p++;
		} else if ((n = utf8_len(p)) == 0) {
			put(w, "\\ufffd");
			p++;
		} else {
			if (fa_buf_add(w->b, p, n) != 0)
				w->err = -1;
			p += n;
		}
	}
	put(w, "\"");
}

/* Text output: printable ASCII only. */
static void put_tstr(jw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char ch[2] = { 0, 0 };

	for (; *p && !w->err; p++) {
		ch[0] = (*p >= 0x20 && *p < 0x7f) ? (char)*p : '?';
		put(w, ch);
	}
}

/* ---- time ----------------------------------------------------------------------------- */

/* RFC 3339 UTC, clamped to years 0000..9999. */
static void rfc3339(int64_t t, char *buf, size_t len)
{
	const int64_t lo = -62167219200LL, hi = 253402300799LL; /* 0000-01-01 .. 9999-12-31 */
	int64_t days, secs, z, era, doe, yoe, y, doy, mp, d, m;

	if (t < lo)
		t = lo;
	if (t > hi)
		t = hi;
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* civil_from_days (H. Hinnant) */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	snprintf(buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y,
		(long long)m, (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
		(long long)(secs % 60));
}

static void put_time_or_null(jw *w, bool has, int64_t t)
{
	char tb[40];

	if (!has) {
		put(w, "null");
		return;
	}
	rfc3339(t, tb, sizeof(tb));
	put_jstr(w, tb);
}

static bool is_expired(const fa_token_info *info, time_t now)
{
	return info && info->kind == FA_TOKEN_KIND_MACAROON && info->has_expiry &&
		(int64_t)now > info->expires_at;
}

/* ---- caveat bodies ---------------------------------------------------------------------- */

static void put_access(jw *w, uint64_t mask)
{
	char ab[40];

	put_jstr(w, fa_access_string(mask, ab, sizeof(ab)));
}

static void put_rs(jw *w, const fa_rs *rs)
{
	size_t i;

	put(w, "{");
	for (i = 0; i < rs->n; i++) {
		char kb[24];

		if (i)
			put(w, ",");
		if (rs->items[i].key) {
			put_jstr(w, rs->items[i].key);
		} else {
			snprintf(kb, sizeof(kb), "%llu", (unsigned long long)rs->items[i].id);
			put_jstr(w, kb);
		}
		put(w, ":");
		put_access(w, rs->items[i].mask);
	}
	put(w, "}");
}

static void put_strs(jw *w, char *const *strs, size_t n)
{
	size_t i;

	put(w, "[");
	for (i = 0; i < n; i++) {
		if (i)
			put(w, ",");
		put_jstr(w, strs[i]);
	}
	put(w, "]");
}

static void put_caveats(jw *w, const fa_caveat *cavs, size_t n);

static void put_body(jw *w, const fa_caveat *c)
{
	size_t i;

	if (!c->known) {
		putf(w, "{\"raw_bytes\":%zu}", c->raw_len);
		return;
	}
	switch (c->type) {
	case FA_CAV_ORGANIZATION:
		putf(w, "{\"id\":%llu,\"access\":", (unsigned long long)c->num);
		put_access(w, c->mask);
		put(w, "}");
		break;
	case FA_CAV_VOLUMES:
	case FA_CAV_APPS:
	case FA_CAV_FEATURE_SET:
	case FA_CAV_MACHINES:
	case FA_CAV_MACHINE_FEATURE_SET:
	case FA_CAV_CLUSTERS:
	case FA_CAV_APP_FEATURE_SET:
	case FA_CAV_STORAGE_OBJECTS:
		put(w, "{\"resources\":");
		put_rs(w, &c->rs);
		put(w, "}");
		break;
	case FA_CAV_VALIDITY_WINDOW:
		putf(w, "{\"not_before\":%lld,\"not_after\":%lld}", (long long)c->not_before,
			(long long)c->not_after);
		break;
	case FA_CAV_MUTATIONS:
		put(w, "{\"mutations\":");
		put_strs(w, c->strs, c->n_strs);
		put(w, "}");
		break;
	case FA_CAV_CONFINE_USER:
	case FA_CAV_CONFINE_ORGANIZATION:
	case FA_CAV_IS_USER:
	case FA_CAV_CONFINE_GITHUB_ORG:
	case FA_CAV_FLYIO_USER_ID:
	case FA_CAV_GITHUB_USER_ID:
		putf(w, "{\"id\":%llu}", (unsigned long long)c->num);
		break;
	case FA_CAV_MAX_VALIDITY:
		putf(w, "{\"seconds\":%llu}", (unsigned long long)c->num);
		break;
	case FA_CAV_ALLOWED_ROLES:
		putf(w, "{\"roles\":%llu}", (unsigned long long)c->num);
		break;
	case FA_CAV_THIRD_PARTY:
		put(w, "{\"location\":");
		put_jstr(w, c->n_strs ? c->strs[0] : "");
		putf(w, ",\"discharged\":%s,\"ticket_bytes\":%zu}", c->discharged ? "true" : "false",
			c->ticket_len);
		break;
	case FA_CAV_BIND_TO_PARENT:
		putf(w, "{\"bytes\":%zu}", c->n_bytes);
		break;
	case FA_CAV_GOOGLE_USER_ID:
		put(w, "{\"id\":\"");
		for (i = 0; i < c->n_bytes; i++)
			putf(w, "%02x", c->bytes[i]);
		put(w, "\"}");
		break;
	case FA_CAV_IF_PRESENT:
		put(w, "{\"ifs\":");
		put_caveats(w, c->ifs, c->n_ifs);
		put(w, ",\"else\":");
		put_access(w, c->mask);
		put(w, "}");
		break;
	case FA_CAV_FROM_MACHINE_SOURCE:
		put(w, "{\"machine\":");
		put_jstr(w, c->n_strs ? c->strs[0] : "");
		put(w, "}");
		break;
	case FA_CAV_CONFINE_GOOGLE_HD:
		put(w, "{\"hosted_domain\":");
		put_jstr(w, c->n_strs ? c->strs[0] : "");
		put(w, "}");
		break;
	case FA_CAV_IS_MEMBER:
		put(w, "{}");
		break;
	case FA_CAV_ACTION:
		put(w, "{\"access\":");
		put_access(w, c->mask);
		put(w, "}");
		break;
	case FA_CAV_COMMANDS:
		put(w, "{\"commands\":[");
		for (i = 0; i < c->n_cmds; i++) {
			if (i)
				put(w, ",");
			put(w, "{\"args\":");
			put_strs(w, c->cmds[i].args, c->cmds[i].n_args);
			putf(w, ",\"exact\":%s}", c->cmds[i].exact ? "true" : "false");
		}
		put(w, "]}");
		break;
	case FA_CAV_FLY_SRC:
		put(w, "{\"organization\":");
		put_jstr(w, c->n_strs > 0 ? c->strs[0] : "");
		put(w, ",\"app\":");
		put_jstr(w, c->n_strs > 1 ? c->strs[1] : "");
		put(w, ",\"instance\":");
		put_jstr(w, c->n_strs > 2 ? c->strs[2] : "");
		put(w, "}");
		break;
	default:
		put(w, "{}");
		break;
	}
}

static void put_caveats(jw *w, const fa_caveat *cavs, size_t n)
{
	size_t i;

	put(w, "[");
	for (i = 0; i < n; i++) {
		if (i)
			put(w, ",");
		putf(w, "{\"type\":%llu,\"name\":", (unsigned long long)cavs[i].type);
		put_jstr(w, fa_caveat_name(cavs[i].type));
		put(w, ",\"body\":");
		put_body(w, &cavs[i]);
		put(w, "}");
	}
	put(w, "]");
}

/* ---- whoami JSON ------------------------------------------------------------------------ */

static bool looks_like_object(const char *s)
{
	size_t n;

	if (!s)
		return false;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return n >= 2 && s[0] == '{' && s[n - 1] == '}';
}

int fa_whoami_json(const fa_token_info *info, time_t now, const char *api_json, fa_buf *out)
{
	jw w = { out, 0 };
	bool mac = info && info->kind == FA_TOKEN_KIND_MACAROON;
	size_t i, k;

	if (!out)
		return -1;
	put(&w, "{\"kind\":");
	put(&w, mac ? "\"macaroon\"" : (info && info->kind == FA_TOKEN_KIND_USER) ? "\"user\"" :
		"\"unknown\"");
	put(&w, ",\"org_id\":");
	if (mac && info->has_org)
		putf(&w, "%llu", (unsigned long long)info->org_id);
	else
		put(&w, "null");
	put(&w, ",\"apps\":");
	if (mac && info->apps_restricted) {
		put(&w, "[");
		for (i = 0; i < info->n_apps; i++)
			putf(&w, "%s%llu", i ? "," : "", (unsigned long long)info->apps[i]);
		put(&w, "]");
	} else {
		put(&w, "null");
	}
	put(&w, ",\"access\":");
	if (mac)
		put_access(&w, info->access);
	else
		put(&w, "null");
	putf(&w, ",\"read_only\":%s", mac && info->read_only ? "true" : "false");
	put(&w, ",\"not_before\":");
	put_time_or_null(&w, mac && info->has_not_before, mac ? info->not_before : 0);
	put(&w, ",\"expires_at\":");
	put_time_or_null(&w, mac && info->has_expiry, mac ? info->expires_at : 0);
	putf(&w, ",\"expired\":%s", is_expired(info, now) ? "true" : "false");
	put(&w, ",\"user_id\":");
	if (mac && info->has_user)
		putf(&w, "%llu", (unsigned long long)info->user_id);
	else
		put(&w, "null");
	put(&w, ",\"features\":");
	if (mac && info->features_restricted)
		put_rs(&w, &info->features);
	else
		put(&w, "null");
	put(&w, ",\"mutations\":");
	if (mac && info->mutations_restricted)
		put_strs(&w, info->mutations, info->n_mutations);
	else
		put(&w, "null");
	put(&w, ",\"third_party\":[");
	for (i = 0; mac && i < info->n_third_party; i++) {
		put(&w, i ? ",{\"location\":" : "{\"location\":");
		put_jstr(&w, info->third_party[i].location);
		putf(&w, ",\"discharged\":%s}", info->third_party[i].discharged ? "true" : "false");
	}
	put(&w, "],\"caveats\":[");
	for (i = 0, k = 0; mac && i < info->n_macs; i++) {
		const fa_macaroon *m = &info->macs[i];

		if (m->n_caveats == 0)
			continue;
		if (k++)
			put(&w, ",");
		/* the list of this macaroon without its brackets */
		{
			fa_buf tmp = FA_BUF_INIT(0);
			jw tw = { &tmp, 0 };

			put_caveats(&tw, m->caveats, m->n_caveats);
			if (tw.err || tmp.len < 2) {
				w.err = -1;
			} else if (!w.err && fa_buf_add(out, tmp.data + 1, tmp.len - 2) != 0) {
				w.err = -1;
			}
			fa_buf_release(&tmp);
		}
	}
	put(&w, "],\"api\":");
	if (looks_like_object(api_json)) {
		const char *s = api_json;
		size_t n;

		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
			s[n - 1] == '\n'))
			n--;
		if (!w.err && fa_buf_add(out, s, n) != 0)
			w.err = -1;
	} else {
		put(&w, "null");
	}
	put(&w, "}");
	if (w.err) {
		fa_buf_release(out);
		return -1;
	}
	return 0;
}

/* ---- whoami text ------------------------------------------------------------------------ */

static void put_duration(jw *w, int64_t secs)
{
	if (secs >= 2 * 86400)
		putf(w, "%lld days", (long long)(secs / 86400));
	else if (secs >= 2 * 3600)
		putf(w, "%lld hours", (long long)(secs / 3600));
	else if (secs >= 120)
		putf(w, "%lld minutes", (long long)(secs / 60));
	else
		putf(w, "%lld seconds", (long long)secs);
}

static void put_rs_text(jw *w, const fa_rs *rs)
{
	size_t i;
	char ab[40];

	for (i = 0; i < rs->n && i < 10; i++) {
		if (i)
			put(w, ", ");
		if (rs->items[i].key)
			put_tstr(w, rs->items[i].key[0] ? rs->items[i].key : "(all)");
		else
			putf(w, "%llu", (unsigned long long)rs->items[i].id);
		putf(w, " (%s)", fa_access_string(rs->items[i].mask, ab, sizeof(ab)));
	}
	if (rs->n > 10)
		putf(w, " and %zu more", rs->n - 10);
	if (rs->n == 0)
		put(w, "none");
}

static void text_macaroon(jw *w, const fa_token_info *info, time_t now)
{
	char ab[40];
	size_t i, k;

	/* the sentence */
	if (info->read_only)
		put(w, info->access & FA_ACT_READ ? "read-only" : "no access");
	else if ((info->access & FA_ACT_ALL) == FA_ACT_ALL)
		put(w, "full access (rwcdC)");
	else
		putf(w, "access %s", fa_access_string(info->access, ab, sizeof(ab)));
	if (info->org_conflict)
		put(w, " on conflicting orgs (it can never work)");
	else if (info->has_org)
		putf(w, " on org %llu", (unsigned long long)info->org_id);
	else
		put(w, " on any org");
	if (!info->apps_restricted) {
		put(w, ", all apps");
	} else if (info->n_apps == 0) {
		put(w, ", no apps");
	} else {
		put(w, info->n_apps == 1 ? ", app " : ", apps ");
		for (i = 0; i < info->n_apps && i < 10; i++)
			putf(w, "%s%llu", i ? ", " : "", (unsigned long long)info->apps[i]);
		if (info->n_apps > 10)
			putf(w, " and %zu more", info->n_apps - 10);
		if (info->n_apps == 1)
			put(w, " only");
	}
	if (!info->has_expiry) {
		put(w, ", no expiry in the token");
	} else if ((int64_t)now > info->expires_at) {
		put(w, ", EXPIRED ");
		put_duration(w, (int64_t)now - info->expires_at);
		put(w, " ago");
	} else {
		put(w, ", expires in ");
		put_duration(w, info->expires_at - (int64_t)now);
	}
	put(w, ".\n");

	/* what else a person needs to act on */
	if (info->has_not_before && info->not_before > (int64_t)now) {
		char tb[40];

		rfc3339(info->not_before, tb, sizeof(tb));
		putf(w, "Not valid before %s.\n", tb);
	}
	if (info->has_else)
		putf(w, "Outside the resources it names, it falls back to %s.\n",
			(info->else_mask & ~(uint64_t)FA_ACT_READ) == 0 ?
				(info->else_mask ? "read-only" : "no access") :
				fa_access_string(info->else_mask, ab, sizeof(ab)));
	if (info->features_restricted) {
		put(w, "Org features: ");
		put_rs_text(w, &info->features);
		put(w, ".\n");
	}
	if (info->mutations_restricted) {
		put(w, "GraphQL mutations allowed: ");
		for (i = 0; i < info->n_mutations && i < 10; i++) {
			if (i)
				put(w, ", ");
			put_tstr(w, info->mutations[i]);
		}
		if (info->n_mutations == 0)
			put(w, "none");
		put(w, ".\n");
	}
	if (info->machines_restricted) {
		put(w, "Machines: ");
		put_rs_text(w, &info->machines);
		put(w, ".\n");
	}
	if (info->volumes_restricted) {
		put(w, "Volumes: ");
		put_rs_text(w, &info->volumes);
		put(w, ".\n");
	}
	for (i = 0; i < info->n_commands; i++) {
		const fa_caveat *c = info->commands[i];

		put(w, "Machine exec limited to: ");
		for (k = 0; k < c->n_cmds && k < 5; k++) {
			size_t a;

			if (k)
				put(w, "; ");
			if (c->cmds[k].n_args == 0) {
				put(w, "any command");
				continue;
			}
			for (a = 0; a < c->cmds[k].n_args && a < 8; a++) {
				if (a)
					put(w, " ");
				put_tstr(w, c->cmds[k].args[a]);
			}
			put(w, c->cmds[k].exact ? " (exact)" : " (prefix)");
		}
		if (c->n_cmds == 0)
			put(w, "nothing");
		put(w, ".\n");
	}
	if (info->has_user)
		putf(w, "Discharged for Fly user %llu.\n", (unsigned long long)info->user_id);
	if (info->n_undischarged) {
		putf(w, "%zu third-party caveat%s without a discharge (", info->n_undischarged,
			info->n_undischarged == 1 ? "" : "s");
		for (i = 0, k = 0; i < info->n_third_party; i++) {
			if (info->third_party[i].discharged)
				continue;
			if (k++)
				put(w, ", ");
			put_tstr(w, info->third_party[i].location);
		}
		put(w, "): the token will not work until it is discharged again (log in, or mint a "
			"new token with `fly tokens create`).\n");
	}
	if (info->n_unknown)
		putf(w, "%zu caveat%s of unknown type skipped.\n", info->n_unknown,
			info->n_unknown == 1 ? "" : "s");
	put(w, "Decoded offline: these are the token's own claims, not verified by Fly.\n");
}

int fa_whoami_text(const fa_token_info *info, time_t now, fa_buf *out)
{
	jw w = { out, 0 };

	if (!out)
		return -1;
	if (info && info->kind == FA_TOKEN_KIND_MACAROON) {
		text_macaroon(&w, info, now);
	} else if (info && info->kind == FA_TOKEN_KIND_USER) {
		put(&w, "user token (opaque): it acts with every right of its Fly user, in every org "
			"they belong to; nothing more can be read from it offline.\n"
			"For audits, use a read-only token: `fly tokens create readonly`.\n");
	} else {
		put(&w, "unknown token: it could not be decoded.\n");
	}
	if (w.err) {
		fa_buf_release(out);
		return -1;
	}
	return 0;
}

/* ---- fa_self ---------------------------------------------------------------------------- */

static char *dup_line(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);

	if (p)
		memcpy(p, s, n + 1);
	return p;
}

int fa_self_from_token(const char *token, time_t now, fa_self *out)
{
	fa_token_info *info = NULL;
	char err[256];
	int rc;

	if (!out)
		return FA_MAC_EARG;
	memset(out, 0, sizeof(*out));
	out->kind = FA_TOKEN_KIND_UNKNOWN;
	out->read_only = FA_TRI_UNKNOWN;
	out->org_id = -1;
	if (!token) {
		out->error = dup_line("no token");
		return FA_MAC_EARG;
	}
	rc = fa_macaroon_decode(token, strlen(token), now, &info, err, sizeof(err));
	if (rc) {
		out->error = dup_line(err[0] ? err : "token could not be decoded");
		return rc;
	}
	out->kind = info->kind;
	if (info->kind == FA_TOKEN_KIND_MACAROON) {
		out->decoded = true;
		out->read_only = info->read_only ? FA_TRI_TRUE : FA_TRI_FALSE;
		out->access = (unsigned)(info->access & 0xffffffffu);
		out->org_id = info->has_org && info->org_id <= (uint64_t)INT64_MAX ?
			(long long)info->org_id : -1;
		if (info->has_expiry)
			out->expires_at = info->expires_at > 0 ? (time_t)info->expires_at : 1;
		out->n_undischarged = info->n_undischarged;
	} else {
		out->read_only = FA_TRI_FALSE;
		out->access = FA_ACT_ALL;
	}
	fa_token_info_free(info);
	return 0;
}
