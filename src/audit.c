#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include "audit.h"
#include "bounds.h"
#include "journal.h"
#include "util.h"

#define MID_EXECUTED        "67bb621b40a04061b7ef2c036a170b11"
#define MID_FAILED          "7855157534e042c7ab1688e36925d932"
#define MID_ESCALATED       "ac33376504e84ab5901256a752ecefce"
#define MID_BLOCKED         "4e072b6e33c9486cb300c8c985ace339"
#define MID_SKIPPED         "1b4c5903b46c4603b550bce64b498655"
#define MID_CIRCUIT_OPENED  "c18d42fe368e4dd8a63e6e9440e713ac"
#define MID_OPERATOR        "91c531686d88492197b109d8b2d26c1e"
#define MID_SHADOW          "9cc8477455764348a98d0ef8588b9c20"
#define MID_PENDING         "0286f71c4c7a4c67a13cc025e7ec7dfc"
#define MID_APPROVED        "7970b7f6e4f04e558588e4d5ef3cb99d"
#define MID_DENIED          "59d51d6d34104f94bed21ab74fda483c"
#define MID_PAUSED          "4cf88dd5dfa9401cbcf8bd370e10b90c"
#define MID_RESUMED         "4ac4b6a764bf4f82a8d5eacd7d9dde7f"
#define MID_VERIFIED        "5b0d6e2f8c9a4e71b3d2a6c4f1e8b097"

/* Untrusted text made safe for JSON and the journal: valid UTF-8, bounded. */
struct text { char s[AUDIT_OUTPUT_CHARS * 4 + 1]; };

static const char *clean(struct text *t, const char *s, size_t len, size_t max_chars) {
        if (!s)
                return NULL;
        utf8_sanitize(t->s, sizeof(t->s), s, len, max_chars);
        return t->s;
}

static const char *clean_str(struct text *t, const char *s) {
        return s ? clean(t, s, strlen(s), AUDIT_TEXT_CHARS) : NULL;
}

static const char *label_or_null(const struct audit_record *r, const char *name) {
        return r->alert ? alert_label(r->alert, name) : NULL;
}

