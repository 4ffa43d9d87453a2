/* Series names are built only from names the config defines (playbooks, alertnames, gates) and
 * from HTTP codes, never from alert labels, so their number stays bounded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "util.h"

static const double duration_buckets[] = { 1, 2.5, 5, 10, 30, 60, 120, 300 };
static const double resolve_buckets[] = { 10, 20, 30, 60, 120, 300, 600, 1800, 3600 };

#define SERIES(buf, ...) (snprintf((buf), sizeof(buf), __VA_ARGS__) >= (int) sizeof(buf) ? -ENOBUFS : 0)

int metrics_count_decision(struct state *s, const struct decision *d) {
        char series[256];
        if (SERIES(series, "remediation_webhook_decisions_total{action=\"%s\",gate=\"%s\"}",
                   action_name(d->action), d->gate == GATE_NONE ? "none" : gate_name(d->gate)))
                return -ENOBUFS;
        return state_counter_add(s, series, 1);
}

/* One observation of a histogram NAME{playbook=...}: every bucket is touched, so a new playbook's
 * buckets are stored in order. */
static int observe(struct state *s, const char *name, const char *playbook, const double *buckets, size_t n,
                   double v) {
        char series[256];

        for (size_t i = 0; i < n; i++)
                if (SERIES(series, "%s_bucket{playbook=\"%s\",le=\"%g\"}", name, playbook, buckets[i]) ||
                    state_counter_add(s, series, v <= buckets[i]) < 0)
                        return -ENOBUFS;
        if (SERIES(series, "%s_bucket{playbook=\"%s\",le=\"+Inf\"}", name, playbook) ||
            state_counter_add(s, series, 1) < 0 ||
            SERIES(series, "%s_sum{playbook=\"%s\"}", name, playbook) || state_counter_add(s, series, v) < 0 ||
            SERIES(series, "%s_count{playbook=\"%s\"}", name, playbook) || state_counter_add(s, series, 1) < 0)
                return -ENOBUFS;
        return 0;
}

int metrics_count_execution(struct state *s, const char *playbook, const char *result, double seconds) {
        char series[256];

        if (SERIES(series, "remediation_playbook_executions_total{playbook=\"%s\",status=\"%s\"}",
                   playbook, result) || state_counter_add(s, series, 1) < 0)
                return -ENOBUFS;
        return observe(s, "remediation_playbook_duration_seconds", playbook, duration_buckets,
                       ELEMENTSOF(duration_buckets), seconds);
}

int metrics_count_verdict(struct state *s, const char *playbook, const char *result, double resolved_after) {
        char series[256];

        if (SERIES(series, "remediation_verifications_total{playbook=\"%s\",result=\"%s\"}", playbook, result) ||
            state_counter_add(s, series, 1) < 0)
                return -ENOBUFS;
        return resolved_after < 0 ? 0 : observe(s, "remediation_time_to_resolve_seconds", playbook, resolve_buckets,
                                                ELEMENTSOF(resolve_buckets), resolved_after);
}

int metrics_count_request(struct state *s, int code) {
        char series[128];
        if (SERIES(series, "remediation_webhook_requests_total{code=\"%d\"}", code))
                return -ENOBUFS;
        return state_counter_add(s, series, 1);
}

static void family(struct strbuf *b, const struct state *s, const char *name, const char *type,
                   const char *help) {
        size_t nl = strlen(name);
        strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
        for (size_t i = 0; i < s->n_counters; i++) {
                const char *series = s->counters[i].series;
                if (strncmp(series, name, nl) == 0 && (series[nl] == '{' || series[nl] == '_'))
                        strbuf_printf(b, "%s %.17g\n", series, s->counters[i].value);
        }
}

static bool seen_before(const struct config *c, size_t i) {
        for (size_t j = 0; j < i; j++)
                if (c->routes[j].playbook && strcmp(c->routes[j].playbook, c->routes[i].playbook) == 0)
                        return true;
        return false;
}

char *metrics_render(const struct config *c, const struct state *s, int64_t now) {
        struct strbuf b = {};

        family(&b, s, "remediation_playbook_executions_total", "counter",
               "Playbook executions by outcome.");
        family(&b, s, "remediation_playbook_duration_seconds", "histogram",
               "Playbook execution time.");
        family(&b, s, "remediation_verifications_total", "counter",
               "Verdicts on executions: whether the alert resolved after the playbook ran.");
        family(&b, s, "remediation_time_to_resolve_seconds", "histogram",
               "From a playbook's start to its alert's resolution.");
        family(&b, s, "remediation_webhook_decisions_total", "counter",
               "Alert decisions by action and by the gate that made them.");
        family(&b, s, "remediation_webhook_requests_total", "counter",
               "Webhook requests by HTTP status code.");
        strbuf_printf(&b, "# HELP remediation_circuit_breaker_state Circuit breaker per playbook: 0 closed, 1 open, 2 half-open.\n"
                          "# TYPE remediation_circuit_breaker_state gauge\n");
        for (size_t i = 0; c && i < c->n_routes; i++) {
                const char *pb = c->routes[i].playbook;
                if (!pb || seen_before(c, i))
                        continue;
                const struct breaker *br = state_find_breaker(s, pb);
                strbuf_printf(&b, "remediation_circuit_breaker_state{playbook=\"%s\"} %d\n", pb,
                              (int) breaker_state(c, br, now));
        }
        /* 1 while alerts for the playbook are held back, by its own pause or by the one of all ("*"). */
        strbuf_printf(&b, "# HELP remediation_paused Whether an operator's pause holds the playbook's alerts back (playbook \"*\": the pause of all).\n"
                          "# TYPE remediation_paused gauge\n"
                          "remediation_paused{playbook=\"*\"} %d\n", state_find_pause(s, "", now) != NULL);
        for (size_t i = 0; c && i < c->n_routes; i++) {
                const char *pb = c->routes[i].playbook;
                if (pb && !seen_before(c, i))
                        strbuf_printf(&b, "remediation_paused{playbook=\"%s\"} %d\n", pb,
                                      state_find_pause(s, pb, now) || state_find_pause(s, "", now));
        }
        int open = 0;
        for (size_t i = 0; i < s->n_pending; i++)
                open += s->pending[i].closed == ACTION_NONE && now < s->pending[i].expires;
        strbuf_printf(&b, "# HELP remediation_approvals_pending Escalations awaiting an operator's approval.\n"
                          "# TYPE remediation_approvals_pending gauge\n"
                          "remediation_approvals_pending %d\n", open);
        strbuf_printf(&b, "# HELP remediation_rate_limit_executions Executions counted against the hourly limits now.\n"
                          "# TYPE remediation_rate_limit_executions gauge\n"
                          "remediation_rate_limit_executions{scope=\"global\"} %d\n",
                      state_count_execs(s, NULL, now - RATE_WINDOW_SEC));
        for (size_t i = 0; c && i < c->n_routes; i++)
                if (c->routes[i].playbook)
                        strbuf_printf(&b, "remediation_rate_limit_executions{scope=\"alert:%s\"} %d\n",
                                      c->routes[i].alertname,
                                      state_count_execs(s, c->routes[i].alertname, now - RATE_WINDOW_SEC));
        return strbuf_steal(&b);
}
