/* webhook-routing.yml: libyaml events -> a small tree of nodes -> checked against a fixed schema.
 *
 * The tree is built from the event API so that anchors, aliases, tags and extra documents can be
 * refused before anything is interpreted. Every node keeps its position for error messages. */
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

#define CONFIG_MAX_STRING       1024            /* any string value, bytes */
#define CONFIG_MAX_DEPTH        16              /* nested lists and mappings; the schema needs 4 */
#define CONFIG_MAX_NODES        65536           /* a full config (256 routes) needs ~15000 */
#define ROUTE_MAX_ALERTNAME     128
#define ROUTE_MAX_PLAYBOOK      64
#define SHOW_MAX                48              /* bytes of a user string quoted in a message */

enum node_kind {
        NODE_SCALAR,
        NODE_LIST,
        NODE_MAPPING,
};

struct node {
        enum node_kind kind;
        int line, column;                       /* 1-based */
        bool plain;                             /* scalar written without quotes */
        char *value;                            /* scalar: NUL-terminated, may hold NULs before len */
        size_t len;
        struct node *first, *last, *next;       /* children; a mapping's alternate key, value */
        size_t n_children;
};

__attribute__((format(printf, 4, 0)))
static int verror(struct config_error *err, int line, int column, const char *fmt, va_list ap) {
        if (err) {
                err->line = line;
                err->column = column;
                /* A truncated message is still the right message. */
                (void) vsnprintf(err->message, sizeof err->message, fmt, ap);
        }
        return -EINVAL;
}

__attribute__((format(printf, 4, 5)))
static int fail_at(struct config_error *err, int line, int column, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = verror(err, line, column, fmt, ap);
        va_end(ap);
        return r;
}

__attribute__((format(printf, 3, 4)))
static int fail(struct config_error *err, const struct node *n, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = verror(err, n->line, n->column, fmt, ap);
        va_end(ap);
        return r;
}

static int oom(struct config_error *err) {
        (void) fail_at(err, 0, 0, "out of memory");
        return -ENOMEM;
}

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

static void node_free(struct node *n) {
        while (n) {
                struct node *next = n->next;

                node_free(n->first);            /* depth is bounded by CONFIG_MAX_DEPTH */
                free(n->value);
                free(n);
                n = next;
        }
}

/* ---- YAML -> tree ---- */

struct builder {
        struct node *root;
        struct node *stack[CONFIG_MAX_DEPTH];
        size_t depth;
        size_t n_nodes;
        size_t n_documents;
        bool done;
};

static int syntax_error(const yaml_parser_t *p, const char *text, size_t len,
                        struct config_error *err) {
        int line = 0, column = 0;

        if (p->error == YAML_MEMORY_ERROR)
                return oom(err);

        if (p->error == YAML_READER_ERROR) {
                /* The reader reports a byte offset, not a mark. */
                size_t i, end = p->problem_offset < len ? p->problem_offset : len;

                line = 1;
                column = 1;
                for (i = 0; i < end; i++) {
                        if (text[i] == '\n') {
                                line++;
                                column = 1;
                        } else
                                column++;
                }
        } else {
                line = (int) p->problem_mark.line + 1;
                column = (int) p->problem_mark.column + 1;
        }

        if (p->context)
                return fail_at(err, line, column, "invalid YAML: %s (%s)", p->problem ?: "error",
                               p->context);
        return fail_at(err, line, column, "invalid YAML: %s", p->problem ?: "error");
}

static int builder_add(struct builder *b, const yaml_event_t *e, enum node_kind kind,
                       struct config_error *err) {
        struct node *n;

        if (b->n_nodes >= CONFIG_MAX_NODES)
                return fail_at(err, (int) e->start_mark.line + 1, (int) e->start_mark.column + 1,
                               "too many YAML nodes (max %d)", CONFIG_MAX_NODES);
        if (kind != NODE_SCALAR && b->depth >= CONFIG_MAX_DEPTH)
                return fail_at(err, (int) e->start_mark.line + 1, (int) e->start_mark.column + 1,
                               "nesting too deep (max %d levels)", CONFIG_MAX_DEPTH);

        n = calloc(1, sizeof *n);
        if (!n)
                return oom(err);
        n->kind = kind;
        n->line = (int) e->start_mark.line + 1;
        n->column = (int) e->start_mark.column + 1;

        if (kind == NODE_SCALAR) {
                n->len = e->data.scalar.length;
                n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                n->value = malloc(n->len + 1);
                if (!n->value) {
                        free(n);
                        return oom(err);
                }
                if (n->len > 0)
                        memcpy(n->value, e->data.scalar.value, n->len);
                n->value[n->len] = '\0';
        }

        /* Attached at once, so that freeing the root frees everything. */
        if (b->depth == 0)
                b->root = n;
        else {
                struct node *parent = b->stack[b->depth - 1];

                if (parent->last)
                        parent->last->next = n;
                else
                        parent->first = n;
                parent->last = n;
                parent->n_children++;
        }
        b->n_nodes++;

        if (kind != NODE_SCALAR)
                b->stack[b->depth++] = n;
        return 0;
}

