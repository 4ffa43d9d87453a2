/* webhook-routing.yml: a tree of nodes (yaml-tree.c) -> one schema table.
 *
 * The schema is data, as in systemd's conf-parser tables and netplan's loader: one row per key
 * with its type, required or default, range, where the value is stored, and a check only where a
 * key needs more than its type. One walker reads the tree against the rows, and config_free()
 * frees what the same rows say is owned. Adding a key is one row below plus its paragraph in
 * remediation-webhook-routing(5). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config.h"
#include "util.h"
#include "yaml-tree.h"

#define CONFIG_MAX_STRING       1024            /* any string value, bytes */
#define ROUTE_MAX_ALERTNAME     128
#define ROUTE_MAX_PLAYBOOK      64
#define SHOW_MAX                48              /* bytes of a user string quoted in a message */
#define SCHEMA_MAX_KEYS         16              /* rows of one mapping; config has 16 */
#define SCHEMA_MAX_CHOICES_TEXT 128             /* an enum's words, listed in its message */

#define fail(err, n, ...) config_fail_at(err, (n)->line, (n)->column, __VA_ARGS__)

/* A printable, bounded copy of untrusted bytes, for quoting in an error message. */
static const char *show(char buf[static SHOW_MAX + 4], const char *s, size_t len) {
        size_t i, o = 0;

        for (i = 0; i < len && o < SHOW_MAX; i++) {
                unsigned char ch = (unsigned char) s[i];
                buf[o++] = ch >= 0x20 && ch < 0x7f ? (char) ch : '?';
        }
        if (i < len) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        buf[o] = '\0';
        return buf;
}

