/* The keys of an answers file: their table, names and help, and writing a
 * file back (answers_write, the template).  Parsing is in core/answers.c. */
#include "core/answers_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define EP(f) offsetof(struct endpoint, f)
#define OP(f) offsetof(struct options, f)

const struct key answers_keys[] = {
	{ SEC_NONE, "stack", ANSWERS_STACK, EP(stack), "iredmail | postfix-dovecot | sendmail-mbox" },
	{ SEC_NONE, "backend", ANSWERS_BACKEND, EP(backend), "iRedMail only: openldap | mariadb | mysql | pgsql" },
	{ SEC_NONE, "host", ANSWERS_HOST, EP(host), "name or address mailshift connects to by SSH" },
	{ SEC_NONE, "port", ANSWERS_PORT, EP(port), "SSH port (default 22)" },
	{ SEC_NONE, "user", ANSWERS_USER, EP(user), "SSH user; mailshift runs its commands as root (default root)" },
	{ SEC_NONE, "identity", ANSWERS_PATH, EP(identity), "private key file (default: ssh-agent)" },
	{ SEC_NONE, "known_hosts", ANSWERS_PATH, EP(known_hosts), "host keys are checked here (default ~/.ssh/known_hosts)" },
	{ SEC_NONE, "password", ANSWERS_SECRET, EP(password), "SSH password, if the server takes no key; better left out: mailshift asks for it (the file must be mode 0600; never written back)" },
	{ SEC_OPTIONS, "vmail_dir", ANSWERS_PATH, OP(vmail_dir), "the mail store (default /var/vmail)" },
	{ SEC_OPTIONS, "dkim_dir", ANSWERS_PATH, OP(dkim_dir), "DKIM keys (default /var/lib/dkim)" },
	{ SEC_OPTIONS, "roundcube_dir", ANSWERS_PATH, OP(roundcube_dir), "installed Roundcube (default /opt/www/roundcubemail)" },
	{ SEC_OPTIONS, "roundcube_release", ANSWERS_PATH, OP(roundcube_release), "unpacked newer Roundcube on the source; upgrade with its bin/installto.sh (default: no upgrade)" },
	{ SEC_OPTIONS, "installer_dir", ANSWERS_PATH, OP(installer_dir), "iRedMail installer tree on the target, checked for missing files (default: not checked)" },
	{ SEC_OPTIONS, "carry_config", ANSWERS_PATHS, OP(carry_config), "configuration files put in place on the target from the source, separated by spaces, e.g. /etc/postfix/header_checks (default: none; the config step lists what differs)" },
	{ SEC_OPTIONS, "ldap_suffix", ANSWERS_STR, OP(ldap_suffix), "LDAP suffix, e.g. dc=example,dc=com (default: asked from slapd)" },
	{ SEC_OPTIONS, "backup_dir", ANSWERS_PATH, OP(backup_dir), "dumps and saved state on both hosts (default /var/backups/mailshift)" },
	{ SEC_OPTIONS, "two_phase_sync", ANSWERS_BOOL, OP(two_phase_sync), "bulk copy while live, final copy in the downtime (default yes)" },
	{ SEC_OPTIONS, "relay_during_cutover", ANSWERS_BOOL, OP(relay_during_cutover), "old server relays mail to the new one after the switch (default yes)" },
	{ SEC_OPTIONS, "overwrite_target", ANSWERS_BOOL, OP(overwrite_target), "migrate onto a target that went live or holds accounts the source lacks, replacing them (default no; pre-flight refuses)" },
	{ SEC_OPTIONS, "clean_source", ANSWERS_BOOL, OP(clean_source), "at the end, remove the source's copies that hold secrets: its dumps and configuration archives (default no)" },
	{ SEC_OPTIONS, "cutover", ANSWERS_STR, OP(cutover), "mx: point the MX records at the new server; ip: the new server takes over the old one's address (default mx)" },
	{ SEC_OPTIONS, "secondary_mx", ANSWERS_HOST, OP(secondary_mx), "a host that queues your mail while the window lasts, as a lower-priority MX (default: none)" },
	{ SEC_OPTIONS, "wipe_source", ANSWERS_BOOL, OP(wipe_source), "at the end, wipe the mail data on the old server, confirmed by typing its host name (default no)" },
	{ SEC_OPTIONS, "wipe_source_confirm", ANSWERS_HOST, OP(wipe_source_confirm), "the old server's host name, typed here for a headless --yes run that wipes it (default: none)" },
	{ SEC_OPTIONS, "users_uid_min", ANSWERS_STR, OP(users_uid_min), "system users: the lowest uid moved (default UID_MIN of the source's /etc/login.defs, else 1000)" },
	{ SEC_OPTIONS, "users_uid_max", ANSWERS_STR, OP(users_uid_max), "system users: the highest uid moved (default below the source's nobody, else 65533)" },
	{ SEC_OPTIONS, "users_domain", ANSWERS_HOST, OP(users_domain), "system users into iRedMail: the mail domain of their addresses, e.g. example.com (default: the target's only domain)" },
};
const size_t answers_nkeys = sizeof answers_keys / sizeof *answers_keys;