static int builder_event(struct builder *b, const yaml_event_t *e, struct config_error *err) {
        int line = (int) e->start_mark.line + 1, column = (int) e->start_mark.column + 1;
        const yaml_char_t *anchor = NULL, *tag = NULL;

        switch (e->type) {
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
                return 0;
        case YAML_STREAM_END_EVENT:
                b->done = true;
                return 0;
        case YAML_DOCUMENT_START_EVENT:
                if (b->n_documents++ > 0)
                        return fail_at(err, line, column, "only one YAML document is allowed");
                return 0;
        case YAML_ALIAS_EVENT:
                return fail_at(err, line, column, "aliases are not supported");
        case YAML_SCALAR_EVENT:
                anchor = e->data.scalar.anchor;
                tag = e->data.scalar.tag;
                break;
        case YAML_SEQUENCE_START_EVENT:
                anchor = e->data.sequence_start.anchor;
                tag = e->data.sequence_start.tag;
                break;
        case YAML_MAPPING_START_EVENT:
                anchor = e->data.mapping_start.anchor;
                tag = e->data.mapping_start.tag;
                break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
                if (b->depth > 0)
                        b->depth--;
                return 0;
        default:
                return fail_at(err, line, column, "unexpected YAML event");
        }

        if (anchor)
                return fail_at(err, line, column, "anchors are not supported");
        if (tag)
                return fail_at(err, line, column, "tags are not supported");

        return builder_add(b, e,
                           e->type == YAML_SCALAR_EVENT ? NODE_SCALAR :
                           e->type == YAML_SEQUENCE_START_EVENT ? NODE_LIST : NODE_MAPPING,
                           err);
}

static int build_tree(const char *text, size_t len, struct node **ret, struct config_error *err) {
        struct builder b = {};
        yaml_parser_t parser;
        int r = 0;

        if (!yaml_parser_initialize(&parser))
                return oom(err);
        yaml_parser_set_input_string(&parser, (const unsigned char *) text, len);

        while (!b.done) {
                yaml_event_t event;

                if (!yaml_parser_parse(&parser, &event)) {
                        r = syntax_error(&parser, text, len, err);
                        break;
                }
                r = builder_event(&b, &event, err);
                yaml_event_delete(&event);
                if (r < 0)
                        break;
        }
        yaml_parser_delete(&parser);

        if (r >= 0 && !b.root)
                r = fail_at(err, 0, 0, "the file contains no YAML document");
        if (r < 0) {
                node_free(b.root);
                return r;
        }
        *ret = b.root;
        return 0;
}

/* ---- typed values ---- */

/* Collects a mapping's values into values[] (and its key nodes into keys[]), indexed like names[].
 * Unknown and repeated keys are errors. */
static int read_mapping(const struct node *map, const char *const *names, size_t n_names,
                        const struct node **keys, const struct node **values,
                        struct config_error *err) {
        char buf[SHOW_MAX + 4];

        if (map->kind != NODE_MAPPING)
                return fail(err, map, "expected a mapping");

        for (const struct node *k = map->first; k && k->next; k = k->next->next) {
                size_t i;

                if (k->kind != NODE_SCALAR)
                        return fail(err, k, "expected a string as mapping key");
                for (i = 0; i < n_names; i++)
                        if (scalar_is(k, names[i]))
                                break;
                if (i == n_names)
                        return fail(err, k, "unknown key '%s'", show(buf, k->value, k->len));
                if (keys[i])
                        return fail(err, k, "duplicate key '%s' (first at line %d)", names[i],
                                    keys[i]->line);
                keys[i] = k;
                values[i] = k->next;
        }
        return 0;
}

