/* Prometheus metrics: counters kept in the state (updated in the same locked step as the decision)
 * and gauges derived from it when rendered. */
#pragma once
#include <stdint.h>
#include "config.h"
#include "gates.h"
#include "state.h"

int metrics_count_decision(struct state *s, const struct decision *d);
int metrics_count_execution(struct state *s, const char *playbook, const char *result, double seconds);
/* A verdict; resolved_after (seconds from the run's start to the resolution) < 0: not known. */
int metrics_count_verdict(struct state *s, const char *playbook, const char *result, double resolved_after);
int metrics_count_request(struct state *s, int code);

/* The text exposition format (version 0.0.4). malloc'd, or NULL. */
char *metrics_render(const struct config *c, const struct state *s, int64_t now);
