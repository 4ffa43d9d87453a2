/* The decision-log report: per playbook executions, success rate and duration percentiles; what
 * was blocked or escalated, by gate and by alert; the busiest hours of the day; the manual work
 * the executions saved. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "history.h"
#include "report.h"
#include "vocab.h"
#include "util.h"

struct playbook_stats {
        char *playbook;
        int executions, success, failure, timeout, aborted;
        double *durations;              /* seconds, of every execution with a duration */
        size_t n_durations;
        double minutes_saved;
        int mttr_from_config, mttr_default, mttr_unknown;   /* successful executions, by source */
        int resolved, ineffective, unknown;     /* verdicts (verify lines) */
        double *mttrs;                  /* seconds, the alert's start to its resolution, measured */
        size_t n_mttrs;
        int manual_mttr;                /* minutes: the assumed figure of its first verdict's route */
        double measured_saved;          /* minutes: manual MTTR - measured MTTR, over the mttrs */
};

struct tally {                          /* blocked and escalated decisions under one name */
        char *name;
        int blocked, escalated;
};

struct shadow_stats {                   /* a shadow route: what it would have done */
        char *alert, *playbook;
        int decisions, would_execute;
        struct tally *stopped;          /* by the gate that would have stopped it (in .blocked) */
        size_t n_stopped;
};

struct report {
        const struct config *c;
        int64_t since, until;
        struct playbook_stats *playbooks;
        size_t n_playbooks;
        struct tally *gates, *alerts, *sources;
        size_t n_gates, n_alerts, n_sources;
        struct shadow_stats *shadows;
        size_t n_shadows;
        int decisions, executed, blocked, escalated, skipped, shadowed, operator_actions;
        struct tally *held;             /* the approvals escalations were held for, by id */
        size_t n_held;
        int approved, denied;           /* and the operators' answers */
        int executed_by_source[_SOURCE_MAX];
        int hours[24];                  /* decisions by UTC hour of day */
        double minutes_saved;
        double measured_saved;
        size_t measured_resolutions;
};

int report_default_mttr(const char *playbook) {
        if (!playbook)
                return 0;
        if (strcmp(playbook, "disk-cleanup") == 0)
                return 45;
        if (strcmp(playbook, "service-restart") == 0 || strcmp(playbook, "self-healing-restart") == 0)
                return 10;
        return 0;
}

struct report *report_new(const struct config *c, int64_t since, int64_t until) {
        struct report *r = calloc(1, sizeof(*r));
        if (r)
                *r = (struct report) { .c = c, .since = since, .until = until };
        return r;
}

static void free_tallies(struct tally *t, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(t[i].name);
        free(t);
}

void report_free(struct report *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->n_playbooks; i++)
                free(r->playbooks[i].playbook), free(r->playbooks[i].durations), free(r->playbooks[i].mttrs);
        free(r->playbooks);
        free_tallies(r->gates, r->n_gates);
        free_tallies(r->alerts, r->n_alerts);
        free_tallies(r->sources, r->n_sources);
        free_tallies(r->held, r->n_held);
        for (size_t i = 0; i < r->n_shadows; i++) {
                free(r->shadows[i].alert), free(r->shadows[i].playbook);
                free_tallies(r->shadows[i].stopped, r->shadows[i].n_stopped);
        }
        free(r->shadows);
        free(r);
}

static const char *str(const cJSON *o, const char *name) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
        return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Appends one zeroed element to arr (n elements, grown only through here); its address, or NULL
 * when out of memory. */
#define PUSH(arr, n) ({                                                         \
        typeof(arr) _p = GROW(arr, n);                                          \
        if (_p) {                                                               \
                _p = &_p[(n)++];                                                \
                memset(_p, 0, sizeof(*_p));                                     \
        }                                                                       \
        _p; })

static struct tally *tally(struct tally **t, size_t *n, const char *name) {
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*t)[i].name, name) == 0)
                        return &(*t)[i];
        char *copy = strdup(name);
        struct tally *e = copy ? PUSH(*t, *n) : NULL;
        if (!e) {
                free(copy);
                return NULL;
        }
        e->name = copy;
        return e;
}

