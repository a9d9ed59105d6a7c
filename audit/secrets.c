/* secrets.c: classifies an env var (name + value) into FA_DET_* detector bits without
 * keeping the value. Pure: no allocation, reads only value[0..len), linear time. At the
 * end, fa_env_hash: the keyed hash that stands for a value in comparisons.
 *
 * Value detectors (any name): a prefix is only matched at a word start (the previous byte
 * is not [A-Za-z0-9_]; for JWTs not a base64url byte), so every scan is bounded.
 *
 * Name rule (FA_DET_SECRET_NAME): the name looks secret, is not exempt, and the value is
 * non-trivial. After trimming ASCII whitespace a value is TRIVIAL when it:
 *   - is shorter than 8 bytes, or is one byte repeated ("xxxxxxxx", "********");
 *   - is (case-insensitively) one of: true false null none nil undefined changeme
 *     example placeholder redacted <redacted> [redacted] disabled enabled;
 *   - is a number (optional sign, digits, at most one '.'): TTLs, ports, ids;
 *   - is an env reference: "${...}" or "$" followed by [A-Za-z0-9_] only;
 *   - is an absolute file path: starts with '/', holds another '/', and only [A-Za-z0-9._/-]
 *     (GOOGLE_APPLICATION_CREDENTIALS=/app/creds.json names a file, it is not a secret).
 * A name ending in _URL or _URI whose value is a URL ("scheme://...") without a password is
 * spared from the name rule too.
 */
#include "flyaudit/secrets.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flyaudit/model.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "flyaudit/buf.h"

#define JWT_HEADER_MAX 4096 /* base64url chars of a JWT header we accept */
#define JWT_DECODE_MAX 1024 /* of which we decode at most this many */
#define PEM_HEADER_SCAN 64  /* bytes after "-----BEGIN" searched for "PRIVATE KEY" */

/* ---- character classes (ASCII only, locale-free) -------------------------------- */

static bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(unsigned char c) { return is_upper(c) || is_lower(c); }
static bool is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
static bool is_word(unsigned char c) { return is_alnum(c) || c == '_'; }
static bool is_b64url(unsigned char c) { return is_alnum(c) || c == '_' || c == '-'; }
static bool is_b64any(unsigned char c) { return is_b64url(c) || c == '+' || c == '/'; }
static bool is_upper_digit(unsigned char c) { return is_upper(c) || is_digit(c); }
static bool is_slack(unsigned char c) { return is_alnum(c) || c == '-'; }
static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
static unsigned char to_lower(unsigned char c) { return is_upper(c) ? (unsigned char)(c + 32) : c; }

typedef bool (*char_class)(unsigned char c);

/* Byte i of the value (caller guarantees i < len). */
#define AT(v, i) ((unsigned char)(v)[(i)])

/* True when the literal `lit` appears at v[i..] within len. */
static bool has_at(const char *v, size_t len, size_t i, const char *lit)
{
	size_t n = strlen(lit);

	if (i > len || len - i < n)
		return false;
	return memcmp(v + i, lit, n) == 0;
}

/* Length of the run of `cls` bytes starting at v[i], counting at most `cap`. */
static size_t run_len(const char *v, size_t len, size_t i, char_class cls, size_t cap)
{
	size_t n = 0;

	while (i + n < len && n < cap && cls(AT(v, i + n)))
		n++;
	return n;
}

/* True when v[i] starts a word: first byte, or the previous byte is not [A-Za-z0-9_]. */
static bool word_start(const char *v, size_t i)
{
	return i == 0 || !is_word(AT(v, i - 1));
}

/* ---- value detectors, each tried at one position --------------------------------- */

static bool fly_token_at(const char *v, size_t len, size_t i)
{
	static const char *const prefixes[] = { "FlyV1 ", "fm1a_", "fm1r_", "fm2_", "fo1_" };
	size_t k;

	for (k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++) {
		size_t pl = strlen(prefixes[k]);

		if (has_at(v, len, i, prefixes[k]) &&
		    run_len(v, len, i + pl, is_b64any, 20) >= 20)
			return true;
	}
	return false;
}

