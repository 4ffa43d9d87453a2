/* Reading the decision log back: for rebuilding lost state and for reports. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "state.h"

struct cJSON;

/* Calls fn for each line of the log whose timestamp is >= since (seconds), oldest first, reading
 * at most max_bytes back from the end of the file (and what is appended meanwhile, up to as much
 * again). Lines that do not parse are skipped and counted in *ret_skipped. Returns the number of
 * lines passed to fn, or -errno (fn's negative return stops; a log that is not a regular file is
 * open_regular()'s error). */
int history_read(const char *path, int64_t since, size_t max_bytes,
                 int (*fn)(const struct cJSON *line, void *data), void *data, size_t *ret_skipped);
/* The same for the lines keep() accepts (NULL: all), before they are parsed. max_bytes 0: the
 * whole window, however large (it is found by time, and read a block at a time). */
int history_read_kept(const char *path, int64_t since, size_t max_bytes,
                      bool (*keep)(const char *line, size_t len),
                      int (*fn)(const struct cJSON *line, void *data), void *data, size_t *ret_skipped);

/* Replays the recent executions of the log into s (hourly limits, cooldowns, circuit breakers), for
 * a state lost to a reboot or corruption. Returns the number of executions replayed, or -errno. */
int history_rebuild(const struct config *c, const char *log_path, int64_t now, struct state *s);

#define HISTORY_MAX_TIMESTAMP   1e11            /* year 5138: beyond is damage */
#define HISTORY_MAX_DURATION    1e7             /* seconds; far beyond any playbook timeout */