const char *const answers_stack_names[] = {
	[STACK_NONE] = "", [STACK_IREDMAIL] = "iredmail",
	[STACK_POSTFIX_DOVECOT] = "postfix-dovecot", [STACK_SENDMAIL_MBOX] = "sendmail-mbox",
};
const size_t answers_nstacks = sizeof answers_stack_names / sizeof *answers_stack_names;

const char *const answers_backend_names[] = {
	[BACKEND_NONE] = "", [BACKEND_OPENLDAP] = "openldap", [BACKEND_MARIADB] = "mariadb",
	[BACKEND_MYSQL] = "mysql", [BACKEND_PGSQL] = "pgsql",
};
const size_t answers_nbackends = sizeof answers_backend_names / sizeof *answers_backend_names;

const char *answers_stack_name(enum stack s)
{
	return answers_stack_names[s];
}

const char *answers_backend_name(enum backend b)
{
	return answers_backend_names[b];
}

const char *answers_endpoint_kind(const struct endpoint *e)
{
	if (e->stack != STACK_IREDMAIL)
		return answers_stack_names[e->stack];
	switch (e->backend) {
	case BACKEND_OPENLDAP: return "iredmail/openldap";
	case BACKEND_MARIADB: return "iredmail/mariadb";
	case BACKEND_MYSQL: return "iredmail/mysql";
	case BACKEND_PGSQL: return "iredmail/pgsql";
	case BACKEND_NONE: break;
	}
	return "iredmail";
}

int answers_find_key(const char *name, enum section sec)
{
	size_t i;

	for (i = 0; i < answers_nkeys; i++)
		if (strcmp(answers_keys[i].name, name) == 0 && (answers_keys[i].sec == SEC_NONE) == (sec != SEC_OPTIONS))
			return (int)i;
	return -1;
}

int answers_key_info(size_t i, struct answers_key_info *out)
{
	if (i >= answers_nkeys)
		return 0;
	out->name = answers_keys[i].name;
	out->help = answers_keys[i].help;
	out->endpoint = answers_keys[i].sec == SEC_NONE;
	out->type = answers_keys[i].type;
	out->explain = answers_explain(answers_keys[i].name);
	return 1;
}

/* A key's value as a file holds it (before quoting), or NULL when unset
 * or secret.  num holds a number's text. */
static const char *value_text(const struct key *k, const void *base, char num[16])
{
	const char *p = (const char *)base + k->off;

	switch (k->type) {
	case ANSWERS_SECRET: /* never written: it is asked for, or put back by hand */
		return NULL;
	case ANSWERS_STR: case ANSWERS_PATH: case ANSWERS_PATHS: case ANSWERS_HOST: case ANSWERS_USER:
		return *(char *const *)p;
	case ANSWERS_PORT:
		if (!*(const unsigned *)p)
			return NULL;
		snprintf(num, 16, "%u", *(const unsigned *)p);
		return num;
	case ANSWERS_BOOL:
		return *(const int *)p ? "yes" : "no";
	case ANSWERS_STACK:
		return *answers_stack_names[*(const enum stack *)p] ? answers_stack_names[*(const enum stack *)p] : NULL;
	case ANSWERS_BACKEND:
		return *answers_backend_names[*(const enum backend *)p] ? answers_backend_names[*(const enum backend *)p] : NULL;
	}
	return NULL;
}