static bool aws_key_at(const char *v, size_t len, size_t i)
{
	size_t end = i + 20;

	if (!has_at(v, len, i, "AKIA") && !has_at(v, len, i, "ASIA"))
		return false;
	if (run_len(v, len, i + 4, is_upper_digit, 16) < 16)
		return false;
	return end >= len || !is_alnum(AT(v, end));
}

static bool stripe_key_at(const char *v, size_t len, size_t i)
{
	if (!has_at(v, len, i, "sk_live_") && !has_at(v, len, i, "rk_live_"))
		return false;
	return run_len(v, len, i + 8, is_alnum, 16) >= 16;
}

static bool github_token_at(const char *v, size_t len, size_t i)
{
	static const char *const prefixes[] = { "ghp_", "gho_", "ghs_", "ghu_", "ghr_" };
	size_t k;

	for (k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++) {
		if (has_at(v, len, i, prefixes[k]) && run_len(v, len, i + 4, is_alnum, 36) >= 36)
			return true;
	}
	return has_at(v, len, i, "github_pat_") && run_len(v, len, i + 11, is_word, 22) >= 22;
}

static bool slack_token_at(const char *v, size_t len, size_t i)
{
	unsigned char c;

	if (!has_at(v, len, i, "xox") || i + 4 >= len || AT(v, i + 4) != '-')
		return false;
	c = AT(v, i + 3);
	if (c != 'a' && c != 'b' && c != 'p' && c != 'r')
		return false;
	return run_len(v, len, i + 5, is_slack, 10) >= 10;
}

/* SG.<16..32 base64url>.<30..64 base64url> (real keys: 22 and 43). */
static bool sendgrid_key_at(const char *v, size_t len, size_t i)
{
	size_t a, b, j;

	if (!has_at(v, len, i, "SG."))
		return false;
	a = run_len(v, len, i + 3, is_b64url, 33);
	if (a < 16 || a > 32)
		return false;
	j = i + 3 + a;
	if (j >= len || AT(v, j) != '.')
		return false;
	b = run_len(v, len, j + 1, is_b64url, 65);
	return b >= 30 && b <= 64;
}

static bool google_key_at(const char *v, size_t len, size_t i)
{
	return has_at(v, len, i, "AIza") && run_len(v, len, i + 4, is_b64url, 35) >= 35;
}

/* "-----BEGIN <anything on the line> PRIVATE KEY-----" (also "PRIVATE KEY BLOCK-----"). */
static bool pem_private_at(const char *v, size_t len, size_t i)
{
	size_t j, stop;

	if (!has_at(v, len, i, "-----BEGIN"))
		return false;
	stop = i + 10 + PEM_HEADER_SCAN;
	for (j = i + 10; j < len && j < stop; j++) {
		if (AT(v, j) == '\n' || AT(v, j) == '\r')
			break;
		if (has_at(v, len, j, "PRIVATE KEY-----") ||
		    has_at(v, len, j, "PRIVATE KEY BLOCK-----"))
			return true;
	}
	return false;
}

static int b64url_value(unsigned char c)
{
	if (is_upper(c))
		return c - 'A';
	if (is_lower(c))
		return c - 'a' + 26;
	if (is_digit(c))
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

/* Decodes up to n base64url chars of `in` into out (capacity >= n*3/4+3). Returns the
 * decoded length; a trailing single char is dropped. */
static size_t b64url_decode(const char *in, size_t n, unsigned char *out)
{
	size_t i, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (i = 0; i < n; i++) {
		int d = b64url_value((unsigned char)in[i]);

		if (d < 0)
			break;
		acc = (acc << 6) | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)((acc >> bits) & 0xffu);
		}
	}
	return o;
}

