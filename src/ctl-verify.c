/* remediationctl verify: the executions awaiting a verdict, judged by asking Alertmanager's API
 * (alertmanager_url) whether their alert is still there. Run by remediation-verify.timer every
 * minute. The lock is never held across an ask: a locked step takes a snapshot of what awaits,
 * Alertmanager is asked without the lock, and a second locked step judges each execution that
 * still awaits then (verify_answers()). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include "am-client.h"
#include "ctl.h"
#include "metrics.h"
#include "util.h"
#include "verify.h"

/* One alertname's ask: the executions of it share it. */
struct name_ask {
        const char *alert;              /* in the snapshot */
        enum verify_answer answer;      /* VERIFY_NO_ANSWER: see error */
        char (*fps)[17];                /* the fingerprints Alertmanager holds unresolved */
        size_t n_fps;
        int64_t asked_ms;
        char error[AM_ERROR_TEXT];
};

struct snapshot {
        struct verify_ask *asks;
        char **alerts, **playbooks, **fingerprints;     /* per ask: copies out of the state */
        int64_t *judge_at;
        size_t n;
        struct verdicts verdicts;       /* the second step's */
};

static void snapshot_free(struct snapshot *sn) {
        for (size_t i = 0; i < sn->n; i++)
                free(sn->alerts[i]), free(sn->playbooks[i]), free(sn->fingerprints[i]);
        free(sn->asks), free(sn->alerts), free(sn->playbooks), free(sn->fingerprints), free(sn->judge_at);
        verdicts_free(&sn->verdicts);
}

static int snapshot_step(struct runtime *rt, struct state *st, void *data) {
        struct snapshot *sn = data;
        size_t n = st->n_awaiting;

        (void) rt;
        if (n == 0)
                return 0;
        sn->asks = calloc(n, sizeof(*sn->asks));
        sn->alerts = calloc(n, sizeof(char *));
        sn->playbooks = calloc(n, sizeof(char *));
        sn->fingerprints = calloc(n, sizeof(char *));
        sn->judge_at = calloc(n, sizeof(int64_t));
        if (!sn->asks || !sn->alerts || !sn->playbooks || !sn->fingerprints || !sn->judge_at)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++, sn->n++) {
                const struct awaiting *w = &st->awaiting[i];
                sn->alerts[i] = strdup(w->alert);
                sn->playbooks[i] = strdup(w->playbook);
                sn->fingerprints[i] = strdup(w->fingerprint);
                if (!sn->alerts[i] || !sn->playbooks[i] || !sn->fingerprints[i]) {
                        sn->n++;
                        return -ENOMEM;
                }
                sn->asks[i] = (struct verify_ask) { .fingerprint = sn->fingerprints[i], .started_ms = w->started_ms,
                                                    .attempts = w->attempts };
                sn->judge_at[i] = w->judge_at;
        }
        return 0;
}

static int judge_step(struct runtime *rt, struct state *st, void *data) {
        struct snapshot *sn = data;
        int r = verify_answers(&rt->cfg, st, sn->asks, sn->n, &sn->verdicts);

        for (size_t i = 0; r >= 0 && i < sn->verdicts.n; i++) {
                const struct verdict *v = &sn->verdicts.v[i];
                r = metrics_count_verdict(st, v->playbook, result_name(v->result),
                                          v->resolved_after_ms >= 0 ? (double) v->resolved_after_ms / 1000.0 : -1);
        }
        return r < 0 ? r : 0;
}

/* Whether Alertmanager has been up long enough to hold every alert still firing (it keeps
 * them in memory only; Prometheus re-sends them after a restart). Its own clock on both sides:
 * its start from /api/v2/status, its now from the answer's Date header. */
static int check_uptime(struct am_client *am, const struct config *cfg, char *err) {
        _cleanup_free_ char *body = NULL;
        size_t len;
        int64_t date_ms, started_ms;
        int r;

        if (cfg->alertmanager_min_uptime_seconds == 0)  /* not asked for: not asked */
                return 0;
        if ((r = am_client_get(am, "/api/v2/status", &body, &len, &date_ms, err)) < 0)
                return r;
        if (verify_parse_am_status(body, len, &started_ms) < 0 || date_ms < 0) {
                snprintf(err, AM_ERROR_TEXT, "/api/v2/status: no uptime, or no Date header: not Alertmanager's answer");
                return -EBADMSG;
        }
        if (date_ms - started_ms < (int64_t) cfg->alertmanager_min_uptime_seconds * 1000) {
                snprintf(err, AM_ERROR_TEXT, "Alertmanager up for only %lld s (alertmanager_min_uptime_seconds: %d): "
                         "its alerts may not all be back yet", (long long) ((date_ms - started_ms) / 1000),
                         cfg->alertmanager_min_uptime_seconds);
                return -EAGAIN;
        }
        return 0;
}

