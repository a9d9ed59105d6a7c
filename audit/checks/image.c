/* checks/image.c: the checks on the image each machine runs, as read from the registry:
 * secrets.image_env, secrets.image_history, container.image_stale. When the app's images
 * were not asked for (an old snapshot, a view), they say nothing; when they were and one
 * could not be read, they are unknown with the reason, never pass. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "flyaudit/secrets.h"

#define DEFAULT_MAX_AGE_DAYS 180
#define DAY 86400LL

int fa_chk_machine_image(const fa_app *app, const fa_machine *mc, const fa_image **out,
			 fa_msg *m)
{
	const fa_load *all = &app->load[FA_EP_IMAGES];
	const fa_image *img;

	*out = NULL;
	if (!all->tried)
		return 0;
	img = fa_app_machine_image(app, mc);
	if (img && img->load.loaded) {
		*out = img;
		return 1;
	}
	if (img) {
		fa_chk_load_reason_l(m, &img->load, "the image");
	} else if (!mc->image || !mc->image[0]) {
		fa_msg_add(m, "the machine names no image");
	} else if (fa_load_failed(all)) {
		fa_chk_load_reason_l(m, all, "the images");
	} else {
		fa_msg_add(m, "the image was not read");
	}
	return 1;
}

static void add_detectors(fa_msg *m, uint32_t bits)
{
	size_t k = 0;
	unsigned b;

	fa_msg_add(m, " (");
	for (b = 0; b < 32; b++) {
		if (!(bits & (1u << b)))
			continue;
		if (k++)
			fa_msg_add(m, ", ");
		fa_msg_add(m, fa_detector_name(1u << b));
	}
	fa_msg_add(m, ")");
}

static const char *image_name(const fa_image *img)
{
	return img->ref ? img->ref : img->digest ? img->digest : "(unnamed image)";
}

static int check_env(fa_run *r, const fa_machine *mc, const fa_image *img)
{
	size_t i, hits = 0;
	fa_msg m;

	fa_msg_init(&m);
	fa_msg_addf(&m, "image %s sets secret-like ENV: ", image_name(img));
	for (i = 0; i < img->env.n_vars; i++) {
		const fa_env_var *v = &img->env.vars[i];
		uint32_t bits = v->detectors & (FA_DET_VALUE_MASK | FA_DET_SECRET_NAME);

		if (!bits)
			continue;
		if (hits++)
			fa_msg_add(&m, ", ");
		fa_msg_add(&m, v->name ? v->name : "?");
		add_detectors(&m, bits);
	}
	if (hits)
		return fa_chk_emit_machine(r, FA_CK_IMAGE_ENV, FA_STATUS_FAIL, mc, fa_msg_str(&m));
	fa_msg_init(&m);
	fa_msg_addf(&m, "image %s: no credential among %zu ENV variables", image_name(img),
		    img->env.n_vars);
	return fa_chk_emit_machine(r, FA_CK_IMAGE_ENV, FA_STATUS_PASS, mc, fa_msg_str(&m));
}

static int check_history(fa_run *r, const fa_machine *mc, const fa_image *img)
{
	size_t i, hits = 0;
	fa_msg m;

	fa_msg_init(&m);
	fa_msg_addf(&m, "image %s has build steps carrying a credential: ", image_name(img));
	for (i = 0; i < img->n_history; i++) {
		uint32_t bits = img->history[i].detectors;

		if (!bits)
			continue;
		if (hits++)
			fa_msg_add(&m, ", ");
		fa_msg_addf(&m, "step %zu", i + 1);
		add_detectors(&m, bits);
	}
	if (hits)
		return fa_chk_emit_machine(r, FA_CK_IMAGE_HISTORY, FA_STATUS_FAIL, mc,
					   fa_msg_str(&m));
	fa_msg_init(&m);
	fa_msg_addf(&m, "image %s: no credential in %zu build steps", image_name(img),
		    img->n_history);
	return fa_chk_emit_machine(r, FA_CK_IMAGE_HISTORY, FA_STATUS_PASS, mc, fa_msg_str(&m));
}

static int check_stale(fa_run *r, const fa_machine *mc, const fa_image *img)
{
	int max_days = r->ctx->max_image_age_days > 0 ? r->ctx->max_image_age_days
						       : DEFAULT_MAX_AGE_DAYS;
	long long created = 0, age;
	fa_msg m;

	fa_msg_init(&m);
	if (!img->created || fa_chk_parse_rfc3339(img->created, &created) < 0) {
		fa_msg_addf(&m, "image %s does not say when it was built", image_name(img));
		return fa_chk_emit_machine(r, FA_CK_IMAGE_STALE, FA_STATUS_UNKNOWN, mc,
					   fa_msg_str(&m));
	}
	if (created < 946684800LL) { /* before 2000: the epoch of a reproducible build */
		fa_msg_addf(&m, "image %s has the placeholder build date %.10s (a reproducible "
			    "build): its age cannot be told", image_name(img), img->created);
		return fa_chk_emit_machine(r, FA_CK_IMAGE_STALE, FA_STATUS_UNKNOWN, mc,
					   fa_msg_str(&m));
	}
	age = ((long long)r->ctx->now - created) / DAY;
	if (age > max_days) {
		fa_msg_addf(&m, "image %s was built %lld days ago (%.10s), more than %d",
			    image_name(img), age, img->created, max_days);
		return fa_chk_emit_machine(r, FA_CK_IMAGE_STALE, FA_STATUS_FAIL, mc, fa_msg_str(&m));
	}
	fa_msg_addf(&m, "image %s was built %lld days ago (%.10s)", image_name(img),
		    age < 0 ? 0 : age, img->created);
	return fa_chk_emit_machine(r, FA_CK_IMAGE_STALE, FA_STATUS_PASS, mc, fa_msg_str(&m));
}

int fa_chk_images(fa_run *r)
{
	const fa_app *app = r->app;
	size_t i;

	if (!app->load[FA_EP_IMAGES].tried || !fa_chk_loaded(app, FA_EP_MACHINES))
		return r->err; /* not asked for; machines that did not load say so elsewhere */
	for (i = 0; i < app->n_machines && !r->err; i++) {
		const fa_machine *mc = &app->machines[i];
		const fa_image *img = NULL;
		fa_msg m;

		if (!fa_chk_machine_audited(mc) || !mc->has_config)
			continue;
		fa_msg_init(&m);
		fa_chk_machine_image(app, mc, &img, &m);
		if (!img) {
			const char *why = fa_msg_str(&m);

			fa_chk_emit_machine(r, FA_CK_IMAGE_ENV, FA_STATUS_UNKNOWN, mc, why);
			fa_chk_emit_machine(r, FA_CK_IMAGE_HISTORY, FA_STATUS_UNKNOWN, mc, why);
			fa_chk_emit_machine(r, FA_CK_IMAGE_STALE, FA_STATUS_UNKNOWN, mc, why);
			continue;
		}
		check_env(r, mc, img);
		check_history(r, mc, img);
		check_stale(r, mc, img);
	}
	return r->err;
}