static int require(const struct node *map, const struct node *value, const char *name,
                   struct config_error *err) {
        if (!value)
                return fail(err, map, "missing required key '%s'", name);
        return 0;
}

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
        if (n->kind == NODE_SCALAR && n->plain && scalar_is(n, "true"))
                *ret = true;
        else if (n->kind == NODE_SCALAR && n->plain && scalar_is(n, "false"))
                *ret = false;
        else
                return fail(err, n, "expected a boolean");
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
        char *s;

        s = strdup(n->value);
        if (!s)
                return oom(err);
        *ret = s;
        return 0;
}

static int get_string(const struct node *n, char **ret, struct config_error *err) {
        int r;

        r = check_string(n, err);
        if (r < 0)
                return r;
        return copy_string(n, ret, err);
}

typedef int (*check_element_t)(const struct node *n, size_t index, struct config_error *err);

/* Fills arr[] one element at a time, *n_arr counting, so that config_free() releases a partial list. */
static int get_string_list(const struct node *list, const char *name, size_t min, size_t max,
                           check_element_t check, char **arr, size_t *n_arr,
                           struct config_error *err) {
        size_t i = 0;
        int r;

        if (list->kind != NODE_LIST)
                return fail(err, list, "expected a list");
        if (list->n_children < min || list->n_children > max)
                return fail(err, list, "%s must have between %zu and %zu elements", name, min, max);

        for (const struct node *e = list->first; e; e = e->next, i++) {
                r = check_string(e, err);
                if (r < 0)
                        return r;
                if (check) {
                        r = check(e, i, err);
                        if (r < 0)
                                return r;
                }
                r = copy_string(e, &arr[i], err);
                if (r < 0)
                        return r;
                (*n_arr)++;
        }
        return 0;
}

static bool is_label_name(const char *s, size_t len) {
        if (len == 0 || len > PAYLOAD_MAX_NAME)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_' ||
                        (i > 0 && ch >= '0' && ch <= '9');

                if (!ok)
                        return false;
        }
        return true;
}

static int check_label_name(const struct node *n, size_t index, struct config_error *err) {
        char buf[SHOW_MAX + 4];

        (void) index;
        if (!is_label_name(n->value, n->len))
                return fail(err, n, "'%s' is not a valid label name", show(buf, n->value, n->len));
        return 0;
}

static int check_not_empty(const struct node *n, size_t index, struct config_error *err) {
        (void) index;
        if (n->len == 0)
                return fail(err, n, "expected a non-empty string");
        return 0;
}

