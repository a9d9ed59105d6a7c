/* tokens/semantics.c: what a decoded token header allows (org, apps, effective access,
 * features, expiry, discharges), in the way flyctl's caveat helpers read caveats. */
#include "flyaudit/macaroon.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* A resource restriction: unrestricted, or the entries allowed (sorted). */
typedef struct rset {
	bool restricted;
	fa_rs rs;
} rset;

typedef struct scope {
	uint64_t access;
	rset apps, feats, muts, machines, vols;
} scope;

typedef struct sctx {
	fa_mac_arena *a;
	fa_token_info *info;
	bool discharge; /* walking a discharge macaroon */
} sctx;

static int cmp_entry(const fa_rs_entry *x, const fa_rs_entry *y)
{
	if (!x->key && !y->key)
		return x->id < y->id ? -1 : x->id > y->id;
	if (!x->key)
		return -1;
	if (!y->key)
		return 1;
	return strcmp(x->key, y->key);
}

static int cmp_qsort(const void *x, const void *y)
{
	return cmp_entry(x, y);
}

/* A sorted copy of n entries. */
static int sorted_copy(fa_mac_arena *a, const fa_rs_entry *items, size_t n, fa_rs *out)
{
	out->items = NULL;
	out->n = 0;
	if (n == 0)
		return 0;
	out->items = fa_mac_alloc(a, n, sizeof(*out->items));
	if (!out->items)
		return FA_MAC_ENOMEM;
	memcpy(out->items, items, n * sizeof(*items));
	qsort(out->items, n, sizeof(*out->items), cmp_qsort);
	out->n = n;
	return 0;
}

static bool rs_wildcard(const fa_rs *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const fa_rs_entry *e = &rs->items[i];

		if ((!e->key && e->id == 0) || (e->key && e->key[0] == '\0'))
			return true;
	}
	return false;
}

/* cur = cur AND next (next sorted, freshly allocated, may be taken over). */
static void rset_and(rset *cur, fa_rs next)
{
	size_t i = 0, j = 0, o = 0;

	if (!cur->restricted) {
		cur->restricted = true;
		cur->rs = next;
		return;
	}
	while (i < cur->rs.n && j < next.n) {
		int d = cmp_entry(&cur->rs.items[i], &next.items[j]);

		if (d < 0) {
			i++;
		} else if (d > 0) {
			j++;
		} else {
			fa_rs_entry e = cur->rs.items[i];

			e.mask &= next.items[j].mask;
			cur->rs.items[o++] = e;
			i++;
		}
	}
	cur->rs.n = o;
}

/* cur = cur OR other (either unrestricted makes the result unrestricted). */
static int rset_or(fa_mac_arena *a, rset *cur, const rset *other)
{
	fa_rs_entry *m = NULL;
	size_t i = 0, j = 0, o = 0;

	if (!cur->restricted)
		return 0;
	if (!other->restricted) {
		cur->restricted = false;
		cur->rs.items = NULL;
		cur->rs.n = 0;
		return 0;
	}
	m = fa_mac_alloc(a, cur->rs.n + other->rs.n, sizeof(*m));
	if (!m)
		return FA_MAC_ENOMEM;
	while (i < cur->rs.n || j < other->rs.n) {
		int d = i == cur->rs.n ? 1 : j == other->rs.n ? -1 :
			cmp_entry(&cur->rs.items[i], &other->rs.items[j]);

		if (d < 0) {
			m[o++] = cur->rs.items[i++];
		} else if (d > 0) {
			m[o++] = other->rs.items[j++];
		} else {
			m[o] = cur->rs.items[i++];
			m[o++].mask |= other->rs.items[j++].mask;
		}
	}
	cur->rs.items = m;
	cur->rs.n = o;
	return 0;
}

/* Restricts by a resource set caveat (a wildcard set restricts nothing). */
static int and_rs(sctx *s, rset *cur, const fa_rs *rs, bool wild_ok)
{
	fa_rs copy;
	int rc;

	if (wild_ok && rs_wildcard(rs))
		return 0;
	rc = sorted_copy(s->a, rs->items, rs->n, &copy);
	if (rc)
		return rc;
	rset_and(cur, copy);
	return 0;
}

