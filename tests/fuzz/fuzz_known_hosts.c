/* known_hosts: the file an endpoint names, read for the host key check
 * (libssh2's reader and mailshift's look for the stored key types). */
#include "fuzz.h"

#include <libssh2.h>

#include "backends/ssh_int.h"
#include "backends/transport.h"
#include "core/answers.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* libssh2 and OpenSSL set themselves up once, on first use: done here, not
 * in an input, so that the leak check sees only what an input leaves */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	LIBSSH2_SESSION *s;
	LIBSSH2_KNOWNHOSTS *kh;

	(void)argc;
	(void)argv;
	libssh2_init(0);
	s = libssh2_session_init();
	kh = libssh2_knownhost_init(s);
	libssh2_knownhost_readline(kh, "h ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
	                           84, LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	libssh2_knownhost_free(kh);
	libssh2_session_free(s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready = 1;
	struct answers a;
	char path[64], err[512], *text;
	int fd = fuzz_file(data, size, path, sizeof path);
	struct transport *t = transport_local_new();
	LIBSSH2_SESSION *s;
	struct ssh_known k = {0};

	if (!ready) {
		libssh2_init(0);
		ready = 1;
	}
	text = malloc(strlen(path) + 200);
	if (fd < 0 || !text)
		abort();
	sprintf(text, "[source]\nstack = iredmail\nbackend = mariadb\nhost = old.example.org\nport = 2222\n"
	              "known_hosts = %s\n[target]\nstack = iredmail\nbackend = mariadb\nhost = new.example.org\n", path);
	if (answers_parse(&a, "fuzz", text, err, sizeof err) < 0)
		abort();
	s = libssh2_session_init();
	ssh_hostkey_load(t, s, &a.source, &k);
	ssh_hostkey_free(&k);
	libssh2_session_free(s);
	answers_free(&a);
	transport_free(t);
	free(text);
	close(fd);
	return 0;
}