/* True when `hay` (n bytes) contains the literal `lit`. */
static bool contains(const unsigned char *hay, size_t n, const char *lit)
{
	size_t ll = strlen(lit), i;

	if (ll > n)
		return false;
	for (i = 0; i + ll <= n; i++) {
		if (memcmp(hay + i, lit, ll) == 0)
			return true;
	}
	return false;
}

/* header.payload.signature, all base64url; the header decodes to a JSON object holding
 * "alg". The signature may be empty (alg none). */
static bool jwt_at(const char *v, size_t len, size_t i)
{
	unsigned char dec[JWT_DECODE_MAX / 4 * 3 + 4];
	size_t h, p, j, n, k;

	if (!has_at(v, len, i, "ey"))
		return false;
	if (i > 0 && is_b64url(AT(v, i - 1)))
		return false;
	h = run_len(v, len, i, is_b64url, JWT_HEADER_MAX + 1);
	if (h < 15 || h > JWT_HEADER_MAX)
		return false;
	j = i + h;
	if (j >= len || AT(v, j) != '.')
		return false;
	p = run_len(v, len, j + 1, is_b64url, 2);
	if (p < 2)
		return false;
	/* the payload's end and the second dot */
	j = j + 1;
	while (j < len && is_b64url(AT(v, j)))
		j++;
	if (j >= len || AT(v, j) != '.')
		return false;

	n = b64url_decode(v + i, h < JWT_DECODE_MAX ? h : JWT_DECODE_MAX, dec);
	for (k = 0; k < n && is_space(dec[k]); k++)
		;
	if (k >= n || dec[k] != '{')
		return false;
	return contains(dec + k, n - k, "\"alg\"");
}

/* An env reference standing for the real value: "${...}" or "$NAME". */
static bool is_env_reference(const char *v, size_t len)
{
	size_t i;

	if (len >= 3 && v[0] == '$' && v[1] == '{' && v[len - 1] == '}')
		return true;
	if (len < 2 || v[0] != '$')
		return false;
	for (i = 1; i < len; i++) {
		if (!is_word(AT(v, i)))
			return false;
	}
	return true;
}

/* A password that is a stand-in: an env reference or a mask of '*'. */
static bool password_is_placeholder(const char *v, size_t len)
{
	size_t i;

	if (is_env_reference(v, len))
		return true;
	for (i = 0; i < len; i++) {
		if (AT(v, i) != '*')
			return false;
	}
	return true;
}

/* At v[i] == "://": scheme://[user]:password@host... with a non-empty password. */
static bool url_password_at(const char *v, size_t len, size_t i)
{
	size_t a, end, at = (size_t)-1, colon = (size_t)-1, k;

	if (!has_at(v, len, i, "://") || i == 0 || !is_alnum(AT(v, i - 1)))
		return false;
	a = i + 3;
	for (end = a; end < len; end++) {
		unsigned char c = AT(v, end);

		if (c == '/' || c == '?' || c == '#' || is_space(c) || c == '"' || c == '\'' ||
		    c == '<' || c == '>')
			break;
		if (c == '@')
			at = end;
	}
	if (at == (size_t)-1)
		return false;
	for (k = a; k < at; k++) {
		if (AT(v, k) == ':') {
			colon = k;
			break;
		}
	}
	if (colon == (size_t)-1 || colon + 1 >= at)
		return false;
	return !password_is_placeholder(v + colon + 1, at - colon - 1);
}