static bool startswith(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool scalar_is(const struct node *n, const char *s) {
        return n->kind == NODE_SCALAR && n->len == strlen(s) && memcmp(n->value, s, n->len) == 0;
}

/* ---- scalars ---- */

/* Plain decimal digits only: no sign, no quotes, no leading zeros (YAML 1.1 reads 010 as octal). */
static int get_int(const struct node *n, const char *name, int min, int max, int *ret,
                   struct config_error *err) {
        long v = 0;

        if (n->kind != NODE_SCALAR || !n->plain || n->len == 0)
                return fail(err, n, "expected an integer");
        if (n->len > 1 && n->value[0] == '0')
                return fail(err, n, "expected an integer without leading zeros");
        for (size_t i = 0; i < n->len; i++) {
                char ch = n->value[i];

                if (ch < '0' || ch > '9')
                        return fail(err, n, "expected an integer");
                if (v <= max)                   /* stops growing once out of range */
                        v = v * 10 + (ch - '0');
        }
        if (v < min || v > max)
                return fail(err, n, "%s must be between %d and %d", name, min, max);
        *ret = (int) v;
        return 0;
}

static int get_bool(const struct node *n, bool *ret, struct config_error *err) {
        if (!n->plain || !(scalar_is(n, "true") || scalar_is(n, "false")))
                return fail(err, n, "expected a boolean");
        *ret = scalar_is(n, "true");
        return 0;
}

static bool is_null(const struct node *n) {
        return n->kind == NODE_SCALAR && n->plain &&
                (n->len == 0 || scalar_is(n, "~") || scalar_is(n, "null") ||
                 scalar_is(n, "Null") || scalar_is(n, "NULL"));
}

static int check_string(const struct node *n, struct config_error *err) {
        if (n->kind != NODE_SCALAR || is_null(n))
                return fail(err, n, "expected a string");
        if (memchr(n->value, '\0', n->len))
                return fail(err, n, "strings must not contain NUL bytes");
        if (n->len > CONFIG_MAX_STRING)
                return fail(err, n, "string is longer than %d bytes", CONFIG_MAX_STRING);
        return 0;
}

static int copy_string(const struct node *n, char **ret, struct config_error *err) {
        *ret = strdup(n->value);
        return *ret ? 0 : config_oom(err);
}

/* ---- names and templates ---- */


/* The syntax of a name: one byte of first, then any of rest; at most max bytes. */
struct name_rule {
        const char *what;
        unsigned first, rest;           /* CHAR_* classes */
        size_t max;
};

#define STR(x)  #x
#define XSTR(x) STR(x)
static const struct name_rule label_syntax = {
        "label name", CHAR_LETTER, CHAR_LETTER | CHAR_DIGIT, PAYLOAD_MAX_NAME };
static const struct name_rule alertname_syntax = {
        "alertname", CHAR_LETTER | CHAR_COLON, CHAR_LETTER | CHAR_COLON | CHAR_DIGIT, ROUTE_MAX_ALERTNAME };
static const struct name_rule playbook_syntax = {
        "playbook name ([a-z0-9][a-z0-9._-]*, at most " XSTR(ROUTE_MAX_PLAYBOOK) " bytes, or none)",
        CHAR_LOWER | CHAR_DIGIT, CHAR_LOWER | CHAR_DIGIT | CHAR_DOT | CHAR_UNDERSCORE | CHAR_DASH,
        ROUTE_MAX_PLAYBOOK };

/* s holds no NUL (check_string()). */
static bool is_name(const char *s, size_t len, const struct name_rule *rule) {
        return len > 0 && len <= rule->max && char_is(s[0], rule->first) &&
                span_class(s + 1, rule->rest) == len - 1;
}

/* Length of the valid placeholder at p ("{{..."), or 0. */
static size_t placeholder_len(const char *p, bool allow_playbook) {
        const char *name;
        size_t n;

        if (startswith(p, "{{.Fingerprint}}"))
                return strlen("{{.Fingerprint}}");
        if (allow_playbook && startswith(p, "{{.Playbook}}"))
                return strlen("{{.Playbook}}");
        if (startswith(p, "{{.Labels."))
                name = p + strlen("{{.Labels.");
        else if (startswith(p, "{{.Annotations."))
                name = p + strlen("{{.Annotations.");
        else
                return 0;

        n = char_is(name[0], CHAR_LETTER) ? 1 + span_class(name + 1, CHAR_LETTER | CHAR_DIGIT) : 0;
        if (n == 0 || n > PAYLOAD_MAX_NAME || !startswith(name + n, "}}"))
                return 0;
        return (size_t) (name + n + 2 - p);
}

static int check_template(const struct node *n, bool allow_playbook, struct config_error *err) {
        char buf[SHOW_MAX + 4];

        if (n->len > EXEC_MAX_ARG_BYTES)
                return fail(err, n, "argument is longer than %d bytes", EXEC_MAX_ARG_BYTES);

        for (const char *p = strstr(n->value, "{{"); p; p = strstr(p, "{{")) {
                size_t k = placeholder_len(p, allow_playbook);

                if (k > 0) {
                        p += k;
                        continue;
                }
                if (startswith(p, "{{.Playbook}}"))
                        return fail(err, n, "{{.Playbook}} is only allowed in executor");

                const char *end = strstr(p, "}}");
                size_t shown = end ? (size_t) (end + 2 - p) : strlen(p);

                return fail(err, n, "unsupported placeholder '%s': only {{.Playbook}}, "
                            "{{.Labels.NAME}}, {{.Annotations.NAME}} and {{.Fingerprint}} expand",
                            show(buf, p, shown));
        }
        return 0;
}

/* ---- the schema's vocabulary ---- */

enum key_type {
        KEY_INT,                /* int in [min, max] */
        KEY_SIZE,               /* size_t, written as an int in [min, max] */
        KEY_BOOL,
        KEY_STRING,             /* char *, owned; NULL when absent */
        KEY_ENUM,               /* char *, owned: one of choices[] */
        KEY_STRV,               /* char *[], owned: min..max strings, counted at .count */
        KEY_SECTION,            /* a mapping whose keys fill the same struct */
        KEY_TABLES,             /* min..max mappings: an owned array of structs, counted */
        KEY_REFUSED,            /* recognised only to be refused with .refusal */
};

/* Where a value goes, and for a check where it was found. */
struct place {
        void *base;                     /* the struct config or struct route being filled */
        const struct node *list;        /* the list the value (or the route) is an element of */
        size_t index;                   /* and its position there */
};

/* n is the value; for .allowed, the key. */
typedef int (*check_fn)(const struct place *p, const struct node *n, struct config_error *err);

struct key {
        const char *name;
        enum key_type type;
        bool required;
        long dflt;                      /* KEY_INT, KEY_SIZE, KEY_BOOL: when absent */
        const char *const *dflt_strv;   /* KEY_STRV: when absent; NULL-terminated */
        int min, max;                   /* numbers: the range; lists: how many elements */
        size_t offset;                  /* of the value in the struct */
        size_t count;                   /* KEY_STRV, KEY_TABLES: of the number of elements */
        size_t size;                    /* KEY_TABLES: of one element */
        const struct key *rows;         /* KEY_SECTION, KEY_TABLES: the mapping's rows */
        size_t n_rows;
        const struct name_rule *syntax; /* KEY_STRING, KEY_STRV elements */
        const char *const *choices;     /* KEY_ENUM; NULL-terminated */
        const char *null_word;          /* KEY_STRING: this word stores NULL (playbook: none) */
        const char *refusal;            /* KEY_REFUSED: the whole message */
        check_fn allowed;               /* may the key be set at all? before its value is read */
        check_fn check;                 /* once the value (each element of a list) is stored */
};

/* offsetof() that compiles only when the field has the C type that the row's type stores. */
#define FIELD(type, field, ctype) \
        (offsetof(struct type, field) + 0 * sizeof(_Generic(((struct type *) 0)->field, ctype: 1)))
#define ASSERT0(cond)           (0 * sizeof(char[(cond) ? 1 : -1]))     /* 0, or no compile */
#define ROWS(r)                 .rows = (r), \
                                .n_rows = ELEMENTSOF(r) + ASSERT0(ELEMENTSOF(r) <= SCHEMA_MAX_KEYS)
#define REQUIRED                .required = true
#define OPTIONAL                .required = false
#define DEFAULT(v)              .dflt = (v)
#define DEFAULT_LIST(...)       .dflt_strv = (const char *const[]) { __VA_ARGS__, NULL }

#define INT(key, need, lo, hi, type, field, ...) { key, KEY_INT, need, .min = lo, .max = hi, \
        .offset = FIELD(type, field, int), __VA_ARGS__ }
