/* synth.c: the synthetic org "synth" (stub). */
#include "flymock.h"

#include <stdio.h>
#include <string.h>

int fm_synth_open(fm_source *s, long n, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	snprintf(s->org_slug, sizeof s->org_slug, "synth");
	s->synthetic = 1;
	s->napps = (size_t)n;
	(void)err;
	(void)errlen;
	return 0;
}

int fm_synth_has_app(const fm_source *s, const char *app)
{
	(void)s;
	(void)app;
	return 0;
}

int fm_synth_body(const fm_source *s, enum fm_kind kind, const char *app, fa_buf *out,
		  char *err, size_t errlen)
{
	(void)s; (void)kind; (void)app; (void)out;
	snprintf(err, errlen, "not yet");
	return -1;
}
