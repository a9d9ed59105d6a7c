/* checks/image.c: the checks on the image each machine runs, as read from the registry:
 * secrets.image_env, secrets.image_history, container.image_stale and (with
 * --image-layers) secrets.image_files. When the app's images
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

/* The images one machine runs: its own, and each container's. */
#define MAX_IMGS 16
typedef struct machine_images {
	const fa_image *img[MAX_IMGS];
	size_t n;
	fa_msg unread; /* why some image could not be read */
	size_t n_unread;
} machine_images;

static void collect(const fa_app *app, const fa_machine *mc, machine_images *mi)
{
	size_t i, j;

	memset(mi, 0, sizeof(*mi));
	fa_msg_init(&mi->unread);
	if (mc->image && mc->image[0]) {
		const fa_image *img = NULL;
		fa_msg why;

		fa_msg_init(&why);
		fa_chk_machine_image(app, mc, &img, &why);
		if (img) {
			mi->img[mi->n++] = img;
		} else {
			mi->n_unread++;
			fa_msg_add(&mi->unread, fa_msg_str(&why));
		}
	}
	for (i = 0; i < mc->n_containers && mi->n < MAX_IMGS; i++) {
		const char *ref = mc->containers[i].image;
		const fa_image *img;

		if (!ref || !ref[0])
			continue;
		img = fa_app_image_by_ref(app, ref);
		if (img && img->load.loaded) {
			/* the same image may have been read under two keys (a digest for the
			 * machine, a reference for a container): one is enough */
			for (j = 0; j < mi->n && mi->img[j] != img &&
				    !(mi->img[j]->manifest_digest && img->manifest_digest &&
				      strcmp(mi->img[j]->manifest_digest, img->manifest_digest) == 0);
			     j++)
				;
			if (j == mi->n)
				mi->img[mi->n++] = img;
		} else if (mi->n_unread++ == 0) {
			if (img)
				fa_chk_load_reason_l(&mi->unread, &img->load, "the image");
			else
				fa_msg_addf(&mi->unread, "the image of container %s was not read",
					    mc->containers[i].name ? mc->containers[i].name : "?");
		}
	}
}

/* Emits the result of one check over the machine's images: fail when any image fails,
 * unknown when one could not be read and none fails, else pass. */
static int emit(fa_run *r, int idx, const fa_machine *mc, const machine_images *mi, size_t fails,
		fa_msg *bad, fa_msg *good)
{
	if (fails)
		return fa_chk_emit_machine(r, idx, FA_STATUS_FAIL, mc, fa_msg_str(bad));
	if (mi->n_unread || mi->n == 0) {
		fa_msg m = mi->unread;

		if (mi->n == 0 && mi->n_unread == 0)
			fa_msg_add(&m, "the machine names no image");
		return fa_chk_emit_machine(r, idx, FA_STATUS_UNKNOWN, mc, fa_msg_str(&m));
	}
	return fa_chk_emit_machine(r, idx, FA_STATUS_PASS, mc, fa_msg_str(good));
}

static int check_env(fa_run *r, const fa_machine *mc, const machine_images *mi)
{
	size_t i, k, fails = 0;
	fa_msg bad, good;

	fa_msg_init(&bad);
	fa_msg_init(&good);
	for (k = 0; k < mi->n; k++) {
		const fa_image *img = mi->img[k];
		size_t hits = 0;

		for (i = 0; i < img->env.n_vars; i++) {
			const fa_env_var *v = &img->env.vars[i];
			uint32_t bits = v->detectors & (FA_DET_VALUE_MASK | FA_DET_SECRET_NAME);

			if (!bits)
				continue;
			if (hits++ == 0)
				fa_msg_addf(&bad, "%simage %s sets secret-like ENV: ", fails ? "; " : "",
					    image_name(img));
			else
				fa_msg_add(&bad, ", ");
			fa_msg_add(&bad, v->name ? v->name : "?");
			add_detectors(&bad, bits);
		}
		if (hits)
			fails++;
		fa_msg_addf(&good, "%simage %s: no credential among %zu ENV variables", k ? "; " : "",
			    image_name(img), img->env.n_vars);
	}
	return emit(r, FA_CK_IMAGE_ENV, mc, mi, fails, &bad, &good);
}

static int check_history(fa_run *r, const fa_machine *mc, const machine_images *mi)
{
	size_t i, k, fails = 0;
	fa_msg bad, good;

	fa_msg_init(&bad);
	fa_msg_init(&good);
	for (k = 0; k < mi->n; k++) {
		const fa_image *img = mi->img[k];
		size_t hits = 0;

		for (i = 0; i < img->n_history; i++) {
			uint32_t bits = img->history[i].detectors;

			if (!bits)
				continue;
			if (hits++ == 0)
				fa_msg_addf(&bad, "%simage %s has build steps carrying a credential: ",
					    fails ? "; " : "", image_name(img));
			else
				fa_msg_add(&bad, ", ");
			fa_msg_addf(&bad, "step %zu", i + 1);
			add_detectors(&bad, bits);
		}
		if (hits)
			fails++;
		fa_msg_addf(&good, "%simage %s: no credential in %zu build steps", k ? "; " : "",
			    image_name(img), img->n_history);
	}
	return emit(r, FA_CK_IMAGE_HISTORY, mc, mi, fails, &bad, &good);
}

