/* The PostgreSQL probe (libpq) through a tunnel to the server's own
 * 127.0.0.1:5432.  Credentials: the postgres line of ~postgres/.pgpass (as
 * iRedMail writes it), then every database; without it, Dovecot's (or
 * Postfix's) vmail login, then only the vmail database's readable tables. */
#include "backends/probe.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "backends/tunnel.h"
#include "core/buf.h"
#include "core/xalloc.h"

struct pgcred {
	char user[128];
	char password[256];
	char dbname[128]; /* the one database to probe; "" means all */
	char host[256];
	unsigned port;
};

/* The next ':'-separated .pgpass field, with its backslash escapes undone. */
static char *pgpass_field(char *p, char *out, size_t n)
{
	size_t o = 0;

	for (; *p && *p != ':'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (o + 1 < n)
			out[o++] = *p;
	}
	out[o] = '\0';
	return *p == ':' ? p + 1 : p;
}

static int parse_pgpass(char *text, struct pgcred *c)
{
	char *line, *next, host[256], port[16], db[128], user[128], pw[256];
	int found = 0;

	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#' || !*line)
			continue;
		line = pgpass_field(line, host, sizeof host);
		line = pgpass_field(line, port, sizeof port);
		line = pgpass_field(line, db, sizeof db);
		line = pgpass_field(line, user, sizeof user);
		pgpass_field(line, pw, sizeof pw);
		if (!found || !strcmp(user, "postgres")) {
			snprintf(c->user, sizeof c->user, "%s", user);
			snprintf(c->dbname, sizeof c->dbname, "%s", strcmp(db, "*") ? db : "vmail");
			snprintf(c->password, sizeof c->password, "%s", pw);
			snprintf(c->host, sizeof c->host, "%s", host);
			c->port = (unsigned)strtoul(port, NULL, 10);
			found = strcmp(user, "postgres") ? 1 : 2;
		}
		if (found == 2)
			break;
	}
	explicit_bzero(pw, sizeof pw);
	if (found == 2) /* postgres: every database */
		c->dbname[0] = '\0';
	return found ? 0 : -1;
}

/* One "key=value" of a libpq connection string (value maybe in single
 * quotes, backslash escapes); the rest of it, or NULL at its end. */
static const char *conninfo_next(const char *p, char *key, size_t kn, char *val, size_t vn)
{
	size_t k = 0, o = 0;

	p += strspn(p, " \t");
	if (!*p)
		return NULL;
	for (; *p && *p != '=' && *p != ' ' && *p != '\t'; p++)
		if (k + 1 < kn)
			key[k++] = *p;
	key[k] = '\0';
	p += strspn(p, " \t");
	if (*p != '=')
		return NULL;
	p++;
	p += strspn(p, " \t");
	if (*p == '\'') {
		for (p++; *p && *p != '\''; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (o + 1 < vn)
				val[o++] = *p;
		}
		if (*p)
			p++;
	} else {
		for (; *p && *p != ' ' && *p != '\t'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (o + 1 < vn)
				val[o++] = *p;
		}
	}
	val[o] = '\0';
	return p;
}

/* val into dst (n bytes), cut if longer. */
static void copy(char *dst, size_t n, const char *val)
{
	size_t len = strnlen(val, n - 1);

	memcpy(dst, val, len);
	dst[len] = '\0';
}

static void set_field(struct pgcred *c, const char *key, const char *val)
{
	if (!strcmp(key, "user"))
		copy(c->user, sizeof c->user, val);
	else if (!strcmp(key, "password"))
		copy(c->password, sizeof c->password, val);
	else if (!strcmp(key, "dbname"))
		copy(c->dbname, sizeof c->dbname, val);
	else if (!strcmp(key, "host") || !strcmp(key, "hosts"))
		snprintf(c->host, sizeof c->host, "%.*s", (int)strcspn(val, " ,:"), val);
	else if (!strcmp(key, "port"))
		c->port = (unsigned)strtoul(val, NULL, 10);
}

/* Dovecot's "connect = host=… dbname=… user=… password=…" or Postfix's
 * hosts/user/password/dbname lines. */
