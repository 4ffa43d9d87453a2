/* Journal entries, sent through libsystemd. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "bounds.h"

struct journal_entry {
        struct iovec iov[JOURNAL_MAX_FIELDS];   /* into buf: "KEY=value" each */
        size_t n, len;
        bool overflow;
        char buf[JOURNAL_ENTRY_MAX];
};

void journal_begin(struct journal_entry *e);
/* KEY=value. key: upper-case constant; value: any bytes up to NUL (newlines included). */
void journal_add(struct journal_entry *e, const char *key, const char *value);
void journal_add_int(struct journal_entry *e, const char *key, long value);
/* 0, -ENOTCONN when journald is not there, -ENOBUFS when the entry overflowed, -ELIBACC without
 * libsystemd, or -errno. */
int journal_send(const struct journal_entry *e);
