/* probe_test ANSWERS source|target: the read-only probe of one lab host
 * over SSH, its inventory on stdout (tests/lab/probe.sh compares it with
 * what the host's own tools say).  Exit 0, or 1 with one line on stderr.
 * probe_test ANSWERS compare: verify's comparison (backends/inspect), its
 * report on stdout; exit 0 when source and target agree, 1 otherwise. */
#include <mysql.h>
#include <stdio.h>
#include <string.h>

#include "backends/probe.h"
#include "backends/transport.h"
#include "core/answers.h"
#include "backends/inspect.h"

static void print(void *ctx, enum sink_kind k, enum host h, const char *text)
{
	(void)ctx;
	printf("%s %s %s\n", plan_host_name(h), k == SINK_ERR ? "!" : "|", text);
}

int main(int argc, char **argv)
{
	struct answers a;
	struct inventory inv = { 0 };
	struct transport *t;
	enum host h;
	char err[512];
	int rc;

	if (argc != 3 || (strcmp(argv[2], "source") && strcmp(argv[2], "target") && strcmp(argv[2], "compare"))) {
		fprintf(stderr, "usage: probe_test ANSWERS_FILE source|target|compare\n");
		return 2;
	}
	if (answers_load(&a, argv[1], err, sizeof err) < 0) {
		fprintf(stderr, "probe_test: %s\n", err);
		return 2;
	}
	t = transport_ssh_new(&a, NULL);
	if (!strcmp(argv[2], "compare")) {
		struct sink sink = { print, NULL };
		rc = inspect_compare(&a, t, &sink);
		transport_free(t);
		answers_free(&a);
		mysql_library_end();
		return rc;
	}
	h = strcmp(argv[2], "source") ? HOST_TARGET : HOST_SOURCE;
	rc = probe_run(t, h, h == HOST_SOURCE ? a.source.backend : a.target.backend, &inv, err, sizeof err);
	if (rc == 0)
		inventory_print(&inv, stdout);
	else
		fprintf(stderr, "probe_test: %s\n", err);
	inventory_free(&inv);
	transport_free(t);
	answers_free(&a);
	mysql_library_end();
	return rc == 0 ? 0 : 1;
}
