/* Journal entries, written over journald's native protocol. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "bounds.h"

struct journal_entry {
        size_t len;
        bool overflow;
        char buf[JOURNAL_ENTRY_MAX];
};

void journal_begin(struct journal_entry *e);
/* KEY=value. key: upper-case constant; value: any bytes up to NUL (newlines included). */
void journal_add(struct journal_entry *e, const char *key, const char *value);
void journal_add_int(struct journal_entry *e, const char *key, long value);
/* 0, -ENOTCONN when journald is not there, -ENOBUFS when the entry overflowed, or -errno. */
int journal_send(const struct journal_entry *e);
