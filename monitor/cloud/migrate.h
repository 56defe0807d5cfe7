/*
 * monitor/cloud/migrate.h — `vmlab migrate`: live migration of a running
 * guest, in one process (a second VM object) or between two vmlab processes
 * over a Unix socket. The engine is the VMM's (monitor/vmm/migrate.h).
 */
#ifndef VMLAB_CLOUD_MIGRATE_H
#define VMLAB_CLOUD_MIGRATE_H

#include "monitor/vmm/migrate.h"

int migrate_main(int argc, char **argv);               /* migrate_cli.c */

/* migrate_cli.c: the sender's report and the destination's run, shared by both ends. */
void migrate_print_report(const struct mon_migrate_opts *o, const struct mon_migrate_report *r, FILE *f);
void migrate_print_received(const struct mon_migrate_rx_stats *s, FILE *f);
int migrate_run_to_end(struct vm *vm, bool quiet);

/* migrate_net.c: the two ends over a Unix socket at path. One line on stderr on failure. */
int migrate_net_send(struct vm *src, const char *path, const struct mon_migrate_opts *o,
		     struct mon_migrate_report *rep);
int migrate_net_receive(struct vm *dst, const char *path);

#endif
