/* remediationctl's shared helpers: see ctl.h. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>
#include "ctl.h"
#include "history.h"
#include "util.h"

void ctl_fail(const char *fmt, ...) {
        va_list ap;
        fprintf(stderr, "%s: ", program_invocation_short_name);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* "1h02m", "14m30s", "45s"; "-" for nothing left. */
const char *ctl_span(char buf[static 32], int64_t s) {
        if (s <= 0)
                snprintf(buf, 32, "-");
        else if (s >= 86400)
                snprintf(buf, 32, "%lldd%02lldh", (long long) (s / 86400), (long long) (s % 86400 / 3600));
        else if (s >= 3600)
                snprintf(buf, 32, "%lldh%02lldm", (long long) (s / 3600), (long long) (s % 3600 / 60));
        else if (s >= 60)
                snprintf(buf, 32, "%lldm%02llds", (long long) (s / 60), (long long) (s % 60));
        else
                snprintf(buf, 32, "%llds", (long long) s);
        return buf;
}

const char *ctl_utc(char buf[static 32], int64_t t) {
        time_t tt = (time_t) t;
        struct tm tm;
        if (!gmtime_r(&tt, &tm) || !strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm))
                snprintf(buf, 32, "%lld", (long long) t);
        return buf;
}

const char *ctl_jstr(const cJSON *o, const char *name) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
        return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool ctl_jhas(const cJSON *o, const char *name) {
        return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, name));
}

int64_t ctl_jnum(const cJSON *o, const char *name) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
        /* Values from the decision log: anything beyond ±9e15 is damage, not a number to cast. */
        return cJSON_IsNumber(v) && v->valuedouble > -9e15 && v->valuedouble < 9e15 ?
               (int64_t) v->valuedouble : 0;
}

void ctl_add_int_or_null(cJSON *o, const char *name, bool have, int64_t v) {
        cJSON_AddItemToObject(o, name, have ? cJSON_CreateNumber((double) v) : cJSON_CreateNull());
}

int ctl_print_json(cJSON *doc) {
        char *text = doc ? cJSON_Print(doc) : NULL;
        if (!text) {
                ctl_fail("out of memory");
                return -ENOMEM;
        }
        puts(text);
        free(text);
        return 0;
}

void ctl_print_labels(const cJSON *labels) {
        const cJSON *it;
        char n[TERM_TEXT_MAX], v[TERM_TEXT_MAX];
        bool first = true;

        fputs(" {", stdout);
        cJSON_ArrayForEach(it, labels) {
                if (strcmp(it->string, "alertname") == 0)
                        continue;
                printf("%s%s=\"%s\"", first ? "" : ", ", term_escape(n, sizeof(n), it->string),
                       term_escape(v, sizeof(v), cJSON_GetStringValue(it)));
                first = false;
        }
        fputs("}", stdout);
}

int ctl_need_config(struct ctl *c) {
        if (c->rt.cfg_error == 0)
                return 0;
        ctl_fail("configuration %s is not usable (see above)", c->rt.config_path);
        return -EINVAL;
}

/* The state as the handler's next locked step would see it, read without the lock and never
 * written: a missing or corrupt state.json is rebuilt in memory from the decision log, as the
 * handler's next step would rebuild it. *ret_origin says which. */
int ctl_read_state(struct ctl *c, int64_t now, struct state *st, const char **ret_origin) {
        int r = rt_read_state(&c->rt, st);

        *ret_origin = "ok";
        if (r == 0)
                return 0;
        if (r != -ENOENT && r != -EBADMSG) {
                ctl_fail("state in %s unreadable: %s", c->rt.state_dir, strerror(-r));
                return r;
        }
        *ret_origin = r == -ENOENT ? "missing" : "corrupt";
        *st = (struct state) {};
        r = history_rebuild(&c->rt.cfg, c->rt.decision_log, now, st);
        if (r < 0) {
                ctl_fail("state not rebuilt from %s: %s", c->rt.decision_log, strerror(-r));
                return r;
        }
        return 0;
}

const char *ctl_state_note(const char *origin) {
        return strcmp(origin, "ok") == 0 ? "" :
               strcmp(origin, "missing") == 0 ? " (no state file: rebuilt from the decision log)" :
                                                " (state file corrupt: rebuilt from the decision log)";
}

int ctl_parse_window(const char *s, int64_t max_sec, int64_t *ret) {
        size_t len = strlen(s);
        uint64_t v;
        int64_t unit;

        if (len < 2)
                return -EINVAL;
        switch (s[len - 1]) {
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return -EINVAL;
        }
        if (parse_uint_range(s, len - 1, 1, (uint64_t) (max_sec / unit), &v) < 0)
                return -ERANGE;
        *ret = (int64_t) v * unit;
        return 0;
}

void ctl_operator_name(char *buf, size_t size) {
        const char *sudo = getenv("SUDO_USER");
        uid_t uid = getuid();
        struct passwd *pw = getpwuid(uid);

        if (sudo && *sudo)
                snprintf(buf, size, "%s via sudo (uid %u)", sudo, (unsigned) uid);
        else
                snprintf(buf, size, "%s (uid %u)", pw ? pw->pw_name : "unknown", (unsigned) uid);
}

int ctl_set_source(struct ctl *c) {
        c->rt.source = c->source ? source_from_name(c->source) : SOURCE_OPERATOR;
        if (c->rt.source != SOURCE_TIMER && c->rt.source != SOURCE_OPERATOR) {
                ctl_fail("--source must be timer or operator");
                return -EINVAL;
        }
        return 0;
}

void ctl_record_operator(struct ctl *c, struct audit_record *rec) {
        rec->source = SOURCE_OPERATOR;
        rec->by = c->who;
        if (!rec->timestamp_ms)
                rec->timestamp_ms = now_realtime_ms();
        if (c->rt.log_fd < 0)
                rt_open_log(&c->rt);
        rt_record(&c->rt, rec);
}

int ctl_exit_for(const struct decision *d) {
        switch (d->action) {
        case ACTION_EXECUTED: return EXIT_OK;
        case ACTION_BLOCKED:  return EXIT_BLOCKED;
        case ACTION_ESCALATE: return EXIT_ESCALATED;
        case ACTION_SKIPPED:  return EXIT_SKIPPED;
        case ACTION_SHADOW:   return EXIT_SKIPPED;      /* a shadow route executes nothing */
        default:              return EXIT_ERROR;    /* not decided: a gate failed */
        }
}

