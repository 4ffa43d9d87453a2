/* The state directory: one lock file that is never renamed or unlinked, and state.json replaced by
 * rename(2), so a reader sees the old or the new file and a killed writer leaves the old one. */
#pragma once
#include "state.h"

struct store {
        int dir_fd;
        int lock_fd;
};

/* Opens (and creates the lock file in) dir. 0 or -errno. */
int store_open(const char *dir, struct store *ret);
void store_close(struct store *st);

/* Exclusive lock, waiting at most timeout_ms. 0, -ETIMEDOUT, or -errno. flock(2) is released by
 * the kernel when the process dies, so a killed instance never leaves it held. */
int store_lock(struct store *st, int timeout_ms);
void store_unlock(struct store *st);

/* Loads state.json. 0; -ENOENT when there is none (an empty state is returned); -EBADMSG when it
 * is corrupt and -EPROTONOSUPPORT when it is another version (nothing returned). */
int store_load(struct store *st, struct state *ret);
/* Writes state.json.tmp, fsyncs it and renames it over state.json. 0 or -errno (-ENOSPC...). */
int store_save(struct store *st, const struct state *s);
/* Moves a corrupt state.json aside as state.json.corrupt-<time>. */
int store_quarantine(struct store *st, long long now);

/* Writes text to path atomically (temp file in the same directory + rename). 0 or -errno. */
int write_file_atomic(int dir_fd, const char *path, const char *text, size_t len);