static struct playbook_stats *playbook_stats(struct report *r, const char *playbook) {
        for (size_t i = 0; i < r->n_playbooks; i++)
                if (strcmp(r->playbooks[i].playbook, playbook) == 0)
                        return &r->playbooks[i];
        char *copy = strdup(playbook);
        struct playbook_stats *p = copy ? PUSH(r->playbooks, r->n_playbooks) : NULL;
        if (!p) {
                free(copy);
                return NULL;
        }
        p->playbook = copy;
        return p;
}

/* The manual minutes an alert's resolution takes without the playbook: the route's
 * manual_mttr_minutes, else the seed's figure for the playbook (0: none). *ret_from: which. */
static int manual_mttr(const struct report *r, const char *playbook, const char *alert, int *ret_from) {
        const struct route *route = r->c && alert ? config_find_route(r->c, alert) : NULL;
        int minutes;

        if (route && route->manual_mttr_minutes > 0)
                return *ret_from = 0, route->manual_mttr_minutes;
        if ((minutes = report_default_mttr(playbook)) > 0)
                return *ret_from = 1, minutes;
        return *ret_from = 2, 0;
}

/* A successful execution of this alert's playbook saved this many manual minutes: the route's
 * manual_mttr_minutes, else the seed's figure for the playbook (the assumed estimate). */
static void count_saved(struct report *r, struct playbook_stats *p, const char *alert) {
        int from, minutes = manual_mttr(r, p->playbook, alert, &from);

        p->mttr_from_config += from == 0;
        p->mttr_default += from == 1;
        p->mttr_unknown += from == 2;
        p->minutes_saved += minutes;
        r->minutes_saved += minutes;
}

static int add_execution(struct report *r, const cJSON *line, const char *source) {
        const char *playbook = str(line, "playbook");
        const cJSON *dur = cJSON_GetObjectItemCaseSensitive(line, "duration_seconds");
        struct playbook_stats *p;

        if (!playbook || !(p = playbook_stats(r, playbook)))
                return playbook ? -ENOMEM : 0;
        r->executed++;
        r->executed_by_source[source_from_name(source)]++;       /* [SOURCE_NONE]: unknown */
        p->executions++;
        /* A hand-edited or damaged duration (1e300, negative) is no duration: casting it for the
         * percentiles would be undefined. */
        if (cJSON_IsNumber(dur) && dur->valuedouble >= 0 && dur->valuedouble <= HISTORY_MAX_DURATION) {
                double *d = PUSH(p->durations, p->n_durations);
                if (!d)
                        return -ENOMEM;
                *d = dur->valuedouble;
        }
        switch (result_from_name(str(line, "result"))) {
        case RESULT_SUCCESS:
                p->success++;
                count_saved(r, p, str(line, "alert"));
                break;
        case RESULT_TIMEOUT:
                p->timeout++;
                break;
        case RESULT_ABORTED:
                p->aborted++;
                break;
        default:                        /* failure, spawn_failed, or no word of ours */
                p->failure++;
        }
        return 0;
}

/* A verdict on an earlier execution: resolved (with the measured MTTR when the alert said when it
 * started, and the minutes it saved against the manual figure), ineffective or unknown. Not a
 * decision. */
static int add_verdict(struct report *r, const cJSON *line) {
        const char *playbook = str(line, "playbook");
        const cJSON *mttr = cJSON_GetObjectItemCaseSensitive(line, "mttr_seconds");
        enum result verdict = result_from_name(str(line, "result"));
        struct playbook_stats *p;
        int from, manual;

        if (!playbook || (verdict != RESULT_RESOLVED && verdict != RESULT_INEFFECTIVE && verdict != RESULT_UNKNOWN))
                return 0;
        if (!(p = playbook_stats(r, playbook)))
                return -ENOMEM;
        manual = manual_mttr(r, playbook, str(line, "alert"), &from);
        if (p->resolved + p->ineffective + p->unknown == 0)
                p->manual_mttr = manual;
        p->resolved += verdict == RESULT_RESOLVED;
        p->ineffective += verdict == RESULT_INEFFECTIVE;
        p->unknown += verdict == RESULT_UNKNOWN;
        if (verdict == RESULT_RESOLVED && cJSON_IsNumber(mttr) && mttr->valuedouble >= 0 &&
            mttr->valuedouble <= HISTORY_MAX_DURATION) {
                double *d = PUSH(p->mttrs, p->n_mttrs);
                if (!d)
                        return -ENOMEM;
                *d = mttr->valuedouble;
                /* Negative when the alert took longer to go than by hand: said as it was. */
                if (manual > 0) {
                        double saved = manual - mttr->valuedouble / 60.0;
                        p->measured_saved += saved;
                        r->measured_saved += saved;
                        r->measured_resolutions++;
                }
        }
        return 0;
}

