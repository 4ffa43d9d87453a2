/* remediationctl replay: every webhook alert the decision log recorded in a window is decided
 * again, in time order, against the config given (--config), on a fresh state of its own: no file
 * is touched and nothing runs. What else the log says happened — timer and operator runs, approved
 * runs, overrides, pauses, answers to approvals — is replayed as it happened, and an execution
 * ends as it did (one the old config did not run: a success at once). The decisions of the window
 * are compared; those of the warm-up before it (history_horizon(): what can still matter) only
 * build the state. Exit 0 when none differs, 1 when one does, 2 on a usage error or an unusable
 * config or log, as diff(1). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "history.h"
#include "util.h"

#define REPLAY_MAX_WINDOW_SEC   (366LL * 24 * 3600)

enum replay_exit { REPLAY_SAME, REPLAY_DIFFER, REPLAY_TROUBLE };

enum kind {
        EV_DECISION,                    /* a webhook alert: decided again */
        EV_FACT,                        /* a decision of another source (or without labels): as it was */
        EV_OPERATOR,                    /* an override, a pause, an answer to an approval */
};

struct event {
        size_t seq;                     /* its place in the log: the order of one moment's lines */
        enum kind kind;
        int64_t at_ms, end_ms;          /* decided (or logged); an execution's end */
        enum action action;
        enum gate gate;
        enum result result;
        int64_t until;
        char *alert, *playbook, *key, *by, *reason, *approval_id, *fingerprint;
        char **labels;                  /* name, value, ...: n_labels pairs */
        size_t n_labels;
        bool compare;                   /* in the window: the new decision is compared */
};

struct outcome {                        /* an execution of the replay, to end at end_ms */
        int64_t end_ms;
        enum result result;
        bool trial;
        char *playbook;                 /* the event's */
};

struct difference {
        size_t event;
        enum action action;
        enum gate gate;
        char reason[GATE_REASON_BYTES];
};

struct replay {
        const struct config *c;
        int64_t since, warm;            /* the window's start, the warm-up's */
        bool pauses_only;               /* reading the pauses from before the warm-up */
        struct event *ev;
        size_t n_ev;
        struct outcome *out;
        size_t n_out;
        struct difference *diff;
        size_t n_diff, decisions, unlabelled;
};

static char *dup_str(const cJSON *o, const char *name) {
        const char *s = ctl_jstr(o, name);
        return s ? strdup(s) : NULL;
}

static void event_free(struct event *e) {
        free(e->alert), free(e->playbook), free(e->key), free(e->by), free(e->reason), free(e->approval_id);
        free(e->fingerprint);
        for (size_t i = 0; e->labels && i < 2 * e->n_labels; i++)
                free(e->labels[i]);
        free(e->labels);
}

static double number(const cJSON *o, const char *name, double dflt) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
        return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= HISTORY_MAX_TIMESTAMP ?
               v->valuedouble : dflt;
}

static int take_labels(struct event *e, const cJSON *labels) {
        const cJSON *it;

        e->labels = calloc(2 * PAYLOAD_MAX_LABELS, sizeof(*e->labels));
        if (!e->labels)
                return -ENOMEM;
        cJSON_ArrayForEach(it, labels) {
                if (!cJSON_IsString(it) || e->n_labels == PAYLOAD_MAX_LABELS)
                        continue;
                if (!(e->labels[2 * e->n_labels] = strdup(it->string)) ||
                    !(e->labels[2 * e->n_labels + 1] = strdup(it->valuestring)))
                        return -ENOMEM;
                e->n_labels++;
        }
        return 0;
}

