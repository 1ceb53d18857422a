/* The look and the comparison through mailshift's own database and LDAP
 * connections (see core/inspect.h). */
#include "core/inspect.h"

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

int inspect_look(const struct answers *a, struct transport *t, enum host h, const struct sink *sink)
{
	struct inventory inv;
	int rc = 1;

	memset(&inv, 0, sizeof inv);
	if (probe(a, t, h, &inv, sink) == 0) {
		summary(&inv, h, sink);
		rc = 0;
	}
	inventory_free(&inv);
	return rc;
}

int inspect_compare(const struct answers *a, struct transport *t, const struct sink *sink)
{
	struct inventory src, dst;
	struct buf report = {0};
	int rc = 1, n;

	memset(&src, 0, sizeof src);
	memset(&dst, 0, sizeof dst);
	if (probe(a, t, HOST_SOURCE, &src, sink) == 0 && probe(a, t, HOST_TARGET, &dst, sink) == 0) {
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