#define SIZE(key, need, lo, hi, type, field) { key, KEY_SIZE, need, .min = lo, .max = hi, \
        .offset = FIELD(type, field, size_t) }
#define BOOL(key, need, type, field, ...) { key, KEY_BOOL, need, \
        .offset = FIELD(type, field, bool), __VA_ARGS__ }
#define STRING(key, need, type, field, ...) { key, KEY_STRING, need, \
        .offset = FIELD(type, field, char *), __VA_ARGS__ }
#define ENUM(key, need, type, field, ...) { key, KEY_ENUM, need, \
        .offset = FIELD(type, field, char *), .choices = (const char *const[]) { __VA_ARGS__, NULL } }
#define STRV(key, need, lo, hi, type, field, n_field, ...) { key, KEY_STRV, need, \
        .min = lo, .max = hi, .count = FIELD(type, n_field, size_t), \
        .offset = FIELD(type, field, char **) + \
                ASSERT0((hi) <= (int) ELEMENTSOF(((struct type *) 0)->field)), __VA_ARGS__ }
#define SECTION(key, need, rows) { key, KEY_SECTION, need, ROWS(rows) }
#define TABLES(key, need, lo, hi, type, field, n_field, elem, rows) { key, KEY_TABLES, need, \
        .min = lo, .max = hi, .offset = FIELD(type, field, struct elem *), \
        .count = FIELD(type, n_field, size_t), .size = sizeof(struct elem), ROWS(rows) }
#define REFUSED(key, message)   { key, KEY_REFUSED, OPTIONAL, .refusal = message }

/* ---- checks, for the keys that need more than their type ---- */

static int check_not_empty(const struct place *p, const struct node *n, struct config_error *err) {
        (void) p;
        return n->len == 0 ? fail(err, n, "expected a non-empty string") : 0;
}

static int check_executor_arg(const struct place *p, const struct node *n,
                              struct config_error *err) {
        if (n->len == 0)
                return fail(err, n, "executor arguments must not be empty");
        /* The program itself must not depend on the alert. */
        if (p->index == 0 && (n->value[0] != '/' || strstr(n->value, "{{")))
                return fail(err, n, "executor[0] must be an absolute path without placeholders");
        return check_template(n, true, err);
}

