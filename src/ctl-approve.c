/* remediationctl pending, approve and deny: the escalations held for an operator's approval.
 * approve runs one through the gates that still apply at that moment (not idempotency and
 * confidence, which decided the escalation), with the handler's executor and records; deny closes
 * it. Each answer is one locked step, so of any number of approvals of one id at once exactly one
 * runs it; the others are told it was already approved. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batch.h"
#include "ctl.h"
#include "params.h"
#include "util.h"

/* One approval, as the locked step found it. */
struct answer {
        const char *id;
        const char *by;
        int64_t now;
        struct batch *b;                /* approve: decides the alert */
        struct alert *alert;            /* approve: filled from the pending one, in `own` */
        char *own[2 * PAYLOAD_MAX_LABELS + 2];
        size_t n_own;
        struct argv_list argv;          /* what was approved (a copy) */
        char alertname[AUDIT_TEXT_CHARS * 4 + 1], playbook[128];
        enum action closed;             /* -EALREADY: how, by whom, when it was closed */
        char closed_by[160];
        int64_t closed_at, expires;
};

static void answer_free(struct answer *a) {
        for (size_t i = 0; i < a->n_own; i++)
                free(a->own[i]);
        argv_list_free(&a->argv);
}

static const char *own(struct answer *a, const char *s) {
        char *copy = a->n_own < ELEMENTSOF(a->own) ? strdup(s) : NULL;
        if (copy)
                a->own[a->n_own++] = copy;
        return copy;
}

/* The pending approval `id`, if it can still be answered at a->now: 0, -ENOENT, -EALREADY (closed:
 * a says how), -ETIME (expired). */
static int find_open(struct state *st, struct answer *a, struct pending **ret) {
        struct pending *p = state_pending(st, a->id);

        if (!p)
                return -ENOENT;
        snprintf(a->alertname, sizeof(a->alertname), "%s", p->alert);
        snprintf(a->playbook, sizeof(a->playbook), "%s", p->playbook);
        a->expires = p->expires;
        if (p->closed != ACTION_NONE) {
                a->closed = p->closed;
                snprintf(a->closed_by, sizeof(a->closed_by), "%s", p->by ? p->by : "?");
                a->closed_at = p->closed_at;
                return -EALREADY;
        }
        if (a->now >= p->expires)
                return -ETIME;
        *ret = p;
        return 0;
}

/* The alert as it fired, and the argv as approved, out of the state (freed with it). */
static int take_alert(struct answer *a, const struct pending *p) {
        struct alert *al = a->alert;

        *al = (struct alert) { .firing = true, .starts_at = "", .ends_at = "", .generator_url = "" };
        if (!(al->alertname = own(a, p->alert)) || !(al->fingerprint = own(a, p->fingerprint)))
                return -ENOMEM;
        for (size_t i = 0; i < p->n_labels && i < PAYLOAD_MAX_LABELS; i++) {
                const char *n = own(a, p->labels[2 * i]), *v = own(a, p->labels[2 * i + 1]);
                if (!n || !v)
                        return -ENOMEM;
                al->labels[al->n_labels++] = (struct kv) { n, v };
        }
        for (size_t i = 0; i < p->n_argv && i < EXEC_MAX_ARGS; i++) {
                if (!(a->argv.v[i] = strdup(p->argv[i])))
                        return -ENOMEM;
                a->argv.n++;
        }
        return 0;
}

static int approve_step(struct runtime *rt, struct state *st, void *data) {
        struct answer *a = data;
        struct pending *p;
        int r = find_open(st, a, &p);

        if (r < 0 || (r = take_alert(a, p)) < 0)
                return r;
        a->b->approved = &a->argv;
        if ((r = batch_decide_locked(rt, st, a->b, 0)) < 0)
                return r;
        struct decision *d = &a->b->decisions[0];
        snprintf(d->pending_id, sizeof(d->pending_id), "%s", a->id);     /* the record says which */
        if (d->action != ACTION_EXECUTED)
                return 0;               /* stopped by a gate: it stays pending */
        snprintf(d->reason, sizeof(d->reason), "Approved as %s: %s", a->id,
                 d->trial ? "circuit half-open, trial execution" : "the gates that still apply passed");
        p = state_pending(st, a->id);
        return p ? state_close_pending(p, ACTION_APPROVE, a->by, a->now) : -ENOENT;
}

