/* ~/.ssh/config: ssh_config_apply() on any file, for an endpoint. */
#include "fuzz.h"

#include "backends/ssh.h"
#include "core/answers.h"

static const char answers_text[] =
	"[source]\nstack = iredmail\nbackend = mariadb\nhost = old-mail\n"
	"[target]\nstack = iredmail\nbackend = mariadb\nhost = new.example.org\nport = 2200\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct answers a;
	char path[64], err[512];
	int fd = fuzz_file(data, size, path, sizeof path);

	if (fd < 0 || answers_parse(&a, "fuzz", answers_text, err, sizeof err) < 0)
		abort();
	ssh_config_apply(&a.source, path, err, sizeof err);
	ssh_config_apply(&a.target, path, err, sizeof err);
	answers_free(&a);
	close(fd);
	return 0;
}
