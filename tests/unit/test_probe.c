/* The probes' common part without a server: config lines, maildir paths,
 * and the inventory's print and compare (what the verify step will use). */
#include "testutil.h"

#include "backends/probe.h"

static void test_conf_value(void **state)
{
	char v[32];
	(void)state;

	assert_true(probe_conf_value("password = \"s3cr et\"  \r", "password", '=', v, sizeof v));
	assert_string_equal(v, "s3cr et");
	assert_true(probe_conf_value("\tdn = cn=vmail,dc=example,dc=com", "dn", '=', v, sizeof v));
	assert_string_equal(v, "cn=vmail,dc=example,dc=com");
	assert_false(probe_conf_value("dnpass = x", "dn", '=', v, sizeof v));
	assert_true(probe_conf_value("USER='root'", "user", '=', v, sizeof v));
	assert_string_equal(v, "root");
	assert_true(probe_conf_value("key = 0123456789012345678901234567890123456789", "key", '=', v, 8));
	assert_string_equal(v, "0123456");
	assert_false(probe_conf_value("# password = x", "password", '=', v, sizeof v));
}

static void test_join_path(void **state)
{
	char *p;
	(void)state;

	p = probe_join_path("/var/vmail", "vmail1", "example.com/a/l/i/alice-2024/");
	assert_string_equal(p, "/var/vmail/vmail1/example.com/a/l/i/alice-2024/");
	free(p);
	p = probe_join_path("/var/vmail/", "/vmail1/", "x/");
	assert_string_equal(p, "/var/vmail/vmail1/x/");
	free(p);
	p = probe_join_path("/var/vmail", "", NULL);
	assert_string_equal(p, "/var/vmail");
	free(p);
}

static void fill(struct inventory *inv, long long rows, const char *maildir, const char *domain)
{
	inv_add(&inv->versions, "mariadb", "10.11", 0);
	inv_add(&inv->databases, "vmail", NULL, 4096);
	inv_add(&inv->tables, "vmail.mailbox", NULL, rows);
	inv_add(&inv->tables, "vmail.domain", NULL, 2);
	inv_add(&inv->accounts, "bob@example.net", "/var/vmail/vmail1/b/", 0);
	inv_add(&inv->accounts, "alice@example.com", maildir, 0);
	inv_add(&inv->domains, domain, NULL, 0);
	inventory_sort(inv);
}

static void test_print_compare(void **state)
{
	struct inventory a = { 0 }, b = { 0 };
	struct buf r = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	fill(&a, 6, "/var/vmail/vmail1/a/", "example.com");
	fill(&b, 6, "/var/vmail/vmail1/a/", "example.com");
	b.databases.v[0].n = 8192; /* sizes and versions are informative */
	assert_int_equal(inventory_compare(&a, &b, &r), 0);
	assert_int_equal(r.len, 0);

	f = open_memstream(&text, &len);
	inventory_print(&a, f);
	fclose(f);
	assert_string_equal(text, "version mariadb 10.11\n"
	                          "database vmail bytes 4096\n"
	                          "table vmail.domain rows 2\n"
	                          "table vmail.mailbox rows 6\n"
	                          "account alice@example.com maildir /var/vmail/vmail1/a/\n"
	                          "account bob@example.net maildir /var/vmail/vmail1/b/\n"
	                          "domain example.com\n");
	free(text);
	inventory_free(&b);

	b = (struct inventory){ 0 };
	fill(&b, 5, "/var/vmail/vmail1/other/", "example.org");
	inv_add(&b.tables, "vmail.zzz", NULL, 0);
	inventory_sort(&b);
	assert_int_equal(inventory_compare(&a, &b, &r), 5);
	assert_non_null(strstr(buf_cstr(&r), "table vmail.mailbox: 6 rows on the source, 5 on the target\n"));
	assert_non_null(strstr(buf_cstr(&r), "table vmail.zzz (0 rows): only on the target\n"));
	assert_non_null(strstr(buf_cstr(&r), "account alice@example.com: /var/vmail/vmail1/a/ on the source, "
	                                     "/var/vmail/vmail1/other/ on the target\n"));
	assert_non_null(strstr(buf_cstr(&r), "domain example.com: only on the source\n"));
	assert_non_null(strstr(buf_cstr(&r), "domain example.org: only on the target\n"));
	buf_free(&r);
	inventory_free(&a);
	inventory_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_value),
		cmocka_unit_test(test_join_path),
		cmocka_unit_test(test_print_compare),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