static uint32_t classify_value(const char *v, size_t len)
{
	uint32_t bits = 0;
	size_t i;

	if (!v)
		return 0;
	for (i = 0; i < len; i++) {
		bool ws = word_start(v, i);

		if (ws && !(bits & FA_DET_FLY_TOKEN) && fly_token_at(v, len, i))
			bits |= FA_DET_FLY_TOKEN;
		if (ws && !(bits & FA_DET_AWS_KEY) && aws_key_at(v, len, i))
			bits |= FA_DET_AWS_KEY;
		if (ws && !(bits & FA_DET_STRIPE_KEY) && stripe_key_at(v, len, i))
			bits |= FA_DET_STRIPE_KEY;
		if (ws && !(bits & FA_DET_GITHUB_TOKEN) && github_token_at(v, len, i))
			bits |= FA_DET_GITHUB_TOKEN;
		if (ws && !(bits & FA_DET_SLACK_TOKEN) && slack_token_at(v, len, i))
			bits |= FA_DET_SLACK_TOKEN;
		if (ws && !(bits & FA_DET_SENDGRID_KEY) && sendgrid_key_at(v, len, i))
			bits |= FA_DET_SENDGRID_KEY;
		if (ws && !(bits & FA_DET_GOOGLE_KEY) && google_key_at(v, len, i))
			bits |= FA_DET_GOOGLE_KEY;
		if (!(bits & FA_DET_PEM_PRIVATE) && pem_private_at(v, len, i))
			bits |= FA_DET_PEM_PRIVATE;
		if (!(bits & FA_DET_JWT) && jwt_at(v, len, i))
			bits |= FA_DET_JWT;
		if (!(bits & FA_DET_URL_PASSWORD) && url_password_at(v, len, i))
			bits |= FA_DET_URL_PASSWORD;
	}
	return bits;
}

/* ---- the name rule ---------------------------------------------------------------- */

static bool ci_equal(const char *v, size_t len, const char *lit)
{
	size_t i;

	if (strlen(lit) != len)
		return false;
	for (i = 0; i < len; i++) {
		if (to_lower(AT(v, i)) != to_lower((unsigned char)lit[i]))
			return false;
	}
	return true;
}

/* Case-insensitive: does s (NUL-terminated) contain lit? */
static bool ci_contains(const char *s, const char *lit)
{
	size_t n = strlen(s), ll = strlen(lit), i;

	if (ll > n)
		return false;
	for (i = 0; i + ll <= n; i++) {
		if (ci_equal(s + i, ll, lit))
			return true;
	}
	return false;
}

static bool ci_prefix(const char *s, const char *lit)
{
	size_t n = strlen(s), ll = strlen(lit);

	return n >= ll && ci_equal(s, ll, lit);
}

static bool ci_suffix(const char *s, const char *lit)
{
	size_t n = strlen(s), ll = strlen(lit);

	return n >= ll && ci_equal(s + n - ll, ll, lit);
}

bool fa_secret_name_looks_secret(const char *name)
{
	static const char *const parts[] = { "SECRET", "PASSWORD", "PASSWD", "TOKEN", "API_KEY",
					     "APIKEY", "PRIVATE_KEY", "CREDENTIAL" };
	size_t k;

	if (!name)
		return false;
	for (k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
		if (ci_contains(name, parts[k]))
			return true;
	}
	return ci_suffix(name, "_KEY");
}

bool fa_secret_name_exempt(const char *name)
{
	static const char *const exact[] = { "PRIMARY_REGION", "NODE_ENV", "LOG_LEVEL", "PORT" };
	size_t k, n;

	if (!name)
		return false;
	n = strlen(name);
	for (k = 0; k < sizeof(exact) / sizeof(exact[0]); k++) {
		if (ci_equal(name, n, exact[k]))
			return true;
	}
	if (ci_prefix(name, "FLY_"))
		return true;
	/* PUBLIC_..._URL, and PUBLIC_URL itself */
	return ci_prefix(name, "PUBLIC_") && (ci_suffix(name, "_URL") || ci_equal(name, n, "PUBLIC_URL"));
}

static bool is_number(const char *v, size_t len)
{
	size_t i = 0, digits = 0, dots = 0;

	if (len > 0 && (v[0] == '-' || v[0] == '+'))
		i = 1;
	for (; i < len; i++) {
		if (is_digit(AT(v, i)))
			digits++;
		else if (v[i] == '.' && ++dots <= 1)
			continue;
		else
			return false;
	}
	return digits > 0;
}