/* A shadow route's decision: would it have run, and if not, what would have stopped it. */
static int add_shadow(struct report *r, const cJSON *line) {
        const char *alert = str(line, "alert") ?: "", *playbook = str(line, "playbook") ?: "", *gate = str(line, "gate");
        struct shadow_stats *sh = NULL;

        for (size_t i = 0; !sh && i < r->n_shadows; i++)
                if (strcmp(r->shadows[i].alert, alert) == 0 && strcmp(r->shadows[i].playbook, playbook) == 0)
                        sh = &r->shadows[i];
        if (!sh) {
                char *a = strdup(alert), *p = strdup(playbook);
                if (!a || !p || !(sh = PUSH(r->shadows, r->n_shadows))) {
                        free(a), free(p);
                        return -ENOMEM;
                }
                sh->alert = a, sh->playbook = p;
        }
        r->shadowed++;
        sh->decisions++;
        if (!gate) {
                sh->would_execute++;
                return 0;
        }
        struct tally *t = tally(&sh->stopped, &sh->n_stopped, gate);
        if (!t)
                return -ENOMEM;
        t->blocked++;
        return 0;
}

int report_add(const cJSON *line, void *data) {
        struct report *r = data;
        enum action action = action_from_name(str(line, "action"));
        const char *source = str(line, "source");
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(line, "timestamp");

        if (!cJSON_IsNumber(ts) || !(ts->valuedouble >= 0 && ts->valuedouble <= HISTORY_MAX_TIMESTAMP))
                return 0;                       /* history_read passes only these; stay safe alone */
        bool executed = action == ACTION_EXECUTED, blocked = action == ACTION_BLOCKED;
        bool escalated = action == ACTION_ESCALATE, skipped = action == ACTION_SKIPPED;
        bool shadowed = action == ACTION_SHADOW;
        if (action == ACTION_RESET_BREAKER || action == ACTION_FORGET || action == ACTION_PAUSE ||
            action == ACTION_RESUME || action == ACTION_APPROVE || action == ACTION_DENY) {
                r->operator_actions++;
                r->approved += action == ACTION_APPROVE;
                r->denied += action == ACTION_DENY;
                return 0;
        }
        if (action == ACTION_VERIFY)
                return add_verdict(r, line);
        /* A second firing of an alert held already is the same approval: counted once. */
        const char *id = str(line, "approval_id");
        if (action == ACTION_ESCALATE && result_from_name(str(line, "result")) == RESULT_PENDING && id &&
            !tally(&r->held, &r->n_held, id))
                return -ENOMEM;
        if (!executed && !blocked && !escalated && !skipped && !shadowed)
                return 0;                       /* no word of ours */
        r->decisions++;
        time_t t = (time_t) ts->valuedouble;
        struct tm tm;
        if (gmtime_r(&t, &tm))
                r->hours[tm.tm_hour]++;
        if (executed)
                return add_execution(r, line, source);
        if (shadowed)
                return add_shadow(r, line);
        if (skipped) {
                r->skipped++;
                return 0;
        }
        const char *gate = str(line, "gate") ?: "none", *alert = str(line, "alert") ?: "";
        struct tally *by[3] = {
                tally(&r->gates, &r->n_gates, gate),
                tally(&r->alerts, &r->n_alerts, alert),
                tally(&r->sources, &r->n_sources, source ?: "unknown"),
        };
        for (size_t i = 0; i < 3; i++) {
                if (!by[i])
                        return -ENOMEM;
                if (blocked)
                        by[i]->blocked++;
                else
                        by[i]->escalated++;
        }
        if (blocked)
                r->blocked++;
        else
                r->escalated++;
        return 0;
}

/* ---- rendering ---- */

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

/* Nearest-rank percentile of n > 0 sorted values: the smallest value with at least pct percent of
 * them at or below it (rank = ceil(pct/100 * n)). */
static double percentile(const double *v, size_t n, unsigned pct) {
        size_t rank = (pct * n + 99) / 100;
        return v[rank > 0 ? rank - 1 : 0];
}

