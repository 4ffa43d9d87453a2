/* The state file is JSON so an operator can read it with jq; "version" guards the format. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "state.h"

#define GROW(arr, n) ({                                                         \
        typeof(arr) _p = realloc((arr), ((n) + 1) * sizeof(*(arr)));            \
        if (_p) (arr) = _p;                                                     \
        _p; })

void state_free(struct state *s) {
        for (size_t i = 0; i < s->n_execs; i++)
                free(s->execs[i].alert), free(s->execs[i].playbook);
        for (size_t i = 0; i < s->n_breakers; i++)
                free(s->breakers[i].playbook);
        for (size_t i = 0; i < s->n_keys; i++)
                free(s->keys[i].key);
        for (size_t i = 0; i < s->n_counters; i++)
                free(s->counters[i].series);
        for (size_t i = 0; i < s->n_running; i++)
                free(s->running[i].playbook), free(s->running[i].alert);
        free(s->execs), free(s->breakers), free(s->keys), free(s->counters), free(s->running);
        *s = (struct state) {};
}

int state_add_exec(struct state *s, int64_t t, const char *alert, const char *playbook) {
        if (!GROW(s->execs, s->n_execs))
                return -ENOMEM;
        struct execution *e = &s->execs[s->n_execs];
        e->t = t;
        e->alert = strdup(alert);
        e->playbook = strdup(playbook);
        if (!e->alert || !e->playbook) {
                free(e->alert), free(e->playbook);
                return -ENOMEM;
        }
        s->n_execs++;
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

struct breaker *state_breaker(struct state *s, const char *playbook, int create) {
        for (size_t i = 0; i < s->n_breakers; i++)
                if (strcmp(s->breakers[i].playbook, playbook) == 0)
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

struct idem_key *state_key(struct state *s, const char *key) {
        for (size_t i = 0; i < s->n_keys; i++)
                if (strcmp(s->keys[i].key, key) == 0)
                        return &s->keys[i];
        return NULL;
}

int state_forget_key(struct state *s, const char *key) {
        struct idem_key *k = state_key(s, key);
        if (!k)
                return -ENOENT;
        free(k->key);
        *k = s->keys[--s->n_keys];
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
                free(s->keys[oldest].key);
                s->keys[oldest] = s->keys[--s->n_keys];
        }
        if (!GROW(s->keys, s->n_keys))
                return -ENOMEM;
        char *copy = strdup(key);
        if (!copy)
                return -ENOMEM;
        s->keys[s->n_keys++] = (struct idem_key) { copy, t };
        return 0;
}

void state_prune(struct state *s, int64_t now, int64_t exec_horizon, int64_t key_horizon) {
        size_t j = 0;
        for (size_t i = 0; i < s->n_execs; i++) {
                if (now - s->execs[i].t > exec_horizon) {
                        free(s->execs[i].alert), free(s->execs[i].playbook);
                        continue;
                }
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
                      const char *alert) {
        if (!GROW(s->running, s->n_running))
                return -ENOMEM;
        struct running *r = &s->running[s->n_running];
        *r = (struct running) { pid, started, strdup(playbook), strdup(alert) };
        if (!r->playbook || !r->alert) {
                free(r->playbook), free(r->alert);
                return -ENOMEM;
        }
        s->n_running++;
        return 0;
}

void state_remove_running(struct state *s, int64_t pid, int64_t started, const char *playbook) {
        for (size_t i = 0; i < s->n_running; i++) {
                struct running *r = &s->running[i];
                if (r->pid == pid && r->started == started && strcmp(r->playbook, playbook) == 0) {
                        free(r->playbook), free(r->alert);
                        *r = s->running[--s->n_running];
                        return;
                }
        }
}

void state_prune_running(struct state *s, int64_t started_before) {
        size_t j = 0;
        for (size_t i = 0; i < s->n_running; i++) {
                if (s->running[i].started < started_before) {
                        free(s->running[i].playbook), free(s->running[i].alert);
                        continue;
                }
                s->running[j++] = s->running[i];
        }
        s->n_running = j;
}

/* ---- JSON ---- */

static int get_int(const cJSON *o, const char *name, int64_t *ret) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
        if (!cJSON_IsNumber(v) || v->valuedouble < -9e15 || v->valuedouble > 9e15)
                return -EBADMSG;
        *ret = (int64_t) v->valuedouble;
        return 0;
}

