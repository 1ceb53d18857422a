/* The probes' common part: the inventory (add, sort, print, compare), the
 * credentials' way from the server into memory, and the dispatch to
 * probe_mysql.c, probe_pgsql.c and probe_ldap.c. */
#include "backends/probe.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"

void inv_add(struct inv_list *l, const char *name, const char *text, long long n)
{
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n++] = (struct inv_item){ xstrdup(name), text ? xstrdup(text) : NULL, n };
}

static void list_free(struct inv_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].text);
	}
	free(l->v);
	*l = (struct inv_list){ 0 };
}

void inventory_free(struct inventory *inv)
{
	list_free(&inv->versions);
	list_free(&inv->databases);
	list_free(&inv->tables);
	list_free(&inv->entries);
	list_free(&inv->accounts);
	list_free(&inv->domains);
}

/* 1 when the first len bytes of name are one word of the list words. */
static int in_words(const char *words, const char *name, size_t len)
{
	const char *w = words;

	while (*w) {
		size_t n = strcspn(w, " ");
		if (n == len && !strncmp(w, name, len))
			return 1;
		w += n;
		w += strspn(w, " ");
	}
	return 0;
}

void inventory_keep_databases(struct inventory *inv, const char *dbs)
{
	struct inv_list *l = &inv->tables;
	size_t i, k = 0;

	for (i = 0; i < l->n; i++) {
		if (in_words(dbs, l->v[i].name, strcspn(l->v[i].name, "."))) {
			l->v[k++] = l->v[i];
		} else {
			free(l->v[i].name);
			free(l->v[i].text);
		}
	}
	l->n = k;
}

static int item_cmp(const void *a, const void *b)
{
	const struct inv_item *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return strcmp(x->text ? x->text : "", y->text ? y->text : "");
}

static void list_sort(struct inv_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, item_cmp);
}

void inventory_sort(struct inventory *inv)
{
	list_sort(&inv->versions);
	list_sort(&inv->databases);
	list_sort(&inv->tables);
	list_sort(&inv->entries);
	list_sort(&inv->accounts);
	list_sort(&inv->domains);
}

void inventory_print(const struct inventory *inv, FILE *out)
{
	size_t i;

	for (i = 0; i < inv->versions.n; i++)
		fprintf(out, "version %s %s\n", inv->versions.v[i].name, inv->versions.v[i].text);
	for (i = 0; i < inv->databases.n; i++)
		fprintf(out, "database %s bytes %lld\n", inv->databases.v[i].name, inv->databases.v[i].n);
	for (i = 0; i < inv->tables.n; i++)
		fprintf(out, "table %s rows %lld\n", inv->tables.v[i].name, inv->tables.v[i].n);
	for (i = 0; i < inv->entries.n; i++)
		fprintf(out, "entries %s %lld\n", inv->entries.v[i].name, inv->entries.v[i].n);
	for (i = 0; i < inv->accounts.n; i++)
		fprintf(out, "account %s maildir %s\n", inv->accounts.v[i].name, inv->accounts.v[i].text);
	for (i = 0; i < inv->domains.n; i++)
		fprintf(out, "domain %s\n", inv->domains.v[i].name);
}

enum what { W_ROWS, W_ENTRIES, W_TEXT, W_NONE };

/* One item as a report shows it: "table vmail.mailbox (6 rows)". */
static void describe(struct buf *r, const char *kind, enum what w, const struct inv_item *it)
{
	buf_addf(r, "%s %s", kind, it->name);
	if (w == W_ROWS)
		buf_addf(r, " (%lld rows)", it->n);
	else if (w == W_ENTRIES)
		buf_addf(r, " (%lld entries)", it->n);
	else if (w == W_TEXT)
		buf_addf(r, " (%s)", it->text ? it->text : "");
}

/* Merges two sorted lists; returns the number of differences. */
static int compare_list(const struct inv_list *a, const struct inv_list *b, const char *kind, enum what w,
                        struct buf *r)
{
	size_t i = 0, j = 0;
	int diffs = 0;

	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->v[i].name, b->v[j].name);
		if (c < 0) {
			describe(r, kind, w, &a->v[i++]);
			buf_adds(r, ": only on the source\n");
			diffs++;
		} else if (c > 0) {
			describe(r, kind, w, &b->v[j++]);
			buf_adds(r, ": only on the target\n");
			diffs++;
		} else {
			const struct inv_item *x = &a->v[i++], *y = &b->v[j++];
			if ((w == W_ROWS || w == W_ENTRIES) && x->n != y->n) {
				buf_addf(r, "%s %s: %lld %s on the source, %lld on the target\n", kind, x->name, x->n,
				         w == W_ROWS ? "rows" : "entries", y->n);
				diffs++;
			} else if (w == W_TEXT && strcmp(x->text ? x->text : "", y->text ? y->text : "")) {
				buf_addf(r, "%s %s: %s on the source, %s on the target\n", kind, x->name,
				         x->text ? x->text : "", y->text ? y->text : "");
				diffs++;
			}
		}
	}
	return diffs;
}