static double round3(double x) {        /* x >= 0; milliseconds are all the log has */
        return (double) (long long) (x * 1000.0 + 0.5) / 1000.0;
}

static cJSON *tallies_json(const struct tally *t, size_t n, bool escalated) {
        cJSON *o = cJSON_CreateObject();
        for (size_t i = 0; o && i < n; i++) {
                int v = escalated ? t[i].escalated : t[i].blocked;
                if (v > 0)
                        cJSON_AddNumberToObject(o, t[i].name, v);
        }
        return o;
}

static cJSON *number_or_null(bool have, double v) {
        return have ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/* NAME_p50_seconds and NAME_p95_seconds of n values (null when there are none). */
static void add_percentiles(cJSON *o, const char *p50, const char *p95, const double *v, size_t n) {
        double *sorted = n ? malloc(n * sizeof(double)) : NULL;
        bool have = sorted != NULL;

        if (have) {
                memcpy(sorted, v, n * sizeof(double));
                qsort(sorted, n, sizeof(double), cmp_double);
        }
        cJSON_AddItemToObject(o, p50, number_or_null(have, have ? round3(percentile(sorted, n, 50)) : 0));
        cJSON_AddItemToObject(o, p95, number_or_null(have, have ? round3(percentile(sorted, n, 95)) : 0));
        free(sorted);
}

cJSON *report_json(const struct report *r, size_t skipped) {
        cJSON *doc = cJSON_CreateObject(), *arr, *o;

        if (!doc)
                return NULL;
        cJSON_AddNumberToObject(doc, "since", (double) r->since);
        cJSON_AddNumberToObject(doc, "until", (double) r->until);
        cJSON_AddNumberToObject(doc, "decisions", r->decisions);
        cJSON_AddNumberToObject(doc, "executed", r->executed);
        cJSON_AddNumberToObject(doc, "blocked", r->blocked);
        cJSON_AddNumberToObject(doc, "escalated", r->escalated);
        cJSON_AddNumberToObject(doc, "skipped", r->skipped);
        cJSON_AddNumberToObject(doc, "shadow", r->shadowed);
        cJSON_AddNumberToObject(doc, "operator_actions", r->operator_actions);
        o = cJSON_AddObjectToObject(doc, "approvals");
        cJSON_AddNumberToObject(o, "held", (double) r->n_held);
        cJSON_AddNumberToObject(o, "approved", r->approved);
        cJSON_AddNumberToObject(o, "denied", r->denied);
        cJSON_AddNumberToObject(doc, "skipped_lines", (double) skipped);
        o = cJSON_AddObjectToObject(doc, "executed_by_source");
        for (int i = SOURCE_NONE + 1; o && i < _SOURCE_MAX; i++)
                cJSON_AddNumberToObject(o, source_name(i), r->executed_by_source[i]);

        arr = cJSON_AddArrayToObject(doc, "playbooks");
        for (size_t i = 0; arr && i < r->n_playbooks; i++) {
                const struct playbook_stats *p = &r->playbooks[i];
                o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "playbook", p->playbook);
                cJSON_AddNumberToObject(o, "executions", p->executions);
                cJSON_AddNumberToObject(o, "success", p->success);
                cJSON_AddNumberToObject(o, "failure", p->failure);
                cJSON_AddNumberToObject(o, "timeout", p->timeout);
                cJSON_AddNumberToObject(o, "aborted", p->aborted);
                cJSON_AddItemToObject(o, "success_rate", number_or_null(p->executions > 0,
                                      round3((double) p->success / (p->executions ? p->executions : 1))));
                add_percentiles(o, "p50_seconds", "p95_seconds", p->durations, p->n_durations);
                cJSON_AddNumberToObject(o, "minutes_saved", p->minutes_saved);
                cJSON *m = cJSON_AddObjectToObject(o, "mttr_source");
                cJSON_AddNumberToObject(m, "config", p->mttr_from_config);
                cJSON_AddNumberToObject(m, "default", p->mttr_default);
                cJSON_AddNumberToObject(m, "unknown", p->mttr_unknown);
                cJSON_AddNumberToObject(o, "resolved", p->resolved);
                cJSON_AddNumberToObject(o, "ineffective", p->ineffective);
                cJSON_AddNumberToObject(o, "unknown", p->unknown);
                /* Of the judged ones: an unknown verdict judged nothing. */
                int judged = p->resolved + p->ineffective;
                cJSON_AddItemToObject(o, "effectiveness", number_or_null(judged > 0,
                                      round3((double) p->resolved / (judged ? judged : 1))));
                add_percentiles(o, "measured_mttr_p50_seconds", "measured_mttr_p95_seconds", p->mttrs, p->n_mttrs);
                cJSON_AddItemToObject(o, "manual_mttr_minutes", number_or_null(p->manual_mttr > 0, p->manual_mttr));
                cJSON_AddItemToObject(o, "measured_minutes_saved", number_or_null(
                        p->n_mttrs > 0 && p->manual_mttr > 0, round3(p->measured_saved)));
                cJSON_AddItemToArray(arr, o);
        }

        arr = cJSON_AddArrayToObject(doc, "shadow_routes");
        for (size_t i = 0; arr && i < r->n_shadows; i++) {
                const struct shadow_stats *sh = &r->shadows[i];
                o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "alert", sh->alert);
                cJSON_AddStringToObject(o, "playbook", sh->playbook);
                cJSON_AddNumberToObject(o, "decisions", sh->decisions);
                cJSON_AddNumberToObject(o, "would_execute", sh->would_execute);
                cJSON_AddItemToObject(o, "would_be_stopped_by", tallies_json(sh->stopped, sh->n_stopped, false));
                cJSON_AddItemToArray(arr, o);
        }

        o = cJSON_AddObjectToObject(doc, "by_gate");
        cJSON_AddItemToObject(o, "blocked", tallies_json(r->gates, r->n_gates, false));
        cJSON_AddItemToObject(o, "escalated", tallies_json(r->gates, r->n_gates, true));
        o = cJSON_AddObjectToObject(doc, "by_alert");
        cJSON_AddItemToObject(o, "blocked", tallies_json(r->alerts, r->n_alerts, false));
        cJSON_AddItemToObject(o, "escalated", tallies_json(r->alerts, r->n_alerts, true));
        o = cJSON_AddObjectToObject(doc, "by_source");
        cJSON_AddItemToObject(o, "blocked", tallies_json(r->sources, r->n_sources, false));
        cJSON_AddItemToObject(o, "escalated", tallies_json(r->sources, r->n_sources, true));

        /* The three hours of the day (UTC) with the most decisions; ties go to the earlier hour. */
        arr = cJSON_AddArrayToObject(doc, "busiest_hours");
        bool taken[24] = {};
        for (int k = 0; arr && k < 3; k++) {
                int best = -1;
                for (int h = 0; h < 24; h++)
                        if (!taken[h] && r->hours[h] > 0 && (best < 0 || r->hours[h] > r->hours[best]))
                                best = h;
                if (best < 0)
                        break;
                taken[best] = true;
                o = cJSON_CreateObject();
                cJSON_AddNumberToObject(o, "hour", best);
                cJSON_AddNumberToObject(o, "decisions", r->hours[best]);
                cJSON_AddItemToArray(arr, o);
        }
        arr = cJSON_AddArrayToObject(doc, "decisions_by_hour");
        for (int h = 0; arr && h < 24; h++)
                cJSON_AddItemToArray(arr, cJSON_CreateNumber(r->hours[h]));
        cJSON_AddNumberToObject(doc, "minutes_saved", r->minutes_saved);
        cJSON_AddNumberToObject(doc, "measured_minutes_saved", round3(r->measured_saved));
        cJSON_AddNumberToObject(doc, "measured_resolutions", (double) r->measured_resolutions);
        return doc;
}