static int and_strs(sctx *s, rset *cur, char *const *strs, size_t n)
{
	fa_rs_entry *tmp = NULL;
	fa_rs copy;
	size_t i;

	if (n) {
		tmp = fa_mac_alloc(s->a, n, sizeof(*tmp));
		if (!tmp)
			return FA_MAC_ENOMEM;
		for (i = 0; i < n; i++) {
			tmp[i].key = strs[i];
			tmp[i].mask = FA_ACT_ALL;
		}
	}
	copy.items = tmp;
	copy.n = n;
	if (n)
		qsort(tmp, n, sizeof(*tmp), cmp_qsort);
	rset_and(cur, copy);
	return 0;
}

/* The features an IsMember (not admin) token keeps (flyio MemberFeatures). */
static int and_member_features(sctx *s, rset *cur)
{
	static const struct {
		const char *name;
		uint64_t mask;
	} member[] = {
		{ "wg", FA_ACT_ALL }, { "domain", FA_ACT_ALL }, { "site", FA_ACT_ALL },
		{ "builder", FA_ACT_ALL }, { "addon", FA_ACT_ALL }, { "checks", FA_ACT_ALL },
		{ "litefs-cloud", FA_ACT_ALL }, { "membership", FA_ACT_READ },
		{ "billing", FA_ACT_READ }, { "authentication", FA_ACT_READ },
		{ "deletion", 0 }, { "document_signing", 0 },
	};
	size_t n = sizeof(member) / sizeof(member[0]), i;
	fa_rs_entry *tmp = fa_mac_alloc(s->a, n, sizeof(*tmp));
	fa_rs copy;

	if (!tmp)
		return FA_MAC_ENOMEM;
	for (i = 0; i < n; i++) {
		tmp[i].key = (char *)(uintptr_t)member[i].name;
		tmp[i].mask = member[i].mask;
	}
	qsort(tmp, n, sizeof(*tmp), cmp_qsort);
	copy.items = tmp;
	copy.n = n;
	rset_and(cur, copy);
	return 0;
}

static int walk(sctx *s, const fa_caveat *cavs, size_t n, int depth, scope *sc)
{
	fa_token_info *info = s->info;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		const fa_caveat *cav = &cavs[i];

		if (!cav->known) {
			info->n_unknown++;
			continue;
		}
		switch (cav->type) {
		case FA_CAV_ORGANIZATION:
			if (depth == 0)
				sc->access &= cav->mask;
			if (cav->num == 0)
				break;
			if (!info->has_org) {
				info->has_org = true;
				info->org_id = cav->num;
			} else if (info->org_id != cav->num) {
				info->org_conflict = true;
			}
			break;
		case FA_CAV_ACTION:
			if (depth == 0)
				sc->access &= cav->mask;
			break;
		case FA_CAV_APPS:
			rc = and_rs(s, &sc->apps, &cav->rs, true);
			break;
		case FA_CAV_FEATURE_SET:
			rc = and_rs(s, &sc->feats, &cav->rs, true);
			break;
		case FA_CAV_MACHINES:
			rc = and_rs(s, &sc->machines, &cav->rs, true);
			break;
		case FA_CAV_VOLUMES:
			rc = and_rs(s, &sc->vols, &cav->rs, true);
			break;
		case FA_CAV_MUTATIONS:
			rc = and_strs(s, &sc->muts, cav->strs, cav->n_strs);
			break;
		case FA_CAV_IS_MEMBER:
			if (depth == 0)
				rc = and_member_features(s, &sc->feats);
			break;
		case FA_CAV_COMMANDS:
			if (info->n_commands < FA_MAC_MAX_CAVEATS)
				info->commands[info->n_commands++] = cav;
			break;
		case FA_CAV_IF_PRESENT:
			if (!info->has_else) {
				info->has_else = true;
				info->else_mask = cav->mask;
			} else {
				info->else_mask &= cav->mask;
			}
			rc = walk(s, cav->ifs, cav->n_ifs, depth + 1, sc);
			break;
		case FA_CAV_VALIDITY_WINDOW:
			if (!info->has_not_before || cav->not_before > info->not_before)
				info->not_before = cav->not_before;
			if (!info->has_expiry || cav->not_after < info->expires_at)
				info->expires_at = cav->not_after;
			info->has_not_before = info->has_expiry = true;
			break;
		case FA_CAV_THIRD_PARTY:
			if (info->n_third_party < FA_MAC_MAX_CAVEATS) {
				fa_third_party *t = &info->third_party[info->n_third_party++];

				t->location = cav->n_strs ? cav->strs[0] : "";
				t->discharged = cav->discharged;
				if (!cav->discharged)
					info->n_undischarged++;
			}
			break;
		case FA_CAV_IS_USER:
		case FA_CAV_FLYIO_USER_ID:
			if (s->discharge && !info->has_user) {
				info->has_user = true;
				info->user_id = cav->num;
			}
			break;
		default:
			break;
		}
	}
	return rc;
}