int inventory_compare(const struct inventory *src, const struct inventory *dst, struct buf *report)
{
	return compare_list(&src->tables, &dst->tables, "table", W_ROWS, report) +
	       compare_list(&src->entries, &dst->entries, "entries", W_ENTRIES, report) +
	       compare_list(&src->accounts, &dst->accounts, "account", W_TEXT, report) +
	       compare_list(&src->domains, &dst->domains, "domain", W_NONE, report);
}

struct fetch {
	struct probe_text *pt;
	int overflow;
	char first_err[200];
};

static void fetch_emit(void *ctx, enum sink_kind kind, enum host host, const char *text)
{
	struct fetch *f = ctx;
	size_t n = strlen(text);
	(void)host;

	if (kind == SINK_ERR && !f->first_err[0])
		snprintf(f->first_err, sizeof f->first_err, "%s", text);
	if (kind != SINK_OUT)
		return;
	if (f->pt->len + n + 2 > sizeof f->pt->s) {
		f->overflow = 1;
		return;
	}
	memcpy(f->pt->s + f->pt->len, text, n);
	f->pt->len += n;
	f->pt->s[f->pt->len++] = '\n';
	f->pt->s[f->pt->len] = '\0';
}

struct probe_text *probe_fetch(struct transport *t, enum host h, const char *cmd, char *err, size_t errlen)
{
	struct fetch f = { .pt = xcalloc(1, sizeof *f.pt) };
	struct sink sink = { fetch_emit, &f };
	int rc = transport_run(t, h, cmd, &sink);

	if (rc == 0 && !f.overflow)
		return f.pt;
	if (rc == TRANSPORT_FAILED)
		snprintf(err, errlen, "%.*s", (int)strcspn(transport_error(t), "\n"), transport_error(t));
	else if (f.overflow)
		snprintf(err, errlen, "%s printed more than %zu bytes", cmd, sizeof f.pt->s);
	else
		snprintf(err, errlen, "%s failed (exit %d)%s%s", cmd, rc, f.first_err[0] ? ": " : "", f.first_err);
	probe_text_free(f.pt);
	return NULL;
}

void probe_text_free(struct probe_text *pt)
{
	if (!pt)
		return;
	explicit_bzero(pt, sizeof *pt);
	free(pt);
}

int probe_conf_value(const char *line, const char *key, char sep, char *out, size_t n)
{
	size_t klen = strlen(key), len;
	const char *v;

	while (*line == ' ' || *line == '\t')
		line++;
	if (strncasecmp(line, key, klen))
		return 0;
	line += klen;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != sep)
		return 0;
	line++;
	while (*line == ' ' || *line == '\t')
		line++;
	v = line;
	len = strcspn(v, "\r\n");
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
		v++;
		len -= 2;
	}
	if (len >= n)
		len = n - 1;
	memcpy(out, v, len);
	out[len] = '\0';
	return 1;
}

char *probe_join_path(const char *a, const char *b, const char *c)
{
	const char *part[3] = { a, b, c };
	struct buf p = { 0 };

	for (int i = 0; i < 3; i++) {
		const char *s = part[i] ? part[i] : "";
		size_t len;
		if (p.len)
			while (*s == '/')
				s++;
		len = strlen(s);
		if (!len)
			continue;
		if (p.len && p.s[p.len - 1] != '/')
			buf_addc(&p, '/');
		buf_add(&p, s, len);
	}
	return buf_steal(&p);
}

int probe_run(struct transport *t, enum host h, enum backend b, struct inventory *inv, char *err,
              size_t errlen)
{
	int rc = -1;

	switch (b) {
	case BACKEND_MARIADB:
	case BACKEND_MYSQL:
		rc = probe_mysql(t, h, inv, 1, err, errlen);
		break;
	case BACKEND_PGSQL:
		rc = probe_pgsql(t, h, inv, err, errlen);
		break;
	case BACKEND_OPENLDAP:
		/* iRedMail keeps its other databases in MariaDB */
		rc = probe_ldap(t, h, inv, err, errlen);
		if (rc == 0)
			rc = probe_mysql(t, h, inv, 0, err, errlen);
		break;
	case BACKEND_NONE:
		snprintf(err, errlen, "%s: no backend to probe", plan_host_name(h));
		break;
	}
	inventory_sort(inv);
	return rc;
}
