/* h2check.c: `make check-h2`: proves HTTP/2 multiplexing through the transport (client/net.c):
 * N concurrent GETs against BASE must ride one connection (CURLINFO_NUM_CONNECTS summed to
 * 1) as HTTP/2 (CURLINFO_HTTP_VERSION), with many requests in flight at once.
 * Usage: h2check BASE CA_FILE N [http1]. Prints the figures; exit 0 when proven. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/net.h"

typedef struct tally {
	size_t ok, failed;
} tally;

static void on_done(void *ud, const fa_response *r)
{
	tally *t = ud;

	if (r->error == FA_NET_OK && r->status == 200)
		t->ok++;
	else
		t->failed++;
}

int main(int argc, char **argv)
{
	fa_net_opts o;
	fa_net *n = NULL;
	fa_net_stats st;
	tally t = { 0, 0 };
	char err[512], path[128], key[128];
	long count;
	int i, proven;
	int http1 = argc > 4 && strcmp(argv[4], "http1") == 0;

	if (argc < 4) {
		fprintf(stderr, "usage: h2check BASE CA_FILE N [http1]\n");
		return 2;
	}
	count = strtol(argv[3], NULL, 10);
	if (count < 1 || count > 100000)
		count = 64;
	memset(&o, 0, sizeof(o));
	o.flaps_base = argv[1];
	o.graphql_base = argv[1];
	o.auth_header = "Bearer h2check";
	o.ca_file = argv[2];
	o.concurrency = 32;
	o.max_retries = -1;
	o.retry_budget = -1;
	o.http1_only = http1;
	if (fa_net_new(&n, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "h2check: %s\n", err);
		return 2;
	}
	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "/v1/apps/app-%05d/machines", i % 100 + 1);
		snprintf(key, sizeof(key), "h2check:%d", i);
		if (fa_net_get(n, FA_BASE_FLAPS, path, key, on_done, &t) < 0) {
			fprintf(stderr, "h2check: cannot queue\n");
			fa_net_free(n);
			return 2;
		}
	}
	fa_net_run(n);
	fa_net_get_stats(n, &st);
	fa_net_free(n);
	proven = t.failed == 0 && st.http_version == 20 && st.num_connects == 1 && st.max_in_flight > 1;
	printf("{\"mode\":\"%s\",\"requests\":%zu,\"ok\":%zu,\"failed\":%zu,\"http_version\":%ld,"
	       "\"num_connects\":%ld,\"max_in_flight\":%zu,\"elapsed_ms\":%lld,\"multiplexed\":%s}\n",
	       http1 ? "http1" : "auto", st.requests, t.ok, t.failed, st.http_version,
	       st.num_connects, st.max_in_flight, st.elapsed_ms, proven ? "true" : "false");
	return proven ? 0 : 1;
}
