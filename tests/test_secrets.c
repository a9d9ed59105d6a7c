/* test_secrets.c: the env classifier of audit/secrets.c, table-driven, every value passed
 * as an exact-length heap copy without a NUL so a read past `len` trips ASan/valgrind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/model.h"
#include "flyaudit/secrets.h"

typedef struct {
	const char *name;
	const char *value;
	uint32_t want; /* the exact bits */
} case_t;

#define FLY FA_DET_FLY_TOKEN
#define AWS FA_DET_AWS_KEY
#define STRIPE FA_DET_STRIPE_KEY
#define GH FA_DET_GITHUB_TOKEN
#define SLACK FA_DET_SLACK_TOKEN
#define SG FA_DET_SENDGRID_KEY
#define GOOG FA_DET_GOOGLE_KEY
#define PEM FA_DET_PEM_PRIVATE
#define JWT FA_DET_JWT
#define URLPW FA_DET_URL_PASSWORD
#define NAME FA_DET_SECRET_NAME

/* A JWT of jwt.io's shape (HS256, fake signature): header {"alg":"HS256","typ":"JWT"}. */
#define FAKE_JWT "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." \
	"eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ." \
	"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
#define GHP36 "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
#define FLYBODY "lJPECAAAAAAAAMPEEBAbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/=="

