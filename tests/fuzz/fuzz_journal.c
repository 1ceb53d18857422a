/* The journal: its reader, the resume point against a plan, the report,
 * the figures, the times and the checklist, on any file. */
#include "fuzz.h"

#include "core/answers.h"
#include "core/figures.h"
#include "core/journal.h"
#include "core/plan.h"
#include "steps/steps.h"

static const char answers_text[] =
	"[source]\nstack = iredmail\nbackend = mariadb\nhost = old.example.org\n"
	"[target]\nstack = iredmail\nbackend = mariadb\nhost = new.example.org\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct answers a;
	static struct plan p;
	static int ready;
	char path[64], err[512];
	struct journal_progress g;
	struct figures fs = {0};
	struct journal_time *t;
	size_t n;
	FILE *null = fopen("/dev/null", "w");
	int fd;

	if (!ready) {
		if (answers_parse(&a, "fuzz", answers_text, err, sizeof err) < 0 || steps_plan(&p, &a, err, sizeof err) < 0)
			abort();
		ready = 1;
	}
	fd = fuzz_file(data, size, path, sizeof path);
	if (fd < 0 || !null)
		abort();
	if (journal_resume_point(path, &p, &g, err, sizeof err) == JOURNAL_PARTIAL ||
	    journal_resume_point(path, &p, &g, err, sizeof err) == JOURNAL_COMPLETE)
		journal_progress_free(&g);
	journal_report(path, null, err, sizeof err);
	journal_figures(path, &fs, err, sizeof err);
	figures_free(&fs);
	if (journal_times(path, &t, &n, err, sizeof err) == 0)
		journal_times_free(t, n);
	journal_checklist(path, null, 0, err, sizeof err);
	fclose(null);
	close(fd);
	return 0;
}
