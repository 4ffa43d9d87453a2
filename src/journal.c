/* Journal entries, sent with libsystemd's sd_journal_sendv() (loaded on the first entry, which
 * the handler writes after its answer). Fields are collected as "KEY=value" in one buffer;
 * sd_journal_sendv() frames values with newlines itself. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "libsystemd.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

void journal_begin(struct journal_entry *e) {
        e->len = 0;
        e->n = 0;
        e->overflow = false;
}

void journal_add(struct journal_entry *e, const char *key, const char *value) {
        size_t k = strlen(key), v = strlen(value);

        if (e->overflow || e->n >= JOURNAL_MAX_FIELDS || k + 1 + v > sizeof(e->buf) - e->len) {
                e->overflow = true;
                return;
        }
        char *p = e->buf + e->len;
        memcpy(p, key, k);
        p[k] = '=';
        memcpy(p + k + 1, value, v);
        e->iov[e->n++] = (struct iovec) { p, k + 1 + v };
        e->len += k + 1 + v;
}

void journal_add_int(struct journal_entry *e, const char *key, long value) {
        char s[24];

        snprintf(s, sizeof(s), "%ld", value);
        journal_add(e, key, s);
}

int journal_send(const struct journal_entry *e) {
        const struct libsystemd *lib;

        if (e->overflow)
                return -ENOBUFS;
        /* sd_journal_sendv() says nothing when journald is not there: look first. */
        if (access(JOURNAL_SOCKET, F_OK) < 0)
                return -ENOTCONN;
        if (!(lib = libsystemd(NULL)))
                return -ELIBACC;
        return lib->journal_sendv(e->iov, (int) e->n);
}