static cJSON *string_or_null(const char *s) {
        return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static void add(cJSON *o, const char *name, cJSON *v) {
        cJSON_AddItemToObject(o, name, v ? v : cJSON_CreateNull());
}

static const char *rec_playbook(const struct audit_record *r) {
        if (r->playbook)
                return r->playbook;
        return r->decision && r->decision->route ? r->decision->route->playbook : NULL;
}

static const char *rec_alertname(const struct audit_record *r) {
        return r->alert ? r->alert->alertname : r->alertname;
}

static const char *rec_action(const struct audit_record *r) {
        return action_name(r->action ? r->action : r->decision ? r->decision->action : ACTION_NONE);
}

static const char *rec_gate(const struct audit_record *r) {
        enum gate g = r->action ? r->gate : r->decision ? r->decision->gate : GATE_NONE;
        return g != GATE_NONE ? gate_name(g) : NULL;
}

/* The idempotency key the decision recorded (the reboot replay restores it), or NULL. */
static const char *rec_key(const struct audit_record *r) {
        if (r->key)
                return r->key;
        return r->decision && r->decision->plan.record_key ? r->decision->key : NULL;
}

/* An escalation held for an operator's approval (new, or the one already held for it). */
static bool rec_pending(const struct audit_record *r) {
        return !r->job && r->decision && r->decision->action == ACTION_ESCALATE && r->decision->pending_id[0];
}

static const char *rec_approval_id(const struct audit_record *r) {
        if (r->approval_id)
                return r->approval_id;
        return r->decision && r->decision->pending_id[0] ? r->decision->pending_id : NULL;
}

static int64_t rec_until(const struct audit_record *r) {
        return r->until ? r->until : rec_pending(r) ? r->decision->pending_expires : 0;
}

static const char *rec_result(const struct audit_record *r) {
        if (r->verdict)
                return result_name(r->verdict->result);
        return r->job ? result_name(r->job->result) : rec_pending(r) ? result_name(RESULT_PENDING) : NULL;
}

/* The argument vector the decision ran, would have run (a shadow route), or runs once approved;
 * NULL: none. */
static const struct argv_list *rec_run_argv(const struct audit_record *r) {
        if (!r->decision || r->decision->argv.n == 0)
                return NULL;
        return r->job || r->decision->action == ACTION_SHADOW || rec_pending(r) ? &r->decision->argv : NULL;
}

/* The route's parameters as the seed logs them: joined by spaces. NULL when there are none. */
static char *rec_parameters(const struct audit_record *r) {
        const struct argv_list *v = rec_run_argv(r);

        if (!v || v->n <= r->executor_args)
                return NULL;
        _cleanup_free_ char *joined = params_join(v, r->executor_args);
        size_t len = joined ? strlen(joined) : 0;
        char *s = joined ? malloc(3 * len + 1) : NULL;
        if (s)
                utf8_sanitize(s, 3 * len + 1, joined, len, len);
        return s;
}

/* The exact argument vector the playbook got (or would have got). */
static cJSON *rec_argv(const struct audit_record *r) {
        char clean[EXEC_MAX_ARG_BYTES * 3 + 1];
        const struct argv_list *v = rec_run_argv(r);
        cJSON *arr;

        if ((!r->job && !v) || !(arr = cJSON_CreateArray()))
                return NULL;
        for (size_t i = 0; r->job ? r->job->argv[i] != NULL : i < v->n; i++) {
                const char *a = r->job ? r->job->argv[i] : v->v[i];
                utf8_sanitize(clean, sizeof(clean), a, strlen(a), EXEC_MAX_ARG_BYTES);
                cJSON_AddItemToArray(arr, cJSON_CreateString(clean));
        }
        return arr;
}

/* The alert's labels, bounded like every untrusted text, so that history can be decided again. */
static cJSON *rec_labels(const struct audit_record *r) {
        char name[PAYLOAD_MAX_NAME * 3 + 1];
        struct text value;
        cJSON *o;

        if (!r->alert || !(o = cJSON_CreateObject()))
                return NULL;
        for (size_t i = 0; i < r->alert->n_labels; i++) {
                const struct kv *l = &r->alert->labels[i];
                utf8_sanitize(name, sizeof(name), l->name, strlen(l->name), PAYLOAD_MAX_NAME);
                cJSON_AddItemToObject(o, name, cJSON_CreateString(clean_str(&value, l->value)));
        }
        return o;
}

/* A verdict's sentence, into buf. */
static const char *verdict_reason(const struct verdict *v, char *buf, size_t size) {
        if (v->result == RESULT_UNKNOWN)
                snprintf(buf, size, "Alertmanager not asked successfully in %d attempts: no verdict, "
                         "not counted for the breaker", v->attempts);
        else if (v->result == RESULT_INEFFECTIVE)
                snprintf(buf, size, "Alert still %s at the end of the verify window%s",
                         v->asked ? "active in Alertmanager" : "firing",
                         v->opened ? ": counted as a failure, circuit opened" : "");
        else if (v->asked)
                snprintf(buf, size, "Alert no longer active in Alertmanager when asked, %.3f s after the playbook started",
                         (double) v->resolved_after_ms / 1000.0);
        else if (v->resolved_after_ms >= 0)
                snprintf(buf, size, "Alert resolved %.3f s after the playbook started", (double) v->resolved_after_ms / 1000.0);
        else
                snprintf(buf, size, "Alert resolved after the playbook ran");
        return buf;
}

static const char *rec_reason(const struct audit_record *r) {
        return r->reason ? r->reason : r->decision ? r->decision->reason : NULL;
}

static const char *rec_fingerprint(const struct audit_record *r) {
        if (r->verdict)
                return r->verdict->fingerprint;
        return r->alert && *r->alert->fingerprint ? r->alert->fingerprint : NULL;
}


/* Epoch seconds with exactly millisecond precision, as the seed writes them (a clock before 1970
 * gives "-0.500", not "0.-500"). */
static cJSON *seconds_ms(int64_t t_ms) {
        char ts[32];
        uint64_t ms = t_ms < 0 ? -(uint64_t) t_ms : (uint64_t) t_ms;
        snprintf(ts, sizeof(ts), "%s%llu.%03llu", t_ms < 0 ? "-" : "", (unsigned long long) (ms / 1000),
                 (unsigned long long) (ms % 1000));
        return cJSON_CreateRaw(ts);
}

/* Milliseconds as seconds, or null when not known (< 0). */
static cJSON *ms_or_null(int64_t ms) {
        return ms >= 0 ? seconds_ms(ms) : NULL;
}

char *audit_format_line(const struct audit_record *r) {
        struct text t;
        cJSON *o = cJSON_CreateObject();
        char *line = NULL, why[192];
        _cleanup_free_ char *params = rec_parameters(r);

        if (!o)
                return NULL;
        add(o, "timestamp", seconds_ms(r->timestamp_ms));
        add(o, "alert", string_or_null(clean_str(&t, rec_alertname(r))));
        add(o, "playbook", string_or_null(clean_str(&t, rec_playbook(r))));
        add(o, "parameters", params ? cJSON_CreateString(params) : NULL);
        add(o, "argv", rec_argv(r));
        add(o, "success", r->job ? cJSON_CreateBool(r->job->result == RESULT_SUCCESS) : NULL);
        add(o, "confidence", r->decision && r->decision->route ?
                             cJSON_CreateNumber(r->decision->route->confidence) : NULL);
        add(o, "stdout", r->job ? cJSON_CreateString(clean(&t, r->job->out, r->job->out_len,
                                                           AUDIT_OUTPUT_CHARS)) : NULL);
        add(o, "stderr", r->job ? cJSON_CreateString(clean(&t, r->job->err, r->job->err_len,
                                                           AUDIT_OUTPUT_CHARS)) : NULL);
        add(o, "action", cJSON_CreateString(rec_action(r)));
        add(o, "gate", string_or_null(rec_gate(r)));
        add(o, "reason", string_or_null(clean_str(&t, r->verdict ? verdict_reason(r->verdict, why, sizeof(why)) :
                                                              rec_reason(r))));
        add(o, "result", string_or_null(rec_result(r)));
        add(o, "fingerprint", string_or_null(clean_str(&t, rec_fingerprint(r))));
        add(o, "instance", string_or_null(clean_str(&t, label_or_null(r, "instance"))));
        add(o, "service", string_or_null(clean_str(&t, r->decision ? r->decision->service : NULL)));
        add(o, "duration_seconds", r->job ? cJSON_CreateNumber(
                (double) (r->job->ended_ms - r->job->started_ms) / 1000.0) : NULL);
        add(o, "exit_code", r->job ? cJSON_CreateNumber(r->job->exit_code) : NULL);
        add(o, "source", cJSON_CreateString(source_name(r->source)));
        add(o, "unit", r->job && r->job->unit[0] ? cJSON_CreateString(r->job->unit) : NULL);
        add(o, "invocation_id", r->job && r->job->invocation_id[0] ?
                                cJSON_CreateString(r->job->invocation_id) : NULL);
        const char *key = rec_key(r);
        add(o, "key", string_or_null(key ? clean(&t, key, strlen(key), GATE_KEY_BYTES) : NULL));
        add(o, "operator", string_or_null(clean_str(&t, r->by)));
        add(o, "until", rec_until(r) ? cJSON_CreateNumber((double) rec_until(r)) : NULL);
        add(o, "approval_id", string_or_null(rec_approval_id(r)));
        add(o, "labels", rec_labels(r));
        add(o, "decided", r->decided_ms ? seconds_ms(r->decided_ms) : NULL);   /* the replay's order */
        if (r->verdict) {               /* the run judged, and how long its alert took to go */
                add(o, "execution_timestamp", seconds_ms(r->verdict->execution_ms));
                add(o, "resolved_after_seconds", ms_or_null(r->verdict->resolved_after_ms));
                add(o, "mttr_seconds", ms_or_null(r->verdict->mttr_ms));
        }

        char *json = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!json)
                return NULL;
        size_t len = strlen(json);
        if (len + 2 <= AUDIT_LINE_MAX && (line = malloc(len + 2))) {
                memcpy(line, json, len);
                memcpy(line + len, "\n", 2);
        }
        free(json);
        return line;
}

