/* Host lookups that do not hold the UI: getaddrinfo in a detached thread;
 * the UI polls.  The lookup and its handle share one block, freed by
 * whichever lets go last, so leaving a field (or the wizard) never waits
 * for a slow resolver. */
#include "tui/resolve.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/xalloc.h"

struct tui_resolve {
	pthread_mutex_t mu;
	int refs, done, ok;
	char host[256];
	char msg[320];
};

static void unref(struct tui_resolve *r)
{
	int last;

	pthread_mutex_lock(&r->mu);
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->mu);
	if (last) {
		pthread_mutex_destroy(&r->mu);
		free(r);
	}
}

static void *lookup(void *arg)
{
	struct tui_resolve *r = arg;
	struct addrinfo hints, *res = NULL;
	char addr[INET6_ADDRSTRLEN] = "";
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(r->host, NULL, &hints, &res);
	if (rc == 0) {
		const void *a = res->ai_family == AF_INET6
			? (const void *)&((const struct sockaddr_in6 *)res->ai_addr)->sin6_addr
			: (const void *)&((const struct sockaddr_in *)res->ai_addr)->sin_addr;
		inet_ntop(res->ai_family, a, addr, sizeof addr);
		freeaddrinfo(res);
	}
	pthread_mutex_lock(&r->mu);
	r->ok = rc == 0;
	if (rc == 0)
		snprintf(r->msg, sizeof r->msg, "%s is %s", r->host, addr);
	else
		snprintf(r->msg, sizeof r->msg, "%s does not resolve here: %s", r->host, gai_strerror(rc));
	r->done = 1;
	pthread_mutex_unlock(&r->mu);
	unref(r);
	return NULL;
}

struct tui_resolve *tui_resolve_start(const char *host)
{
	struct tui_resolve *r = xcalloc(1, sizeof *r);
	pthread_attr_t attr;
	pthread_t th;

	pthread_mutex_init(&r->mu, NULL);
	snprintf(r->host, sizeof r->host, "%s", host);
	r->refs = 2;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, lookup, r) != 0) {
		r->refs = 1;
		r->done = 1;
		snprintf(r->msg, sizeof r->msg, "%s: cannot look it up now", host);
	}
	pthread_attr_destroy(&attr);
	return r;
}

int tui_resolve_poll(struct tui_resolve *r, char *msg, size_t n, int *ok)
{
	int done;

	pthread_mutex_lock(&r->mu);
	done = r->done;
	if (done) {
		snprintf(msg, n, "%s", r->msg);
		*ok = r->ok;
	}
	pthread_mutex_unlock(&r->mu);
	return done;
}

void tui_resolve_free(struct tui_resolve *r)
{
	if (r)
		unref(r);
}
