/* xalloc — allocation that cannot silently fail.
 *
 * Every function here either returns valid memory or prints a message and
 * exits with status 70 (EX_SOFTWARE).  The caller owns what is returned and
 * frees it with free(). */
#ifndef MAILSHIFT_XALLOC_H
#define MAILSHIFT_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of *cap elements of size `size` so index `need-1` fits. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Wipes a secret string before freeing it; NULL is fine. */
void xfree_secret(char *s);

#endif