static int parse_service_conf(char *text, struct pgcred *c)
{
	static const char *const keys[] = { "hosts", "user", "password", "dbname" };
	char *line, *next, value[1024], key[32], val[256];

	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (probe_conf_value(line, "connect", '=', value, sizeof value)) {
			const char *p = value;
			while ((p = conninfo_next(p, key, sizeof key, val, sizeof val)))
				set_field(c, key, val);
		}
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (probe_conf_value(line, keys[i], '=', value, sizeof value))
				set_field(c, keys[i], value);
	}
	explicit_bzero(value, sizeof value);
	explicit_bzero(val, sizeof val);
	if (!c->dbname[0])
		snprintf(c->dbname, sizeof c->dbname, "vmail");
	return c->user[0] ? 0 : -1;
}

struct pg {
	struct tunnel *tun;
	const struct pgcred *c;
	const char *host; /* "source", for messages */
	char *err;
	size_t errlen;
};

static PGconn *pg_connect(struct pg *pg, const char *db)
{
	const char *k[] = { "host", "port", "user", "password", "dbname", "connect_timeout", "application_name",
		            "passfile", NULL };
	const char *v[] = { "127.0.0.1", NULL, pg->c->user, pg->c->password, db, "15", "mailshift", "/dev/null",
		            NULL };
	char port[16], e[256];
	PGconn *conn;

	snprintf(port, sizeof port, "%u", tunnel_port(pg->tun));
	v[1] = port;
	conn = PQconnectdbParams(k, v, 0);
	if (PQstatus(conn) == CONNECTION_OK)
		return conn;
	tunnel_error(pg->tun, e, sizeof e);
	snprintf(pg->err, pg->errlen, "%s: PostgreSQL at %s port %u: cannot log in as %s to %s: %.*s%s%s", pg->host,
	         pg->c->host, pg->c->port, pg->c->user, db, (int)strcspn(PQerrorMessage(conn), "\n"),
	         PQerrorMessage(conn), e[0] ? "; " : "", e);
	PQfinish(conn);
	return NULL;
}

static PGresult *query(struct pg *pg, PGconn *conn, const char *what, const char *sql)
{
	PGresult *res = PQexec(conn, sql);

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	snprintf(pg->err, pg->errlen, "%s: PostgreSQL: cannot read %s: %.*s", pg->host, what,
	         (int)strcspn(PQerrorMessage(conn), "\n"), PQerrorMessage(conn));
	PQclear(res);
	return NULL;
}

static int count_rows(struct pg *pg, PGconn *conn, const char *db, struct inventory *inv, int *vmail)
{
	PGresult *res, *cnt;
	int rc = 0;

	res = query(pg, conn, "the tables",
	            "SELECT schemaname, tablename FROM pg_tables"
	            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
	            " AND has_table_privilege(quote_ident(schemaname) || '.' || quote_ident(tablename), 'SELECT')");
	if (!res)
		return -1;
	for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
		const char *schema = PQgetvalue(res, i, 0), *table = PQgetvalue(res, i, 1);
		char *qs = PQescapeIdentifier(conn, schema, strlen(schema));
		char *qt = PQescapeIdentifier(conn, table, strlen(table));
		char *sql = xasprintf("SELECT COUNT(*) FROM %s.%s", qs ? qs : "", qt ? qt : "");
		char *name = strcmp(schema, "public") ? xasprintf("%s.%s.%s", db, schema, table)
		                                       : xasprintf("%s.%s", db, table);
		cnt = qs && qt ? query(pg, conn, name, sql) : NULL;
		if (cnt && PQntuples(cnt) == 1)
			inv_add(&inv->tables, name, NULL, strtoll(PQgetvalue(cnt, 0, 0), NULL, 10));
		else
			rc = -1;
		if (!strcmp(db, "vmail") && !strcmp(schema, "public"))
			*vmail |= !strcmp(table, "mailbox") ? 1 : !strcmp(table, "domain") ? 2 : 0;
		PQclear(cnt);
		PQfreemem(qs);
		PQfreemem(qt);
		free(sql);
		free(name);
	}
	PQclear(res);
	return rc;
}

