/* The state in memory: executions, breakers, idempotency keys (with their index), counters,
 * running playbooks, pauses, pending approvals, executions awaiting a verdict. Its JSON form is in state-json.c. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bounds.h"
#include "state.h"
#include "util.h"

/* Every array here grows only through GROW (util.h) and shrinks only by its count, so it always
 * has room for the next power of two of its elements. */

static void strv_free(char **v, size_t n) {
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

static void pending_free(struct pending *p) {
        free(p->id), free(p->alert), free(p->playbook), free(p->fingerprint), free(p->by);
        strv_free(p->labels, 2 * p->n_labels);
        strv_free(p->argv, p->n_argv);
}

static void awaiting_free(struct awaiting *w) {
        free(w->fingerprint), free(w->alert), free(w->playbook);
}

void state_free(struct state *s) {
        for (size_t i = 0; i < s->n_names; i++)
                free(s->names[i]);
        for (size_t i = 0; i < s->n_breakers; i++)
                free(s->breakers[i].playbook);
        for (size_t i = 0; i < s->n_keys; i++)
                free(s->keys[i].key);
        for (size_t i = 0; i < s->n_counters; i++)
                free(s->counters[i].series);
        for (size_t i = 0; i < s->n_running; i++)
                free(s->running[i].playbook), free(s->running[i].alert), free(s->running[i].fingerprint);
        for (size_t i = 0; i < s->n_pauses; i++)
                free(s->pauses[i].playbook), free(s->pauses[i].by), free(s->pauses[i].reason);
        for (size_t i = 0; i < s->n_pending; i++)
                pending_free(&s->pending[i]);
        for (size_t i = 0; i < s->n_awaiting; i++)
                awaiting_free(&s->awaiting[i]);
        free(s->awaiting);
        free(s->execs), free(s->names), free(s->breakers), free(s->keys), free(s->counters), free(s->running);
        free(s->pauses), free(s->pending);
        free(s->key_slots);
        *s = (struct state) {};
}

/* `name` as an execution's name: `prev` (the last execution's) when equal, else a new copy. Runs
 * of one name share a copy — a file's group, a burst of one alert — so the copies never take more
 * than the text they were read from. Pruned executions leave theirs until state_free(). */
static const char *exec_name(struct state *s, const char *prev, const char *name) {
        char *copy;

        if (prev && strcmp(prev, name) == 0)
                return prev;
        if (!GROW(s->names, s->n_names) || !(copy = strdup(name)))
                return NULL;
        return s->names[s->n_names++] = copy;
}

int state_add_exec(struct state *s, int64_t t, const char *alert, const char *playbook) {
        const struct execution *last = s->n_execs ? &s->execs[s->n_execs - 1] : NULL;
        const char *a = exec_name(s, last ? last->alert : NULL, alert);
        const char *p = exec_name(s, last ? last->playbook : NULL, playbook);

        if (!a || !p || !GROW(s->execs, s->n_execs))
                return -ENOMEM;
        s->execs[s->n_execs++] = (struct execution) { t, a, p };
        return 0;
}

int state_count_execs(const struct state *s, const char *alert, int64_t since) {
        int n = 0;
        for (size_t i = 0; i < s->n_execs; i++)
                if (s->execs[i].t >= since && (!alert || strcmp(s->execs[i].alert, alert) == 0))
                        n++;
        return n;
}

int64_t state_last_exec(const struct state *s, const char *playbook) {
        int64_t last = INT64_MIN;
        for (size_t i = 0; i < s->n_execs; i++)
                if (strcmp(s->execs[i].playbook, playbook) == 0 && s->execs[i].t > last)
                        last = s->execs[i].t;
        return last;
}

static size_t breaker_index(const struct state *s, const char *playbook) {
        size_t i = 0;
        while (i < s->n_breakers && strcmp(s->breakers[i].playbook, playbook) != 0)
                i++;
        return i;
}

const struct breaker *state_find_breaker(const struct state *s, const char *playbook) {
        size_t i = breaker_index(s, playbook);
        return i < s->n_breakers ? &s->breakers[i] : NULL;
}

struct breaker *state_breaker(struct state *s, const char *playbook, int create) {
        size_t i = breaker_index(s, playbook);
        if (i < s->n_breakers)
                return &s->breakers[i];
        if (!create || !GROW(s->breakers, s->n_breakers))
                return NULL;
        struct breaker *b = &s->breakers[s->n_breakers];
        *b = (struct breaker) { .playbook = strdup(playbook) };
        if (!b->playbook)
                return NULL;
        s->n_breakers++;
        return b;
}

/* ---- idempotency keys ----
 * Every alert looks its key up and every load inserts every key, so with thousands of live keys a
 * linear search made loading quadratic. key_slots is an open-addressing index (linear probing;
 * a slot holds position + 1, 0 is empty) kept at most half full. It is built on first use, kept
 * up to date by insertions and removals, and dropped by state_prune()'s compaction. */

static uint64_t key_hash(const char *k) {
        uint64_t h = 0xcbf29ce484222325u;              /* FNV-1a */
        for (; *k; k++)
                h = (h ^ (unsigned char) *k) * 0x100000001b3u;
        return h;
}

/* The slot that holds `key`, or the empty slot where it would go. */
static size_t slot_of(const struct state *s, const char *key) {
        size_t mask = s->n_key_slots - 1, i = key_hash(key) & mask;
        while (s->key_slots[i] && strcmp(s->keys[s->key_slots[i] - 1].key, key) != 0)
                i = (i + 1) & mask;
        return i;
}

static int index_build(struct state *s, size_t for_keys) {
        size_t n = 16;
        while (n < 2 * for_keys)
                n *= 2;
        free(s->key_slots);
        s->key_slots = calloc(n, sizeof(*s->key_slots));
        s->n_key_slots = s->key_slots ? n : 0;
        if (!s->key_slots)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_keys; i++)
                s->key_slots[slot_of(s, s->keys[i].key)] = (uint32_t) i + 1;
        return 0;
}

