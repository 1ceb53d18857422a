/* inspect — what mailshift reads on the servers itself, through SSH
 * tunnels to their databases and directory (backends/probe.h): the look
 * before anything changes, and the comparison of source and target that
 * verification ends with.
 *
 * Both need an SSH transport (transport_ssh_new) and report on the sink;
 * nothing is kept: the inventories are freed before they return. */
#ifndef MAILSHIFT_INSPECT_H
#define MAILSHIFT_INSPECT_H

#include "backends/transport.h"
#include "core/answers.h"

/* Probes host h and reports its server versions, databases and their
 * sizes, tables and rows, accounts and domains.  0, or 1 when it cannot be
 * read (the reason reported). */
int inspect_look(const struct answers *a, struct transport *t, enum host h, const struct sink *sink);
/* Probes both hosts and reports every difference in table rows, LDAP
 * entries, accounts (and their maildirs) and domains.  0 when they agree,
 * 1 when anything differs or a host cannot be read. */
int inspect_compare(const struct answers *a, struct transport *t, const struct sink *sink);

#endif
