/* The look and the comparison through mailshift's own database and LDAP
 * connections (see backends/inspect.h).  The comparison also prints the
 * verification table's figures ("mailshift-figure KEY SOURCE TARGET", see
 * core/figures.h), which the runner records in the journal. */
#include "backends/inspect.h"

#include <stdlib.h>
#include <string.h>

#include "backends/probe.h"
#include "core/buf.h"

static int probe(const struct answers *a, struct transport *t, enum host h, struct inventory *inv,
                 const struct sink *sink)
{
	const struct endpoint *e = h == HOST_SOURCE ? &a->source : &a->target;
	char err[512];

	if (probe_run(t, h, e->backend, inv, err, sizeof err) == 0)
		return 0;
	sink_emitf(sink, SINK_ERR, h, "cannot read the %s's %s: %s", plan_host_name(h),
	           e->backend == BACKEND_OPENLDAP ? "directory and databases" : "databases", err);
	return -1;
}

static long long sum(const struct inv_list *l)
{
	long long n = 0;
	size_t i;

	for (i = 0; i < l->n; i++)
		n += l->v[i].n;
	return n;
}

static size_t databases(const struct inv_list *tables);

static void summary(const struct inventory *inv, enum host h, const struct sink *sink)
{
	struct buf b = {0};
	size_t i;

	for (i = 0; i < inv->versions.n; i++)
		buf_addf(&b, "%s%s %s", i ? ", " : "", inv->versions.v[i].name, inv->versions.v[i].text);
	sink_emitf(sink, SINK_OUT, h, "servers: %s", b.len ? buf_cstr(&b) : "(none found)");
	buf_free(&b);
	for (i = 0; i < inv->databases.n; i++)
		buf_addf(&b, "%s%s (%lld KiB)", i ? ", " : "", inv->databases.v[i].name,
		         (inv->databases.v[i].n + 1023) / 1024);
	if (b.len)
		sink_emitf(sink, SINK_OUT, h, "databases: %s", buf_cstr(&b));
	buf_free(&b);
	sink_emitf(sink, SINK_OUT, h, "%zu tables, %lld rows", inv->tables.n, sum(&inv->tables));
	if (inv->entries.n)
		sink_emitf(sink, SINK_OUT, h, "LDAP: %lld entries", sum(&inv->entries));
	sink_emitf(sink, SINK_OUT, h, "%zu mail accounts in %zu domains", inv->accounts.n, inv->domains.n);
}

/* Pre-flight's figures (core/figures.h): this host's column, "-" in the
 * other's (the other host's look fills it). */
static void look_figure(enum host h, const char *key, long long n, const struct sink *sink)
{
	if (h == HOST_TARGET)
		sink_emitf(sink, SINK_OUT, h, "mailshift-figure %s - %lld", key, n);
	else
		sink_emitf(sink, SINK_OUT, h, "mailshift-figure %s %lld -", key, n);
}

static void look_figures(const struct inventory *inv, enum host h, const struct sink *sink)
{
	look_figure(h, "accounts", (long long)inv->accounts.n, sink);
	look_figure(h, "domains", (long long)inv->domains.n, sink);
	look_figure(h, "databases", (long long)databases(&inv->tables), sink);
	look_figure(h, "tables", (long long)inv->tables.n, sink);
	look_figure(h, "rows", sum(&inv->tables), sink);
	if (inv->entries.n)
		look_figure(h, "ldap", sum(&inv->entries), sink);
}

int inspect_look(const struct answers *a, struct transport *t, enum host h, const struct sink *sink)
{
	struct inventory inv;
	int rc = 1;

	memset(&inv, 0, sizeof inv);
	if (probe(a, t, h, &inv, sink) == 0) {
		summary(&inv, h, sink);
		look_figures(&inv, h, sink);
		rc = 0;
	}
	inventory_free(&inv);
	return rc;
}

/* How many databases hold the tables ("DB.TABLE"): the sorted names'
 * distinct prefixes. */
static size_t databases(const struct inv_list *tables)
{
	size_t i, n = 0, len, prev = 0;

	for (i = 0; i < tables->n; i++) {
		len = strcspn(tables->v[i].name, ".");
		if (i == 0 || len != prev || strncmp(tables->v[i].name, tables->v[i - 1].name, len))
			n++;
		prev = len;
	}
	return n;
}

/* The verification table's figures (core/figures.h), the same keys as the
 * shell equivalent's in steps/verify.c. */
static void figures(const struct inventory *src, const struct inventory *dst, const struct sink *sink)
{
	sink_emitf(sink, SINK_OUT, HOST_LOCAL, "mailshift-figure accounts %zu %zu", src->accounts.n, dst->accounts.n);
	sink_emitf(sink, SINK_OUT, HOST_LOCAL, "mailshift-figure domains %zu %zu", src->domains.n, dst->domains.n);
	sink_emitf(sink, SINK_OUT, HOST_LOCAL, "mailshift-figure databases %zu %zu", databases(&src->tables),
	           databases(&dst->tables));
	sink_emitf(sink, SINK_OUT, HOST_LOCAL, "mailshift-figure tables %zu %zu", src->tables.n, dst->tables.n);
	sink_emitf(sink, SINK_OUT, HOST_LOCAL, "mailshift-figure rows %lld %lld", sum(&src->tables), sum(&dst->tables));
	if (src->entries.n || dst->entries.n)
		sink_emitf(sink, SINK_OUT, HOST_LOCAL, "mailshift-figure ldap %lld %lld", sum(&src->entries),
		           sum(&dst->entries));
}

int inspect_compare(const struct answers *a, struct transport *t, const struct sink *sink)
{
	struct inventory src, dst;
	struct buf report = {0};
	int rc = 1, n;

	memset(&src, 0, sizeof src);
	memset(&dst, 0, sizeof dst);
	if (probe(a, t, HOST_SOURCE, &src, sink) == 0 && probe(a, t, HOST_TARGET, &dst, sink) == 0) {
		/* the databases the migration moves, as the runbook's shell
		 * (steps/sh/inventory.sh): one definition */
		inventory_keep_databases(&src, PROBE_MAIL_DATABASES);
		inventory_keep_databases(&dst, PROBE_MAIL_DATABASES);
		figures(&src, &dst, sink);
		n = inventory_compare(&src, &dst, &report);
		if (n == 0) {
			sink_emitf(sink, SINK_OUT, HOST_LOCAL, "source and target agree: %zu tables (%lld rows), "
			           "%lld LDAP entries, %zu accounts with their maildirs, %zu domains",
			           src.tables.n, sum(&src.tables), sum(&src.entries), src.accounts.n, src.domains.n);
			rc = 0;
		} else {
			const char *s = buf_cstr(&report), *e;
			for (; *s; s = *e ? e + 1 : e) {
				e = s + strcspn(s, "\n");
				sink_emitf(sink, SINK_ERR, HOST_LOCAL, "differs: %.*s", (int)(e - s), s);
			}
			sink_emitf(sink, SINK_ERR, HOST_LOCAL, "%d difference(s) between source and target", n);
		}
	}
	buf_free(&report);
	inventory_free(&src);
	inventory_free(&dst);
	return rc;
}
