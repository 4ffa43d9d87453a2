/* Journal entries over journald's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL), which
 * systemd keeps stable for clients other than its own. sd_journal_send() speaks the same; we do it
 * here because loading libsystemd and what it pulls in (libgcrypt, liblzma, libzstd, liblz4,
 * libcap) cost each one-shot instance more time and memory than the rest of a request
 * (tests/bench/results.md).
 *
 * An entry is one datagram: "KEY=value\n" per field, or, for a value with a newline in it,
 * "KEY\n", its length as 64-bit little endian, the bytes, "\n". */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "journal.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static void put(struct journal_entry *e, const void *p, size_t n) {
        if (e->overflow || n > sizeof(e->buf) - e->len) {
                e->overflow = true;
                return;
        }
        memcpy(e->buf + e->len, p, n);
        e->len += n;
}

void journal_begin(struct journal_entry *e) {
        e->len = 0;
        e->overflow = false;
}

void journal_add(struct journal_entry *e, const char *key, const char *value) {
        size_t n = strlen(value);

        put(e, key, strlen(key));
        if (memchr(value, '\n', n)) {
                uint64_t le = htole64(n);
                put(e, "\n", 1);
                put(e, &le, sizeof(le));
        } else {
                put(e, "=", 1);
        }
        put(e, value, n);
        put(e, "\n", 1);
}

void journal_add_int(struct journal_entry *e, const char *key, long value) {
        char s[24];

        snprintf(s, sizeof(s), "%ld", value);
        journal_add(e, key, s);
}

int journal_send(const struct journal_entry *e) {
        static int fd = -1;     /* kept for the process's next entries; CLOEXEC */
        static const struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };

        if (e->overflow)
                return -ENOBUFS;
        if (fd < 0) {
                fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        return -errno;
        }
        if (sendto(fd, e->buf, e->len, MSG_NOSIGNAL, (const struct sockaddr *) &sa, sizeof(sa)) >= 0)
                return 0;
        /* No socket, or nobody reading it: journald is not running. */
        return errno == ENOENT || errno == ECONNREFUSED ? -ENOTCONN : -errno;
}