/* 0, or the ask's -errno (its reason in q->error). */
static int ask_name(struct am_client *am, struct name_ask *q) {
        char path[512];
        _cleanup_free_ char *body = NULL;
        size_t len;
        int64_t date_ms;
        int r;

        q->answer = VERIFY_NO_ANSWER;
        if (am_alerts_path(path, sizeof(path), q->alert) < 0) {
                snprintf(q->error, sizeof(q->error), "not an alert name Alertmanager can be asked about");
                return -EINVAL;
        }
        r = am_client_get(am, path, &body, &len, &date_ms, q->error);
        q->asked_ms = now_realtime_ms();
        if (r < 0)
                return r;
        if ((r = verify_parse_am_alerts(body, len, &q->fps, &q->n_fps)) < 0) {
                snprintf(q->error, sizeof(q->error), r == -ENOMEM ? "out of memory" :
                         "answer refused: not a JSON array of Alertmanager's alerts");
                return r;
        }
        q->answer = VERIFY_FIRING;      /* per execution: gone when its fingerprint is not there */
        return 0;
}

static const char *answer_word(enum verify_answer a) {
        return a == VERIFY_GONE ? "gone" : a == VERIFY_FIRING ? "firing" : "no answer";
}

static void log_verdicts(struct ctl *c, const struct snapshot *sn) {
        for (size_t i = 0, k = 0; i < sn->n; i++) {
                if (sn->asks[i].verdict == RESULT_RUNNING)
                        continue;
                const struct verdict *v = &sn->verdicts.v[k++];
                rt_record_verdict(&c->rt, v, sn->asks[i].asked_ms);
                if (v->opened) {
                        rt_log(LOG_ERR, "circuit breaker opened for %s (ineffective)", v->playbook);
                        (void) audit_journal_circuit_opened(v->playbook, c->rt.cfg.failure_threshold,
                                                            c->rt.cfg.reset_timeout_minutes);
                }
        }
}

static int print_result(struct ctl *c, const struct snapshot *sn, const struct name_ask *names, size_t n_names,
                        const char *connect_error) {
        char t[32], fp[TERM_TEXT_MAX];

        if (c->json) {
                cJSON *doc = cJSON_CreateObject(), *arr;
                cJSON_AddStringToObject(doc, "alertmanager", c->rt.cfg.alertmanager_url);
                cJSON_AddItemToObject(doc, "error", connect_error ? cJSON_CreateString(connect_error) : cJSON_CreateNull());
                arr = cJSON_AddArrayToObject(doc, "asked");
                for (size_t i = 0; i < n_names; i++) {
                        cJSON *o = cJSON_CreateObject();
                        cJSON_AddStringToObject(o, "alert", names[i].alert);
                        cJSON_AddBoolToObject(o, "answered", names[i].answer != VERIFY_NO_ANSWER);
                        cJSON_AddItemToObject(o, "error", names[i].answer == VERIFY_NO_ANSWER ?
                                              cJSON_CreateString(names[i].error) : cJSON_CreateNull());
                        cJSON_AddNumberToObject(o, "unresolved", (double) names[i].n_fps);
                        cJSON_AddItemToArray(arr, o);
                }
                arr = cJSON_AddArrayToObject(doc, "executions");
                for (size_t i = 0; i < sn->n; i++) {
                        const struct verify_ask *q = &sn->asks[i];
                        cJSON *o = cJSON_CreateObject();
                        cJSON_AddStringToObject(o, "alert", sn->alerts[i]);
                        cJSON_AddStringToObject(o, "playbook", sn->playbooks[i]);
                        cJSON_AddStringToObject(o, "fingerprint", sn->fingerprints[i]);
                        cJSON_AddNumberToObject(o, "execution_timestamp", (double) q->started_ms / 1000.0);
                        cJSON_AddNumberToObject(o, "judged_at", (double) sn->judge_at[i]);
                        cJSON_AddStringToObject(o, "answer", answer_word(q->answer));
                        cJSON_AddItemToObject(o, "verdict", q->verdict != RESULT_RUNNING ?
                                              cJSON_CreateString(result_name(q->verdict)) : cJSON_CreateNull());
                        cJSON_AddBoolToObject(o, "still_awaited", q->awaited);
                        cJSON_AddNumberToObject(o, "attempts", q->attempts);
                        cJSON_AddItemToArray(arr, o);
                }
                int r = ctl_print_json(doc);
                cJSON_Delete(doc);
                return r;
        }
        printf("%-32s %-22s %-16s %-19s %-9s %s\n", "ALERT", "PLAYBOOK", "FINGERPRINT", "STARTED (UTC)",
               "ANSWER", "VERDICT");
        for (size_t i = 0; i < sn->n; i++) {
                const struct verify_ask *q = &sn->asks[i];
                char verdict[64];
                if (!q->awaited)
                        snprintf(verdict, sizeof(verdict), "judged meanwhile");
                else if (q->verdict != RESULT_RUNNING)
                        snprintf(verdict, sizeof(verdict), "%s", result_name(q->verdict));
                else if (q->answer == VERIFY_NO_ANSWER && q->attempts > 0)
                        snprintf(verdict, sizeof(verdict), "awaiting (attempt %d of %d)", q->attempts,
                                 VERIFY_AM_MAX_ATTEMPTS);
                else
                        snprintf(verdict, sizeof(verdict), "awaiting (window ends %s)", ctl_utc(t, sn->judge_at[i]) + 11);
                printf("%-32s %-22s %-16s %-19s %-9s %s\n", sn->alerts[i], sn->playbooks[i],
                       term_escape(fp, sizeof(fp), sn->fingerprints[i]), ctl_utc(t, q->started_ms / 1000),
                       answer_word(q->answer), verdict);
        }
        return 0;
}

