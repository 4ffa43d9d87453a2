#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include "bounds.h"
#include "store.h"
#include "util.h"

#define STATE_FILE "state.json"
#define STATE_TMP  "state.json.tmp"
#define LOCK_FILE  "lock"

int store_open(const char *dir, struct store *ret) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        /* The first writer creates the lock, as the directory's owner (tmpfiles.d also does). */
        int lfd = openat(dfd, LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lfd < 0) {
                int r = -errno;
                close(dfd);
                return r;
        }
        *ret = (struct store) { dfd, lfd };
        return 0;
}

int store_open_read(const char *dir, struct store *ret) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        *ret = (struct store) { dfd, -1 };
        return 0;
}

int store_check_writable(const char *dir) {
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dfd < 0)
                return -errno;
        if (faccessat(dfd, ".", W_OK | X_OK, AT_EACCESS) < 0)          /* EROFS too */
                return -errno;
        if (faccessat(dfd, LOCK_FILE, R_OK | W_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

void store_close(struct store *st) {
        if (st->lock_fd >= 0)
                close(st->lock_fd);
        if (st->dir_fd >= 0)
                close(st->dir_fd);
        st->lock_fd = st->dir_fd = -1;
}

static void on_alarm(int sig) { (void) sig; }

int store_lock(struct store *st, int timeout_ms) {
        /* A blocking flock queues us fairly behind the other instances; an interval timer without
         * SA_RESTART bounds the wait. */
        struct sigaction sa = { .sa_handler = on_alarm }, old;
        struct itimerval t = { .it_value = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 } };
        struct itimerval off = {};
        sigset_t alrm, oldmask;
        int r = 0;

        sigemptyset(&alrm);
        sigaddset(&alrm, SIGALRM);
        sigaction(SIGALRM, &sa, &old);
        sigprocmask(SIG_UNBLOCK, &alrm, &oldmask);
        setitimer(ITIMER_REAL, &t, NULL);
        if (flock(st->lock_fd, LOCK_EX) < 0)
                r = errno == EINTR ? -ETIMEDOUT : -errno;
        setitimer(ITIMER_REAL, &off, NULL);
        sigprocmask(SIG_SETMASK, &oldmask, NULL);
        sigaction(SIGALRM, &old, NULL);
        return r;
}

void store_unlock(struct store *st) {
        (void) flock(st->lock_fd, LOCK_UN);
}

int store_load(struct store *st, struct state *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = read_file_bounded(st->dir_fd, STATE_FILE, STATE_MAX_FILE_BYTES, &buf, &len);

        if (r == -ENOENT)
                *ret = (struct state) {};
        /* Not a regular file (a FIFO would block the instance holding the lock), a symlink or too
         * big: corrupt, to be moved aside like any other damage. */
        if (r == -EBADFD || r == -EISDIR || r == -ELOOP || r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        return state_parse(buf, len, ret);
}

int write_file_atomic(int dir_fd, const char *path, const char *text, size_t len, unsigned flags) {
        char tmp[4096];
        int n = flags & WRITE_OWN_TMP ? snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long) getpid())
                                      : snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        if (n < 0 || (size_t) n >= sizeof(tmp))
                return -ENAMETOOLONG;
        /* One writer of the temp name at a time (the lock holder, or this process): what is found
         * there goes first, so that a FIFO cannot block us and a hard link cannot have its target
         * written; O_EXCL then makes sure the file is the one just created. */
        if (unlinkat(dir_fd, tmp, 0) < 0 && errno != ENOENT)
                return -errno;
        int fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, text, len);
        if (r == 0 && !(flags & WRITE_NO_SYNC) && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dir_fd, tmp, dir_fd, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(dir_fd, tmp, 0);
        return r;
}

int store_save(struct store *st, const struct state *s) {
        _cleanup_free_ char *text = state_format(s);
        if (!text)
                return -ENOMEM;
        return write_file_atomic(st->dir_fd, STATE_FILE, text, strlen(text), 0);
}

int store_quarantine(struct store *st, long long now) {
        char name[64];
        snprintf(name, sizeof(name), STATE_FILE ".corrupt-%lld", now);
        return renameat(st->dir_fd, STATE_FILE, st->dir_fd, name) < 0 ? -errno : 0;
}