/* Empties the slot of keys[pos], moving later entries of its probe run back (no tombstones). */
static void index_remove(struct state *s, size_t pos) {
        size_t mask = s->n_key_slots - 1, i = slot_of(s, s->keys[pos].key), j = i;
        for (;;) {
                s->key_slots[i] = 0;
                for (;;) {
                        j = (j + 1) & mask;
                        if (!s->key_slots[j])
                                return;
                        size_t home = key_hash(s->keys[s->key_slots[j] - 1].key) & mask;
                        /* Stays unless its home lies cyclically outside (i, j]. */
                        if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
                                continue;
                        break;
                }
                s->key_slots[i] = s->key_slots[j];
                i = j;
        }
}

/* keys[pos] goes; the last key takes its place. */
static void key_remove(struct state *s, size_t pos) {
        size_t last = s->n_keys - 1;
        if (s->key_slots) {
                index_remove(s, pos);
                if (pos != last)
                        s->key_slots[slot_of(s, s->keys[last].key)] = (uint32_t) pos + 1;
        }
        free(s->keys[pos].key);
        s->keys[pos] = s->keys[last];
        s->n_keys--;
}

struct idem_key *state_key(struct state *s, const char *key) {
        if (!s->key_slots && index_build(s, s->n_keys) < 0) {
                for (size_t i = 0; i < s->n_keys; i++)          /* no memory for the index */
                        if (strcmp(s->keys[i].key, key) == 0)
                                return &s->keys[i];
                return NULL;
        }
        uint32_t v = s->key_slots[slot_of(s, key)];
        return v ? &s->keys[v - 1] : NULL;
}

const struct idem_key *state_find_key(const struct state *s, const char *key) {
        if (!s->key_slots) {                            /* not built yet: no lookup may build it */
                for (size_t i = 0; i < s->n_keys; i++)
                        if (strcmp(s->keys[i].key, key) == 0)
                                return &s->keys[i];
                return NULL;
        }
        uint32_t v = s->key_slots[slot_of(s, key)];
        return v ? &s->keys[v - 1] : NULL;
}

int state_forget_key(struct state *s, const char *key) {
        struct idem_key *k = state_key(s, key);
        if (!k)
                return -ENOENT;
        key_remove(s, (size_t) (k - s->keys));
        return 0;
}

