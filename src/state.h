/* What the gates remember between instances, in memory and as versioned JSON. Pure: no files,
 * no clocks (store.c owns the directory). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vocab.h"

#define STATE_VERSION 2                /* 1: executions as an array of objects; still read */

struct execution {                      /* one reserved execution: counts for limits and cooldown */
        int64_t t;
        const char *alert;              /* in names[]: shared with the executions before it */
        const char *playbook;
};

struct breaker {
        char *playbook;
        int failures;                   /* consecutive */
        int64_t opened_at;              /* 0: closed */
        int64_t trial_until;            /* half-open trial running until then; 0: none */
};

struct idem_key {
        char *key;                      /* JSON array of the key_fields values: injective */
        int64_t t;
};

struct counter {                        /* a Prometheus series and its value */
        char *series;
        double value;
};

struct running {                        /* an execution in progress, for operators */
        int64_t pid, started;
        char *playbook, *alert;
        char *fingerprint;              /* the alert's; NULL: none */
        /* Its alert's resolved notification came while it ran: endsAt and startsAt (ms; 0: not
         * known), for the verdict once it ends (verify.h). resolved_ms 0: none came. */
        int64_t resolved_ms, resolved_since_ms;
};

struct pause {                          /* an operator's pause: alerts for the playbook are held */
        char *playbook;                 /* "": every playbook */
        int64_t since, until;           /* until 0: until resumed */
        char *by;                       /* who paused */
        char *reason;                   /* the paused gate's sentence: who, until when, why */
};

struct pending {                        /* an escalated alert awaiting an operator's approval */
        char *id;                       /* "CREATED-N": N-th of its second */
        int64_t created, expires;       /* approvable while now < expires */
        char *alert, *playbook, *fingerprint;
        char **labels;                  /* name, value, name, value ...: 2 * n_labels strings */
        size_t n_labels;
        char **argv;                    /* exactly what approving it runs */
        size_t n_argv;
        enum action closed;             /* ACTION_NONE while open; ACTION_APPROVE or ACTION_DENY */
        char *by;                       /* who closed it; NULL while open */
        int64_t closed_at;
};

struct awaiting {                       /* an ended execution awaiting its verdict (verify.h) */
        char *fingerprint;              /* the alert's: its resolved notification judges it */
        char *alert, *playbook;
        int64_t started_ms;             /* the execution's start, wall clock */
        int64_t starts_at_ms;           /* the alert's startsAt; 0: not known */
        int64_t judge_at;               /* the end of the route's verify window */
        bool breaker;                   /* it exited 0: the verdict, not the exit, counts for the
                                         * playbook's breaker (resolved a success, ineffective a
                                         * failure) */
        int attempts;                   /* remediationctl verify's asks of Alertmanager after the
                                         * window that got no usable answer (verify.h) */
};

struct state {
        struct execution *execs;   size_t n_execs;
        char **names;              size_t n_names;      /* executions' names: a copy per run of equal ones */
        struct breaker *breakers;  size_t n_breakers;
        struct idem_key *keys;     size_t n_keys;
        uint32_t *key_slots;       size_t n_key_slots;  /* index of keys[] by hash; NULL: not built */
        struct counter *counters;  size_t n_counters;
        struct running *running;   size_t n_running;
        struct pause *pauses;      size_t n_pauses;
        struct pending *pending;   size_t n_pending;
        struct awaiting *awaiting; size_t n_awaiting;   /* oldest first */
};

void state_free(struct state *s);

/* JSON text <-> state. Parse: 0, -EBADMSG when malformed, -EPROTONOSUPPORT for another version. */
int state_parse(const char *text, size_t len, struct state *ret);
char *state_format(const struct state *s);      /* malloc'd, or NULL */

/* Drops executions and keys older than `horizon` seconds before now. */
void state_prune(struct state *s, int64_t now, int64_t exec_horizon, int64_t key_horizon);