enum section answers_section(const char *sec)
{
	if (strcmp(sec, "source") == 0)
		return SEC_SOURCE;
	if (strcmp(sec, "target") == 0)
		return SEC_TARGET;
	return strcmp(sec, "options") == 0 ? SEC_OPTIONS : SEC_NONE;
}

int answers_value(const struct answers *a, const char *sec, const char *name, char *out, size_t n)
{
	enum section s = answers_section(sec);
	int i = s == SEC_NONE ? -1 : answers_find_key(name, s);
	const void *base = s == SEC_SOURCE ? (const void *)&a->source
	                 : s == SEC_TARGET ? (const void *)&a->target : (const void *)&a->opt;
	const char *v;
	char num[16];

	if (i < 0)
		return -1;
	v = value_text(&answers_keys[i], base, num);
	snprintf(out, n, "%s", v ? v : "");
	return 0;
}

void answers_write_key(FILE *out, const char *name, const char *v)
{
	const char *s;
	int plain = *v && !isspace((unsigned char)*v) && !isspace((unsigned char)v[strlen(v) - 1]) && *v != '"';

	for (s = v; plain && *s; s++)
		if (*s == '#' || *s == ';' || *s == '\n')
			plain = 0;
	if (plain) {
		fprintf(out, "%s = %s\n", name, v);
		return;
	}
	fprintf(out, "%s = \"", name);
	for (s = v; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputs("\"\n", out);
}

static void write_keys(FILE *out, enum section sec, const void *base, int help)
{
	size_t i;
	const char *v;
	char num[16];

	for (i = 0; i < answers_nkeys; i++) {
		const struct key *k = &answers_keys[i];
		if ((k->sec == SEC_NONE) != (sec != SEC_OPTIONS))
			continue;
		if (help)
			fprintf(out, "# %s: %s\n", k->name, k->help);
		if ((v = value_text(k, base, num)) != NULL)
			answers_write_key(out, k->name, v);
		else if (help)
			fprintf(out, "#%s =\n", k->name);
	}
}

static void write_all(const struct answers *a, FILE *out, int help)
{
	fputs("[source]\n", out);
	write_keys(out, SEC_SOURCE, &a->source, help);
	fputs("\n[target]\n", out);
	write_keys(out, SEC_TARGET, &a->target, help);
	fputs("\n[options]\n", out);
	write_keys(out, SEC_OPTIONS, &a->opt, help);
}

void answers_write(const struct answers *a, FILE *out)
{
	fputs("# mailshift answers\n", out);
	write_all(a, out, 0);
}

void answers_template(FILE *out)
{
	struct answers a;
	char err[256];
	static const char example[] =
		"[source]\nstack = iredmail\nbackend = mariadb\nhost = old.example.org\n"
		"known_hosts = /root/.ssh/known_hosts\n"
		"[target]\nstack = iredmail\nbackend = mariadb\nhost = new.example.org\n"
		"known_hosts = /root/.ssh/known_hosts\n";

	if (answers_parse(&a, "template", example, err, sizeof err) < 0)
		return;
	fputs("# mailshift answers: the two servers and the options of the migration.\n"
	      "# Edit, then run: mailshift --answers THIS_FILE --dry-run\n"
	      "# Lines starting with # are comments; \"key = value\"; quote a value\n"
	      "# with \"...\" when it holds # or ; or outer spaces.\n"
	      "# Database and LDAP credentials never go here: mailshift reads them on\n"
	      "# the servers (/root/.my.cnf, the postgres user, slapd's own config).\n"
	      "# An SSH password may, but is better typed when mailshift asks.\n\n", out);
	write_all(&a, out, 1);
	answers_free(&a);
}