int state_put_key(struct state *s, const char *key, int64_t t, size_t max_keys) {
        struct idem_key *k = state_key(s, key);
        if (k) {
                k->t = t;
                return 0;
        }
        if (s->n_keys >= max_keys && s->n_keys > 0) {
                /* Full of live keys: the oldest goes. The rate limits still hold. */
                size_t oldest = 0;
                for (size_t i = 1; i < s->n_keys; i++)
                        if (s->keys[i].t < s->keys[oldest].t)
                                oldest = i;
                key_remove(s, oldest);
        }
        if (s->n_keys >= UINT32_MAX - 1 || !GROW(s->keys, s->n_keys))
                return -ENOMEM;
        char *copy = strdup(key);
        if (!copy)
                return -ENOMEM;
        s->keys[s->n_keys++] = (struct idem_key) { copy, t };
        if (s->key_slots) {
                if (2 * s->n_keys > s->n_key_slots)
                        (void) index_build(s, s->n_keys);       /* on failure: built on next use */
                else
                        s->key_slots[slot_of(s, copy)] = (uint32_t) s->n_keys;
        }
        return 0;
}

void state_prune(struct state *s, int64_t now, int64_t exec_horizon, int64_t key_horizon) {
        size_t j = 0;
        for (size_t i = 0; i < s->n_execs; i++) {
                if (now - s->execs[i].t > exec_horizon)
                        continue;
                s->execs[j++] = s->execs[i];
        }
        s->n_execs = j;
        j = 0;
        for (size_t i = 0; i < s->n_keys; i++) {
                if (now - s->keys[i].t >= key_horizon) {
                        free(s->keys[i].key);
                        continue;
                }
                s->keys[j++] = s->keys[i];
        }
        if (j != s->n_keys) {           /* positions moved: rebuilt on next use */
                free(s->key_slots);
                s->key_slots = NULL, s->n_key_slots = 0;
        }
        s->n_keys = j;
}

int state_counter_add(struct state *s, const char *series, double delta) {
        for (size_t i = 0; i < s->n_counters; i++)
                if (strcmp(s->counters[i].series, series) == 0) {
                        s->counters[i].value += delta;
                        return 0;
                }
        if (!GROW(s->counters, s->n_counters))
                return -ENOMEM;
        char *copy = strdup(series);
        if (!copy)
                return -ENOMEM;
        s->counters[s->n_counters++] = (struct counter) { copy, delta };
        return 0;
}

double state_counter_get(const struct state *s, const char *series) {
        for (size_t i = 0; i < s->n_counters; i++)
                if (strcmp(s->counters[i].series, series) == 0)
                        return s->counters[i].value;
        return 0;
}

int state_add_running(struct state *s, int64_t pid, int64_t started, const char *playbook,
                      const char *alert, const char *fingerprint) {
        if (!GROW(s->running, s->n_running))
                return -ENOMEM;
        struct running *r = &s->running[s->n_running];
        *r = (struct running) { pid, started, strdup(playbook), strdup(alert),
                                fingerprint && *fingerprint ? strdup(fingerprint) : NULL, 0, 0 };
        if (!r->playbook || !r->alert || (fingerprint && *fingerprint && !r->fingerprint)) {
                free(r->playbook), free(r->alert), free(r->fingerprint);
                return -ENOMEM;
        }
        s->n_running++;
        return 0;
}

struct running *state_find_running(struct state *s, int64_t pid, int64_t started, const char *playbook,
                                   const char *fingerprint) {
        for (size_t i = 0; i < s->n_running; i++) {
                struct running *r = &s->running[i];
                if (r->pid == pid && r->started == started && strcmp(r->playbook, playbook) == 0 &&
                    (!fingerprint || (r->fingerprint && strcmp(r->fingerprint, fingerprint) == 0)))
                        return r;
        }
        return NULL;
}

void state_remove_running(struct state *s, struct running *r) {
        if (!r)
                return;
        free(r->playbook), free(r->alert), free(r->fingerprint);
        *r = s->running[--s->n_running];
}

void state_prune_running(struct state *s, int64_t started_before) {
        size_t j = 0;
        for (size_t i = 0; i < s->n_running; i++) {
                if (s->running[i].started < started_before) {
                        free(s->running[i].playbook), free(s->running[i].alert), free(s->running[i].fingerprint);
                        continue;
                }
                s->running[j++] = s->running[i];
        }
        s->n_running = j;
}