static int deny_step(struct runtime *rt, struct state *st, void *data) {
        struct answer *a = data;
        struct pending *p;
        int r = find_open(st, a, &p);

        (void) rt;
        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n_argv && i < EXEC_MAX_ARGS; i++)
                if ((a->argv.v[a->argv.n] = strdup(p->argv[i])))
                        a->argv.n++;
        return state_close_pending(p, ACTION_DENY, a->by, a->now);
}

/* Why an answer found nothing to answer; the exit code. */
static int nothing_to_answer(const struct answer *a, int r) {
        char t[32], e[TERM_TEXT_MAX];

        if (r == -ENOENT)
                ctl_fail("no approval %s (see `remediationctl pending`)", term_escape(e, sizeof(e), a->id));
        else if (r == -EALREADY)
                ctl_fail("approval %s was already %s by %s at %s UTC: nothing to do", a->id,
                         a->closed == ACTION_APPROVE ? "approved" : "denied",
                         term_escape(e, sizeof(e), a->closed_by), ctl_utc(t, a->closed_at));
        else if (r == -ETIME)
                ctl_fail("approval %s expired at %s UTC: it can no longer be approved or denied", a->id,
                         ctl_utc(t, a->expires));
        else
                return 0;
        return EXIT_USAGE;
}

/* "service-restart --service jellyfin": the playbook and the parameters it runs with. */
static const char *what(const struct answer *a, const struct config *cfg, char *buf, size_t size) {
        _cleanup_free_ char *params = params_join(&a->argv, cfg->n_executor);
        snprintf(buf, size, "%s%s%s", a->playbook, params && *params ? " " : "", params ? params : "");
        return buf;
}

int ctl_approve(struct ctl *c) {
        struct alert al;
        struct batch b;
        struct answer a = { .id = c->args[0], .by = c->who, .b = &b, .alert = &al };
        char run[EXEC_MAX_ARGS * 64 + 128], reason[sizeof(a.alertname) + sizeof(run) + 320], e[TERM_TEXT_MAX];
        int r, ret;

        if (ctl_need_config(c) < 0)
                return EXIT_ERROR;
        if ((r = batch_init(&b, &al, 1)) < 0) {
                ctl_fail("cannot start: %s", strerror(-r));
                return EXIT_ERROR;
        }
        a.now = now_realtime_ms() / 1000;
        rt_open_log(&c->rt);
        r = rt_with_state(&c->rt, STATE_LOCK_TIMEOUT_MS, approve_step, &a);
        if (r < 0) {
                batch_undecide(&b);
                ret = nothing_to_answer(&a, r);
                if (!ret) {
                        ctl_fail("state unavailable (%s): nothing executed", strerror(-r));
                        ret = EXIT_ERROR;
                }
                goto out;
        }
        const struct decision *d = &b.decisions[0];
        what(&a, &c->rt.cfg, run, sizeof(run));
        if (d->action == ACTION_EXECUTED) {
                snprintf(reason, sizeof(reason), "Approval %s (%s: %s) granted by %s", a.id, a.alertname, run, c->who);
                ctl_record_operator(c, &(struct audit_record) {
                        .timestamp_ms = b.decided_ms, .alertname = a.alertname, .playbook = a.playbook,
                        .action = ACTION_APPROVE, .gate = GATE_CONFIDENCE, .approval_id = a.id, .reason = reason });
        }
        c->rt.source = SOURCE_OPERATOR;
        b.by = c->who;
        batch_start(&c->rt, &b);
        batch_wait(&b, -1);
        batch_record(&c->rt, &b);
        batch_log(&c->rt, &b);

        const struct exec_job *job = b.n_jobs ? &b.jobs[0] : NULL;
        ret = job ? (job->result == RESULT_SUCCESS ? EXIT_OK : EXIT_FAILED) : ctl_exit_for(d);
        if (job)
                printf("%s\n%s for %s: %s, exit %d, %.3f s\n", term_escape(e, sizeof(e), reason), a.playbook,
                       a.alertname, result_name(job->result), job->exit_code,
                       (double) (job->ended_ms - job->started_ms) / 1000.0);
        else {
                char t[32];
                printf("Approval %s (%s: %s) not run: %s%s%s: %s; it stays pending until %s UTC\n", a.id,
                       term_escape(e, sizeof(e), a.alertname), run, action_name(d->action), d->gate ? " by " : "",
                       d->gate ? gate_name(d->gate) : "", d->reason, ctl_utc(t, a.expires));
        }
out:
        answer_free(&a);
        batch_free(&b);
        return ret;
}

