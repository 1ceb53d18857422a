/* The quoting property: for every byte string s without NUL,
 * sh -c "printf %s <quote(s)>" prints exactly s. */
#include "testutil.h"

#include "core/shell.h"

static void check_roundtrip(const char *s)
{
	char *q = shell_quote(s);
	char *cmd = xasprintf("printf %%s %s", q);
	char *const argv[] = { (char *)"sh", (char *)"-c", cmd, NULL };
	struct buf out = {0};
	int rc = tu_capture(argv, &out);

	if (rc != 0 || out.len != strlen(s) || memcmp(buf_cstr(&out), s, out.len) != 0)
		fail_msg("quote(\"%s\") = %s printed \"%s\" (rc %d)", s, q, buf_cstr(&out), rc);
	buf_free(&out);
	free(cmd);
	free(q);
}

/* Checks many strings with one shell: each printed, then a NUL.  On a
 * mismatch the string is checked alone for a precise message. */
struct batch {
	struct buf script;
	char **strs;
	size_t n, cap;
};

static void batch_add(struct batch *b, const char *s)
{
	char *q = shell_quote(s);
	buf_addf(&b->script, "printf %%s %s; printf '\\0'\n", q);
	free(q);
	b->strs = xgrow(b->strs, &b->cap, b->n + 1, sizeof *b->strs);
	b->strs[b->n++] = xstrdup(s);
}

static void batch_run(struct batch *b)
{
	char *const argv[] = { (char *)"sh", (char *)"-c", (char *)buf_cstr(&b->script), NULL };
	struct buf out = {0};
	const char *p;
	size_t i;

	assert_int_equal(tu_capture(argv, &out), 0);
	p = buf_cstr(&out);
	for (i = 0; i < b->n; i++) {
		size_t len = strlen(p);
		if (p >= out.s + out.len || strcmp(p, b->strs[i]) != 0)
			check_roundtrip(b->strs[i]);
		assert_true(p < out.s + out.len);
		p += len + 1;
	}
	assert_true(p == out.s + out.len);
	for (i = 0; i < b->n; i++)
		free(b->strs[i]);
	free(b->strs);
	buf_free(&b->script);
	buf_free(&out);
}

static const char *const corpus[] = {
	"", "plain", "two words", "it's", "'", "''", "\"", "\"'\"", "$(touch /tmp/mailshift-pwned)",
	"`id`", "${HOME}", "$HOME", "a\nb", "\n", "trailing\n", "*", "/etc/*", "?", "[a-z]", "~",
	"~root", "-n", "--help", "-", "a;b", "a|b", "a&b", "a>b", "<in", "back\\slash", "\\", "!",
	"!!", "tab\there", " lead", "trail ", "=x", "x=y", "a=b c", "#comment", "%s%d%n", "\x01\x02\x7f",
	"\xff\xfe non-utf8 \x80", "caf\xc3\xa9", "\xe2\x94\x80 box", "'$(x)'\"`y`\"", "a'b\"c$d`e\\f",
	"dc=example,dc=org", "/var/my mail/", "{a,b}", "$((1+1))", "\\$", "'\\''", NULL,
};

static void test_corpus(void **state)
{
	struct batch b = {0};
	size_t i;
	(void)state;
	for (i = 0; corpus[i]; i++)
		check_roundtrip(corpus[i]);
	for (i = 0; corpus[i]; i++)
		batch_add(&b, corpus[i]);
	batch_run(&b);
}

/* Generated strings: every byte 1..255 alone and in pairs with quotes, and
 * random strings from a fixed seed. */
static void test_generated(void **state)
{
	struct batch b = {0};
	char s[64];
	unsigned seed = 12345;
	int c, i, k;
	(void)state;

	for (c = 1; c < 256; c++) {
		s[0] = (char)c;
		s[1] = '\0';
		batch_add(&b, s);
		snprintf(s, sizeof s, "-'%c\"%c'$%c", c, c, c);
		batch_add(&b, s);
	}
	for (i = 0; i < 2000; i++) {
		int len = (int)(seed % 40);
		for (k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			s[k] = (char)((seed >> 16) % 255 + 1);
		}
		s[len] = '\0';
		seed = seed * 1103515245u + 12345u;
		batch_add(&b, s);
	}
	batch_run(&b);
}