/* ---- pauses ---- */

static size_t pause_index(const struct state *s, const char *playbook) {
        size_t i = 0;
        while (i < s->n_pauses && strcmp(s->pauses[i].playbook, playbook) != 0)
                i++;
        return i;
}

static bool pause_live(const struct pause *p, int64_t now) {
        return p->until == 0 || now < p->until;
}

const struct pause *state_find_pause(const struct state *s, const char *playbook, int64_t now) {
        size_t i = pause_index(s, playbook);
        return i < s->n_pauses && pause_live(&s->pauses[i], now) ? &s->pauses[i] : NULL;
}

static void pause_free(struct pause *p) {
        free(p->playbook), free(p->by), free(p->reason);
}

int state_put_pause(struct state *s, const char *playbook, int64_t since, int64_t until, const char *by,
                    const char *reason) {
        size_t i = pause_index(s, playbook);
        struct pause p = { strdup(playbook), since, until, strdup(by), strdup(reason) };

        if (!p.playbook || !p.by || !p.reason) {
                pause_free(&p);
                return -ENOMEM;
        }
        if (i < s->n_pauses) {
                pause_free(&s->pauses[i]);
                s->pauses[i] = p;
                return 0;
        }
        if (s->n_pauses >= STATE_MAX_PAUSES || !GROW(s->pauses, s->n_pauses)) {
                pause_free(&p);
                return s->n_pauses >= STATE_MAX_PAUSES ? -E2BIG : -ENOMEM;
        }
        s->pauses[s->n_pauses++] = p;
        return 0;
}

int state_remove_pause(struct state *s, const char *playbook) {
        size_t i = pause_index(s, playbook);
        if (i == s->n_pauses)
                return -ENOENT;
        pause_free(&s->pauses[i]);
        memmove(&s->pauses[i], &s->pauses[i + 1], (--s->n_pauses - i) * sizeof(*s->pauses));
        return 0;
}

void state_prune_pauses(struct state *s, int64_t now) {
        size_t j = 0;
        for (size_t i = 0; i < s->n_pauses; i++) {
                if (!pause_live(&s->pauses[i], now)) {
                        pause_free(&s->pauses[i]);
                        continue;
                }
                s->pauses[j++] = s->pauses[i];
        }
        s->n_pauses = j;
}

/* ---- pending approvals ---- */

const struct pending *state_find_pending(const struct state *s, const char *id) {
        for (size_t i = 0; i < s->n_pending; i++)
                if (strcmp(s->pending[i].id, id) == 0)
                        return &s->pending[i];
        return NULL;
}

struct pending *state_pending(struct state *s, const char *id) {
        return (struct pending *) state_find_pending(s, id);
}

static bool pending_open(const struct pending *p, int64_t now) {
        return p->closed == ACTION_NONE && now < p->expires;
}

const struct pending *state_find_open_pending(const struct state *s, const char *alert, char *const *argv,
                                              size_t n_argv, int64_t now) {
        for (size_t i = 0; i < s->n_pending; i++) {
                const struct pending *p = &s->pending[i];
                size_t k = 0;
                if (!pending_open(p, now) || p->n_argv != n_argv || strcmp(p->alert, alert) != 0)
                        continue;
                while (k < n_argv && strcmp(p->argv[k], argv[k]) == 0)
                        k++;
                if (k == n_argv)
                        return p;
        }
        return NULL;
}

/* The oldest closed or expired one, or n_pending. */
static size_t pending_evictable(const struct state *s, int64_t now) {
        size_t best = s->n_pending;
        for (size_t i = 0; i < s->n_pending; i++)
                if (!pending_open(&s->pending[i], now) &&
                    (best == s->n_pending || s->pending[i].expires < s->pending[best].expires))
                        best = i;
        return best;
}

bool state_pending_room(const struct state *s, int64_t now, size_t max_pending) {
        return s->n_pending < max_pending || pending_evictable(s, now) < s->n_pending;
}