/* One line of the log as an event of the replay (a history_read callback). */
static int collect(const cJSON *line, void *data) {
        struct replay *rp = data;
        enum action action = action_from_name(ctl_jstr(line, "action"));
        enum source source = source_from_name(ctl_jstr(line, "source"));
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(line, "labels");
        double ts = number(line, "timestamp", -1), dur = number(line, "duration_seconds", 0);
        bool operator_action = action == ACTION_RESET_BREAKER || action == ACTION_FORGET || action == ACTION_PAUSE ||
                               action == ACTION_RESUME || action == ACTION_APPROVE || action == ACTION_DENY;

        if (ts < 0 || action == ACTION_NONE || (rp->pauses_only && ts >= (double) rp->warm))
                return 0;               /* undated, no word of ours, or read again from the warm-up on */
        if (action == ACTION_VERIFY)
                return 0;               /* a verdict on a run decides nothing: not replayed (yet) */
        if (rp->n_ev >= REPLAY_MAX_EVENTS)
                return -E2BIG;
        struct event *e = GROW(rp->ev, rp->n_ev);
        if (!e)
                return -ENOMEM;
        e = &rp->ev[rp->n_ev];
        *e = (struct event) {
                .seq = rp->n_ev, .action = action, .gate = gate_from_name(ctl_jstr(line, "gate")),
                .result = result_from_name(ctl_jstr(line, "result")), .until = (int64_t) number(line, "until", 0),
                .end_ms = (int64_t) (ts * 1000),
        };
        rp->n_ev++;
        /* Decided when it says; an older line: its time, less the run's. */
        double decided = number(line, "decided", action == ACTION_EXECUTED ? ts - dur : ts);
        e->at_ms = (int64_t) (decided * 1000);
        e->kind = operator_action ? EV_OPERATOR : source == SOURCE_WEBHOOK && cJSON_IsObject(labels) ? EV_DECISION
                                                                                                    : EV_FACT;
        e->compare = e->kind == EV_DECISION && e->at_ms >= rp->since * 1000;
        rp->unlabelled += source == SOURCE_WEBHOOK && !operator_action && e->kind == EV_FACT && e->at_ms >= rp->since * 1000;
        e->alert = dup_str(line, "alert"), e->playbook = dup_str(line, "playbook"), e->key = dup_str(line, "key");
        e->by = dup_str(line, "operator"), e->reason = dup_str(line, "reason");
        e->approval_id = dup_str(line, "approval_id"), e->fingerprint = dup_str(line, "fingerprint");
        return e->kind == EV_DECISION ? take_labels(e, labels) : 0;
}

