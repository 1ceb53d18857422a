/* The MariaDB/MySQL probe (libmariadb) through a tunnel to the server's
 * own 127.0.0.1:3306, as the user of /root/.my.cnf. */
#include "backends/probe.h"

#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "backends/tunnel.h"
#include "core/buf.h"
#include "core/xalloc.h"

#define SYSTEM_SCHEMAS "('mysql', 'information_schema', 'performance_schema', 'sys')"

struct mycred {
	char user[128];
	char password[256];
	char host[256];
	unsigned port;
};

/* [client] first, then what the mysql/mariadb clients read after it. */
static int client_section(const char *name, size_t len)
{
	static const char *const names[] = { "client", "client-server", "client-mariadb", "mysql", "mariadb" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == len && !strncmp(name, names[i], len))
			return 1;
	return 0;
}

static void parse_mycnf(char *text, struct mycred *c)
{
	char *line, *next, port[16];
	int in = 0;

	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line += strspn(line, " \t");
		if (*line == '[') {
			size_t len = strcspn(line + 1, "]");
			in = client_section(line + 1, len);
			continue;
		}
		if (!in || *line == '#' || *line == ';')
			continue;
		if (probe_conf_value(line, "port", '=', port, sizeof port))
			c->port = (unsigned)strtoul(port, NULL, 10);
		else if (!probe_conf_value(line, "user", '=', c->user, sizeof c->user) &&
		         !probe_conf_value(line, "password", '=', c->password, sizeof c->password))
			probe_conf_value(line, "host", '=', c->host, sizeof c->host);
	}
	if (!c->user[0])
		snprintf(c->user, sizeof c->user, "root");
	if (!c->host[0] || !strcmp(c->host, "localhost"))
		snprintf(c->host, sizeof c->host, "127.0.0.1");
	if (!c->port)
		c->port = 3306;
}

struct my {
	MYSQL *m;
	const char *host; /* "source", for messages */
	char *err;
	size_t errlen;
};

static MYSQL_RES *query(struct my *my, const char *what, const char *sql)
{
	MYSQL_RES *res;

	if (mysql_query(my->m, sql) != 0 || !(res = mysql_store_result(my->m))) {
		snprintf(my->err, my->errlen, "%s: MariaDB: cannot read %s: %s", my->host, what, mysql_error(my->m));
		return NULL;
	}
	return res;
}

/* `name` with backquotes doubled, in backquotes. */
static void add_ident(struct buf *b, const char *name)
{
	buf_addc(b, '`');
	for (; *name; name++) {
		if (*name == '`')
			buf_addc(b, '`');
		buf_addc(b, *name);
	}
	buf_addc(b, '`');
}

static int count_rows(struct my *my, struct inventory *inv)
{
	MYSQL_RES *res, *cnt;
	MYSQL_ROW row, r;
	int rc = 0;

	res = query(my, "the tables",
	            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
	            " AND table_schema NOT IN " SYSTEM_SCHEMAS);
	if (!res)
		return -1;
	while (rc == 0 && (row = mysql_fetch_row(res))) {
		struct buf sql = { 0 };
		char *name = xasprintf("%s.%s", row[0], row[1]);
		buf_adds(&sql, "SELECT COUNT(*) FROM ");
		add_ident(&sql, row[0]);
		buf_addc(&sql, '.');
		add_ident(&sql, row[1]);
		cnt = query(my, name, buf_cstr(&sql));
		if (!cnt || !(r = mysql_fetch_row(cnt)) || !r[0]) {
			if (cnt)
				snprintf(my->err, my->errlen, "%s: MariaDB: no count for %s", my->host, name);
			rc = -1;
		} else {
			inv_add(&inv->tables, name, NULL, strtoll(r[0], NULL, 10));
		}
		if (cnt)
			mysql_free_result(cnt);
		free(name);
		buf_free(&sql);
	}
	mysql_free_result(res);
	return rc;
}