void state_next_pending_id(const struct state *s, int64_t created, char *buf, size_t size) {
        char prefix[32];
        unsigned long n = 0;
        int len = snprintf(prefix, sizeof(prefix), "%lld-", (long long) created);

        for (size_t i = 0; i < s->n_pending; i++)
                if (strncmp(s->pending[i].id, prefix, (size_t) len) == 0) {
                        unsigned long k = strtoul(s->pending[i].id + len, NULL, 10);
                        if (k > n)
                                n = k;
                }
        snprintf(buf, size, "%s%lu", prefix, n + 1);
}

static char **strv_copy(char *const *v, size_t n) {
        char **c = calloc(n + 1, sizeof(*c));
        for (size_t i = 0; c && i < n; i++)
                if (!(c[i] = strdup(v[i]))) {
                        strv_free(c, i);
                        return NULL;
                }
        return c;
}

int state_add_pending(struct state *s, const struct pending *p, int64_t now, size_t max_pending) {
        if (state_find_pending(s, p->id))
                return -EEXIST;
        if (s->n_pending >= max_pending) {
                size_t old = pending_evictable(s, now);
                if (old == s->n_pending)
                        return -E2BIG;
                pending_free(&s->pending[old]);
                memmove(&s->pending[old], &s->pending[old + 1], (--s->n_pending - old) * sizeof(*s->pending));
        }
        struct pending c = {
                .id = strdup(p->id), .created = p->created, .expires = p->expires, .alert = strdup(p->alert),
                .playbook = strdup(p->playbook), .fingerprint = strdup(p->fingerprint ? p->fingerprint : ""),
                .labels = strv_copy(p->labels, 2 * p->n_labels), .n_labels = p->n_labels,
                .argv = strv_copy(p->argv, p->n_argv), .n_argv = p->n_argv,
                .closed = p->closed, .by = p->by ? strdup(p->by) : NULL, .closed_at = p->closed_at,
        };
        if (!c.id || !c.alert || !c.playbook || !c.fingerprint || !c.labels || !c.argv || (p->by && !c.by) ||
            !GROW(s->pending, s->n_pending)) {
                pending_free(&c);
                return -ENOMEM;
        }
        s->pending[s->n_pending++] = c;
        return 0;
}

int state_close_pending(struct pending *p, enum action how, const char *by, int64_t at) {
        char *copy = strdup(by);
        if (!copy)
                return -ENOMEM;
        free(p->by);
        p->by = copy;
        p->closed = how;
        p->closed_at = at;
        return 0;
}

void state_prune_pending(struct state *s, int64_t before) {
        size_t j = 0;
        for (size_t i = 0; i < s->n_pending; i++) {
                if (s->pending[i].expires <= before) {
                        pending_free(&s->pending[i]);
                        continue;
                }
                s->pending[j++] = s->pending[i];
        }
        s->n_pending = j;
}

/* ---- executions awaiting a verdict ---- */

void state_remove_awaiting(struct state *s, size_t i) {
        awaiting_free(&s->awaiting[i]);
        memmove(&s->awaiting[i], &s->awaiting[i + 1], (--s->n_awaiting - i) * sizeof(*s->awaiting));
}

int state_add_awaiting(struct state *s, const struct awaiting *w, size_t max) {
        struct awaiting c = {
                strdup(w->fingerprint), strdup(w->alert), strdup(w->playbook), w->started_ms,
                w->starts_at_ms, w->judge_at, w->breaker, w->attempts,
        };
        if (!c.fingerprint || !c.alert || !c.playbook) {
                awaiting_free(&c);
                return -ENOMEM;
        }
        while (s->n_awaiting > 0 && s->n_awaiting >= max)
                state_remove_awaiting(s, 0);
        if (!GROW(s->awaiting, s->n_awaiting)) {
                awaiting_free(&c);
                return -ENOMEM;
        }
        s->awaiting[s->n_awaiting++] = c;
        return 0;
}

size_t state_find_awaiting(const struct state *s, const char *fingerprint, size_t from) {
        size_t i = from;
        while (i < s->n_awaiting && strcmp(s->awaiting[i].fingerprint, fingerprint) != 0)
                i++;
        return i;
}

size_t state_find_awaiting_run(const struct state *s, const char *fingerprint, int64_t started_ms) {
        for (size_t i = 0; (i = state_find_awaiting(s, fingerprint, i)) < s->n_awaiting; i++)
                if (s->awaiting[i].started_ms == started_ms)
                        return i;
        return s->n_awaiting;
}