/* Length of the valid placeholder at p ("{{..."), or 0. */
static size_t placeholder_len(const char *p, bool allow_playbook) {
        const char *name;
        size_t n = 0;

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

        while ((name[n] >= 'A' && name[n] <= 'Z') || (name[n] >= 'a' && name[n] <= 'z') ||
               name[n] == '_' || (n > 0 && name[n] >= '0' && name[n] <= '9'))
                n++;
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

static int check_executor_arg(const struct node *n, size_t index, struct config_error *err) {
        if (n->len == 0)
                return fail(err, n, "executor arguments must not be empty");
        /* The program itself must not depend on the alert. */
        if (index == 0 && (n->value[0] != '/' || strstr(n->value, "{{")))
                return fail(err, n, "executor[0] must be an absolute path without placeholders");
        return check_template(n, true, err);
}

static int check_parameter(const struct node *n, size_t index, struct config_error *err) {
        (void) index;
        return check_template(n, false, err);
}

/* ---- the schema ---- */

enum {
        RATE_PER_HOUR,
        RATE_PER_ALERT,
        RATE_COOLDOWN,
        _RATE_MAX,
};

static const char *const rate_keys[_RATE_MAX] = {
        [RATE_PER_HOUR] = "max_executions_per_hour",
        [RATE_PER_ALERT] = "max_executions_per_alert",
        [RATE_COOLDOWN] = "cooldown_minutes",
};

static int parse_rate_limit(const struct node *map, struct config *c, struct config_error *err) {
        const struct node *k[_RATE_MAX] = {}, *v[_RATE_MAX] = {};
        int r;

        r = read_mapping(map, rate_keys, _RATE_MAX, k, v, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < _RATE_MAX; i++) {
                r = require(map, v[i], rate_keys[i], err);
                if (r < 0)
                        return r;
        }
        r = get_int(v[RATE_PER_HOUR], rate_keys[RATE_PER_HOUR], 1, 10000,
                    &c->max_executions_per_hour, err);
        if (r < 0)
                return r;
        r = get_int(v[RATE_PER_ALERT], rate_keys[RATE_PER_ALERT], 1, 10000,
                    &c->max_executions_per_alert, err);
        if (r < 0)
                return r;
        return get_int(v[RATE_COOLDOWN], rate_keys[RATE_COOLDOWN], 0, 1440, &c->cooldown_minutes,
                       err);
}

enum {
        IDEM_WINDOW,
        IDEM_KEY_FIELDS,
        _IDEM_MAX,
};

static const char *const idem_keys[_IDEM_MAX] = {
        [IDEM_WINDOW] = "window_minutes",
        [IDEM_KEY_FIELDS] = "key_fields",
};

static int parse_idempotency(const struct node *map, struct config *c, struct config_error *err) {
        const struct node *k[_IDEM_MAX] = {}, *v[_IDEM_MAX] = {};
        int r;

        r = read_mapping(map, idem_keys, _IDEM_MAX, k, v, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < _IDEM_MAX; i++) {
                r = require(map, v[i], idem_keys[i], err);
                if (r < 0)
                        return r;
        }
        r = get_int(v[IDEM_WINDOW], idem_keys[IDEM_WINDOW], 0, 1440,
                    &c->idempotency_window_minutes, err);
        if (r < 0)
                return r;
        return get_string_list(v[IDEM_KEY_FIELDS], idem_keys[IDEM_KEY_FIELDS], 1, 8,
                               check_label_name, c->key_fields, &c->n_key_fields, err);
}

enum {
        SEC_BIND_ADDRESS,
        SEC_PORT,
        SEC_AUTH_TOKEN_FILE,
        SEC_AUTH_TOKEN,                         /* recognised only to be refused */
        _SEC_MAX,
};

static const char *const sec_keys[_SEC_MAX] = {
        [SEC_BIND_ADDRESS] = "bind_address",
        [SEC_PORT] = "port",
        [SEC_AUTH_TOKEN_FILE] = "auth_token_file",
        [SEC_AUTH_TOKEN] = "auth_token",
};

static int parse_security(const struct node *map, struct config *c, struct config_error *err) {
        const struct node *k[_SEC_MAX] = {}, *v[_SEC_MAX] = {};
        int r;

        r = read_mapping(map, sec_keys, _SEC_MAX, k, v, err);
        if (r < 0)
                return r;
        if (k[SEC_AUTH_TOKEN])
                return fail(err, k[SEC_AUTH_TOKEN], "auth_token is not supported: put the token "
                            "in a file and set auth_token_file");
        r = require(map, v[SEC_BIND_ADDRESS], sec_keys[SEC_BIND_ADDRESS], err);
        if (r < 0)
                return r;
        r = require(map, v[SEC_PORT], sec_keys[SEC_PORT], err);
        if (r < 0)
                return r;

        r = get_string(v[SEC_BIND_ADDRESS], &c->bind_address, err);
        if (r < 0)
                return r;
        r = get_int(v[SEC_PORT], sec_keys[SEC_PORT], 1, 65535, &c->port, err);
        if (r < 0)
                return r;
        if (v[SEC_AUTH_TOKEN_FILE]) {
                r = check_string(v[SEC_AUTH_TOKEN_FILE], err);
                if (r < 0)
                        return r;
                r = check_not_empty(v[SEC_AUTH_TOKEN_FILE], 0, err);
                if (r < 0)
                        return r;
                r = copy_string(v[SEC_AUTH_TOKEN_FILE], &c->auth_token_file, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

enum {
        CB_FAILURE_THRESHOLD,
        CB_RESET_TIMEOUT,
        _CB_MAX,
};

static const char *const cb_keys[_CB_MAX] = {
        [CB_FAILURE_THRESHOLD] = "failure_threshold",
        [CB_RESET_TIMEOUT] = "reset_timeout_minutes",
};

static int parse_circuit_breaker(const struct node *map, struct config *c,
                                 struct config_error *err) {
        const struct node *k[_CB_MAX] = {}, *v[_CB_MAX] = {};
        int r;

        r = read_mapping(map, cb_keys, _CB_MAX, k, v, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < _CB_MAX; i++) {
                r = require(map, v[i], cb_keys[i], err);
                if (r < 0)
                        return r;
        }
        r = get_int(v[CB_FAILURE_THRESHOLD], cb_keys[CB_FAILURE_THRESHOLD], 1, 100,
                    &c->failure_threshold, err);
        if (r < 0)
                return r;
        return get_int(v[CB_RESET_TIMEOUT], cb_keys[CB_RESET_TIMEOUT], 1, 1440,
                       &c->reset_timeout_minutes, err);
}

enum {
        CFG_RATE_LIMIT,
        CFG_IDEMPOTENCY,
        CFG_SECURITY,
        CFG_CIRCUIT_BREAKER,
        CFG_CONFIDENCE_THRESHOLD,
        CFG_EXECUTOR,
        CFG_PLAYBOOK_TIMEOUT,
        CFG_RESPONSE_DEADLINE,
        _CFG_REQUIRED,                          /* the keys before this are required */
        CFG_MAX_BODY_BYTES = _CFG_REQUIRED,
        CFG_READ_TIMEOUT,
        CFG_METRICS_TEXTFILE,
        _CFG_MAX,
};

static const char *const cfg_keys[_CFG_MAX] = {
        [CFG_RATE_LIMIT] = "rate_limit",
        [CFG_IDEMPOTENCY] = "idempotency",
        [CFG_SECURITY] = "security",
        [CFG_CIRCUIT_BREAKER] = "circuit_breaker",
        [CFG_CONFIDENCE_THRESHOLD] = "confidence_threshold",
        [CFG_EXECUTOR] = "executor",
        [CFG_PLAYBOOK_TIMEOUT] = "playbook_timeout_seconds",
        [CFG_RESPONSE_DEADLINE] = "response_deadline_seconds",
        [CFG_MAX_BODY_BYTES] = "max_body_bytes",
        [CFG_READ_TIMEOUT] = "read_timeout_seconds",
        [CFG_METRICS_TEXTFILE] = "metrics_textfile",
};

static int parse_config_section(const struct node *map, struct config *c,
                                struct config_error *err) {
        const struct node *k[_CFG_MAX] = {}, *v[_CFG_MAX] = {};
        int r;

        r = read_mapping(map, cfg_keys, _CFG_MAX, k, v, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < _CFG_REQUIRED; i++) {
                r = require(map, v[i], cfg_keys[i], err);
                if (r < 0)
                        return r;
        }

        r = parse_rate_limit(v[CFG_RATE_LIMIT], c, err);
        if (r < 0)
                return r;
        r = parse_idempotency(v[CFG_IDEMPOTENCY], c, err);
        if (r < 0)
                return r;
        r = parse_security(v[CFG_SECURITY], c, err);
        if (r < 0)
                return r;
        r = parse_circuit_breaker(v[CFG_CIRCUIT_BREAKER], c, err);
        if (r < 0)
                return r;
        r = get_int(v[CFG_CONFIDENCE_THRESHOLD], cfg_keys[CFG_CONFIDENCE_THRESHOLD], 0, 100,
                    &c->confidence_threshold, err);
        if (r < 0)
                return r;
        r = get_string_list(v[CFG_EXECUTOR], cfg_keys[CFG_EXECUTOR], 1, CONFIG_MAX_LIST,
                            check_executor_arg, c->executor, &c->n_executor, err);
        if (r < 0)
                return r;
        r = get_int(v[CFG_PLAYBOOK_TIMEOUT], cfg_keys[CFG_PLAYBOOK_TIMEOUT], 1, 86400,
                    &c->playbook_timeout_seconds, err);
        if (r < 0)
                return r;
        r = get_int(v[CFG_RESPONSE_DEADLINE], cfg_keys[CFG_RESPONSE_DEADLINE], 1, 300,
                    &c->response_deadline_seconds, err);
        if (r < 0)
                return r;

        if (v[CFG_MAX_BODY_BYTES]) {
                int bytes;

                r = get_int(v[CFG_MAX_BODY_BYTES], cfg_keys[CFG_MAX_BODY_BYTES], 1024, 16777216,
                            &bytes, err);
                if (r < 0)
                        return r;
                c->max_body_bytes = (size_t) bytes;
        }
        if (v[CFG_READ_TIMEOUT]) {
                r = get_int(v[CFG_READ_TIMEOUT], cfg_keys[CFG_READ_TIMEOUT], 1, 300,
                            &c->read_timeout_seconds, err);
                if (r < 0)
                        return r;
        }
        if (v[CFG_METRICS_TEXTFILE]) {
                const struct node *n = v[CFG_METRICS_TEXTFILE];

                r = check_string(n, err);
                if (r < 0)
                        return r;
                if (n->value[0] != '/')
                        return fail(err, n, "metrics_textfile must be an absolute path");
                r = copy_string(n, &c->metrics_textfile, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

enum {
        RT_ALERTNAME,
        RT_PLAYBOOK,
        RT_CONFIDENCE,
        RT_PRIORITY,
        RT_REQUIRES_CONFIRMATION,
        RT_PARAMETERS,
        RT_MANUAL_MTTR,
        _RT_MAX,
};

static const char *const route_keys[_RT_MAX] = {
        [RT_ALERTNAME] = "alertname",
        [RT_PLAYBOOK] = "playbook",
        [RT_CONFIDENCE] = "confidence",
        [RT_PRIORITY] = "priority",
        [RT_REQUIRES_CONFIRMATION] = "requires_confirmation",
        [RT_PARAMETERS] = "parameters",
        [RT_MANUAL_MTTR] = "manual_mttr_minutes",
};

static bool is_alertname(const char *s, size_t len) {
        if (len == 0 || len > ROUTE_MAX_ALERTNAME)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_' ||
                        ch == ':' || (i > 0 && ch >= '0' && ch <= '9');

                if (!ok)
                        return false;
        }
        return true;
}

static bool is_playbook_name(const char *s, size_t len) {
        if (len == 0 || len > ROUTE_MAX_PLAYBOOK)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                        (i > 0 && (ch == '.' || ch == '_' || ch == '-'));

                if (!ok)
                        return false;
        }
        return true;
}

/* names[] holds the alertname nodes of the routes before this one. */
static int parse_route(const struct node *map, const struct node **names, size_t index,
                       struct route *rt, struct config_error *err) {
        static const char *const priorities[] = { "low", "medium", "high", "critical" };
        const struct node *k[_RT_MAX] = {}, *v[_RT_MAX] = {};
        char buf[SHOW_MAX + 4];
        bool alert_only;
        int r;

        r = read_mapping(map, route_keys, _RT_MAX, k, v, err);
        if (r < 0)
                return r;
        for (size_t i = RT_ALERTNAME; i <= RT_CONFIDENCE; i++) {
                r = require(map, v[i], route_keys[i], err);
                if (r < 0)
                        return r;
        }

        r = check_string(v[RT_ALERTNAME], err);
        if (r < 0)
                return r;
        if (!is_alertname(v[RT_ALERTNAME]->value, v[RT_ALERTNAME]->len))
                return fail(err, v[RT_ALERTNAME], "'%s' is not a valid alertname",
                            show(buf, v[RT_ALERTNAME]->value, v[RT_ALERTNAME]->len));
        for (size_t i = 0; i < index; i++)
                if (strcmp(names[i]->value, v[RT_ALERTNAME]->value) == 0)
                        return fail(err, v[RT_ALERTNAME], "duplicate alertname '%s' (first at line %d)",
                                    v[RT_ALERTNAME]->value, names[i]->line);
        names[index] = v[RT_ALERTNAME];
        r = copy_string(v[RT_ALERTNAME], &rt->alertname, err);
        if (r < 0)
                return r;

        r = check_string(v[RT_PLAYBOOK], err);
        if (r < 0)
                return r;
        alert_only = scalar_is(v[RT_PLAYBOOK], "none");
        if (!alert_only) {
                if (!is_playbook_name(v[RT_PLAYBOOK]->value, v[RT_PLAYBOOK]->len))
                        return fail(err, v[RT_PLAYBOOK], "'%s' is not a valid playbook name "
                                    "([a-z0-9][a-z0-9._-]*, at most %d bytes, or none)",
                                    show(buf, v[RT_PLAYBOOK]->value, v[RT_PLAYBOOK]->len),
                                    ROUTE_MAX_PLAYBOOK);
                r = copy_string(v[RT_PLAYBOOK], &rt->playbook, err);
                if (r < 0)
                        return r;
        }

        r = get_int(v[RT_CONFIDENCE], route_keys[RT_CONFIDENCE], 0, 100, &rt->confidence, err);
        if (r < 0)
                return r;
        if (alert_only && rt->confidence != 0)
                return fail(err, v[RT_CONFIDENCE], "a route with playbook: none must have "
                            "confidence 0");

        if (v[RT_PRIORITY]) {
                size_t i;

                r = check_string(v[RT_PRIORITY], err);
                if (r < 0)
                        return r;
                for (i = 0; i < sizeof priorities / sizeof priorities[0]; i++)
                        if (scalar_is(v[RT_PRIORITY], priorities[i]))
                                break;
                if (i == sizeof priorities / sizeof priorities[0])
                        return fail(err, v[RT_PRIORITY], "priority must be one of low, medium, "
                                    "high, critical");
                r = copy_string(v[RT_PRIORITY], &rt->priority, err);
                if (r < 0)
                        return r;
        }

        if (v[RT_REQUIRES_CONFIRMATION]) {
                r = get_bool(v[RT_REQUIRES_CONFIRMATION], &rt->requires_confirmation, err);
                if (r < 0)
                        return r;
                if (alert_only && rt->requires_confirmation)
                        return fail(err, v[RT_REQUIRES_CONFIRMATION], "a route with playbook: "
                                    "none must not require confirmation");
        }

        if (v[RT_PARAMETERS]) {
                if (alert_only)
                        return fail(err, k[RT_PARAMETERS], "a route with playbook: none must not "
                                    "set parameters");
                r = get_string_list(v[RT_PARAMETERS], route_keys[RT_PARAMETERS], 0,
                                    CONFIG_MAX_LIST, check_parameter, rt->parameters,
                                    &rt->n_parameters, err);
                if (r < 0)
                        return r;
        }

        if (v[RT_MANUAL_MTTR]) {
                r = get_int(v[RT_MANUAL_MTTR], route_keys[RT_MANUAL_MTTR], 0, 1440,
                            &rt->manual_mttr_minutes, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_routes(const struct node *list, struct config *c, struct config_error *err) {
        const struct node *names[CONFIG_MAX_ROUTES];
        size_t i = 0;
        int r;

        if (list->kind != NODE_LIST)
                return fail(err, list, "expected a list");
        if (list->n_children < 1 || list->n_children > CONFIG_MAX_ROUTES)
                return fail(err, list, "routes must have between 1 and %d elements",
                            CONFIG_MAX_ROUTES);

        c->routes = calloc(list->n_children, sizeof *c->routes);
        if (!c->routes)
                return oom(err);
        c->n_routes = list->n_children;

        for (const struct node *e = list->first; e; e = e->next, i++) {
                r = parse_route(e, names, i, &c->routes[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

enum {
        TOP_CONFIG,
        TOP_SERVICE_OVERRIDES,
        TOP_OVERRIDE_LABELS,
        TOP_ROUTES,
        _TOP_MAX,
};

static const char *const top_keys[_TOP_MAX] = {
        [TOP_CONFIG] = "config",
        [TOP_SERVICE_OVERRIDES] = "service_overrides",
        [TOP_OVERRIDE_LABELS] = "override_labels",
        [TOP_ROUTES] = "routes",
};

static int parse_top(const struct node *root, struct config *c, struct config_error *err) {
        static const char *const default_override_labels[] = { "service", "name" };
        const struct node *k[_TOP_MAX] = {}, *v[_TOP_MAX] = {};
        int r;

        r = read_mapping(root, top_keys, _TOP_MAX, k, v, err);
        if (r < 0)
                return r;
        r = require(root, v[TOP_CONFIG], top_keys[TOP_CONFIG], err);
        if (r < 0)
                return r;
        r = require(root, v[TOP_ROUTES], top_keys[TOP_ROUTES], err);
        if (r < 0)
                return r;

        r = parse_config_section(v[TOP_CONFIG], c, err);
        if (r < 0)
                return r;

        if (v[TOP_SERVICE_OVERRIDES]) {
                r = get_string_list(v[TOP_SERVICE_OVERRIDES], top_keys[TOP_SERVICE_OVERRIDES], 0,
                                    CONFIG_MAX_OVERRIDES, check_not_empty, c->service_overrides,
                                    &c->n_service_overrides, err);
                if (r < 0)
                        return r;
        }

        if (v[TOP_OVERRIDE_LABELS]) {
                r = get_string_list(v[TOP_OVERRIDE_LABELS], top_keys[TOP_OVERRIDE_LABELS], 1,
                                    CONFIG_MAX_LIST, check_label_name, c->override_labels,
                                    &c->n_override_labels, err);
                if (r < 0)
                        return r;
        } else
                for (size_t i = 0; i < 2; i++) {
                        c->override_labels[i] = strdup(default_override_labels[i]);
                        if (!c->override_labels[i])
                                return oom(err);
                        c->n_override_labels++;
                }

        return parse_routes(v[TOP_ROUTES], c, err);
}

/* ---- public ---- */

int config_parse(const char *text, size_t len, const char *path, struct config *ret,
                 struct config_error *err) {
        struct config c = {
                .max_body_bytes = HTTP_DEFAULT_MAX_BODY,
                .read_timeout_seconds = HTTP_DEFAULT_READ_TIMEOUT_SEC,
        };
        struct node *root = NULL;
        int r;

        if (err)
                *err = (struct config_error) {};
        if (!ret || (!text && len > 0))
                return fail_at(err, 0, 0, "invalid arguments");
        if (len > CONFIG_MAX_FILE_BYTES) {
                (void) fail_at(err, 0, 0, "the configuration is larger than %d bytes",
                               CONFIG_MAX_FILE_BYTES);
                return -EFBIG;
        }

        r = build_tree(text ?: "", len, &root, err);
        if (r < 0)
                return r;
        r = parse_top(root, &c, err);
        node_free(root);
        if (r >= 0 && path) {
                c.path = strdup(path);
                if (!c.path)
                        r = oom(err);
        }
        if (r < 0) {
                config_free(&c);
                return r;
        }
        *ret = c;
        return 0;
}

int config_load(const char *path, struct config *ret, struct config_error *err) {
        char buf[SHOW_MAX + 4];
        struct stat st;
        char *text = NULL;
        size_t len = 0, size;
        int fd, r;

        if (err)
                *err = (struct config_error) {};
        if (!path || !ret)
                return fail_at(err, 0, 0, "invalid arguments");

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                (void) fail_at(err, 0, 0, "cannot open '%s': %s", show(buf, path, strlen(path)),
                               strerror(-r));
                return r;
        }
        if (fstat(fd, &st) < 0) {
                r = -errno;
                (void) fail_at(err, 0, 0, "cannot stat '%s': %s", show(buf, path, strlen(path)),
                               strerror(-r));
                goto finish;
        }
        if (!S_ISREG(st.st_mode)) {
                r = fail_at(err, 0, 0, "'%s' is not a regular file", show(buf, path, strlen(path)));
                goto finish;
        }
        if (st.st_size > CONFIG_MAX_FILE_BYTES) {
                (void) fail_at(err, 0, 0, "'%s' is larger than %d bytes",
                               show(buf, path, strlen(path)), CONFIG_MAX_FILE_BYTES);
                r = -EFBIG;
                goto finish;
        }

        /* One byte more than the limit allows, to notice a file that grew since fstat(). */
        size = (size_t) st.st_size + 1;
        text = malloc(size);
        if (!text) {
                r = oom(err);
                goto finish;
        }
        for (;;) {
                ssize_t n;

                if (len == size) {
                        char *bigger;

                        if (size > CONFIG_MAX_FILE_BYTES) {
                                (void) fail_at(err, 0, 0, "'%s' is larger than %d bytes",
                                               show(buf, path, strlen(path)),
                                               CONFIG_MAX_FILE_BYTES);
                                r = -EFBIG;
                                goto finish;
                        }
                        size = size * 2 > CONFIG_MAX_FILE_BYTES + 1 ? CONFIG_MAX_FILE_BYTES + 1
                                                                    : size * 2;
                        bigger = realloc(text, size);
                        if (!bigger) {
                                r = oom(err);
                                goto finish;
                        }
                        text = bigger;
                }
                n = read(fd, text + len, size - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        (void) fail_at(err, 0, 0, "cannot read '%s': %s",
                                       show(buf, path, strlen(path)), strerror(-r));
                        goto finish;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }

        r = config_parse(text, len, path, ret, err);
finish:
        free(text);
        (void) close(fd);
        return r;
}

void config_free(struct config *c) {
        if (!c)
                return;
        free(c->path);
        for (size_t i = 0; i < c->n_key_fields; i++)
                free(c->key_fields[i]);
        free(c->bind_address);
        free(c->auth_token_file);
        for (size_t i = 0; i < c->n_executor; i++)
                free(c->executor[i]);
        free(c->metrics_textfile);
        for (size_t i = 0; i < c->n_service_overrides; i++)
                free(c->service_overrides[i]);
        for (size_t i = 0; i < c->n_override_labels; i++)
                free(c->override_labels[i]);
        for (size_t i = 0; i < c->n_routes; i++) {
                struct route *rt = &c->routes[i];

                free(rt->alertname);
                free(rt->playbook);
                free(rt->priority);
                for (size_t j = 0; j < rt->n_parameters; j++)
                        free(rt->parameters[j]);
        }
        free(c->routes);
        *c = (struct config) {};
}

const struct route *config_find_route(const struct config *c, const char *alertname) {
        if (!c || !alertname)
                return NULL;
        for (size_t i = 0; i < c->n_routes; i++)
                if (c->routes[i].alertname && strcmp(c->routes[i].alertname, alertname) == 0)
                        return &c->routes[i];
        return NULL;
}