static bool is_abs_path(const char *v, size_t len)
{
	size_t i, slashes = 0;

	if (len < 2 || v[0] != '/')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = AT(v, i);

		if (c == '/')
			slashes++;
		else if (!is_alnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return slashes >= 2;
}

static bool value_is_trivial(const char *v, size_t len)
{
	static const char *const placeholders[] = {
		"true", "false", "null", "none", "nil", "undefined", "changeme", "example",
		"placeholder", "redacted", "<redacted>", "[redacted]", "disabled", "enabled"
	};
	size_t i, k;
	bool same = true;

	if (!v)
		return true;
	while (len > 0 && is_space(AT(v, 0))) {
		v++;
		len--;
	}
	while (len > 0 && is_space(AT(v, len - 1)))
		len--;
	if (len < 8)
		return true;
	for (i = 1; i < len && same; i++)
		same = v[i] == v[0];
	if (same)
		return true;
	for (k = 0; k < sizeof(placeholders) / sizeof(placeholders[0]); k++) {
		if (ci_equal(v, len, placeholders[k]))
			return true;
	}
	return is_number(v, len) || is_env_reference(v, len) || is_abs_path(v, len);
}

/* "scheme://..." at the start of the (left-trimmed) value. */
static bool is_url(const char *v, size_t len)
{
	size_t i = 0, s;

	while (i < len && is_space(AT(v, i)))
		i++;
	if (i >= len || !is_alpha(AT(v, i)))
		return false;
	s = i;
	while (i < len && (is_alnum(AT(v, i)) || v[i] == '+' || v[i] == '.' || v[i] == '-'))
		i++;
	return i > s && has_at(v, len, i, "://");
}

uint32_t fa_secret_classify(const char *name, const char *value, size_t len)
{
	uint32_t bits;

	if (!value)
		len = 0;
	bits = classify_value(value, len);
	if (!name || !fa_secret_name_looks_secret(name) || fa_secret_name_exempt(name))
		return bits;
	if (value_is_trivial(value, len))
		return bits;
	if ((ci_suffix(name, "_URL") || ci_suffix(name, "_URI")) && is_url(value, len) &&
	    !(bits & FA_DET_URL_PASSWORD))
		return bits;
	return bits | FA_DET_SECRET_NAME;
}

const char *fa_detector_name(uint32_t bit)
{
	switch (bit) {
	case FA_DET_FLY_TOKEN: return "fly_token";
	case FA_DET_AWS_KEY: return "aws_access_key";
	case FA_DET_STRIPE_KEY: return "stripe_key";
	case FA_DET_GITHUB_TOKEN: return "github_token";
	case FA_DET_SLACK_TOKEN: return "slack_token";
	case FA_DET_SENDGRID_KEY: return "sendgrid_key";
	case FA_DET_GOOGLE_KEY: return "google_api_key";
	case FA_DET_PEM_PRIVATE: return "private_key";
	case FA_DET_JWT: return "jwt";
	case FA_DET_URL_PASSWORD: return "url_password";
	case FA_DET_SECRET_NAME: return "secret_name";
	case FA_DET_APP_SECRET: return "app_secret_name";
	default: return "unknown";
	}
}

/* ---- the keyed hash ------------------------------------------------------------------ */

int fa_env_hash(const unsigned char *key, const char *value, size_t len, unsigned char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	static const char empty[1] = "";

	if (!HMAC(EVP_sha256(), key, FA_ENV_KEY_LEN, (const unsigned char *)(value ? value : empty),
		  value ? len : 0, md, &mdlen) ||
	    mdlen < FA_ENV_HASH_LEN) {
		memset(out, 0, FA_ENV_HASH_LEN);
		fa_memzero(md, sizeof(md));
		return -1;
	}
	memcpy(out, md, FA_ENV_HASH_LEN);
	fa_memzero(md, sizeof(md));
	return 0;
}