/* ---- the table ---- */

static double num(const cJSON *o, const char *name) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
        return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void print_seconds(FILE *f, const cJSON *o, const char *name) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
        if (cJSON_IsNumber(v))
                fprintf(f, " %9.3fs", v->valuedouble);
        else
                fprintf(f, " %10s", "-");
}

static void print_utc(FILE *f, double t) {
        time_t tt = (time_t) t;
        struct tm tm;
        char buf[32] = "?";
        if (gmtime_r(&tt, &tm))
                strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
        fputs(buf, f);
}

/* Gate and alert names come from the log: escaped, as every name in the table. */
static void print_tallies(FILE *f, const char *title, const cJSON *by) {
        const cJSON *blocked = cJSON_GetObjectItemCaseSensitive(by, "blocked");
        const cJSON *escalated = cJSON_GetObjectItemCaseSensitive(by, "escalated");
        const cJSON *it;
        char e[TERM_TEXT_MAX];

        fprintf(f, "\n%-32s %8s %10s\n", title, "BLOCKED", "ESCALATED");
        if (!cJSON_GetArraySize(blocked) && !cJSON_GetArraySize(escalated)) {
                fputs("(none)\n", f);
                return;
        }
        cJSON_ArrayForEach(it, blocked)
                fprintf(f, "%-32s %8.0f %10.0f\n", term_escape(e, sizeof(e), it->string), it->valuedouble,
                        num(escalated, it->string));
        cJSON_ArrayForEach(it, escalated)
                if (!cJSON_GetObjectItemCaseSensitive(blocked, it->string))
                        fprintf(f, "%-32s %8d %10.0f\n", term_escape(e, sizeof(e), it->string), 0,
                                it->valuedouble);
}