static int has_table(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->tables.n; i++)
		if (!strcmp(inv->tables.v[i].name, name))
			return 1;
	return 0;
}

static int read_accounts(struct my *my, struct inventory *inv)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (has_table(inv, "vmail.mailbox")) {
		res = query(my, "vmail.mailbox",
		            "SELECT username, storagebasedirectory, storagenode, maildir FROM vmail.mailbox");
		if (!res)
			return -1;
		while ((row = mysql_fetch_row(res))) {
			char *path = probe_join_path(row[1], row[2], row[3]);
			inv_add(&inv->accounts, row[0] ? row[0] : "", path, 0);
			free(path);
		}
		mysql_free_result(res);
	}
	if (has_table(inv, "vmail.domain")) {
		res = query(my, "vmail.domain", "SELECT domain FROM vmail.domain");
		if (!res)
			return -1;
		while ((row = mysql_fetch_row(res)))
			inv_add(&inv->domains, row[0] ? row[0] : "", NULL, 0);
		mysql_free_result(res);
	}
	return 0;
}

static int inventory_of(struct my *my, struct inventory *inv, int accounts)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	inv_add(&inv->versions, "mariadb", mysql_get_server_info(my->m), 0);
	res = query(my, "the databases",
	            "SELECT s.schema_name, COALESCE(SUM(t.data_length + t.index_length), 0)"
	            " FROM information_schema.schemata s"
	            " LEFT JOIN information_schema.tables t ON t.table_schema = s.schema_name"
	            " WHERE s.schema_name NOT IN " SYSTEM_SCHEMAS " GROUP BY s.schema_name");
	if (!res)
		return -1;
	while ((row = mysql_fetch_row(res)))
		inv_add(&inv->databases, row[0], NULL, strtoll(row[1] ? row[1] : "0", NULL, 10));
	mysql_free_result(res);
	if (count_rows(my, inv) < 0)
		return -1;
	return accounts ? read_accounts(my, inv) : 0;
}

int probe_mysql(struct transport *t, enum host h, struct inventory *inv, int accounts, char *err,
                size_t errlen)
{
	struct my my = { .host = plan_host_name(h), .err = err, .errlen = errlen };
	struct probe_text *pt;
	struct tunnel *tun;
	struct mycred c = { 0 };
	unsigned timeout = 30;
	char e[256];
	int rc = -1;

	pt = probe_fetch(t, h, "cat /root/.my.cnf", e, sizeof e);
	if (!pt) {
		snprintf(err, errlen, "%s: MariaDB: cannot read the credentials: %s", my.host, e);
		return -1;
	}
	parse_mycnf(pt->s, &c);
	probe_text_free(pt);
	tun = tunnel_open(t, h, c.host, c.port, e, sizeof e);
	if (!tun) {
		explicit_bzero(&c, sizeof c);
		snprintf(err, errlen, "%s: MariaDB: no tunnel: %s", my.host, e);
		return -1;
	}
	my.m = mysql_init(NULL);
	if (!my.m) {
		snprintf(err, errlen, "%s: MariaDB: out of memory", my.host);
		goto out;
	}
	mysql_options(my.m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(my.m, MYSQL_OPT_READ_TIMEOUT, &timeout);
	mysql_options(my.m, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
	if (!mysql_real_connect(my.m, "127.0.0.1", c.user, c.password, NULL, tunnel_port(tun), NULL, 0)) {
		tunnel_error(tun, e, sizeof e);
		snprintf(err, errlen, "%s: MariaDB at %s port %u: cannot log in as %s: %s%s%s", my.host, c.host, c.port,
		         c.user, mysql_error(my.m), e[0] ? "; " : "", e);
		goto out;
	}
	explicit_bzero(c.password, sizeof c.password);
	rc = inventory_of(&my, inv, accounts);
out:
	explicit_bzero(&c, sizeof c);
	if (my.m)
		mysql_close(my.m);
	tunnel_close(tun);
	return rc;
}