/* Executions at or after `since` (alert NULL: all alerts). */
int state_count_execs(const struct state *s, const char *alert, int64_t since);
/* Start of the playbook's last execution, or INT64_MIN. */
int64_t state_last_exec(const struct state *s, const char *playbook);
int state_add_exec(struct state *s, int64_t t, const char *alert, const char *playbook);

struct breaker *state_breaker(struct state *s, const char *playbook, int create);
const struct breaker *state_find_breaker(const struct state *s, const char *playbook);
struct idem_key *state_key(struct state *s, const char *key);
const struct idem_key *state_find_key(const struct state *s, const char *key);  /* never builds the index */
int state_put_key(struct state *s, const char *key, int64_t t, size_t max_keys);
int state_forget_key(struct state *s, const char *key);

int state_counter_add(struct state *s, const char *series, double delta);
double state_counter_get(const struct state *s, const char *series);

int state_add_running(struct state *s, int64_t pid, int64_t started, const char *playbook, const char *alert,
                      const char *fingerprint);
/* The one of pid, started, playbook and fingerprint (NULL: any), or NULL. */
struct running *state_find_running(struct state *s, int64_t pid, int64_t started, const char *playbook,
                                   const char *fingerprint);
void state_remove_running(struct state *s, struct running *r);
void state_prune_running(struct state *s, int64_t started_before);

/* The pause of `playbook` ("": of all) in force at now, or NULL. A pause ends at its until. */
const struct pause *state_find_pause(const struct state *s, const char *playbook, int64_t now);
/* Pauses playbook ("": all), replacing its pause if any. 0, -ENOMEM, or -E2BIG past STATE_MAX_PAUSES. */
int state_put_pause(struct state *s, const char *playbook, int64_t since, int64_t until, const char *by,
                    const char *reason);
int state_remove_pause(struct state *s, const char *playbook);  /* 0 or -ENOENT */
void state_prune_pauses(struct state *s, int64_t now);          /* drops the pauses that ended */

/* The pending approval with this id, open or closed, or NULL. */
const struct pending *state_find_pending(const struct state *s, const char *id);
struct pending *state_pending(struct state *s, const char *id);
/* The open one, not expired at now, that would run argv for alert, or NULL: a second firing is
 * the same approval. */
const struct pending *state_find_open_pending(const struct state *s, const char *alert, char *const *argv,
                                              size_t n_argv, int64_t now);
/* Whether one more can be added at now (max_pending held, or one of them closed or expired). */
bool state_pending_room(const struct state *s, int64_t now, size_t max_pending);
/* The id the next one created at `created` gets, into buf (APPROVAL_ID_BYTES). */
void state_next_pending_id(const struct state *s, int64_t created, char *buf, size_t size);
/* Adds a copy of p (closed, by and closed_at as given), making room by dropping the oldest closed
 * or expired one when max_pending are held. 0, -ENOMEM, -EEXIST (its id is there), -E2BIG (full). */
int state_add_pending(struct state *s, const struct pending *p, int64_t now, size_t max_pending);
/* Closes p as how (ACTION_APPROVE or ACTION_DENY) by `by` at `at`. 0 or -ENOMEM. */
int state_close_pending(struct pending *p, enum action how, const char *by, int64_t at);
/* Drops the ones that expired at or before `before`, open or closed. */
void state_prune_pending(struct state *s, int64_t before);

/* Adds a copy of w, dropping the oldest first when max (> 0) are held. 0 or -ENOMEM. */
int state_add_awaiting(struct state *s, const struct awaiting *w, size_t max);
/* The first awaiting execution of fingerprint at or after index `from`, or n_awaiting. */
size_t state_find_awaiting(const struct state *s, const char *fingerprint, size_t from);
/* The one of fingerprint that started at started_ms (to the millisecond), or n_awaiting. */
size_t state_find_awaiting_run(const struct state *s, const char *fingerprint, int64_t started_ms);
void state_remove_awaiting(struct state *s, size_t i);
