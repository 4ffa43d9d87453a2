/* What the decision log says about a window of time: is the automation paying off? (the seed's
 * Phase 6). Fed one decision-log line at a time (history_read's callback), then rendered as JSON
 * or as a table. No files, no clocks: the caller reads the log and says what the window is. */
#pragma once
#include <stdint.h>
#include <stdio.h>
#include "config.h"

struct cJSON;
struct report;

/* Manual minutes a successful execution of `playbook` saves when its route sets no
 * manual_mttr_minutes: the seed's figures (disk cleanup 30-60 min: 45; service restart 5-15 min:
 * 10), or 0 when the seed gives none. */
int report_default_mttr(const char *playbook);

/* c may be NULL (no usable config): every MTTR is then the default. */
struct report *report_new(const struct config *c, int64_t since, int64_t until);
void report_free(struct report *r);

/* Adds one parsed decision-log line; a history_read callback. 0 or -ENOMEM. */
int report_add(const struct cJSON *line, void *report);

/* The report as JSON (the caller frees it), or NULL when out of memory. skipped: lines of the
 * window that did not parse. */
struct cJSON *report_json(const struct report *r, size_t skipped);

/* The readable table, from report_json's document. */
void report_print(FILE *f, const struct cJSON *doc);