int ctl_verify(struct ctl *c) {
        struct snapshot sn = {};
        struct name_ask *names = NULL;
        struct am_client am = {};
        size_t n_names = 0;
        char connect_error[AM_ERROR_TEXT] = "";
        bool all_answered = true;
        int ret = EXIT_ERROR, r;

        if (ctl_set_source(c) < 0)
                return EXIT_USAGE;
        if (ctl_need_config(c) < 0)
                return EXIT_ERROR;
        if (!c->rt.cfg.alertmanager_url) {
                ctl_fail("no alertmanager_url in %s: nothing to ask, verdicts are passive only "
                         "(see remediation-webhook-routing(5))", c->rt.config_path);
                return EXIT_USAGE;
        }
        rt_open_log(&c->rt);
        if (rt_with_state(&c->rt, STATE_LOCK_TIMEOUT_MS, snapshot_step, &sn) < 0) {
                ctl_fail("state unavailable: nothing asked");
                goto out;
        }
        if (sn.n == 0) {
                if (c->json) {
                        cJSON *doc = cJSON_CreateObject();
                        cJSON_AddStringToObject(doc, "alertmanager", c->rt.cfg.alertmanager_url);
                        cJSON_AddNullToObject(doc, "error");
                        cJSON_AddArrayToObject(doc, "asked");
                        cJSON_AddArrayToObject(doc, "executions");
                        ret = ctl_print_json(doc) < 0 ? EXIT_ERROR : EXIT_OK;
                        cJSON_Delete(doc);
                } else {
                        printf("No execution awaits a verdict: nothing to ask Alertmanager.\n");
                        ret = EXIT_OK;
                }
                goto out;
        }

        /* Ask, without the lock: once per alertname, the executions of it share the answer. */
        if (!(names = calloc(sn.n, sizeof(*names)))) {
                ctl_fail("out of memory");
                goto out;
        }
        for (size_t i = 0; i < sn.n; i++) {
                size_t k = 0;
                while (k < n_names && strcmp(names[k].alert, sn.alerts[i]) != 0)
                        k++;
                if (k == n_names)
                        names[n_names++] = (struct name_ask) { .alert = sn.alerts[i] };
        }
        r = am_client_open(&am, &c->rt.cfg, connect_error);
        if (r == 0)
                r = check_uptime(&am, &c->rt.cfg, connect_error);
        for (size_t k = 0; k < n_names; k++) {
                if (r < 0) {            /* one reason for all: Alertmanager could not be asked */
                        names[k].answer = VERIFY_NO_ANSWER, names[k].asked_ms = now_realtime_ms();
                        snprintf(names[k].error, sizeof(names[k].error), "%s", connect_error);
                } else {
                        int q = ask_name(&am, &names[k]);
                        /* Gone or too slow: the others would only wait as long again. */
                        if (q == -ETIMEDOUT || q == -ECONNREFUSED) {
                                r = q;
                                snprintf(connect_error, sizeof(connect_error), "%s", names[k].error);
                        }
                }
                all_answered &= names[k].answer != VERIFY_NO_ANSWER;
        }
        am_client_close(&am);
        for (size_t i = 0; i < sn.n; i++) {
                const struct name_ask *q = names;
                while (strcmp(q->alert, sn.alerts[i]) != 0)
                        q++;
                sn.asks[i].asked_ms = q->asked_ms;
                sn.asks[i].answer = q->answer == VERIFY_NO_ANSWER ? VERIFY_NO_ANSWER :
                                    verify_am_has(q->fps, q->n_fps, sn.fingerprints[i]) ? VERIFY_FIRING : VERIFY_GONE;
        }

        if (rt_with_state(&c->rt, STATE_LOCK_TIMEOUT_MS, judge_step, &sn) < 0) {
                ctl_fail("state unavailable: nothing judged");
                goto out;
        }
        log_verdicts(c, &sn);
        /* The attempts are counted: it is said why, once for the names that share a reason. */
        for (size_t k = 0; k < n_names; k++)
                if (names[k].answer == VERIFY_NO_ANSWER && (k == 0 || strcmp(names[k].error, names[k - 1].error) != 0))
                        rt_log(LOG_WARNING, "Alertmanager %s not asked about %s%s: %s", c->rt.cfg.alertmanager_url,
                               names[k].alert, k + 1 < n_names && strcmp(names[k].error, names[k + 1].error) == 0 ?
                               " and others" : "", names[k].error);
        ret = print_result(c, &sn, names, n_names, r < 0 ? connect_error : NULL) < 0 ? EXIT_ERROR :
              all_answered ? EXIT_OK : EXIT_NO_ANSWER;
out:
        for (size_t k = 0; names && k < n_names; k++)
                free(names[k].fps);
        free(names);
        snapshot_free(&sn);
        return ret;
}
