#include "core/answers_int.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/xalloc.h"

struct parser {
	const char *name;
	int line;
	char *err;
	size_t errlen;
	unsigned long long seen[4]; /* per section: a bit per key, to refuse repeats */
	int sec_line[4];            /* where each section began, to refuse repeats */
};

static int fail(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	struct buf b = {0};

	if (p->name && line > 0)
		buf_addf(&b, "%s:%d: ", p->name, line);
	else if (p->name)
		buf_addf(&b, "%s: ", p->name);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (p->errlen) {
		strncpy(p->err, buf_cstr(&b), p->errlen - 1);
		p->err[p->errlen - 1] = '\0';
	}
	buf_free(&b);
	return -1;
}

static int lookup(const char *const *names, size_t n, const char *v)
{
	size_t i;
	for (i = 1; i < n; i++)
		if (strcmp(names[i], v) == 0)
			return (int)i;
	return -1;
}

/* A DNS name or an IPv4 address: what ssh, rsync and Postfix's [host]
 * syntax all take the same way.  (IPv6 literals are not, yet.) */
int answers_valid_host(const char *v)
{
	const char *s;
	if (!*v || *v == '-' || *v == '.' || strlen(v) > 253)
		return 0;
	for (s = v; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-_", *s))
			return 0;
	return 1;
}

/* A POSIX user name: it becomes "user@host" for ssh and rsync. */
int answers_valid_user(const char *v)
{
	const char *s;
	if (!*v || !(isalpha((unsigned char)*v) || *v == '_') || strlen(v) > 32)
		return 0;
	for (s = v; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return 0;
	return 1;
}

/* An absolute path that names a directory below / without "." or ".."
 * parts; a trailing slash is dropped.  The mail steps copy, chown and
 * delete inside these paths, so "/" itself is refused. */
static const char *bad_path(char *v)
{
	size_t n = strlen(v);
	const char *s;

	if (v[0] != '/')
		return "expected an absolute path";
	while (n > 1 && v[n - 1] == '/')
		v[--n] = '\0';
	if (strcmp(v, "/") == 0)
		return "expected a directory below /, not / itself";
	for (s = v; *s; s++)
		if (s[0] == '/' && s[1] == '.' && (s[2] == '/' || !s[2] || (s[2] == '.' && (s[3] == '/' || !s[3]))))
			return "expected a path without . or .. parts";
	return NULL;
}

/* backup_dir is made 0700 on both servers, also when it existed: never a
 * directory the system or others need to reach. */
static int system_dir(const char *v)
{
	static const char *const dirs[] = {
		"/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/media", "/mnt", "/opt",
		"/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/local", "/var",
		"/var/backups", "/var/cache", "/var/lib", "/var/log", "/var/mail", "/var/spool", "/var/tmp",
		"/var/vmail", "/var/www",
	};
	size_t i;

	for (i = 0; i < sizeof dirs / sizeof *dirs; i++)
		if (strcmp(v, dirs[i]) == 0)
			return 1;
	return 0;
}

/* A uid as the system users' range takes it: decimal, 1 to 4294967294. */
static int uid_text(const char *v)
{
	size_t n = strspn(v, "0123456789");

	return n && !v[n] && n <= 10 && *v != '0' && strtoull(v, NULL, 10) <= 4294967294ULL;
}

static int set_value(struct parser *p, const struct key *k, void *base, char *v)
{
	char **sp = (char **)((char *)base + k->off);
	int *ip = (int *)((char *)base + k->off);
	const char *why, *s;
	char *end;
	long n;
	int e;

	if (!*v)
		return fail(p, p->line, "%s: expected a value", k->name);
	for (s = v; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return fail(p, p->line, "%s: expected printable text, found a control character", k->name);
	switch (k->type) {
	case ANSWERS_PATHS: {
		struct buf b = {0};
		char *w, *save = NULL;

		for (w = strtok_r(v, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
			if ((why = bad_path(w)) != NULL) {
				buf_free(&b);
				return fail(p, p->line, "%s: %s, got \"%s\"", k->name, why, w);
			}
			if (b.len)
				buf_adds(&b, " ");
			buf_adds(&b, w);
		}
		if (!b.len)
			return fail(p, p->line, "%s: expected a value", k->name);
		free(*sp);
		*sp = buf_steal(&b);
		return 0;
	}
	case ANSWERS_PATH:
		if ((why = bad_path(v)) != NULL)
			return fail(p, p->line, "%s: %s, got \"%s\"", k->name, why, v);
		if (strcmp(k->name, "backup_dir") == 0 && system_dir(v))
			return fail(p, p->line, "%s: %s is a system directory, and mailshift makes this one 0700: "
			            "name a folder of its own, e.g. /var/backups/mailshift", k->name, v);
		/* fallthrough */
	case ANSWERS_STR:
		if (!*v)
			return fail(p, p->line, "%s: expected a value", k->name);
		if (strcmp(k->name, "cutover") == 0 && strcmp(v, "mx") && strcmp(v, "ip"))
			return fail(p, p->line, "%s: expected mx or ip, got \"%s\"", k->name, v);
		if (strncmp(k->name, "users_uid_", 10) == 0 && !uid_text(v))
			return fail(p, p->line, "%s: expected a uid, a number 1-4294967294, got \"%s\"", k->name, v);
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case ANSWERS_SECRET:
		if (!*v)
			return fail(p, p->line, "%s: expected a value", k->name);
		xfree_secret(*sp);
		*sp = xstrdup(v);
		return 0;
	case ANSWERS_HOST:
		if (!answers_valid_host(v))
			return fail(p, p->line, "%s: expected a host name or IPv4 address, got \"%s\"", k->name, v);
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case ANSWERS_USER:
		if (!answers_valid_user(v))
			return fail(p, p->line, "user: expected a user name (letters, digits, . _ -), got \"%s\"", v);
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case ANSWERS_PORT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno || *end || end == v || n < 1 || n > 65535)
			return fail(p, p->line, "port: expected a number 1-65535, got \"%s\"", v);
		*(unsigned *)((char *)base + k->off) = (unsigned)n;
		((struct endpoint *)base)->port_set = 1;
		return 0;
	case ANSWERS_BOOL:
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
			*ip = 1;
		else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
			*ip = 0;
		else
			return fail(p, p->line, "%s: expected yes or no, got \"%s\"", k->name, v);
		return 0;
	case ANSWERS_STACK:
		e = lookup(answers_stack_names, answers_nstacks, v);
		if (e < 0)
			return fail(p, p->line, "stack: expected iredmail, postfix-dovecot or sendmail-mbox, got \"%s\"", v);
		*(enum stack *)((char *)base + k->off) = (enum stack)e;
		return 0;
	case ANSWERS_BACKEND:
		e = lookup(answers_backend_names, answers_nbackends, v);
		if (e < 0)
			return fail(p, p->line, "backend: expected openldap, mariadb, mysql or pgsql, got \"%s\"", v);
		*(enum backend *)((char *)base + k->off) = (enum backend)e;
		return 0;
	}
	return -1;
}

/* Splits "key = value  # comment" in place.  A value may be double-quoted
 * to hold '#' or ';' or outer spaces (\" and \\ escape inside). */
static int split_line(struct parser *p, char *s, char **key, char **val)
{
	char *eq = strchr(s, '='), *e, *v, *w;

	/* only the line's first word is shown: the rest may be a password */
	if (!eq)
		return fail(p, p->line, "expected \"key = value\" or \"[section]\", got a line starting \"%.*s\"",
		            (int)strcspn(s, " \t:"), s);
	for (e = eq; e > s && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	*key = s;
	if (!*s)
		return fail(p, p->line, "expected a key before '='");
	for (v = eq + 1; isspace((unsigned char)*v); v++)
		;
	if (*v == '"') {
		for (w = *val = ++v; *v && *v != '"'; v++) {
			if (*v == '\\' && (v[1] == '"' || v[1] == '\\'))
				v++;
			*w++ = *v;
		}
		if (*v != '"')
			return fail(p, p->line, "%s: expected a closing '\"'", *key);
		*w = '\0';
		for (v++; isspace((unsigned char)*v); v++)
			;
		if (*v && *v != '#' && *v != ';')
			return fail(p, p->line, "%s: expected nothing after the closing '\"'", *key);
		return 0;
	}
	*val = v;
	for (w = v; *w; w++)
		if ((*w == '#' || *w == ';') && (w == v || isspace((unsigned char)w[-1]))) {
			*w = '\0';
			break;
		}
	for (e = v + strlen(v); e > v && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	return 0;
}

static int parse_line(struct parser *p, struct answers *a, enum section *sec, char *s)
{
	char *key = NULL, *val = NULL, *end;
	int i;
	void *base;

	if (*s == '[') {
		end = strchr(s, ']');
		if (!end || end[1])
			return fail(p, p->line, "expected \"[source]\", \"[target]\" or \"[options]\", got \"%s\"", s);
		*end = '\0';
		if (!strcmp(s + 1, "source")) {
			*sec = SEC_SOURCE;
			a->source.line = p->line;
		} else if (!strcmp(s + 1, "target")) {
			*sec = SEC_TARGET;
			a->target.line = p->line;
		} else if (!strcmp(s + 1, "options")) {
			*sec = SEC_OPTIONS;
		} else {
			return fail(p, p->line, "unknown section [%s]: expected [source], [target] or [options]", s + 1);
		}
		if (p->sec_line[*sec])
			return fail(p, p->line, "[%s] again: expected each section once (first at line %d)",
			            s + 1, p->sec_line[*sec]);
		p->sec_line[*sec] = p->line;
		return 0;
	}
	if (split_line(p, s, &key, &val) < 0)
		return -1;
	if (*sec == SEC_NONE)
		return fail(p, p->line, "%s: expected a [source], [target] or [options] line first", key);
	if ((i = answers_find_key(key, *sec)) >= 0) {
		base = *sec == SEC_SOURCE ? (void *)&a->source
		     : *sec == SEC_TARGET ? (void *)&a->target : (void *)&a->opt;
		if (p->seen[*sec] & (1ULL << i))
			return fail(p, p->line, "%s again: expected each key once per section", key);
		p->seen[*sec] |= 1ULL << i;
		return set_value(p, &answers_keys[i], base, val);
	}
	return fail(p, p->line, "unknown key \"%s\" in [%s]", key,
	            *sec == SEC_SOURCE ? "source" : *sec == SEC_TARGET ? "target" : "options");
}

static int check_endpoint(struct parser *p, struct endpoint *e, const char *sec)
{
	if (!e->line)
		return fail(p, 0, "expected a [%s] section", sec);
	if (e->stack == STACK_NONE)
		return fail(p, e->line, "[%s] needs \"stack = iredmail | postfix-dovecot | sendmail-mbox\"", sec);
	if (e->stack == STACK_IREDMAIL && e->backend == BACKEND_NONE)
		return fail(p, e->line, "[%s] is iredmail: it needs \"backend = openldap | mariadb | mysql | pgsql\"", sec);
	if (e->stack != STACK_IREDMAIL && e->backend != BACKEND_NONE)
		return fail(p, e->line, "[%s]: backend applies to iredmail only; %s keeps accounts in system users",
		            sec, answers_stack_names[e->stack]);
	if (!e->host)
		return fail(p, e->line, "[%s] needs \"host = NAME\"", sec);
	if (!e->port)
		e->port = 22;
	e->user_set = e->user != NULL;
	if (!e->user)
		e->user = xstrdup("root");
	return 0;
}

/* What one option alone cannot say. */
static int check_options(struct parser *p, const struct answers *a)
{
	const char *mx = a->opt.secondary_mx;

	if (mx && (strcasecmp(mx, a->source.host) == 0 || strcasecmp(mx, a->target.host) == 0))
		return fail(p, 0, "secondary_mx: expected a third host that queues the mail meanwhile, got %s, "
		            "the %s itself", mx, strcasecmp(mx, a->source.host) == 0 ? "source" : "target");
	if (a->opt.wipe_source && strcmp(a->opt.cutover, "ip") == 0)
		return fail(p, 0, "wipe_source: not with cutover = ip: the new server takes over the old one's "
		            "address at the cutover, the last step, and mailshift cannot reach the old server by "
		            "it after that (the decommission step still lists what it holds); wipe it by hand");
	if (a->opt.wipe_source_confirm && !a->opt.wipe_source)
		return fail(p, 0, "wipe_source_confirm: only with wipe_source = yes (it confirms that wipe)");
	return 0;
}

static void default_str(char **s, const char *v)
{
	if (!*s)
		*s = xstrdup(v);
}

static void set_defaults(struct answers *a)
{
	a->opt.two_phase_sync = 1;
	a->opt.relay_during_cutover = 1;
}

int answers_parse(struct answers *a, const char *name, const char *text,
                  char *err, size_t errlen)
{
	struct parser p = { .name = name, .err = err, .errlen = errlen };
	enum section sec = SEC_NONE;
	size_t len = strlen(text);
	char *copy = xstrdup(text), *line = copy, *next, *s, *e;
	int rc = 0;

	memset(a, 0, sizeof *a);
	set_defaults(a);
	for (; line && rc == 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p.line++;
		for (s = line; isspace((unsigned char)*s); s++)
			;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
			;
		*e = '\0';
		if (!*s || *s == '#' || *s == ';')
			continue;
		rc = parse_line(&p, a, &sec, s);
	}
	explicit_bzero(copy, len); /* it may hold a password */
	free(copy);
	if (rc == 0)
		rc = check_endpoint(&p, &a->source, "source");
	if (rc == 0)
		rc = check_endpoint(&p, &a->target, "target");
	if (rc == 0 && a->source.port == a->target.port && strcasecmp(a->source.host, a->target.host) == 0)
		rc = fail(&p, a->target.line, "[target] is the same host as [source] (%s port %u): expected two servers",
		          a->target.host, a->target.port);
	if (rc == 0) {
		default_str(&a->opt.vmail_dir, "/var/vmail");
		default_str(&a->opt.dkim_dir, "/var/lib/dkim");
		default_str(&a->opt.roundcube_dir, "/opt/www/roundcubemail");
		default_str(&a->opt.backup_dir, "/var/backups/mailshift");
		default_str(&a->opt.cutover, "mx");
		rc = check_options(&p, a);
	}
	if (rc < 0) {
		answers_free(a);
		set_defaults(a);
	}
	return rc;
}

int answers_load(struct answers *a, const char *path, char *err, size_t errlen)
{
	struct parser p = { .name = path, .err = err, .errlen = errlen };
	struct buf b = {0};
	char chunk[4096];
	size_t n;
	struct stat st;
	FILE *f = fopen(path, "r");
	int rc;

	memset(a, 0, sizeof *a);
	if (!f)
		return fail(&p, 0, "cannot read: %s", strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	explicit_bzero(chunk, sizeof chunk); /* it may hold a password */
	if (ferror(f)) {
		fclose(f);
		buf_free(&b);
		return fail(&p, 0, "cannot read: %s", strerror(errno));
	}
	if (memchr(buf_cstr(&b), '\0', b.len)) {
		fclose(f);
		buf_free(&b);
		return fail(&p, 0, "expected a text file, found a NUL byte");
	}
	rc = answers_parse(a, path, buf_cstr(&b), err, errlen);
	if (b.s)
		explicit_bzero(b.s, b.len);
	buf_free(&b);
	if (rc == 0 && (a->source.password || a->target.password) &&
	    (fstat(fileno(f), &st) < 0 || (st.st_mode & 077))) {
		answers_free(a);
		set_defaults(a);
		rc = fail(&p, 0, "holds a password, and other users can read the file: chmod 600 %s "
		          "(or leave the password out: mailshift asks for it)", path);
	}
	fclose(f);
	return rc;
}

static void free_endpoint(struct endpoint *e)
{
	free(e->host);
	free(e->user);
	free(e->identity);
	free(e->known_hosts);
	xfree_secret(e->password);
}

void answers_free(struct answers *a)
{
	free_endpoint(&a->source);
	free_endpoint(&a->target);
	free(a->opt.vmail_dir);
	free(a->opt.dkim_dir);
	free(a->opt.roundcube_dir);
	free(a->opt.roundcube_release);
	free(a->opt.installer_dir);
	free(a->opt.carry_config);
	free(a->opt.ldap_suffix);
	free(a->opt.backup_dir);
	free(a->opt.users_uid_min);
	free(a->opt.users_uid_max);
	free(a->opt.users_domain);
	free(a->opt.cutover);
	free(a->opt.secondary_mx);
	free(a->opt.wipe_source_confirm);
	memset(a, 0, sizeof *a);
}

int answers_check_value(const char *sec, const char *name, const char *value, char *err, size_t errlen)
{
	struct parser p = { .name = NULL, .err = err, .errlen = errlen };
	enum section s = answers_section(sec);
	int i = s == SEC_NONE ? -1 : answers_find_key(name, s);
	struct answers a;
	char *copy;
	int rc;

	if (i < 0)
		return fail(&p, 0, "unknown key \"%s\" in [%s]", name, sec);
	memset(&a, 0, sizeof a);
	copy = xstrdup(value);
	rc = set_value(&p, &answers_keys[i], s == SEC_OPTIONS ? (void *)&a.opt : (void *)&a.source, copy);
	explicit_bzero(copy, strlen(copy));
	free(copy);
	answers_free(&a);
	return rc;
}