int audit_open_log(const char *path) {
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
        return fd < 0 ? -errno : fd;
}

int audit_append(int fd, const char *line) {
        size_t len = strlen(line);
        /* One write(2) on O_APPEND: concurrent instances' lines never interleave. */
        ssize_t n = write(fd, line, len);
        if (n < 0)
                return -errno;
        return (size_t) n == len ? 0 : -EIO;
}

/* The fields every entry of ours carries. */
static void entry_begin(struct journal_entry *e, const char *msg, const char *mid, int priority) {
        journal_begin(e);
        journal_add(e, "MESSAGE", msg);
        journal_add(e, "MESSAGE_ID", mid);
        journal_add_int(e, "PRIORITY", priority);
        journal_add(e, "SYSLOG_IDENTIFIER", "remediation-webhook");
}

int audit_journal(const struct audit_record *r) {
        struct text alertname, fingerprint, instance, reason, who;
        const char *action = rec_action(r), *gate = rec_gate(r), *playbook = rec_playbook(r);
        const char *mid, *detail = clean_str(&reason, rec_reason(r));
        int priority;
        char msg[4 * sizeof(struct text)];      /* room for every part: never truncated */
        char why[192];
        struct journal_entry e;

        clean(&alertname, "", 0, 0);
        clean_str(&alertname, rec_alertname(r));
        clean(&fingerprint, r->alert ? r->alert->fingerprint : "", r->alert ? strlen(r->alert->fingerprint) : 0, 64);
        clean(&instance, "", 0, 0);
        clean_str(&instance, label_or_null(r, "instance"));

        if (r->verdict) {
                mid = MID_VERIFIED;
                priority = r->verdict->result == RESULT_RESOLVED ? LOG_INFO : LOG_WARNING;
                clean_str(&fingerprint, r->verdict->fingerprint);
                snprintf(msg, sizeof(msg), "Verdict on playbook %s for %s: %s (%s)", playbook, alertname.s,
                         rec_result(r), verdict_reason(r->verdict, why, sizeof(why)));
        } else if (r->job) {
                bool ok = r->job->result == RESULT_SUCCESS;
                mid = ok ? MID_EXECUTED : MID_FAILED;
                priority = ok ? LOG_INFO : LOG_ERR;
                snprintf(msg, sizeof(msg), "Playbook %s for %s on %s: %s (exit %d, %.3f s)",
                         playbook, alertname.s, *instance.s ? instance.s : "-", rec_result(r),
                         r->job->exit_code, (double) (r->job->ended_ms - r->job->started_ms) / 1000.0);
        } else if (!r->decision) {              /* an operator's override: the reason says it all */
                mid = r->action == ACTION_PAUSE ? MID_PAUSED : r->action == ACTION_RESUME ? MID_RESUMED :
                      r->action == ACTION_APPROVE ? MID_APPROVED : r->action == ACTION_DENY ? MID_DENIED :
                      MID_OPERATOR;
                priority = LOG_NOTICE;
                snprintf(msg, sizeof(msg), "%s", detail ? detail : action);
        } else {
                bool escalate = strcmp(action, "escalate") == 0, blocked = strcmp(action, "blocked") == 0;
                bool shadowed = r->decision->action == ACTION_SHADOW;
                mid = rec_pending(r) ? MID_PENDING : escalate ? MID_ESCALATED : blocked ? MID_BLOCKED :
                      shadowed ? MID_SHADOW : MID_SKIPPED;
                priority = escalate ? LOG_WARNING : blocked ? LOG_NOTICE : LOG_INFO;
                snprintf(msg, sizeof(msg), "Alert %s on %s %s%s%s: %s", alertname.s,
                         *instance.s ? instance.s : "-", action, gate ? " by gate " : "",
                         gate ? gate : "", detail ? detail : "");
        }
        entry_begin(&e, msg, mid, priority);
        journal_add(&e, "REMEDIATION_ALERTNAME", alertname.s);
        journal_add(&e, "REMEDIATION_PLAYBOOK", playbook ? playbook : "");
        journal_add(&e, "REMEDIATION_ACTION", action);
        journal_add(&e, "REMEDIATION_GATE", gate ? gate : "");
        journal_add(&e, "REMEDIATION_RESULT", rec_result(r) ? rec_result(r) : "");
        journal_add(&e, "REMEDIATION_FINGERPRINT", fingerprint.s);
        journal_add(&e, "REMEDIATION_INSTANCE", instance.s);
        journal_add(&e, "REMEDIATION_SOURCE", source_name(r->source));
        if (r->by)
                journal_add(&e, "REMEDIATION_OPERATOR", clean_str(&who, r->by));
        if (rec_approval_id(r))
                journal_add(&e, "REMEDIATION_APPROVAL_ID", rec_approval_id(r));
        if (r->job && r->job->unit[0]) {        /* journalctl _SYSTEMD_INVOCATION_ID= shows the run */
                journal_add(&e, "REMEDIATION_UNIT", r->job->unit);
                journal_add(&e, "REMEDIATION_INVOCATION_ID", r->job->invocation_id);
        }
        journal_add(&e, "REMEDIATION_REASON", detail ? detail : "");
        return journal_send(&e);
}

int audit_journal_circuit_opened(const char *playbook, int failures, int reset_minutes) {
        struct journal_entry e;
        char msg[AUDIT_TEXT_CHARS * 4 + 128];

        snprintf(msg, sizeof(msg), "Circuit breaker opened for playbook %s after %d consecutive "
                 "failures; blocked for %d min", playbook, failures, reset_minutes);
        entry_begin(&e, msg, MID_CIRCUIT_OPENED, LOG_ERR);
        journal_add(&e, "REMEDIATION_PLAYBOOK", playbook);
        journal_add(&e, "REMEDIATION_ACTION", "circuit_opened");
        journal_add(&e, "REMEDIATION_GATE", "circuit_open");
        return journal_send(&e);
}
