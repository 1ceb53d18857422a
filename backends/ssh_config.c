/* ~/.ssh/config, the basics as OpenSSH reads them: Host blocks (patterns
 * with * and ?, negated with !), HostName, User, Port and IdentityFile; the
 * first value found for a host wins.  Match blocks are taken as not matching
 * and Include is not followed: what they set does not apply. */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "backends/ssh.h"
#include "core/buf.h"
#include "core/xalloc.h"

/* OpenSSH's match_pattern: '*' any run, '?' one character, no case.  In
 * time at most the product of the two lengths: on a mismatch only the last
 * '*' takes one more character (a recursive match of "*a*a*a…" was
 * exponential; found by tests/fuzz). */
static int glob(const char *p, const char *s)
{
	const char *star = NULL, *from = s;

	while (*s) {
		if (*p == '*') {
			star = p++;
			from = s;
		} else if (*p && (*p == '?' || tolower((unsigned char)*p) == tolower((unsigned char)*s))) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++from;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

/* A Host line's patterns: matches when one pattern does and no negated one. */
static int host_matches(char *patterns, const char *host)
{
	int yes = 0;
	char *save = NULL, *p;

	for (p = strtok_r(patterns, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
		if (*p == '!') {
			if (glob(p + 1, host))
				return 0;
		} else if (glob(p, host)) {
			yes = 1;
		}
	}
	return yes;
}

/* ~ and %d (home), %u (local user), %h (host), %r (remote user), %%. */
static char *expand(const char *v, const char *host, const char *ruser)
{
	struct buf b = {0};
	const char *home = getenv("HOME");
	struct passwd *pw = getpwuid(getuid());

	if (!home)
		home = pw ? pw->pw_dir : "/";
	if (v[0] == '~' && v[1] == '/') {
		buf_adds(&b, home);
		v++;
	}
	for (; *v; v++) {
		if (*v != '%' || !v[1]) {
			buf_addc(&b, *v);
			continue;
		}
		switch (*++v) {
		case 'd': buf_adds(&b, home); break;
		case 'u': buf_adds(&b, pw ? pw->pw_name : "root"); break;
		case 'h': buf_adds(&b, host); break;
		case 'r': buf_adds(&b, ruser); break;
		default: buf_addc(&b, *v); break;
		}
	}
	return buf_steal(&b);
}

/* Splits "Keyword value", "Keyword=value" or "Keyword = "value"" in place. */
static int split(char *line, char **key, char **val)
{
	char *s = line, *e;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#')
		return 0;
	*key = s;
	while (*s && !isspace((unsigned char)*s) && *s != '=')
		s++;
	e = s;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '=')
		s++;
	while (isspace((unsigned char)*s))
		s++;
	*e = '\0';
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	if (*s == '"' && e > s + 1 && e[-1] == '"') {
		e[-1] = '\0';
		s++;
	}
	*val = s;
	return 1;
}

/* v as an error shows it: control bytes as '?', at most 60 bytes. */
static const char *shown(const char *v, char *out, size_t n)
{
	size_t i;

	for (i = 0; v[i] && i + 1 < n && i < 60; i++)
		out[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
	out[i] = '\0';
	return out;
}

struct found {
	char *hostname, *user, *identity;
	unsigned port;
};

static int take(struct found *f, const char *key, const char *val, const struct endpoint *e, char *err,
                size_t errlen, const char *path, int line)
{
	char *end, v[64];
	long n;

	if (!strcasecmp(key, "HostName") && !f->hostname) {
		f->hostname = expand(val, e->host, e->user);
		if (!answers_valid_host(f->hostname)) {
			snprintf(err, errlen, "%s:%d: HostName: expected a host name or IPv4 address, got \"%s\"", path,
			         line, shown(f->hostname, v, sizeof v));
			return -1;
		}
	} else if (!strcasecmp(key, "User") && !f->user) {
		f->user = xstrdup(val);
		if (!answers_valid_user(f->user)) {
			snprintf(err, errlen, "%s:%d: User: expected a user name (letters, digits, . _ -), got \"%s\"",
			         path, line, shown(f->user, v, sizeof v));
			return -1;
		}
	} else if (!strcasecmp(key, "Port") && !f->port) {
		errno = 0;
		n = strtol(val, &end, 10);
		if (errno || *end || n < 1 || n > 65535) {
			snprintf(err, errlen, "%s:%d: Port: expected a number 1-65535, got \"%s\"", path, line,
			         shown(val, v, sizeof v));
			return -1;
		}
		f->port = (unsigned)n;
	} else if (!strcasecmp(key, "IdentityFile") && !f->identity) {
		const char *c;
		f->identity = expand(val, e->host, e->user);
		for (c = f->identity; *c && (unsigned char)*c >= 0x20 && *c != 0x7f; c++)
			;
		if (f->identity[0] != '/' || *c) {
			snprintf(err, errlen, "%s:%d: IdentityFile: expected an absolute path (or ~/...) in printable "
			         "text, got \"%s\"", path, line, shown(val, v, sizeof v));
			return -1;
		}
	}
	return 0;
}

static void apply(struct endpoint *e, struct found *f)
{
	if (f->hostname) {
		free(e->host);
		e->host = f->hostname;
		f->hostname = NULL;
	}
	if (f->port && !e->port_set)
		e->port = f->port;
	if (f->user && !e->user_set) {
		free(e->user);
		e->user = f->user;
		f->user = NULL;
	}
	if (f->identity && !e->identity) {
		e->identity = f->identity;
		f->identity = NULL;
	}
}

int ssh_config_apply(struct endpoint *e, const char *path, char *err, size_t errlen)
{
	struct found f = {0};
	FILE *in = fopen(path, "r");
	char *line = NULL, *key, *val;
	size_t cap = 0;
	int lineno = 0, active = 1, rc = 0;

	if (!in) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && getline(&line, &cap, in) >= 0) {
		lineno++;
		if (!split(line, &key, &val))
			continue;
		if (!strcasecmp(key, "Host"))
			active = host_matches(val, e->host);
		else if (!strcasecmp(key, "Match"))
			active = 0;
		else if (active)
			rc = take(&f, key, val, e, err, errlen, path, lineno);
	}
	free(line);
	fclose(in);
	if (rc == 0)
		apply(e, &f);
	free(f.hostname);
	free(f.user);
	free(f.identity);
	return rc;
}