/* A quoted string quoted again survives two shells. */
static void test_nested(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; corpus[i]; i++) {
		char *inner = shell_fmt("printf %%s %q", corpus[i]);
		char *cmd = shell_fmt("sh -c %q", inner);
		char *const argv[] = { (char *)"sh", (char *)"-c", cmd, NULL };
		struct buf out = {0};
		assert_int_equal(tu_capture(argv, &out), 0);
		assert_int_equal(out.len, strlen(corpus[i]));
		assert_memory_equal(buf_cstr(&out), corpus[i], out.len);
		buf_free(&out);
		free(cmd);
		free(inner);
	}
}

static void test_forms(void **state)
{
	char *s;
	(void)state;
	s = shell_quote("/var/vmail");
	assert_string_equal(s, "/var/vmail");
	free(s);
	s = shell_quote("-rf");
	assert_string_equal(s, "\"-rf\"");
	free(s);
	s = shell_quote("it's");
	assert_string_equal(s, "\"it's\"");
	free(s);
	s = shell_quote("$x 'y'");
	assert_string_equal(s, "'$x '\\''y'\\'''");
	free(s);
	s = shell_quote("");
	assert_string_equal(s, "\"\"");
	free(s);
}

static void test_fmt(void **state)
{
	char *s;
	(void)state;
	s = shell_fmt("rsync %s -- %q/ %q:%q %d%%%u", "-a", "/var/my mail", "root@h", "$(x)", -3, 7u);
	assert_string_equal(s, "rsync -a -- \"/var/my mail\"/ root@h:'$(x)' -3%7");
	free(s);
}

/* shell_assign_into: the variable holds exactly the value, in bash under
 * set -euo pipefail, for every corpus string and for programs of several
 * lines with quotes (the here-document form), one of them holding the
 * delimiter as a line and ending in newlines. */
static void test_assign(void **state)
{
	static const char *const programs[] = {
		"# awk: it's a program\n{ print $1 }\n",
		"a'b\nMS_VALUE\nMS_VALUE_1\n'c'\n\n",
		"x\n'$(touch /tmp/mailshift-pwned)'\n`id`\\\n\tlast",
		/* inside $( ) bash ends a here-document at "DELIM)" too */
		"it's\nMS_VALUE)\ntouch /tmp/mailshift-pwned\nMS_VALUE_1 x\n",
		NULL,
	};
	size_t i;
	size_t nc = sizeof corpus / sizeof *corpus - 1, np = sizeof programs / sizeof *programs - 1;
	(void)state;

	for (i = 0; i < nc + np; i++) {
		const char *v = i < nc ? corpus[i] : programs[i - nc];
		struct buf script = {0}, out = {0};
		char *const argv[] = { (char *)"bash", (char *)"-c", NULL, NULL };
		char **av = (char **)argv;

		buf_adds(&script, "set -euo pipefail\n");
		shell_assign_into(&script, "v", v);
		buf_adds(&script, "printf %s \"$v\"");
		if (i >= nc) /* the readable form, for the programs */
			assert_non_null(strstr(buf_cstr(&script), "<<'MS_VALUE"));
		av[2] = (char *)buf_cstr(&script);
		assert_int_equal(tu_capture(argv, &out), 0);
		if (out.len != strlen(v) || memcmp(buf_cstr(&out), v, out.len) != 0)
			fail_msg("assign(\"%s\") printed \"%s\" from:\n%s", v, buf_cstr(&out), buf_cstr(&script));
		buf_free(&out);
		buf_free(&script);
		if (i < nc)
			continue;
		/* the same inside a command substitution (which drops trailing newlines) */
		buf_adds(&script, "set -euo pipefail\nx=$(\n");
		shell_assign_into(&script, "v", v);
		buf_adds(&script, "printf '%s.' \"$v\"\n)\nprintf %s \"${x%.}\"");
		av[2] = (char *)buf_cstr(&script);
		assert_int_equal(tu_capture(argv, &out), 0);
		if (out.len != strlen(v) || memcmp(buf_cstr(&out), v, out.len) != 0)
			fail_msg("assign(\"%s\") in $( ) printed \"%s\" from:\n%s", v, buf_cstr(&out), buf_cstr(&script));
		buf_free(&out);
		buf_free(&script);
	}
	assert_int_equal(access("/tmp/mailshift-pwned", F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_assign),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_generated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