static int event_order(const void *a, const void *b) {
        const struct event *x = a, *y = b;
        if (x->at_ms != y->at_ms)
                return x->at_ms < y->at_ms ? -1 : 1;
        return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Ends the replay's executions that had ended by at_ms, in the order they ended. */
static void end_runs(struct replay *rp, struct state *sim, int64_t at_ms) {
        for (;;) {
                size_t first = rp->n_out;
                for (size_t i = 0; i < rp->n_out; i++)
                        if (rp->out[i].end_ms <= at_ms && (first == rp->n_out || rp->out[i].end_ms < rp->out[first].end_ms))
                                first = i;
                if (first == rp->n_out)
                        return;
                struct outcome o = rp->out[first];
                rp->out[first] = rp->out[--rp->n_out];
                enum breaker_event ev = o.result == RESULT_SUCCESS ? BREAKER_SUCCEEDED :
                                        o.result == RESULT_ABORTED ? BREAKER_ABORTED : BREAKER_FAILED;
                struct breaker *b = state_breaker(sim, o.playbook, ev != BREAKER_ABORTED);
                if (b)
                        breaker_apply(rp->c, b, ev, o.trial, o.end_ms / 1000);
        }
}

static int start_run(struct replay *rp, char *playbook, int64_t end_ms, enum result result, bool trial) {
        if (!GROW(rp->out, rp->n_out))
                return -ENOMEM;
        rp->out[rp->n_out++] = (struct outcome) { end_ms, result, trial, playbook };
        return 0;
}

static int decide_again(struct replay *rp, struct state *sim, size_t i) {
        struct event *e = &rp->ev[i];
        struct alert a = { .firing = e->gate != GATE_RESOLVED, .alertname = e->alert ?: "",
                           .fingerprint = e->fingerprint ?: "", .starts_at = "", .ends_at = "", .generator_url = "" };
        struct decision d;
        int64_t t = e->at_ms / 1000;
        int r;

        if (e->gate == GATE_ALERT_INVALID) {    /* why is not on record, and no config changes it */
                rp->decisions += e->compare;
                return 0;
        }
        for (size_t k = 0; k < e->n_labels; k++) {
                a.labels[a.n_labels++] = (struct kv) { e->labels[2 * k], e->labels[2 * k + 1] };
                if (strcmp(e->labels[2 * k], "alertname") == 0)
                        a.alertname = e->labels[2 * k + 1];
        }
        if ((r = gates_evaluate(rp->c, sim, &a, t, &d, NULL)) < 0 || (r = gates_apply(rp->c, sim, &a, &d)) < 0) {
                decision_free(&d);
                return r;
        }
        if (d.action == ACTION_EXECUTED) {      /* ends as it did, or, new, as a success at once */
                bool ran = e->action == ACTION_EXECUTED && e->playbook && strcmp(e->playbook, d.route->playbook) == 0;
                free(e->playbook);
                if (!(e->playbook = strdup(d.route->playbook)) ||
                    (r = start_run(rp, e->playbook, ran ? e->end_ms : e->at_ms, ran ? e->result : RESULT_SUCCESS,
                                   d.trial)) < 0) {
                        decision_free(&d);
                        return -ENOMEM;
                }
        }
        if (e->compare) {
                rp->decisions++;
                if (d.action != e->action || d.gate != e->gate) {
                        struct difference *x = GROW(rp->diff, rp->n_diff);
                        if (!x) {
                                decision_free(&d);
                                return -ENOMEM;
                        }
                        x = &rp->diff[rp->n_diff++];
                        *x = (struct difference) { .event = i, .action = d.action, .gate = d.gate };
                        memcpy(x->reason, d.reason, sizeof(x->reason));
                }
        }
        decision_free(&d);
        return 0;
}

/* What happened otherwise, as it happened. */
static int replay_fact(struct replay *rp, struct state *sim, struct event *e) {
        int64_t t = e->at_ms / 1000;
        int r;

        if (e->key && (e->action == ACTION_EXECUTED || e->action == ACTION_BLOCKED || e->action == ACTION_ESCALATE) &&
            strlen(e->key) < GATE_KEY_BYTES && (r = state_put_key(sim, e->key, t, STATE_MAX_IDEMPOTENCY_KEYS)) < 0)
                return r;
        if (e->action != ACTION_EXECUTED || !e->alert || !e->playbook)
                return 0;
        bool trial = breaker_state(rp->c, state_find_breaker(sim, e->playbook), t) == BREAKER_HALF_OPEN;
        if (trial) {
                struct breaker *b = state_breaker(sim, e->playbook, 1);
                if (!b)
                        return -ENOMEM;
                breaker_apply(rp->c, b, BREAKER_TRIAL, false, t);
        }
        if ((r = state_add_exec(sim, t, e->alert, e->playbook)) < 0)
                return r;
        return start_run(rp, e->playbook, e->end_ms, e->result, trial);
}

static int replay_operator(struct replay *rp, struct state *sim, const struct event *e) {
        int64_t t = e->at_ms / 1000;
        struct pending *p;
        struct breaker *b;

        switch (e->action) {
        case ACTION_RESET_BREAKER:
                if (e->playbook && (b = state_breaker(sim, e->playbook, 0)))
                        breaker_apply(rp->c, b, BREAKER_RESET, false, t);
                return 0;
        case ACTION_FORGET:
                if (e->key)
                        (void) state_forget_key(sim, e->key);
                return 0;
        case ACTION_PAUSE: {
                int r = state_put_pause(sim, e->playbook ?: "", t, e->until, e->by ?: "", e->reason ?: "Paused");
                return r == -ENOMEM ? r : 0;
        }
        case ACTION_RESUME:
                (void) state_remove_pause(sim, e->playbook ?: "");
                return 0;
        case ACTION_APPROVE:
        case ACTION_DENY:               /* the approved run itself is a line of its own */
                if (e->approval_id && (p = state_pending(sim, e->approval_id)) && p->closed == ACTION_NONE)
                        return state_close_pending(p, e->action, e->by ?: "?", t);
                return 0;
        default:
                return 0;
        }
}

static int run(struct replay *rp) {
        struct state sim = {};
        int r = 0;

        if (rp->n_ev > 0)                       /* qsort() takes no NULL, even for none */
                qsort(rp->ev, rp->n_ev, sizeof(*rp->ev), event_order);
        for (size_t i = 0; i < rp->n_ev && r >= 0; i++) {
                struct event *e = &rp->ev[i];
                end_runs(rp, &sim, e->at_ms);
                gates_prune(rp->c, &sim, e->at_ms / 1000);
                r = e->kind == EV_DECISION ? decide_again(rp, &sim, i) :
                    e->kind == EV_FACT ? replay_fact(rp, &sim, e) : replay_operator(rp, &sim, e);
        }
        state_free(&sim);
        return r;
}

static void add_decision(cJSON *o, const char *name, enum action action, enum gate gate, const char *reason) {
        cJSON *d = cJSON_AddObjectToObject(o, name);
        cJSON_AddStringToObject(d, "action", action_name(action));
        cJSON_AddItemToObject(d, "gate", gate ? cJSON_CreateString(gate_name(gate)) : cJSON_CreateNull());
        if (reason)
                cJSON_AddStringToObject(d, "reason", reason);
}

static cJSON *replay_json(const struct replay *rp, const char *config, int64_t until) {
        cJSON *doc = cJSON_CreateObject(), *arr;

        cJSON_AddStringToObject(doc, "config", config);
        cJSON_AddNumberToObject(doc, "since", (double) rp->since);
        cJSON_AddNumberToObject(doc, "until", (double) until);
        cJSON_AddNumberToObject(doc, "decisions", (double) rp->decisions);
        cJSON_AddNumberToObject(doc, "differ", (double) rp->n_diff);
        cJSON_AddNumberToObject(doc, "without_labels", (double) rp->unlabelled);
        arr = cJSON_AddArrayToObject(doc, "differences");
        for (size_t i = 0; i < rp->n_diff; i++) {
                const struct difference *x = &rp->diff[i];
                const struct event *e = &rp->ev[x->event];
                cJSON *o = cJSON_CreateObject(), *labels;
                char v[PAYLOAD_MAX_VALUE * 3 + 1];
                cJSON_AddNumberToObject(o, "time", (double) e->at_ms / 1000.0);
                cJSON_AddStringToObject(o, "alert", e->alert ?: "");
                labels = cJSON_AddObjectToObject(o, "labels");
                for (size_t k = 0; k < e->n_labels; k++) {
                        utf8_sanitize(v, sizeof(v), e->labels[2 * k + 1], strlen(e->labels[2 * k + 1]), PAYLOAD_MAX_VALUE);
                        cJSON_AddStringToObject(labels, e->labels[2 * k], v);
                }
                add_decision(o, "old", e->action, e->gate, NULL);
                add_decision(o, "new", x->action, x->gate, x->reason);
                cJSON_AddItemToArray(arr, o);
        }
        return doc;
}

/* "blocked by cooldown", "executed": a decision as the table says it. */
static const char *said(char *buf, size_t size, const cJSON *d) {
        const char *gate = ctl_jstr(d, "gate");
        snprintf(buf, size, "%s%s%s", ctl_jstr(d, "action"), gate ? " by " : "", gate ? gate : "");
        return buf;
}

/* Names, values and reasons come from the log: escaped. */
static void replay_print(const cJSON *doc) {
        const cJSON *it;
        char t1[32], t2[32], o[64], n[64], e1[TERM_TEXT_MAX];

        printf("Replay of %s to %s UTC against %s: %.0f decisions, %.0f differ\n",
               ctl_utc(t1, ctl_jnum(doc, "since")), ctl_utc(t2, ctl_jnum(doc, "until")),
               term_escape(e1, sizeof(e1), ctl_jstr(doc, "config")), cJSON_GetNumberValue(
               cJSON_GetObjectItemCaseSensitive(doc, "decisions")), cJSON_GetNumberValue(
               cJSON_GetObjectItemCaseSensitive(doc, "differ")));
        if (ctl_jnum(doc, "without_labels") > 0)
                printf("warning: %lld webhook decisions of the window have no labels on record (logged before "
                       "they were): not decided again\n", (long long) ctl_jnum(doc, "without_labels"));
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "differences")) {
                const cJSON *nw = cJSON_GetObjectItemCaseSensitive(it, "new");
                printf("\n%s  %s", ctl_utc(t1, ctl_jnum(it, "time")), term_escape(e1, sizeof(e1), ctl_jstr(it, "alert")));
                ctl_print_labels(cJSON_GetObjectItemCaseSensitive(it, "labels"));
                printf("\n  %s -> %s: %s\n", said(o, sizeof(o), cJSON_GetObjectItemCaseSensitive(it, "old")),
                       said(n, sizeof(n), nw), term_escape(e1, sizeof(e1), ctl_jstr(nw, "reason")));
        }
}

