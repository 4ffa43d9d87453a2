/* What remediationctl's subcommands share: the parsed command line, the exit codes, and small
 * helpers for reading the state and printing. remediationctl.c has main() and the commands that
 * act; ctl-status.c and ctl-explain.c the ones that only look. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "gates.h"
#include "runtime.h"
#include "step.h"

struct cJSON;

/* The exit codes; remediationctl.c documents them. */
enum {
        EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_FAILED, EXIT_BLOCKED, EXIT_ESCALATED, EXIT_SKIPPED,
        EXIT_NO_ANSWER,         /* verify: Alertmanager not asked successfully (an attempt counted) */
};

/* Options a subcommand may take, beyond the handler's three. */
enum { OPT_JSON = 1, OPT_AT = 2, OPT_ALERT = 4, OPT_LABEL = 8, OPT_SOURCE = 16, OPT_SINCE = 32,
       OPT_FOR = 64, OPT_REASON = 128 };

struct ctl {
        struct runtime rt;
        char **args;                    /* the subcommand's arguments */
        int n_args;
        unsigned given;                 /* OPT_* */
        bool json;
        const char *at, *alert, *source, *since, *pause_for, *reason;
        char *labels[PAYLOAD_MAX_LABELS];
        size_t n_labels;
        char who[160];                  /* who runs us, for the record: ctl_operator_name() */
};

int ctl_status(struct ctl *c);
int ctl_explain(struct ctl *c);
int ctl_pause(struct ctl *c);
int ctl_resume(struct ctl *c);
int ctl_pending(struct ctl *c);
int ctl_approve(struct ctl *c);
int ctl_deny(struct ctl *c);
int ctl_replay(struct ctl *c);
int ctl_verify(struct ctl *c);

/* An error message on stderr, prefixed with the program's name. */
void ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "1h02m", "14m30s", "45s"; "-" for nothing left. */
const char *ctl_span(char buf[static 32], int64_t seconds);
/* "YYYY-MM-DD HH:MM:SS" in UTC. */
const char *ctl_utc(char buf[static 32], int64_t t);

const char *ctl_jstr(const struct cJSON *o, const char *name);
bool ctl_jhas(const struct cJSON *o, const char *name);
int64_t ctl_jnum(const struct cJSON *o, const char *name);
void ctl_add_int_or_null(struct cJSON *o, const char *name, bool have, int64_t v);
int ctl_print_json(struct cJSON *doc);           /* 0 or -ENOMEM (said on stderr) */

/* An alert's labels as " {name=\"value\", ...}" on stdout, escaped, alertname left out (it comes first). */
void ctl_print_labels(const struct cJSON *labels);

/* -EINVAL (said on stderr) when the config did not load. */
int ctl_need_config(struct ctl *c);
/* The state as the handler's next locked step would see it, read without the lock and never
 * written: a missing or corrupt state.json is rebuilt in memory from the decision log, as the
 * handler would rebuild it. *ret_origin: "ok", "missing" or "corrupt". 0 or -errno (said). */
int ctl_read_state(struct ctl *c, int64_t now, struct state *st, const char **ret_origin);
/* What to add after a heading about the state read with ctl_read_state. */
const char *ctl_state_note(const char *origin);
/* "24h", "7d", "90m" in seconds, at most max_sec. 0, -EINVAL (no such form) or -ERANGE. */
int ctl_parse_window(const char *s, int64_t max_sec, int64_t *ret);
/* Who runs an operator action: the sudo caller's name when there is one, and the real uid. */
void ctl_operator_name(char *buf, size_t size);
/* An operator action in the decision log and the journal: source operator, by c->who, now unless
 * rec says when. */
/* --source (timer or operator; default operator) as the source of what the command records: 0, or
 * -EINVAL (said). */
int ctl_set_source(struct ctl *c);
void ctl_record_operator(struct ctl *c, struct audit_record *rec);

/* The action's exit code for a decision (run and explain). */
int ctl_exit_for(const struct decision *d);
