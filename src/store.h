/* The state directory: one lock file that is never renamed or unlinked, and state.json replaced by
 * rename(2), so a reader sees the old or the new file and a killed writer leaves the old one. */
#pragma once
#include "state.h"

struct store {
        int dir_fd;
        int lock_fd;
};

/* Opens dir for the locked step, creating the lock file when it is the first. 0 or -errno. */
int store_open(const char *dir, struct store *ret);
/* Opens dir for store_load() alone: no lock (state.json is replaced by rename) and nothing
 * created, so that a reader run as another user (root's remediationctl status) leaves no file the
 * handler cannot open. 0 or -errno. */
int store_open_read(const char *dir, struct store *ret);
/* Whether this user's locked step could work in dir: the directory writable (not on a read-only
 * mount), the lock, when there is one, readable and writable. Creates nothing. 0 or -errno. */
int store_check_writable(const char *dir);
void store_close(struct store *st);

/* Exclusive lock, waiting at most timeout_ms. 0, -ETIMEDOUT, or -errno. flock(2) is released by
 * the kernel when the process dies, so a killed instance never leaves it held. */
int store_lock(struct store *st, int timeout_ms);
void store_unlock(struct store *st);

/* Loads state.json. 0; -ENOENT when there is none (an empty state is returned); -EBADMSG when it
 * is corrupt, not a regular file or too big, and -EPROTONOSUPPORT when it is another version
 * (nothing returned). */
int store_load(struct store *st, struct state *ret);
/* Writes state.json.tmp, fsyncs it and renames it over state.json. 0 or -errno (-ENOSPC...). */
int store_save(struct store *st, const struct state *s);
/* Moves a corrupt state.json aside as state.json.corrupt-<time>. */
int store_quarantine(struct store *st, long long now);

/* Writes text to path atomically (temp file in the same directory + rename). flags: WRITE_OWN_TMP
 * names the temp file after this process (for writers that hold no lock), WRITE_NO_SYNC skips the
 * fsync (for a file written anew every time). 0 or -errno. */
enum { WRITE_OWN_TMP = 1, WRITE_NO_SYNC = 2 };
int write_file_atomic(int dir_fd, const char *path, const char *text, size_t len, unsigned flags);
