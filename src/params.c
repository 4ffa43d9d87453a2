#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "params.h"
#include "util.h"

bool param_value_ok(const char *v) {
        size_t len = strlen(v);

        if (len == 0 || len > PARAM_MAX_VALUE || strstr(v, ".."))
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = v[i];
                bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                if (!alnum && (i == 0 || !strchr("_.:@/-", c)))
                        return false;
        }
        return true;
}

/* The value a placeholder stands for, or NULL when the alert does not have it. `from_alert` tells
 * whether the value is untrusted. key is the caller's room for a label or annotation name. */
static const char *placeholder_value(const char *name, size_t len, const struct route *route,
                                     const struct alert *alert, bool *from_alert,
                                     char key[static PAYLOAD_MAX_NAME + 1]) {
        *from_alert = true;
        if (len == 9 && memcmp(name, ".Playbook", 9) == 0) {
                *from_alert = false;
                return route->playbook;
        }
        if (len == 12 && memcmp(name, ".Fingerprint", 12) == 0)
                return alert->fingerprint;
        if (len > 8 && memcmp(name, ".Labels.", 8) == 0 && len - 8 <= PAYLOAD_MAX_NAME) {
                memcpy(key, name + 8, len - 8);
                key[len - 8] = '\0';
                return alert_label(alert, key);
        }
        if (len > 13 && memcmp(name, ".Annotations.", 13) == 0 && len - 13 <= PAYLOAD_MAX_NAME) {
                memcpy(key, name + 13, len - 13);
                key[len - 13] = '\0';
                return alert_annotation(alert, key);
        }
        return NULL;
}

/* Expands one template into a new string. The config loader has already refused unknown
 * placeholders, so an unknown one here only means a missing value. */
static int expand_one(const char *tmpl, const struct route *route, const struct alert *alert,
                      char **ret, char *why, size_t why_size) {
        char buf[EXEC_MAX_ARG_BYTES + 1];
        size_t o = 0;

        for (const char *p = tmpl; *p;) {
                const char *open = strstr(p, "{{"), *close;
                size_t lit = open ? (size_t) (open - p) : strlen(p);

                if (o + lit > EXEC_MAX_ARG_BYTES)
                        return -E2BIG;
                memcpy(buf + o, p, lit);
                o += lit;
                if (!open)
                        break;
                close = strstr(open + 2, "}}");
                if (!close)
                        return -EINVAL;
                bool from_alert;
                char key[PAYLOAD_MAX_NAME + 1];
                size_t nlen = (size_t) (close - open - 2);
                const char *v = placeholder_value(open + 2, nlen, route, alert, &from_alert, key);
                if (!v || (from_alert && !param_value_ok(v))) {
                        snprintf(why, why_size, "Parameter %.*s %s", (int) nlen, open + 2,
                                 v ? "fails the safe-value check" : "is missing from the alert");
                        return -EINVAL;
                }
                size_t vlen = strlen(v);
                if (o + vlen > EXEC_MAX_ARG_BYTES)
                        return -E2BIG;
                memcpy(buf + o, v, vlen);
                o += vlen;
                p = close + 2;
        }
        buf[o] = '\0';
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

int params_expand(const struct config *cfg, const struct route *route, const struct alert *alert,
                  struct argv_list *ret, char *why, size_t why_size) {
        struct argv_list a = {};
        int r = 0;

        for (size_t i = 0; i < cfg->n_executor + route->n_parameters; i++) {
                const char *t = i < cfg->n_executor ? cfg->executor[i]
                                                    : route->parameters[i - cfg->n_executor];
                if (a.n >= EXEC_MAX_ARGS) {
                        r = -E2BIG;
                        break;
                }
                r = expand_one(t, route, alert, &a.v[a.n], why, why_size);
                if (r < 0)
                        break;
                a.n++;
        }
        if (r < 0) {
                if (r == -E2BIG)
                        snprintf(why, why_size, "Parameters expand beyond %d bytes", EXEC_MAX_ARG_BYTES);
                argv_list_free(&a);
                return r;
        }
        *ret = a;
        return 0;
}

char *params_join(const struct argv_list *argv, size_t skip) {
        size_t len = 1;
        for (size_t i = skip; i < argv->n; i++)
                len += strlen(argv->v[i]) + 1;
        char *s = malloc(len), *p = s;
        if (!s)
                return NULL;
        *p = '\0';
        for (size_t i = skip; i < argv->n; i++)
                p = stpcpy(stpcpy(p, i > skip ? " " : ""), argv->v[i]);
        return s;
}

void argv_list_free(struct argv_list *a) {
        for (size_t i = 0; i < a->n; i++)
                free(a->v[i]);
        *a = (struct argv_list) {};
}