static const case_t positives[] = {
	{ "X", "AKIAIOSFODNN7EXAMPLE", AWS },
	{ "X", "ASIAIOSFODNN7EXAMPLE", AWS },
	{ "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", AWS },
	{ "X", "key=AKIAIOSFODNN7EXAMPLE;region=us-east-1", AWS },
	{ "X", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", STRIPE },
	{ "X", "rk_live_4eC39HqLyjWDarjtT1zdp7dc", STRIPE },
	{ "STRIPE_SECRET_KEY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", STRIPE | NAME },
	{ "X", "ghp_" GHP36, GH },
	{ "X", "gho_" GHP36, GH },
	{ "X", "ghs_" GHP36, GH },
	{ "X", "ghu_" GHP36, GH },
	{ "X", "ghr_" GHP36, GH },
	{ "X", "token ghp_" GHP36, GH },
	{ "X", "github_pat_11AAAAAAA0123456789abcdef_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv", GH },
	{ "X", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", SLACK },
	{ "X", "xoxp-123456789012-123456789012-1234567890123-0123456789abcdef", SLACK },
	{ "X", "xoxa-2-123456789012-abcdefghij", SLACK },
	{ "X", "xoxr-123456789012-abcdefghij", SLACK },
	{ "X", "SG.aBcDeFgHiJkLmNoPqRsTuV.aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_abcde", SG },
	{ "X", "AIzaSyA1234567890abcdefghijklmnopqrstuv", GOOG },
	{ "X", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n", PEM },
	{ "X", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA", PEM },
	{ "X", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI", PEM },
	{ "X", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA", PEM },
	{ "X", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0w", PEM },
	{ "X", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF", PEM },
	{ "X", "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----", PEM },
	{ "X", FAKE_JWT, JWT },
	{ "X", "Bearer " FAKE_JWT, JWT },
	{ "X", "postgres://u:p@h/db", URLPW },
	{ "X", "redis://:s3cretpw@redis.internal:6379/0", URLPW },
	{ "X", "mysql://app:pa55word@db.example.com:3306/app", URLPW },
	{ "X", "amqps://guest:guest@mq.internal/vhost", URLPW },
	{ "DATABASE_URL", "postgres://app:s3cr3t@db.internal:5432/app?sslmode=disable", URLPW },
	{ "REDIS_URL", "redis://default:AbC123xyz@fly-redis.upstash.io:6379", URLPW },
	{ "X", "FlyV1 fm2_" FLYBODY ",fm2_" FLYBODY, FLY },
	{ "X", "fm2_" FLYBODY, FLY },
	{ "X", "fm1r_" FLYBODY, FLY },
	{ "X", "fm1a_" FLYBODY, FLY },
	{ "X", "fo1_AbCdEfGhIjKlMnOpQrStUvWxYz012345", FLY },
	{ "X", "Bearer fm2_" FLYBODY, FLY },
	{ "FLY_API_TOKEN", "FlyV1 fm2_" FLYBODY, FLY },
	{ "DB_PASSWORD", "hunter2hunter2", NAME },
	{ "SESSION_SECRET", "b5f1c0e2a9d84e7f9c3a1b2d4e6f8a0c", NAME },
	{ "api_key", "0123abcd4567efgh", NAME },
	{ "MY_APIKEY", "Zm9vYmFyYmF6cXV4", NAME },
	{ "SMTP_PASSWD", "correct horse battery", NAME },
	{ "GOOGLE_CREDENTIALS", "{\"type\":\"service_account\"}", NAME },
	{ "ENCRYPTION_KEY", "a1b2c3d4e5f6g7h8", NAME },
	{ "SIGNING_PRIVATE_KEY", "MC4CAQAwBQYDK2VwBCIEIJ", NAME },
	{ "AUTH_TOKEN", "Zm9vYmFyYmF6cXV4", NAME },
	{ "SECRET_URL", "https://u:pw@host.example.com/x", URLPW | NAME },
	{ "PASSWORD", "   longenough   ", NAME },
	{ "DB_PASSWORD", "12345678a", NAME },
	{ "X", "AKIAIOSFODNN7EXAMPLE sk_live_4eC39HqLyjWDarjtT1zdp7dc", AWS | STRIPE },
	{ "CONFIG", "{\"aws\":\"AKIAIOSFODNN7EXAMPLE\",\"db\":\"postgres://a:b@c/d\"}", AWS | URLPW },
};

static const case_t negatives[] = {
	{ "X", "AKIAIOSFODNN7EXAMPL", 0 },
	{ "X", "AKIAIOSFODNN7EXAMPLEX", 0 },
	{ "X", "XAKIAIOSFODNN7EXAMPLE", 0 },
	{ "X", "AKIAiosfodnn7example", 0 },
	{ "X", "AKIA", 0 },
	{ "X", "sk_test_4eC39HqLyjWDarjtT1zdp7dc", 0 },
	{ "X", "sk_live_4eC39HqLyj", 0 },
	{ "X", "pk_live_4eC39HqLyjWDarjtT1zdp7dc", 0 },
	{ "X", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345678", 0 },
	{ "X", "github_pat_11AAAA", 0 },
	{ "X", "xoxc-123456789012-abcdefghij", 0 },
	{ "X", "xoxb-123", 0 },
	{ "X", "SG.short.short", 0 },
	{ "X", "AIzaSyA1234567890abcdefghij", 0 },
	{ "X", "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE", 0 },
	{ "X", "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYI", 0 },
	{ "X", "-----BEGIN RSA PUBLIC KEY-----\nPRIVATE KEY-----", 0 },
	{ "X", "abc.def.ghi", 0 },
	{ "X", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0", 0 },
	{ "X", "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl", 0 }, /* no alg */
	{ "X", "xeyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2ln", 0 },
	{ "X", "www.example.com", 0 },
	{ "X", "https://x.com", 0 },
	{ "X", "postgres://user@host/db", 0 },
	{ "X", "postgres://user:@host/db", 0 },
	{ "X", "https://host.example.com:8443/path", 0 },
	{ "X", "https://example.com/?q=a:b@c", 0 },
	{ "X", "postgres://user:${DB_PASSWORD}@host/db", 0 },
	{ "X", "user:pass@host", 0 },
	{ "FLY_REGION", "iad", 0 },
	{ "PORT", "8080", 0 },
	{ "NODE_ENV", "production", 0 },
	{ "LOG_LEVEL", "debug", 0 },
	{ "PUBLIC_API_URL", "https://api.example.com/v1", 0 },
	{ "DATABASE_URL", "postgres://host/db", 0 },
	{ "API_KEY", "true", 0 },
	{ "API_KEY", "short", 0 },
	{ "DB_PASSWORD", "changeme", 0 },
	{ "DB_PASSWORD", "CHANGEME", 0 },
	{ "SECRET_KEY", "xxxxxxxxxxxx", 0 },
	{ "TOKEN_TTL", "86400000", 0 },
	{ "TOKEN_TTL", "-1234.5678", 0 },
	{ "DB_PASSWORD", "${DB_PASSWORD}", 0 },
	{ "DB_PASSWORD", "$DB_PASSWORD_FROM_VAULT", 0 },
	{ "GOOGLE_APPLICATION_CREDENTIALS", "/app/secrets/gcp.json", 0 },
	{ "SECRET_NAME", "<redacted>", 0 },
	{ "API_TOKEN", "placeholder", 0 },
	{ "TOKEN_URL", "https://auth.example.com/oauth/token", 0 },
	{ "JWKS_SECRET_URI", "https://auth.example.com/.well-known/jwks.json", 0 },
	{ "FLY_API_TOKEN", "abcdefghijklmnop", 0 },
	{ "FLY_SECRET_KEY", "abcdefghijklmnop", 0 },
	{ "PRIMARY_REGION", "iad", 0 },
	{ "APP_NAME", "my-wonderful-app", 0 },
	{ "X", "fm2_short", 0 },
	{ "X", "FlyV1 abc", 0 },
	{ "X", "xfm2_" FLYBODY, 0 },
	{ "X", "", 0 },
	{ "KEY", "abcdefghijklmnop", 0 },
	{ "MONKEY", "bananasbananas", 0 },
	{ "DB_PASSWORD", "              ", 0 },
	{ "SECRET", "disabled", 0 },
};

/* An exact-length heap copy, no NUL: reading past len is a sanitizer/valgrind error. */
static char *exact_copy(const char *s, size_t len)
{
	char *p = malloc(len ? len : 1);

	assert_non_null(p);
	if (len)
		memcpy(p, s, len);
	return p;
}

static uint32_t classify_exact(const char *name, const char *value, size_t len)
{
	char *p = exact_copy(value, len);
	uint32_t bits = fa_secret_classify(name, p, len);

	free(p);
	return bits;
}

static void run_table(const case_t *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t got = classify_exact(cases[i].name, cases[i].value, strlen(cases[i].value));

		if (got != cases[i].want)
			print_error("case %zu: name %s: got %#x, want %#x\n", i, cases[i].name,
				    (unsigned)got, (unsigned)cases[i].want);
		assert_int_equal(got, cases[i].want);
		assert_int_equal(got & FA_DET_APP_SECRET, 0);
	}
}

static void test_positive_table(void **state)
{
	(void)state;
	assert_true(sizeof(positives) / sizeof(positives[0]) >= 45);
	run_table(positives, sizeof(positives) / sizeof(positives[0]));
}

static void test_negative_table(void **state)
{
	(void)state;
	assert_true(sizeof(negatives) / sizeof(negatives[0]) >= 45);
	run_table(negatives, sizeof(negatives) / sizeof(negatives[0]));
}

/* Every prefix of every case: no read past len (sanitizers), no stray bits. */
static void test_every_prefix_is_bounded(void **state)
{
	const case_t *tables[2] = { positives, negatives };
	size_t sizes[2] = { sizeof(positives) / sizeof(positives[0]),
			    sizeof(negatives) / sizeof(negatives[0]) };
	size_t t, i, k;

	(void)state;
	for (t = 0; t < 2; t++) {
		for (i = 0; i < sizes[t]; i++) {
			const case_t *c = &tables[t][i];
			size_t len = strlen(c->value);

			for (k = 0; k <= len; k++) {
				uint32_t got = classify_exact(c->name, c->value, k);

				/* a prefix can only lose value detectors, never gain ones the
				 * whole value does not have (the name rule may differ; an AWS
				 * key is bounded by its end, so a cut can complete one) */
				assert_int_equal(got & ~(FA_DET_VALUE_MASK | NAME), 0);
				assert_int_equal(got & FA_DET_VALUE_MASK & ~AWS & ~c->want, 0);
			}
		}
	}
}

static void test_truncated_len(void **state)
{
	const char *aws = "AKIAIOSFODNN7EXAMPLEX";
	const char *jwt = FAKE_JWT;
	const char *url = "postgres://u:p@h/db";

	(void)state;
	/* the 21st byte is outside len: the key is word-bounded at len */
	assert_int_equal(classify_exact("X", aws, 20), AWS);
	assert_int_equal(classify_exact("X", aws, 19), 0);
	assert_int_equal(fa_secret_classify("X", aws, 20), AWS);
	assert_int_equal(fa_secret_classify("X", aws, 21), 0);
	/* a JWT cut before its second dot is no JWT */
	assert_int_equal(classify_exact("X", jwt, (size_t)(strchr(strchr(jwt, '.') + 1, '.') - jwt)), 0);
	assert_int_equal(classify_exact("X", jwt, (size_t)(strchr(strchr(jwt, '.') + 1, '.') - jwt) + 1), JWT);
	/* the '@' beyond len */
	assert_int_equal(classify_exact("X", url, 14), 0);
	assert_int_equal(classify_exact("X", url, 15), URLPW);
	/* the name rule counts only len bytes */
	assert_int_equal(classify_exact("DB_PASSWORD", "hunter2hunter2", 7), 0);
	assert_int_equal(classify_exact("DB_PASSWORD", "hunter2hunter2", 8), NAME);
	/* NULL value and NULL name */
	assert_int_equal(fa_secret_classify("DB_PASSWORD", NULL, 12), 0);
	assert_int_equal(fa_secret_classify(NULL, "AKIAIOSFODNN7EXAMPLE", 20), AWS);
	assert_int_equal(fa_secret_classify(NULL, "hunter2hunter2", 14), 0);
}

/* base64url without padding */
static size_t b64url(const unsigned char *in, size_t n, char *out, size_t cap)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t rem = n - i;

		if (rem > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (rem > 2)
			v |= in[i + 2];
		assert_true(o + 4 < cap);
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		if (rem > 1)
			out[o++] = tbl[(v >> 6) & 63];
		if (rem > 2)
			out[o++] = tbl[v & 63];
	}
	out[o] = '\0';
	return o;
}

/* header.payload.sig with the header JSON given */
static void make_jwt(char *out, size_t cap, const char *header, const char *sig)
{
	char h[512], p[512];
	const char *payload = "{\"sub\":\"1234567890\",\"name\":\"Fake User\",\"iat\":1516239022}";
	int n;

	b64url((const unsigned char *)header, strlen(header), h, sizeof(h));
	b64url((const unsigned char *)payload, strlen(payload), p, sizeof(p));
	n = snprintf(out, cap, "%s.%s.%s", h, p, sig);
	assert_true(n > 0 && (size_t)n < cap);
}

static void test_jwt_built(void **state)
{
	char jwt[2048];
	static const char *const good[] = {
		"{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
		"{\"alg\":\"RS256\",\"kid\":\"abc\"}",
		"{\"typ\":\"JWT\",\"alg\":\"ES256\"}",
		"{ \"alg\" : \"none\" }",
		"{\"kid\":\"k1\",\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"x\":\"padding-to-change-length\"}",
	};
	static const char *const bad[] = {
		"{\"typ\":\"JWT\"}",
		"{\"algorithm\":\"HS256\"}",
		"[\"alg\",\"HS256\"]",
		"not json at all, \"alg\"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		make_jwt(jwt, sizeof(jwt), good[i], "c2lnbmF0dXJlLWZha2UtZmFrZS1mYWtl");
		assert_int_equal(classify_exact("X", jwt, strlen(jwt)), JWT);
		/* empty signature (alg none) is still a token */
		make_jwt(jwt, sizeof(jwt), good[i], "");
		assert_int_equal(classify_exact("X", jwt, strlen(jwt)), JWT);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_jwt(jwt, sizeof(jwt), bad[i], "c2lnbmF0dXJl");
		assert_int_equal(classify_exact("X", jwt, strlen(jwt)), 0);
	}
	/* a JWT under a secret-looking name fires both */
	make_jwt(jwt, sizeof(jwt), good[0], "c2ln");
	assert_int_equal(classify_exact("ACCESS_TOKEN", jwt, strlen(jwt)), JWT | NAME);
}

static void test_name_looks_secret(void **state)
{
	static const char *const yes[] = {
		"DB_PASSWORD", "db_password", "SESSION_SECRET", "SecretKeyBase", "SMTP_PASSWD",
		"GITHUB_TOKEN", "API_KEY", "MY_APIKEY", "SSH_PRIVATE_KEY", "AWS_CREDENTIALS",
		"ENCRYPTION_KEY", "x_key", "TOKEN", "ACCESS_TOKEN_URL",
	};
	static const char *const no[] = {
		"PORT", "KEY", "MONKEY", "KEYS_DIR", "DATABASE_URL", "APP_NAME", "PASS",
		"AWS_ACCESS_KEY_ID", "", "NODE_ENV",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!fa_secret_name_looks_secret(yes[i]))
			print_error("should look secret: %s\n", yes[i]);
		assert_true(fa_secret_name_looks_secret(yes[i]));
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (fa_secret_name_looks_secret(no[i]))
			print_error("should not look secret: %s\n", no[i]);
		assert_false(fa_secret_name_looks_secret(no[i]));
	}
	assert_false(fa_secret_name_looks_secret(NULL));
}

static void test_name_exempt(void **state)
{
	static const char *const yes[] = {
		"FLY_API_TOKEN", "FLY_REGION", "FLY_ALLOC_ID", "PRIMARY_REGION", "NODE_ENV",
		"LOG_LEVEL", "PORT", "PUBLIC_API_URL", "PUBLIC_SECRET_SERVICE_URL", "PUBLIC_URL",
	};
	static const char *const no[] = {
		"FLYER_TOKEN", "API_TOKEN", "PORTS", "PUBLIC_KEY", "PUBLIC_API_URL_TOKEN",
		"MY_FLY_TOKEN", "NODE_ENV_SECRET", "", "DATABASE_URL",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!fa_secret_name_exempt(yes[i]))
			print_error("should be exempt: %s\n", yes[i]);
		assert_true(fa_secret_name_exempt(yes[i]));
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (fa_secret_name_exempt(no[i]))
			print_error("should not be exempt: %s\n", no[i]);
		assert_false(fa_secret_name_exempt(no[i]));
	}
	assert_false(fa_secret_name_exempt(NULL));
	/* an exempt name still gets value detectors */
	assert_int_equal(classify_exact("FLY_API_TOKEN", "AKIAIOSFODNN7EXAMPLE", 20), AWS);
	/* and the _URL spare needs a URL: a non-URL value under a secret _URL name fires */
	assert_int_equal(classify_exact("TOKEN_URL", "notaurl-but-long", 16), NAME);
}

static void test_detector_names(void **state)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ FA_DET_FLY_TOKEN, "fly_token" }, { FA_DET_AWS_KEY, "aws_access_key" },
		{ FA_DET_STRIPE_KEY, "stripe_key" }, { FA_DET_GITHUB_TOKEN, "github_token" },
		{ FA_DET_SLACK_TOKEN, "slack_token" }, { FA_DET_SENDGRID_KEY, "sendgrid_key" },
		{ FA_DET_GOOGLE_KEY, "google_api_key" }, { FA_DET_PEM_PRIVATE, "private_key" },
		{ FA_DET_JWT, "jwt" }, { FA_DET_URL_PASSWORD, "url_password" },
		{ FA_DET_SECRET_NAME, "secret_name" }, { FA_DET_APP_SECRET, "app_secret_name" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(fa_detector_name(names[i].bit), names[i].name);
	assert_string_equal(fa_detector_name(0), "unknown");
	assert_string_equal(fa_detector_name(FA_DET_JWT | FA_DET_AWS_KEY), "unknown");
	assert_string_equal(fa_detector_name(1u << 20), "unknown");
}

/* Adversarial values stay linear: many candidate starts, none completing. */
static void test_pathological_inputs(void **state)
{
	static const char *const units[] = { "ey-", "a://", "ey.", "-----BEGIN", "AKIA", "eyJh.",
					     "x://u:" };
	size_t len = 256 * 1024, i, u;
	char *v = malloc(len);

	(void)state;
	assert_non_null(v);
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		size_t ul = strlen(units[u]);

		for (i = 0; i < len; i++)
			v[i] = units[u][i % ul];
		assert_int_equal(fa_secret_classify("X", v, len) & FA_DET_VALUE_MASK, 0);
	}
	free(v);
}

/* ---- files of image layers (secret_files.c) ---- */

static void test_file_suspicious(void **state)
{
	static const char *const yes[] = { ".env", "app/.env", "./app/.env.production", "/srv/.env.local",
		"home/node/.npmrc", ".pypirc", "root/.netrc", "etc/ssl/private/server.pem", "tls.key",
		"root/.ssh/id_rsa", "home/a/.ssh/id_ed25519", "app/.git/config", ".git/config",
		"root/.aws/credentials", "app/credentials.json", "root/.docker/config.json",
		"root/.git-credentials", "../../etc/.env", NULL };
	static const char *const no[] = { "", "app/.env.example", "app/.env.sample", ".environment",
		"root/.ssh/id_rsa.pub", "id_", "app/server.js", "app/.git/config.bak", "app/git/config",
		"app/config.json", "app/.git/", "usr/share/doc/credentialsx/README", "app/env", NULL };
	size_t i;

	(void)state;
	for (i = 0; yes[i]; i++)
		if (!fa_secret_file_suspicious(yes[i]))
			fail_msg("%s should be suspicious", yes[i]);
	for (i = 0; no[i]; i++)
		if (fa_secret_file_suspicious(no[i]))
			fail_msg("%s should not be suspicious", no[i]);
	assert_false(fa_secret_file_suspicious(NULL));
}

static uint32_t fcls(const char *path, const char *text)
{
	return fa_secret_file_classify(path, text, strlen(text));
}

static void test_file_classify(void **state)
{
	(void)state;
	/* .env: the name rule per line, value formats anywhere */
	assert_int_equal(fcls(".env", "DATABASE_PASSWORD=Tr0ub4dor&3-horse-staple\n"), FA_DET_SECRET_NAME);
	assert_int_equal(fcls(".env", "export API_KEY=\"q8Zr2LmX0pVt7WsY\"\nPORT=8080\n"),
			 FA_DET_SECRET_NAME);
	assert_int_equal(fcls(".env", "# a comment\nNODE_ENV=production\nPORT=8080\nSECRET_KEY=\n"), 0);
	assert_int_equal(fcls(".env", "API_TOKEN=${API_TOKEN}\nPASSWORD=changeme\n"), 0);
	assert_true(fcls(".env", "GH=ghp_Zq3xV8bN1mK4pL7wR2tY5uI9oE6aS0dF3gH8\r\n") & FA_DET_GITHUB_TOKEN);
	/* .npmrc: the key holds a colon; _auth counts as a secret name */
	assert_int_equal(fcls(".npmrc", "//registry.npmjs.org/:_authToken=npm_4f8Kd93LwQz7TnB2xVc6MpR1yHs5Ja0Ge8Uo\n"),
			 FA_DET_SECRET_NAME);
	assert_int_equal(fcls(".npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"), 0);
	assert_int_equal(fcls(".npmrc", "_auth = dXNlcjpodW50ZXIy\nregistry=https://r.example.com/\n"),
			 FA_DET_SECRET_NAME);
	/* .pypirc, .aws/credentials (INI) */
	assert_int_equal(fcls(".pypirc", "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmcCJGI\n"),
			 FA_DET_SECRET_NAME);
	assert_true(fcls("root/.aws/credentials", "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
				"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n") &
		    (FA_DET_AWS_KEY | FA_DET_SECRET_NAME));
	/* .docker/config.json: "auth" */
	assert_int_equal(fcls(".docker/config.json", "{\n \"auths\": {\n  \"https://index.docker.io/v1/\": {\n"
			      "   \"auth\": \"dXNlcjpwYXNzd29yZA==\"\n  }\n }\n}\n"), FA_DET_SECRET_NAME);
	assert_int_equal(fcls(".docker/config.json", "{\"credsStore\": \"desktop\"}"), 0);
	/* keys, git config */
	assert_int_equal(fcls("id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"),
			 FA_DET_PEM_PRIVATE);
	assert_int_equal(fcls("cert.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), 0);
	assert_int_equal(fcls(".git/config", "[remote \"origin\"]\n\turl = https://bot:s3cr3tpassw0rd@github.com/a/b\n"),
			 FA_DET_URL_PASSWORD);
	assert_int_equal(fcls(".git/config", "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = https://github.com/a/b\n"), 0);
	/* hostile: binary, no newline, NUL bytes, huge key, NULL */
	{
		char bin[4096];
		size_t i;

		for (i = 0; i < sizeof(bin); i++)
			bin[i] = (char)(i * 7 + 3);
		(void)fa_secret_file_classify(".env", bin, sizeof(bin));
		memset(bin, 'A', sizeof(bin));
		bin[3000] = '=';
		assert_int_equal(fa_secret_file_classify(".env", bin, sizeof(bin)), 0);
		assert_int_equal(fa_secret_file_classify(".env", "TOKEN=\0abcdefghijkl", 19) & ~FA_DET_SECRET_NAME, 0);
	}
	assert_int_equal(fa_secret_file_classify(".env", NULL, 10), 0);
	assert_int_equal(fcls(".env", "="), 0);
	assert_int_equal(fcls(".env", ""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positive_table),
		cmocka_unit_test(test_negative_table),
		cmocka_unit_test(test_every_prefix_is_bounded),
		cmocka_unit_test(test_truncated_len),
		cmocka_unit_test(test_jwt_built),
		cmocka_unit_test(test_name_looks_secret),
		cmocka_unit_test(test_name_exempt),
		cmocka_unit_test(test_detector_names),
		cmocka_unit_test(test_pathological_inputs),
		cmocka_unit_test(test_file_suspicious),
		cmocka_unit_test(test_file_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