int ctl_deny(struct ctl *c) {
        struct answer a = { .id = c->args[0], .by = c->who, .now = now_realtime_ms() / 1000 };
        char run[EXEC_MAX_ARGS * 64 + 128], reason[sizeof(a.alertname) + sizeof(run) + 320], e[TERM_TEXT_MAX];

        if (ctl_need_config(c) < 0)
                return EXIT_ERROR;
        int r = rt_with_state(&c->rt, STATE_LOCK_TIMEOUT_MS, deny_step, &a);
        if (r < 0) {
                int ret = nothing_to_answer(&a, r);
                if (!ret)
                        ctl_fail("state unavailable (%s): nothing denied", strerror(-r));
                answer_free(&a);
                return ret ? ret : EXIT_ERROR;
        }
        snprintf(reason, sizeof(reason), "Approval %s (%s: %s) denied by %s", a.id, a.alertname,
                 what(&a, &c->rt.cfg, run, sizeof(run)), c->who);
        ctl_record_operator(c, &(struct audit_record) {
                .alertname = a.alertname, .playbook = a.playbook, .action = ACTION_DENY, .gate = GATE_CONFIDENCE,
                .approval_id = a.id, .reason = reason });
        printf("%s\n", term_escape(e, sizeof(e), reason));
        answer_free(&a);
        return EXIT_OK;
}

static cJSON *pending_json(const struct pending *p, int64_t now) {
        cJSON *o = cJSON_CreateObject(), *labels, *argv;

        cJSON_AddStringToObject(o, "id", p->id);
        cJSON_AddStringToObject(o, "alert", p->alert);
        labels = cJSON_AddObjectToObject(o, "labels");
        for (size_t i = 0; i < p->n_labels; i++)
                cJSON_AddStringToObject(labels, p->labels[2 * i], p->labels[2 * i + 1]);
        cJSON_AddStringToObject(o, "playbook", p->playbook);
        argv = cJSON_AddArrayToObject(o, "argv");
        for (size_t i = 0; i < p->n_argv; i++)
                cJSON_AddItemToArray(argv, cJSON_CreateString(p->argv[i]));
        cJSON_AddNumberToObject(o, "created", (double) p->created);
        cJSON_AddNumberToObject(o, "expires", (double) p->expires);
        cJSON_AddNumberToObject(o, "expires_in_seconds", (double) (p->expires - now));
        return o;
}

/* Names, values and arguments come from the alert: escaped, so none reaches the terminal as a
 * control sequence. */
static void pending_print(const cJSON *doc) {
        const cJSON *it, *x;
        char t[32], span[32], e1[TERM_TEXT_MAX];
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "pending");

        printf("PENDING APPROVALS at %s UTC%s\n", ctl_utc(t, ctl_jnum(doc, "now")), ctl_state_note(ctl_jstr(doc, "state")));
        if (!cJSON_GetArraySize(list))
                puts("(none)");
        cJSON_ArrayForEach(it, list) {
                bool first = true;
                printf("\n%s  %s", ctl_jstr(it, "id"), term_escape(e1, sizeof(e1), ctl_jstr(it, "alert")));
                ctl_print_labels(cJSON_GetObjectItemCaseSensitive(it, "labels"));
                printf("\n    playbook: %s\n    runs:    ", term_escape(e1, sizeof(e1), ctl_jstr(it, "playbook")));
                cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(it, "argv")) {
                        printf("%s%s", first ? "" : " ", term_escape(e1, sizeof(e1), x->valuestring));
                        first = false;
                }
                printf("\n    expires: %s UTC (in %s)\n", ctl_utc(t, ctl_jnum(it, "expires")),
                       ctl_span(span, ctl_jnum(it, "expires_in_seconds")));
        }
}

int ctl_pending(struct ctl *c) {
        struct state st = {};
        int64_t now = now_realtime_ms() / 1000;
        const char *origin;
        int ret = EXIT_ERROR;

        if (ctl_need_config(c) < 0 || ctl_read_state(c, now, &st, &origin) < 0)
                return EXIT_ERROR;
        gates_prune(&c->rt.cfg, &st, now);
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddNumberToObject(doc, "now", (double) now);
        cJSON_AddStringToObject(doc, "state", origin);
        cJSON *arr = cJSON_AddArrayToObject(doc, "pending");
        for (size_t i = 0; i < st.n_pending; i++)
                if (st.pending[i].closed == ACTION_NONE && now < st.pending[i].expires)
                        cJSON_AddItemToArray(arr, pending_json(&st.pending[i], now));
        if (c->json ? ctl_print_json(doc) == 0 : (pending_print(doc), true))
                ret = EXIT_OK;
        cJSON_Delete(doc);
        state_free(&st);
        return ret;
}