static const char *get_str(const cJSON *o, const char *name) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
        return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int parse_into(const cJSON *root, struct state *s) {
        const cJSON *it;
        int64_t a, b, c;
        const char *x, *y;

        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "executions")) {
                if (get_int(it, "t", &a) < 0 || !(x = get_str(it, "alert")) || !(y = get_str(it, "playbook")))
                        return -EBADMSG;
                if (state_add_exec(s, a, x, y) < 0)
                        return -ENOMEM;
        }
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "breakers")) {
                if (get_int(it, "failures", &a) < 0 || get_int(it, "opened_at", &b) < 0 ||
                    get_int(it, "trial_until", &c) < 0 || a < 0 || a > 1000000)
                        return -EBADMSG;
                struct breaker *br = state_breaker(s, it->string, 1);
                if (!br)
                        return -ENOMEM;
                br->failures = (int) a, br->opened_at = b, br->trial_until = c;
        }
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "idempotency")) {
                if (!cJSON_IsNumber(it))
                        return -EBADMSG;
                if (state_put_key(s, it->string, (int64_t) it->valuedouble, SIZE_MAX) < 0)
                        return -ENOMEM;
        }
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "counters")) {
                if (!cJSON_IsNumber(it))
                        return -EBADMSG;
                if (state_counter_add(s, it->string, it->valuedouble) < 0)
                        return -ENOMEM;
        }
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "running")) {
                if (get_int(it, "pid", &a) < 0 || get_int(it, "started", &b) < 0 ||
                    !(x = get_str(it, "playbook")) || !(y = get_str(it, "alert")))
                        return -EBADMSG;
                if (state_add_running(s, a, b, x, y) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int state_parse(const char *text, size_t len, struct state *ret) {
        struct state s = {};
        cJSON *root = cJSON_ParseWithLength(text, len);
        int r;

        if (!cJSON_IsObject(root)) {
                cJSON_Delete(root);
                return -EBADMSG;
        }
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");
        if (!cJSON_IsNumber(v))
                r = -EBADMSG;
        else if (v->valuedouble != STATE_VERSION)
                r = -EPROTONOSUPPORT;
        else
                r = parse_into(root, &s);
        cJSON_Delete(root);
        if (r < 0) {
                state_free(&s);
                return r;
        }
        *ret = s;
        return 0;
}

char *state_format(const struct state *s) {
        cJSON *root = cJSON_CreateObject(), *arr, *o;
        char *text = NULL;

        if (!root)
                return NULL;
        cJSON_AddNumberToObject(root, "version", STATE_VERSION);
        arr = cJSON_AddArrayToObject(root, "executions");
        for (size_t i = 0; arr && i < s->n_execs; i++) {
                cJSON_AddItemToArray(arr, o = cJSON_CreateObject());
                cJSON_AddNumberToObject(o, "t", (double) s->execs[i].t);
                cJSON_AddStringToObject(o, "alert", s->execs[i].alert);
                cJSON_AddStringToObject(o, "playbook", s->execs[i].playbook);
        }
        arr = cJSON_AddObjectToObject(root, "breakers");
        for (size_t i = 0; arr && i < s->n_breakers; i++) {
                cJSON_AddItemToObject(arr, s->breakers[i].playbook, o = cJSON_CreateObject());
                cJSON_AddNumberToObject(o, "failures", s->breakers[i].failures);
                cJSON_AddNumberToObject(o, "opened_at", (double) s->breakers[i].opened_at);
                cJSON_AddNumberToObject(o, "trial_until", (double) s->breakers[i].trial_until);
        }
        arr = cJSON_AddObjectToObject(root, "idempotency");
        for (size_t i = 0; arr && i < s->n_keys; i++)
                cJSON_AddNumberToObject(arr, s->keys[i].key, (double) s->keys[i].t);
        arr = cJSON_AddArrayToObject(root, "running");
        for (size_t i = 0; arr && i < s->n_running; i++) {
                cJSON_AddItemToArray(arr, o = cJSON_CreateObject());
                cJSON_AddNumberToObject(o, "pid", (double) s->running[i].pid);
                cJSON_AddNumberToObject(o, "started", (double) s->running[i].started);
                cJSON_AddStringToObject(o, "playbook", s->running[i].playbook);
                cJSON_AddStringToObject(o, "alert", s->running[i].alert);
        }
        arr = cJSON_AddObjectToObject(root, "counters");
        for (size_t i = 0; arr && i < s->n_counters; i++)
                cJSON_AddNumberToObject(arr, s->counters[i].series, s->counters[i].value);
        text = cJSON_PrintUnformatted(root);   /* one line: jq shows it pretty */
        cJSON_Delete(root);
        return text;
}