void report_print(FILE *f, const cJSON *doc) {
        const cJSON *it, *src = cJSON_GetObjectItemCaseSensitive(doc, "executed_by_source");
        char e[TERM_TEXT_MAX];

        fputs("Decision log from ", f);
        print_utc(f, num(doc, "since"));
        fputs(" to ", f);
        print_utc(f, num(doc, "until"));
        fputs(" UTC\n", f);
        fprintf(f, "%.0f decisions: %.0f executed (webhook %.0f, timer %.0f, operator %.0f), %.0f blocked, "
                "%.0f escalated, %.0f skipped", num(doc, "decisions"), num(doc, "executed"), num(src, "webhook"),
                num(src, "timer"), num(src, "operator"), num(doc, "blocked"), num(doc, "escalated"),
                num(doc, "skipped"));
        if (num(doc, "shadow") > 0)
                fprintf(f, ", %.0f shadow", num(doc, "shadow"));
        fprintf(f, "; operator actions: %.0f\n", num(doc, "operator_actions"));
        const cJSON *ap = cJSON_GetObjectItemCaseSensitive(doc, "approvals");
        if (num(ap, "held") + num(ap, "approved") + num(ap, "denied") > 0)
                fprintf(f, "Approvals: %.0f held, %.0f approved, %.0f denied\n", num(ap, "held"),
                        num(ap, "approved"), num(ap, "denied"));
        if (num(doc, "skipped_lines") > 0)
                fprintf(f, "warning: %.0f lines of the window did not parse\n", num(doc, "skipped_lines"));

        fprintf(f, "\n%-22s %5s %5s %5s %8s %10s %10s %13s\n", "PLAYBOOK", "RUNS", "OK", "FAIL",
                "SUCCESS", "P50", "P95", "MINUTES SAVED");
        const cJSON *pbs = cJSON_GetObjectItemCaseSensitive(doc, "playbooks");
        if (!cJSON_GetArraySize(pbs))
                fputs("(no executions)\n", f);
        cJSON_ArrayForEach(it, pbs) {
                const cJSON *rate = cJSON_GetObjectItemCaseSensitive(it, "success_rate");
                const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "mttr_source");
                fprintf(f, "%-22s %5.0f %5.0f %5.0f", term_escape(e, sizeof(e), cJSON_GetStringValue(
                        cJSON_GetObjectItemCaseSensitive(it, "playbook"))), num(it, "executions"),
                        num(it, "success"), num(it, "failure") + num(it, "timeout") + num(it, "aborted"));
                if (cJSON_IsNumber(rate))
                        fprintf(f, " %7.1f%%", rate->valuedouble * 100.0);
                else
                        fprintf(f, " %8s", "-");
                print_seconds(f, it, "p50_seconds");
                print_seconds(f, it, "p95_seconds");
                fprintf(f, " %13.0f%s\n", num(it, "minutes_saved"),
                        num(m, "unknown") > 0 ? " (no MTTR for some)" :
                        num(m, "default") > 0 ? " (seed MTTR)" : "");
        }
        bool verdicts = false;
        cJSON_ArrayForEach(it, pbs)
                verdicts |= num(it, "resolved") + num(it, "ineffective") + num(it, "unknown") > 0;
        if (verdicts) {         /* measured: from the alerts' own startsAt and their resolution */
                fprintf(f, "\n%-22s %8s %11s %7s %9s %10s %10s %11s %13s\n", "VERDICTS", "RESOLVED", "INEFFECTIVE",
                        "UNKNOWN", "EFFECTIVE", "MTTR P50", "MTTR P95", "MANUAL MTTR", "SAVED (MEAS.)");
                cJSON_ArrayForEach(it, pbs) {
                        const cJSON *eff = cJSON_GetObjectItemCaseSensitive(it, "effectiveness");
                        const cJSON *saved = cJSON_GetObjectItemCaseSensitive(it, "measured_minutes_saved");
                        if (num(it, "resolved") + num(it, "ineffective") + num(it, "unknown") == 0)
                                continue;
                        fprintf(f, "%-22s %8.0f %11.0f %7.0f", term_escape(e, sizeof(e), cJSON_GetStringValue(
                                cJSON_GetObjectItemCaseSensitive(it, "playbook"))), num(it, "resolved"),
                                num(it, "ineffective"), num(it, "unknown"));
                        if (cJSON_IsNumber(eff))
                                fprintf(f, " %8.1f%%", eff->valuedouble * 100.0);
                        else
                                fprintf(f, " %9s", "-");
                        print_seconds(f, it, "measured_mttr_p50_seconds");
                        print_seconds(f, it, "measured_mttr_p95_seconds");
                        if (num(it, "manual_mttr_minutes") > 0)
                                fprintf(f, " %8.0fmin", num(it, "manual_mttr_minutes"));
                        else
                                fprintf(f, " %11s", "-");
                        if (cJSON_IsNumber(saved))
                                fprintf(f, " %10.1fmin\n", saved->valuedouble);
                        else
                                fprintf(f, " %13s\n", "-");
                }
                fputs("(effective: resolved / (resolved + ineffective), unknown verdicts left out; saved: manual MTTR -\n"
                      " measured MTTR, summed over the resolved verdicts with a measured MTTR)\n", f);
        }
        print_tallies(f, "BY GATE", cJSON_GetObjectItemCaseSensitive(doc, "by_gate"));
        print_tallies(f, "BY ALERT", cJSON_GetObjectItemCaseSensitive(doc, "by_alert"));

        const cJSON *shadows = cJSON_GetObjectItemCaseSensitive(doc, "shadow_routes");
        if (cJSON_GetArraySize(shadows)) {
                char e2[TERM_TEXT_MAX];
                fprintf(f, "\n%-32s %-22s %9s %9s  %s\n", "SHADOW ROUTE", "PLAYBOOK", "DECISIONS", "WOULD RUN",
                        "WOULD BE STOPPED BY");
                cJSON_ArrayForEach(it, shadows) {
                        const cJSON *g;
                        bool first = true;
                        fprintf(f, "%-32s %-22s %9.0f %9.0f  ", term_escape(e, sizeof(e), str(it, "alert")),
                                term_escape(e2, sizeof(e2), str(it, "playbook")), num(it, "decisions"),
                                num(it, "would_execute"));
                        cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(it, "would_be_stopped_by")) {
                                fprintf(f, "%s%s %.0f", first ? "" : ", ", term_escape(e, sizeof(e), g->string),
                                        g->valuedouble);
                                first = false;
                        }
                        fputs(first ? "-\n" : "\n", f);
                }
        }

        fputs("\nBUSIEST HOURS (UTC)\n", f);
        const cJSON *hours = cJSON_GetObjectItemCaseSensitive(doc, "busiest_hours");
        if (!cJSON_GetArraySize(hours))
                fputs("(none)\n", f);
        cJSON_ArrayForEach(it, hours)
                fprintf(f, "%02.0f:00-%02.0f:59  %.0f decisions\n", num(it, "hour"), num(it, "hour"),
                        num(it, "decisions"));
        double saved = num(doc, "minutes_saved");
        fprintf(f, "\nManual work saved: %.0f minutes (%.1f hours), assumed: the manual MTTR for each successful run\n",
                saved, saved / 60.0);
        if (num(doc, "measured_resolutions") > 0)
                fprintf(f, "Manual work saved, measured: %.1f minutes (%.1f hours), from %.0f resolved verdict%s: "
                        "manual MTTR - measured MTTR\n", num(doc, "measured_minutes_saved"),
                        num(doc, "measured_minutes_saved") / 60.0, num(doc, "measured_resolutions"),
                        num(doc, "measured_resolutions") == 1 ? "" : "s");
}