static int check_parameter(const struct place *p, const struct node *n, struct config_error *err) {
        (void) p;
        return check_template(n, false, err);
}

static int check_metrics_textfile(const struct place *p, const struct node *n,
                                  struct config_error *err) {
        (void) p;
        return n->value[0] != '/' ? fail(err, n, "metrics_textfile must be an absolute path") : 0;
}

/* http(s)://host[:port][/prefix], nothing else: no user info (the credentials go in their file),
 * no query or fragment, and only plain characters in the host and the prefix, so the URL is used
 * as it is written. */
static int check_alertmanager_url(const struct place *p, const struct node *n, struct config_error *err) {
        const char *s = n->value, *host;
        size_t len;

        (void) p;
        if (strlen(s) != n->len)
                return fail(err, n, "alertmanager_url must not hold a NUL byte");
        if (n->len > AM_MAX_URL)
                return fail(err, n, "alertmanager_url is longer than %d bytes", AM_MAX_URL);
        if (startswith(s, "http://"))
                host = s + 7;
        else if (startswith(s, "https://"))
                host = s + 8;
        else
                return fail(err, n, "alertmanager_url must start with http:// or https://");
        if (*host == '[') {             /* an IPv6 address */
                len = strspn(host + 1, "0123456789abcdefABCDEF:.");
                if (len == 0 || host[1 + len] != ']')
                        return fail(err, n, "alertmanager_url: a bracketed host must be an IPv6 address");
                len += 2;
        } else if ((len = span_class(host, CHAR_LETTER | CHAR_DIGIT | CHAR_DOT | CHAR_DASH)) == 0)
                return fail(err, n, "alertmanager_url has no host (letters, digits, dots, dashes, underscores)");
        const char *rest = host + len;
        if (*rest == ':') {
                size_t digits = span_class(rest + 1, CHAR_DIGIT);
                uint64_t port;
                if (parse_uint_range(rest + 1, digits, 1, 65535, &port) < 0)
                        return fail(err, n, "alertmanager_url: the port must be between 1 and 65535");
                rest += 1 + digits;
        }
        if (*rest && *rest != '/')
                return fail(err, n, "alertmanager_url: only a path may follow the host and port (no user info, query or fragment)");
        if (strspn(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-~/") != strlen(rest))
                return fail(err, n, "alertmanager_url: the path may hold only letters, digits and . _ - ~ /");
        return 0;
}

static int check_unique_alertname(const struct place *p, const struct node *n,
                                  struct config_error *err) {
        const struct node *route = p->list->first;

        /* The routes before this one are valid mappings, each with its alertname. */
        for (size_t i = 0; i < p->index; i++, route = route->next)
                for (const struct node *k = route->first; k && k->next; k = k->next->next)
                        if (scalar_is(k, "alertname") && strcmp(k->next->value, n->value) == 0)
                                return fail(err, n, "duplicate alertname '%s' (first at line %d)",
                                            n->value, k->next->line);
        return 0;
}

/* playbook is required and read before the route's other keys: NULL is `playbook: none`. */
static const struct route *alert_only(const struct place *p) {
        const struct route *rt = p->base;

        return rt->playbook ? NULL : rt;
}

static int check_confidence(const struct place *p, const struct node *n, struct config_error *err) {
        const struct route *rt = alert_only(p);

        if (rt && rt->confidence != 0)
                return fail(err, n, "a route with playbook: none must have confidence 0");
        return 0;
}

static int check_confirmation(const struct place *p, const struct node *n,
                              struct config_error *err) {
        const struct route *rt = alert_only(p);

        if (rt && rt->requires_confirmation)
                return fail(err, n, "a route with playbook: none must not require confirmation");
        return 0;
}

static int allow_mode(const struct place *p, const struct node *key, struct config_error *err) {
        if (alert_only(p))
                return fail(err, key, "a route with playbook: none has no mode: it never executes");
        return 0;
}

static int allow_approval(const struct place *p, const struct node *key, struct config_error *err) {
        if (alert_only(p))
                return fail(err, key, "a route with playbook: none has no approvals: it never executes");
        return 0;
}

static int allow_parameters(const struct place *p, const struct node *key,
                            struct config_error *err) {
        if (alert_only(p))
                return fail(err, key, "a route with playbook: none must not set parameters");
        return 0;
}

/* ---- the schema: remediation-webhook-routing(5), one row per key ----
 *
 * A mapping's values are read in row order, not file order, so a check may rely on the rows above
 * its own (the route's playbook). */

static const struct key rate_limit_keys[] = {
        INT("max_executions_per_hour",  REQUIRED, 1, 10000, config, max_executions_per_hour),
        INT("max_executions_per_alert", REQUIRED, 1, 10000, config, max_executions_per_alert),
        INT("cooldown_minutes",         REQUIRED, 0, 1440, config, cooldown_minutes),
};

static const struct key idempotency_keys[] = {
        INT("window_minutes",           REQUIRED, 0, 1440, config, idempotency_window_minutes),
        STRV("key_fields",              REQUIRED, 1, 8, config, key_fields, n_key_fields,
             .syntax = &label_syntax),
};

static const struct key security_keys[] = {
        /* bind_address and port are informational: the .socket unit's ListenStream= binds. */
        STRING("bind_address",          REQUIRED, config, bind_address),
        INT("port",                     REQUIRED, 1, 65535, config, port),
        STRING("auth_token_file",       OPTIONAL, config, auth_token_file,
               .check = check_not_empty),
        REFUSED("auth_token",           "auth_token is not supported: put the token in a file "
                                        "and set auth_token_file"),
};

static const struct key circuit_breaker_keys[] = {
        INT("failure_threshold",        REQUIRED, 1, 100, config, failure_threshold),
        INT("reset_timeout_minutes",    REQUIRED, 1, 1440, config, reset_timeout_minutes),
};

static const struct key config_keys[] = {
        SECTION("rate_limit",           REQUIRED, rate_limit_keys),
        SECTION("idempotency",          REQUIRED, idempotency_keys),
        SECTION("security",             REQUIRED, security_keys),
        SECTION("circuit_breaker",      REQUIRED, circuit_breaker_keys),
        INT("confidence_threshold",     REQUIRED, 0, 100, config, confidence_threshold),
        STRV("executor",                REQUIRED, 1, CONFIG_MAX_LIST, config, executor,
             n_executor, .check = check_executor_arg),
        ENUM("playbook_units",          OPTIONAL, config, playbook_units, "system", "user"),
        INT("playbook_timeout_seconds", REQUIRED, 1, 86400, config, playbook_timeout_seconds),
        INT("response_deadline_seconds", REQUIRED, 1, 300, config, response_deadline_seconds),
        SIZE("max_body_bytes",          DEFAULT(HTTP_DEFAULT_MAX_BODY), 1024, 16777216, config,
             max_body_bytes),
        INT("read_timeout_seconds",     DEFAULT(HTTP_DEFAULT_READ_TIMEOUT_SEC), 1, 300, config,
            read_timeout_seconds),
        STRING("metrics_textfile",      OPTIONAL, config, metrics_textfile,
               .check = check_metrics_textfile),
        STRING("alertmanager_url",      OPTIONAL, config, alertmanager_url,
               .check = check_alertmanager_url),
        STRING("alertmanager_credentials_file", OPTIONAL, config, alertmanager_credentials_file,
               .check = check_not_empty),
        INT("alertmanager_timeout_seconds", DEFAULT(AM_DEFAULT_TIMEOUT_SEC), 1, 60, config,
            alertmanager_timeout_seconds),
        INT("alertmanager_min_uptime_seconds", DEFAULT(AM_DEFAULT_MIN_UPTIME_SEC), 0, 3600, config,
            alertmanager_min_uptime_seconds),
};

static const struct key route_keys[] = {
        STRING("alertname",             REQUIRED, route, alertname, .syntax = &alertname_syntax,
               .check = check_unique_alertname),
        STRING("playbook",              REQUIRED, route, playbook, .null_word = "none",
               .syntax = &playbook_syntax),
        INT("confidence",               REQUIRED, 0, 100, route, confidence,
            .check = check_confidence),
        /* Informational: nothing reads it. */
        ENUM("priority",                OPTIONAL, route, priority, "low", "medium", "high",
             "critical"),
        BOOL("requires_confirmation",   DEFAULT(false), route, requires_confirmation,
             .check = check_confirmation),
        STRV("parameters",              OPTIONAL, 0, CONFIG_MAX_LIST, route, parameters,
             n_parameters, .allowed = allow_parameters, .check = check_parameter),
        INT("manual_mttr_minutes",      DEFAULT(0), 0, 1440, route, manual_mttr_minutes),
        { "mode", KEY_ENUM, OPTIONAL, .offset = FIELD(route, mode, char *), .allowed = allow_mode,
          .choices = (const char *const[]) { "live", "shadow", NULL } },
        INT("approval_minutes",         DEFAULT(APPROVAL_DEFAULT_MINUTES), 0, 1440, route, approval_minutes,
            .allowed = allow_approval),
        INT("verify_minutes",           DEFAULT(VERIFY_DEFAULT_MINUTES), 0, 1440, route, verify_minutes),
        BOOL("ineffective_opens_breaker", DEFAULT(true), route, ineffective_opens_breaker),
};

static const struct key top_keys[] = {
        SECTION("config",               REQUIRED, config_keys),
        STRV("service_overrides",       OPTIONAL, 0, CONFIG_MAX_OVERRIDES, config,
             service_overrides, n_service_overrides, .check = check_not_empty),
        STRV("override_labels",         DEFAULT_LIST("service", "name"), 1, CONFIG_MAX_LIST,
             config, override_labels, n_override_labels, .syntax = &label_syntax),
        TABLES("routes",                REQUIRED, 1, CONFIG_MAX_ROUTES, config, routes, n_routes,
               route, route_keys),
};

static const struct key file_key = SECTION("", REQUIRED, top_keys);

/* ---- the walker ---- */

static void *at(const struct place *p, size_t offset) {
        return (char *) p->base + offset;
}

static int walk_value(const struct key *k, const struct place *p, const struct node *key,
                      const struct node *value, struct config_error *err);

/* Keys are matched first (unknown and repeated ones are errors, in file order), then a refused
 * key is explained, then missing required keys are named, then values are read in row order. */
static int walk_mapping(const struct key *k, const struct place *p, const struct node *map,
                        struct config_error *err) {
        const struct node *keys[SCHEMA_MAX_KEYS] = {}, *values[SCHEMA_MAX_KEYS] = {};
        const struct key *rows = k->rows;
        char buf[SHOW_MAX + 4];
        size_t i;
        int r;

        if (map->kind != NODE_MAPPING)
                return fail(err, map, "expected a mapping");
        for (const struct node *n = map->first; n && n->next; n = n->next->next) {
                if (n->kind != NODE_SCALAR)
                        return fail(err, n, "expected a string as mapping key");
                for (i = 0; i < k->n_rows && !scalar_is(n, rows[i].name); i++)
                        ;
                if (i == k->n_rows)
                        return fail(err, n, "unknown key '%s'", show(buf, n->value, n->len));
                if (keys[i])
                        return fail(err, n, "duplicate key '%s' (first at line %d)", rows[i].name,
                                    keys[i]->line);
                keys[i] = n;
                values[i] = n->next;
        }
        for (i = 0; i < k->n_rows; i++)
                if (rows[i].type == KEY_REFUSED && keys[i])
                        return fail(err, keys[i], "%s", rows[i].refusal);
        for (i = 0; i < k->n_rows; i++)
                if (rows[i].required && !values[i])
                        return fail(err, map, "missing required key '%s'", rows[i].name);
        for (i = 0; i < k->n_rows; i++) {
                r = walk_value(&rows[i], p, keys[i], values[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_choice(const struct key *k, const struct node *n, struct config_error *err) {
        char words[SCHEMA_MAX_CHOICES_TEXT] = "";

        for (const char *const *c = k->choices; *c; c++)
                if (scalar_is(n, *c))
                        return 0;
        for (const char *const *c = k->choices; *c; c++) {
                size_t o = strlen(words);

                /* The schema's own words: truncation would only shorten the message. */
                (void) snprintf(words + o, sizeof words - o, "%s%s", o > 0 ? ", " : "", *c);
        }
        return fail(err, n, "%s must be one of %s", k->name, words);
}

/* A string, or an element of a list of strings: checked against the row's syntax or choices. */
static int get_string(const struct key *k, const struct node *n, char **ret,
                      struct config_error *err) {
        char buf[SHOW_MAX + 4];
        int r;

        r = check_string(n, err);
        if (r < 0)
                return r;
        if (k->syntax && !is_name(n->value, n->len, k->syntax))
                return fail(err, n, "'%s' is not a valid %s", show(buf, n->value, n->len),
                            k->syntax->what);
        if (k->choices) {
                r = check_choice(k, n, err);
                if (r < 0)
                        return r;
        }
        return copy_string(n, ret, err);
}

/* KEY_STRV and KEY_TABLES. Elements are stored and counted one at a time, so that config_free()
 * releases a list that stopped half way. */
static int walk_list(const struct key *k, const struct place *p, const struct node *list,
                     struct config_error *err) {
        char **strv = at(p, k->offset), *elems = NULL;
        size_t *count = at(p, k->count);
        struct place e = { .base = p->base, .list = list };
        int r;

        if (list->kind != NODE_LIST)
                return fail(err, list, "expected a list");
        if (list->n_children < (size_t) k->min || list->n_children > (size_t) k->max)
                return fail(err, list, "%s must have between %d and %d elements", k->name, k->min,
                            k->max);
        if (k->type == KEY_TABLES) {
                elems = calloc(list->n_children, k->size);
                if (!elems)
                        return config_oom(err);
                /* Into the field's own pointer type; object pointers share one representation. */
                memcpy(at(p, k->offset), &elems, sizeof elems);
                *count = list->n_children;      /* calloc'd: every element can be freed */
        }

        for (const struct node *n = list->first; n; n = n->next, e.index++) {
                if (k->type == KEY_TABLES) {
                        e.base = elems + e.index * k->size;
                        r = walk_mapping(k, &e, n, err);
                } else {
                        r = get_string(k, n, &strv[e.index], err);
                        if (r >= 0) {
                                (*count)++;
                                r = k->check ? k->check(&e, n, err) : 0;
                        }
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int walk_default(const struct key *k, const struct place *p, struct config_error *err) {
        if (k->type == KEY_INT)
                *(int *) at(p, k->offset) = (int) k->dflt;
        else if (k->type == KEY_SIZE)
                *(size_t *) at(p, k->offset) = (size_t) k->dflt;
        else if (k->type == KEY_BOOL)
                *(bool *) at(p, k->offset) = k->dflt != 0;
        else if (k->type == KEY_STRV)
                for (size_t i = 0; k->dflt_strv && k->dflt_strv[i]; i++) {
                        char **strv = at(p, k->offset);

                        strv[i] = strdup(k->dflt_strv[i]);
                        if (!strv[i])
                                return config_oom(err);
                        (*(size_t *) at(p, k->count))++;
                }
        return 0;                       /* strings stay NULL, from the zeroed struct */
}

static int walk_value(const struct key *k, const struct place *p, const struct node *key,
                      const struct node *value, struct config_error *err) {
        int v = 0, r = 0;

        if (!value)
                return walk_default(k, p, err);
        if (k->allowed) {
                r = k->allowed(p, key, err);
                if (r < 0)
                        return r;
        }

        switch (k->type) {
        case KEY_INT:
        case KEY_SIZE:
                r = get_int(value, k->name, k->min, k->max, &v, err);
                if (r >= 0 && k->type == KEY_INT)
                        *(int *) at(p, k->offset) = v;
                else if (r >= 0)
                        *(size_t *) at(p, k->offset) = (size_t) v;
                break;
        case KEY_BOOL:
                r = get_bool(value, at(p, k->offset), err);
                break;
        case KEY_STRING:
        case KEY_ENUM:
                /* Quoted or not: "none" is no playbook name either. */
                if (k->null_word && scalar_is(value, k->null_word))
                        return 0;
                r = get_string(k, value, at(p, k->offset), err);
                break;
        case KEY_STRV:
        case KEY_TABLES:
                return walk_list(k, p, value, err);
        case KEY_SECTION:
                return walk_mapping(k, p, value, err);
        case KEY_REFUSED:               /* walk_mapping() refused it already */
                break;
        }
        if (r < 0)
                return r;
        return k->check ? k->check(p, value, err) : 0;
}

/* Frees what the rows say is owned; counts say how much of a list was filled. */
static void free_value(const struct key *k, const struct place *p) {
        size_t n = k->type == KEY_STRV || k->type == KEY_TABLES ? *(size_t *) at(p, k->count) : 0;
        char *elems;

        if (k->type == KEY_STRING || k->type == KEY_ENUM)
                free(*(char **) at(p, k->offset));
        else if (k->type == KEY_STRV)
                for (size_t i = 0; i < n; i++)
                        free(((char **) at(p, k->offset))[i]);
        else if (k->type == KEY_SECTION)
                for (size_t i = 0; i < k->n_rows; i++)
                        free_value(&k->rows[i], p);
        else if (k->type == KEY_TABLES) {
                memcpy(&elems, at(p, k->offset), sizeof elems);
                for (size_t i = 0; elems && i < n; i++)
                        for (size_t j = 0; j < k->n_rows; j++)
                                free_value(&k->rows[j],
                                           &(struct place) { .base = elems + i * k->size });
                free(elems);
        }
}

/* ---- public ---- */

int config_parse(const char *text, size_t len, const char *path, struct config *ret,
                 struct config_error *err) {
        struct config c = {};
        struct yaml_tree tree = {};
        int r;

        if (err)
                *err = (struct config_error) {};
        if (!ret || (!text && len > 0))
                return config_fail_at(err, 0, 0, "invalid arguments");
        if (len > CONFIG_MAX_FILE_BYTES) {
                (void) config_fail_at(err, 0, 0, "the configuration is larger than %d bytes",
                               CONFIG_MAX_FILE_BYTES);
                return -EFBIG;
        }

        r = yaml_tree_build(text ?: "", len, &tree, err);
        if (r < 0)
                return r;
        r = walk_value(&file_key, &(struct place) { .base = &c }, NULL, tree.root, err);
        yaml_tree_free(&tree);
        if (r >= 0 && path) {
                c.path = strdup(path);
                if (!c.path)
                        r = config_oom(err);
        }
        if (r < 0) {
                config_free(&c);
                return r;
        }
        *ret = c;
        return 0;
}

int config_load(const char *path, struct config *ret, struct config_error *err) {
        _cleanup_free_ char *text = NULL;
        char shown[SHOW_MAX + 4];
        struct stat st;
        size_t len = 0;
        int r;

        if (err)
                *err = (struct config_error) {};
        if (!path || !ret)
                return config_fail_at(err, 0, 0, "invalid arguments");
        (void) show(shown, path, strlen(path));

        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                (void) config_fail_at(err, 0, 0, "cannot open '%s': %s", shown, strerror(-r));
                return r;
        }
        if (fstat(fd, &st) < 0) {
                r = -errno;
                (void) config_fail_at(err, 0, 0, "cannot stat '%s': %s", shown, strerror(-r));
                return r;
        }
        if (!S_ISREG(st.st_mode))
                return config_fail_at(err, 0, 0, "'%s' is not a regular file", shown);

        /* The bound holds while reading too, for a file that grows meanwhile. */
        r = st.st_size > CONFIG_MAX_FILE_BYTES ? -EFBIG :
                read_fd_bounded(fd, CONFIG_MAX_FILE_BYTES, &text, &len);
        if (r == -EFBIG)
                (void) config_fail_at(err, 0, 0, "'%s' is larger than %d bytes", shown,
                               CONFIG_MAX_FILE_BYTES);
        else if (r == -ENOMEM)
                return config_oom(err);
        else if (r < 0)
                (void) config_fail_at(err, 0, 0, "cannot read '%s': %s", shown, strerror(-r));
        if (r < 0)
                return r;
        return config_parse(text, len, path, ret, err);
}

void config_free(struct config *c) {
        if (!c)
                return;
        free(c->path);
        free_value(&file_key, &(struct place) { .base = c });
        *c = (struct config) {};
}

bool config_route_shadow(const struct route *r) {
        return r && r->mode && strcmp(r->mode, "shadow") == 0;
}

const struct route *config_find_route(const struct config *c, const char *alertname) {
        if (!c || !alertname)
                return NULL;
        for (size_t i = 0; i < c->n_routes; i++)
                if (c->routes[i].alertname && strcmp(c->routes[i].alertname, alertname) == 0)
                        return &c->routes[i];
        return NULL;
}