static int check_stale(fa_run *r, const fa_machine *mc, const machine_images *mi)
{
	int max_days = r->ctx->max_image_age_days > 0 ? r->ctx->max_image_age_days
						       : DEFAULT_MAX_AGE_DAYS;
	size_t k, fails = 0, undated = 0;
	fa_msg bad, good, und;
	machine_images copy = *mi;

	fa_msg_init(&bad);
	fa_msg_init(&good);
	fa_msg_init(&und);
	for (k = 0; k < mi->n; k++) {
		const fa_image *img = mi->img[k];
		long long created = 0, age;

		if (!img->created || fa_chk_parse_rfc3339(img->created, &created) < 0) {
			fa_msg_addf(&und, "%simage %s does not say when it was built", undated++ ? "; " : "",
				    image_name(img));
			continue;
		}
		if (created < 946684800LL) { /* before 2000: the epoch of a reproducible build */
			fa_msg_addf(&und, "%simage %s has the placeholder build date %.10s (a "
				    "reproducible build): its age cannot be told", undated++ ? "; " : "",
				    image_name(img), img->created);
			continue;
		}
		age = ((long long)r->ctx->now - created) / DAY;
		if (age > max_days)
			fa_msg_addf(&bad, "%simage %s was built %lld days ago (%.10s), more than %d",
				    fails++ ? "; " : "", image_name(img), age, img->created, max_days);
		else
			fa_msg_addf(&good, "%simage %s was built %lld days ago (%.10s)", k ? "; " : "",
				    image_name(img), age < 0 ? 0 : age, img->created);
	}
	if (!fails && undated) {
		copy.n_unread += undated;
		copy.unread = und;
	}
	return emit(r, FA_CK_IMAGE_STALE, mc, &copy, fails, &bad, &good);
}

/* secrets.image_files: only where the layers were asked for (`--image-layers`, or a
 * snapshot that holds them); otherwise not evaluated, as the probe checks without --probe. */
static int check_files(fa_run *r, const fa_machine *mc, const machine_images *mi)
{
	size_t i, k, fails = 0, tried = 0;
	fa_msg bad, good;
	machine_images copy = *mi;

	fa_msg_init(&bad);
	fa_msg_init(&good);
	for (k = 0; k < mi->n; k++)
		tried += mi->img[k]->layers_tried;
	if (!tried && !r->ctx->image_layers)
		return r->err;
	fa_msg_init(&copy.unread);
	if (mi->n_unread)
		copy.unread = mi->unread;
	for (k = 0; k < mi->n; k++) {
		const fa_image *img = mi->img[k];

		for (i = 0; i < img->n_files; i++) {
			const fa_image_file *f = &img->files[i];

			if (i == 0)
				fa_msg_addf(&bad, "%simage %s holds ", fails ? "; " : "", image_name(img));
			else
				fa_msg_add(&bad, ", ");
			fa_msg_add(&bad, f->path ? f->path : "?");
			add_detectors(&bad, f->detectors);
			fa_msg_addf(&bad, " in layer %.19s", f->layer ? f->layer : "?");
			if (f->deleted)
				fa_msg_add(&bad, " (deleted by a later layer, still in the image)");
		}
		if (img->n_files_more)
			fa_msg_addf(&bad, " and %zu more", img->n_files_more);
		if (img->n_files || img->n_files_more) {
			fails++;
			continue;
		}
		if (!img->layers_tried || !img->layers_complete) {
			fa_msg_addf(&copy.unread, "%simage %s: %s", copy.n_unread++ ? "; " : "",
				    image_name(img),
				    !img->layers_tried ? "its layers were not read"
				    : img->layers_note ? img->layers_note : "its layers were not read whole");
			continue;
		}
		fa_msg_addf(&good, "%simage %s: %zu layers read, %zu suspicious files read, none "
			    "holds a credential", k ? "; " : "", image_name(img), img->n_layers,
			    img->files_sniffed);
	}
	return emit(r, FA_CK_IMAGE_FILES, mc, &copy, fails, &bad, &good);
}

int fa_chk_images(fa_run *r)
{
	const fa_app *app = r->app;
	size_t i;

	if (!app->load[FA_EP_IMAGES].tried || !fa_chk_loaded(app, FA_EP_MACHINES))
		return r->err; /* not asked for; machines that did not load say so elsewhere */
	for (i = 0; i < app->n_machines && !r->err; i++) {
		const fa_machine *mc = &app->machines[i];
		machine_images mi;

		if (!fa_chk_machine_audited(mc) || !mc->has_config || mc->malformed)
			continue;
		collect(app, mc, &mi);
		check_env(r, mc, &mi);
		check_history(r, mc, &mi);
		check_stale(r, mc, &mi);
		check_files(r, mc, &mi);
	}
	return r->err;
}