int ctl_replay(struct ctl *c) {
        struct replay rp = { .c = &c->rt.cfg };
        int64_t window = 7 * 86400, now = now_realtime_ms() / 1000;
        int ret = REPLAY_TROUBLE, r;

        if (c->since && ctl_parse_window(c->since, REPLAY_MAX_WINDOW_SEC, &window) < 0) {
                ctl_fail("--since '%s': expected N followed by m, h or d (at most 366d), e.g. 24h or 7d", c->since);
                return REPLAY_TROUBLE;
        }
        if (ctl_need_config(c) < 0)
                return REPLAY_TROUBLE;
        rp.since = now - window;
        rp.warm = rp.since - history_horizon(&c->rt.cfg) - breaker_trial_lease(&c->rt.cfg);
        /* The pauses from before the warm-up, then every line from it on. */
        rp.pauses_only = true;
        r = history_read_kept(c->rt.decision_log, rp.since - PAUSE_MAX_SEC, 0, history_pause_line, collect, &rp, NULL);
        rp.pauses_only = false;
        if (r >= 0)
                r = history_read(c->rt.decision_log, rp.warm, 0, collect, &rp, NULL);
        if (r == -E2BIG)
                ctl_fail("more than %d lines from %s on: replay a shorter window (--since)", REPLAY_MAX_EVENTS,
                         c->rt.decision_log);
        else if (r < 0 && r != -ENOENT)
                ctl_fail("decision log %s unreadable: %s", c->rt.decision_log, strerror(-r));
        if ((r < 0 && r != -ENOENT) || (r = run(&rp)) < 0) {
                if (r == -ENOMEM)
                        ctl_fail("out of memory");
                goto out;
        }
        cJSON *doc = replay_json(&rp, c->rt.config_path, now);
        if (doc && (c->json ? ctl_print_json(doc) == 0 : (replay_print(doc), true)))
                ret = rp.n_diff ? REPLAY_DIFFER : REPLAY_SAME;
        cJSON_Delete(doc);
out:
        for (size_t i = 0; i < rp.n_ev; i++)
                event_free(&rp.ev[i]);
        free(rp.ev), free(rp.out), free(rp.diff);
        return ret;
}