static void scope_init(scope *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->access = FA_ACT_ALL;
}

static void scope_and(scope *x, const scope *y)
{
	rset *xs[] = { &x->apps, &x->feats, &x->muts, &x->machines, &x->vols };
	const rset *ys[] = { &y->apps, &y->feats, &y->muts, &y->machines, &y->vols };
	size_t i;

	x->access &= y->access;
	for (i = 0; i < 5; i++) {
		if (!ys[i]->restricted)
			continue;
		if (!xs[i]->restricted) {
			*xs[i] = *ys[i];
			continue;
		}
		/* y's entries are sorted and owned by the arena; and in place into x */
		rset_and(xs[i], ys[i]->rs);
	}
}

static int scope_or(fa_mac_arena *a, scope *x, const scope *y)
{
	rset *xs[] = { &x->apps, &x->feats, &x->muts, &x->machines, &x->vols };
	const rset *ys[] = { &y->apps, &y->feats, &y->muts, &y->machines, &y->vols };
	size_t i;
	int rc;

	x->access |= y->access;
	for (i = 0; i < 5; i++) {
		rc = rset_or(a, xs[i], ys[i]);
		if (rc)
			return rc;
	}
	return 0;
}

int fa_mac_semantics(fa_token_info *info, fa_mac_arena *a)
{
	sctx s;
	scope dis, total, one;
	size_t i, n_groups = 0;
	int rc;

	s.a = a;
	s.info = info;
	info->access = 0;
	if (info->kind != FA_TOKEN_KIND_MACAROON) {
		info->access = FA_ACT_ALL;
		info->read_only = false;
		return 0;
	}
	info->third_party = fa_mac_alloc(a, FA_MAC_MAX_CAVEATS, sizeof(*info->third_party));
	info->commands = fa_mac_alloc(a, FA_MAC_MAX_CAVEATS, sizeof(*info->commands));
	if (!info->third_party || !info->commands)
		return FA_MAC_ENOMEM;

	/* the discharges' caveats apply to every request */
	scope_init(&dis);
	s.discharge = true;
	for (i = 0; i < info->n_macs; i++) {
		if (info->macs[i].role != FA_MAC_ROLE_DISCHARGE)
			continue;
		rc = walk(&s, info->macs[i].caveats, info->macs[i].n_caveats, 0, &dis);
		if (rc)
			return rc;
	}
	/* each permission token is an alternative: OR over them (ssh emits two) */
	scope_init(&total);
	s.discharge = false;
	for (i = 0; i < info->n_macs; i++) {
		if (info->macs[i].role == FA_MAC_ROLE_DISCHARGE)
			continue;
		scope_init(&one);
		rc = walk(&s, info->macs[i].caveats, info->macs[i].n_caveats, 0, &one);
		if (rc)
			return rc;
		scope_and(&one, &dis);
		if (n_groups++ == 0) {
			total = one;
		} else {
			rc = scope_or(a, &total, &one);
			if (rc)
				return rc;
		}
	}
	if (n_groups == 0)
		total = dis;

	info->access = total.access;
	info->read_only = (total.access & ~(uint64_t)FA_ACT_READ) == 0;
	info->apps_restricted = total.apps.restricted;
	if (total.apps.restricted && total.apps.rs.n) {
		info->apps = fa_mac_alloc(a, total.apps.rs.n, sizeof(*info->apps));
		if (!info->apps)
			return FA_MAC_ENOMEM;
		for (i = 0; i < total.apps.rs.n; i++)
			info->apps[i] = total.apps.rs.items[i].id;
		info->n_apps = total.apps.rs.n;
	}
	info->features_restricted = total.feats.restricted;
	info->features = total.feats.rs;
	info->machines_restricted = total.machines.restricted;
	info->machines = total.machines.rs;
	info->volumes_restricted = total.vols.restricted;
	info->volumes = total.vols.rs;
	info->mutations_restricted = total.muts.restricted;
	if (total.muts.restricted && total.muts.rs.n) {
		info->mutations = fa_mac_alloc(a, total.muts.rs.n, sizeof(*info->mutations));
		if (!info->mutations)
			return FA_MAC_ENOMEM;
		for (i = 0; i < total.muts.rs.n; i++)
			info->mutations[i] = total.muts.rs.items[i].key;
		info->n_mutations = total.muts.rs.n;
	}
	return 0;
}
