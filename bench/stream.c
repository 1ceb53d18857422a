/* bench/stream: how fast and in how much memory a transport streams an
 * action's output to the sink, line by line.  The data generator is the
 * command itself: base64 of N MiB from /dev/urandom (76-byte lines), on
 * stdout and, at the same time, on stderr.
 *
 * usage: build/bench/stream [MIB [ANSWERS]]   (default 256 MiB, the local
 * transport; with an answers file, the SSH transport to its source) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "backends/transport.h"
#include "core/answers.h"
#include "core/xalloc.h"

struct count {
	unsigned long long lines, bytes;
};

static void counting(void *ctx, enum sink_kind k, enum host h, const char *text)
{
	struct count *c = ctx;
	const char *s = text;
	(void)k; (void)h;
	while (*s)
		s++;
	c->lines++;
	c->bytes += (unsigned long long)(s - text) + 1;
}

int main(int argc, char **argv)
{
	int mib = argc > 1 ? atoi(argv[1]) : 256;
	struct count c = {0};
	struct sink sink = { counting, &c };
	struct answers ans = {0};
	struct transport *t;
	struct timespec a, b;
	struct rusage ru;
	char *cmd = xasprintf("head -c %dM /dev/urandom | base64 | tee /dev/stderr", mib / 2 ? mib / 2 : 1);
	double secs;
	char err[512];
	int rc;

	if (argc > 2 && answers_load(&ans, argv[2], err, sizeof err) < 0) {
		fprintf(stderr, "stream: %s\n", err);
		return 2;
	}
	t = argc > 2 ? transport_ssh_new(&ans, NULL) : transport_local_new();
	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = transport_run(t, HOST_SOURCE, cmd, &sink);
	clock_gettime(CLOCK_MONOTONIC, &b);
	getrusage(RUSAGE_SELF, &ru);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	if (rc == TRANSPORT_FAILED)
		fprintf(stderr, "stream: %s\n", transport_error(t));
	printf("stream (%s): exit %d, %llu lines, %.1f MiB in %.2f s = %.1f MiB/s; mailshift max RSS %ld KiB\n",
	       argc > 2 ? "ssh" : "local", rc, c.lines, c.bytes / 1048576.0, secs, c.bytes / 1048576.0 / secs, ru.ru_maxrss);
	transport_free(t);
	answers_free(&ans);
	free(cmd);
	return rc;
}
