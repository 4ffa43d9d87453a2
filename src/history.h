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

/* Whether a line, unparsed, is an operator's pause or resume: a pause may be older than every other
 * window (PAUSE_MAX_SEC). A history_read_kept() filter. */
bool history_pause_line(const char *line, size_t len);

/* How far back the lines that can still change a decision at some moment go: the hour, the
 * cooldown, twice the breaker's timeout, the idempotency window, the approvals still to answer
 * (pauses go further: PAUSE_MAX_SEC). */
int64_t history_horizon(const struct config *c);

/* Replays the recent executions of the log into s (hourly limits, cooldowns, circuit breakers), for
 * a state lost to a reboot or corruption. Returns the number of executions replayed, or -errno. */
int history_rebuild(const struct config *c, const char *log_path, int64_t now, struct state *s);

#define HISTORY_MAX_TIMESTAMP   1e11            /* year 5138: beyond is damage */
#define HISTORY_MAX_DURATION    1e7             /* seconds; far beyond any playbook timeout */