static int read_accounts(struct pg *pg, PGconn *conn, int vmail, struct inventory *inv)
{
	PGresult *res;

	if (vmail & 1) {
		res = query(pg, conn, "vmail.mailbox",
		            "SELECT username, storagebasedirectory, storagenode, maildir FROM mailbox");
		if (!res)
			return -1;
		for (int i = 0; i < PQntuples(res); i++) {
			char *path = probe_join_path(PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
			inv_add(&inv->accounts, PQgetvalue(res, i, 0), path, 0);
			free(path);
		}
		PQclear(res);
	}
	if (vmail & 2) {
		res = query(pg, conn, "vmail.domain", "SELECT domain FROM domain");
		if (!res)
			return -1;
		for (int i = 0; i < PQntuples(res); i++)
			inv_add(&inv->domains, PQgetvalue(res, i, 0), NULL, 0);
		PQclear(res);
	}
	return 0;
}

/* Tables (and for vmail the accounts) of one database. */
static int probe_db(struct pg *pg, PGconn *conn0, const char *db, struct inventory *inv)
{
	PGconn *conn = conn0;
	int vmail = 0, rc;

	if (strcmp(db, PQdb(conn0)) && !(conn = pg_connect(pg, db)))
		return -1;
	rc = count_rows(pg, conn, db, inv, &vmail);
	if (rc == 0)
		rc = read_accounts(pg, conn, vmail, inv);
	if (conn != conn0)
		PQfinish(conn);
	return rc;
}

static int inventory_of(struct pg *pg, PGconn *conn, struct inventory *inv)
{
	const char *v = PQparameterStatus(conn, "server_version");
	PGresult *res;
	int rc = 0;

	inv_add(&inv->versions, "postgresql", v ? v : "unknown", 0);
	res = query(pg, conn, "the databases",
	            "SELECT datname, pg_database_size(datname) FROM pg_database"
	            " WHERE NOT datistemplate AND datallowconn AND has_database_privilege(datname, 'CONNECT')");
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		inv_add(&inv->databases, PQgetvalue(res, i, 0), NULL, strtoll(PQgetvalue(res, i, 1), NULL, 10));
	for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
		const char *db = PQgetvalue(res, i, 0);
		if (!pg->c->dbname[0] || !strcmp(db, pg->c->dbname))
			rc = probe_db(pg, conn, db, inv);
	}
	PQclear(res);
	return rc;
}

/* Which file it is, then the file: ~postgres/.pgpass, Dovecot's, Postfix's. */
static const char creds_cmd[] =
	"d=$(getent passwd postgres | cut -d: -f6); "
	"if [ -n \"$d\" ] && [ -s \"$d/.pgpass\" ]; then echo pgpass; cat \"$d/.pgpass\"; "
	"elif [ -r /etc/dovecot/dovecot-pgsql.conf ]; then echo service; cat /etc/dovecot/dovecot-pgsql.conf; "
	"else for f in /etc/postfix/pgsql/*.cf; do echo service; cat \"$f\"; break; done; fi";

int probe_pgsql(struct transport *t, enum host h, struct inventory *inv, char *err, size_t errlen)
{
	struct pg pg = { .host = plan_host_name(h), .err = err, .errlen = errlen };
	struct probe_text *pt;
	struct pgcred c = { 0 };
	PGconn *conn = NULL;
	char e[256];
	int rc = -1;

	pg.c = &c;
	pt = probe_fetch(t, h, creds_cmd, e, sizeof e);
	if (!pt) {
		snprintf(err, errlen, "%s: PostgreSQL: cannot read the credentials: %s", pg.host, e);
		return -1;
	}
	if (!strncmp(pt->s, "pgpass\n", 7))
		rc = parse_pgpass(pt->s + 7, &c);
	else if (!strncmp(pt->s, "service\n", 8))
		rc = parse_service_conf(pt->s + 8, &c);
	probe_text_free(pt);
	if (rc < 0) {
		explicit_bzero(&c, sizeof c);
		snprintf(err, errlen, "%s: PostgreSQL: no credentials in ~postgres/.pgpass, "
		         "/etc/dovecot/dovecot-pgsql.conf or /etc/postfix/pgsql/", pg.host);
		return -1;
	}
	rc = -1;
	if (!c.host[0] || !strcmp(c.host, "*") || !strcmp(c.host, "localhost"))
		snprintf(c.host, sizeof c.host, "127.0.0.1");
	if (!c.port)
		c.port = 5432;
	pg.tun = tunnel_open(t, h, c.host, c.port, e, sizeof e);
	if (!pg.tun) {
		explicit_bzero(&c, sizeof c);
		snprintf(err, errlen, "%s: PostgreSQL: no tunnel: %s", pg.host, e);
		return -1;
	}
	conn = pg_connect(&pg, c.dbname[0] ? c.dbname : "postgres");
	if (conn)
		rc = inventory_of(&pg, conn, inv);
	explicit_bzero(&c, sizeof c);
	PQfinish(conn);
	tunnel_close(pg.tun);
	return rc;
}
