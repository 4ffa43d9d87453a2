/* remediationctl explain: every gate's verdict on an alert and the decision the handler would
 * make, on a private copy of the state that is never saved. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ctl.h"
#include "params.h"
#include "util.h"

/* TIME: epoch seconds, or "YYYY-MM-DD HH:MM:SS" in UTC. */
static int parse_time(const char *s, int64_t *ret) {
        uint64_t v;
        struct tm tm = {};

        if (parse_uint_range(s, strlen(s), 0, INT32_MAX * 4ULL, &v) == 0) {
                *ret = (int64_t) v;
                return 0;
        }
        const char *end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
        if (!end || *end)
                return -EINVAL;
        *ret = (int64_t) timegm(&tm);
        return 0;
}

/* alertname=NAME [LABEL=VALUE ...] (split in place) as one firing alert. */
static int alert_from_args(struct ctl *c, struct alert *a) {
        *a = (struct alert) { .firing = true, .alertname = NULL, .fingerprint = "", .starts_at = "",
                              .ends_at = "", .generator_url = "" };
        for (int i = 0; i < c->n_args; i++) {
                char *eq = strchr(c->args[i], '=');
                if (!eq || eq == c->args[i]) {
                        ctl_fail("'%s' is not LABEL=VALUE", c->args[i]);
                        return -EINVAL;
                }
                *eq = '\0';
                if (alert_label(a, c->args[i])) {
                        ctl_fail("label %s given twice", c->args[i]);
                        return -EINVAL;
                }
                a->labels[a->n_labels++] = (struct kv) { c->args[i], eq + 1 };
                if (strcmp(c->args[i], "alertname") == 0)
                        a->alertname = eq + 1;
        }
        if (!a->alertname) {
                ctl_fail("explain needs alertname=NAME (or an Alertmanager payload on standard input)");
                return -EINVAL;
        }
        return 0;
}

static int read_payload(struct ctl *c, char **ret, size_t *ret_len) {
        return read_fd_bounded(STDIN_FILENO, c->rt.cfg.max_body_bytes, ret, ret_len);
}

/* What a passing gate found that the next ones use: worth showing. */
static void pass_detail(enum gate g, const struct decision *d, const struct config *cfg, char *buf, size_t size) {
        _cleanup_free_ char *params = NULL;
        buf[0] = '\0';
        if (g == GATE_NO_ROUTE && d->route)
                snprintf(buf, size, "route: %s, confidence %d%%", d->route->playbook ?: "none",
                         d->route->confidence);
        else if (g == GATE_PARAMETER_INVALID && d->argv.n > cfg->n_executor &&
                 (params = params_join(&d->argv, cfg->n_executor)) && *params)
                snprintf(buf, size, "parameters: %s", params);
        else if (g == GATE_IDEMPOTENCY && d->key[0])
                snprintf(buf, size, "key %s", d->key);
        else if (g == GATE_CIRCUIT_OPEN && d->trial)
                snprintf(buf, size, "half-open: this execution would be the trial");
}

/* Names and values from the command line or a payload, as valid UTF-8 JSON text. */
static void add_text(cJSON *o, const char *name, const char *value) {
        char n[PAYLOAD_MAX_NAME * 3 + 1], v[PAYLOAD_MAX_VALUE * 3 + 1];
        utf8_sanitize(n, sizeof(n), name, strlen(name), PAYLOAD_MAX_NAME);
        utf8_sanitize(v, sizeof(v), value, strlen(value), PAYLOAD_MAX_VALUE);
        cJSON_AddStringToObject(o, n, v);
}

static cJSON *explain_one(struct ctl *c, struct state *st, const struct alert *a, int64_t at, int *ret_exit) {
        struct gate_verdict v[_GATE_MAX];
        struct decision d;
        char detail[EXEC_MAX_ARGS * 64 + 600];
        cJSON *o = cJSON_CreateObject(), *labels, *gates, *dec;

        size_t n = (size_t) gates_evaluate(&c->rt.cfg, st, a, at, &d, v);
        *ret_exit = ctl_exit_for(&d);
        add_text(o, "alert", a->alertname);
        labels = cJSON_AddObjectToObject(o, "labels");
        for (size_t i = 0; i < a->n_labels; i++)
                add_text(labels, a->labels[i].name, a->labels[i].value);
        gates = cJSON_AddArrayToObject(o, "gates");
        for (size_t i = 0; i < n; i++) {
                cJSON *gv = cJSON_CreateObject();
                cJSON_AddStringToObject(gv, "gate", gate_name(v[i].gate));
                cJSON_AddStringToObject(gv, "verdict", v[i].error ? "error" : v[i].action ? "stop" : "pass");
                if (v[i].error)
                        snprintf(detail, sizeof(detail), "%s", strerror(-v[i].error));
                else if (v[i].action)
                        snprintf(detail, sizeof(detail), "%s", v[i].reason);
                else
                        pass_detail(v[i].gate, &d, &c->rt.cfg, detail, sizeof(detail));
                cJSON_AddStringToObject(gv, "detail", detail);
                cJSON_AddItemToArray(gates, gv);
        }
        dec = cJSON_AddObjectToObject(o, "decision");
        cJSON_AddStringToObject(dec, "action", action_name(d.action));
        cJSON_AddItemToObject(dec, "gate", d.gate ? cJSON_CreateString(gate_name(d.gate)) : cJSON_CreateNull());
        cJSON_AddStringToObject(dec, "reason", d.reason);
        cJSON_AddItemToObject(dec, "playbook", d.route && d.route->playbook ?
                              cJSON_CreateString(d.route->playbook) : cJSON_CreateNull());
        _cleanup_free_ char *params = params_join(&d.argv, c->rt.cfg.n_executor);
        cJSON_AddItemToObject(dec, "parameters", params && *params ? cJSON_CreateString(params) : cJSON_CreateNull());
        cJSON_AddBoolToObject(dec, "trial", d.action == ACTION_EXECUTED && d.trial);
        cJSON_AddNumberToObject(dec, "exit_code", *ret_exit);
        /* The next alert of a payload sees this one's reservation, as in the handler's batch; in
         * this private copy only, which is never saved. */
        if (gates_apply(&c->rt.cfg, st, a, &d) < 0) {
                cJSON_Delete(o);
                o = NULL;
        }
        decision_free(&d);
        return o;
}

/* Alert names, labels, reasons and parameters come from the payload or the command line:
 * escaped, so none reaches the terminal as a control sequence. */
static void explain_print(const cJSON *doc) {
        const cJSON *al, *it;
        char t[32], e1[TERM_TEXT_MAX], e2[TERM_TEXT_MAX];

        printf("Decisions at %s UTC%s\n", ctl_utc(t, ctl_jnum(doc, "at")), ctl_state_note(ctl_jstr(doc, "state")));
        cJSON_ArrayForEach(al, cJSON_GetObjectItemCaseSensitive(doc, "alerts")) {
                const cJSON *dec = cJSON_GetObjectItemCaseSensitive(al, "decision");
                printf("\n%s", term_escape(e1, sizeof(e1), ctl_jstr(al, "alert")));
                ctl_print_labels(cJSON_GetObjectItemCaseSensitive(al, "labels"));
                printf("\n  %-18s %-7s %s\n", "GATE", "VERDICT", "DETAIL");
                cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(al, "gates")) {
                        const char *verdict = ctl_jstr(it, "verdict");
                        printf("  %-18s %-7s %s\n", ctl_jstr(it, "gate"), strcmp(verdict, "pass") == 0 ? "pass" :
                               strcmp(verdict, "stop") == 0 ? "STOP" : "ERROR",
                               term_escape(e1, sizeof(e1), ctl_jstr(it, "detail")));
                }
                const char *gate = ctl_jstr(dec, "gate"), *params = ctl_jstr(dec, "parameters");
                if (strcmp(ctl_jstr(dec, "action"), "executed") == 0)
                        printf("  => would execute %s%s%s%s\n", term_escape(e1, sizeof(e1), ctl_jstr(dec, "playbook")),
                               params ? " " : "", params ? term_escape(e2, sizeof(e2), params) : "",
                               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dec, "trial")) ?
                               " (half-open breaker: trial execution)" : "");
                else if (strcmp(ctl_jstr(dec, "action"), "shadow") == 0)   /* the reason says what it would do */
                        printf("  => shadow: %s\n", term_escape(e1, sizeof(e1), ctl_jstr(dec, "reason")));
                else
                        printf("  => %s%s%s: %s\n", ctl_jstr(dec, "action"), gate ? " by " : "", gate ? gate : "",
                               term_escape(e1, sizeof(e1), ctl_jstr(dec, "reason")));
        }
}

int ctl_explain(struct ctl *c) {
        struct payload p = {};
        struct alert one;
        const struct alert *alerts = &one;
        size_t n_alerts = 1;
        _cleanup_free_ char *body = NULL;
        struct state st = {};
        const char *origin;
        int64_t at = now_realtime_ms() / 1000;
        int r, ret = EXIT_ERROR, exit_code = EXIT_OK;

        if (ctl_need_config(c) < 0)
                return EXIT_ERROR;
        if (c->at && parse_time(c->at, &at) < 0) {
                ctl_fail("--at '%s': expected epoch seconds or \"YYYY-MM-DD HH:MM:SS\" (UTC)", c->at);
                return EXIT_USAGE;
        }
        if (c->n_args > 0) {
                if (alert_from_args(c, &one) < 0)
                        return EXIT_USAGE;
        } else {
                char why[256];
                size_t len = 0;
                if (isatty(STDIN_FILENO)) {
                        ctl_fail("explain needs alertname=NAME [LABEL=VALUE ...] or a payload on standard input");
                        return EXIT_USAGE;
                }
                if ((r = read_payload(c, &body, &len)) < 0) {
                        ctl_fail("payload on standard input: %s", r == -EFBIG ? "larger than max_body_bytes" : strerror(-r));
                        return EXIT_USAGE;
                }
                if (payload_parse(body, len, &p, why, sizeof(why)) != 0) {
                        ctl_fail("payload on standard input: %s", why);
                        return EXIT_USAGE;
                }
                alerts = p.alerts, n_alerts = p.n_alerts;
        }
        if (ctl_read_state(c, at, &st, &origin) < 0)
                goto out;
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddNumberToObject(doc, "at", (double) at);
        cJSON_AddStringToObject(doc, "state", origin);
        cJSON *arr = cJSON_AddArrayToObject(doc, "alerts");
        for (size_t i = 0; arr && i < n_alerts; i++) {
                int code;
                cJSON *o = explain_one(c, &st, &alerts[i], at, &code);
                if (!o) {
                        ctl_fail("out of memory");
                        arr = NULL;
                        break;
                }
                cJSON_AddItemToArray(arr, o);
                if (exit_code == EXIT_OK)
                        exit_code = code;
        }
        if (arr && (c->json ? ctl_print_json(doc) == 0 : (explain_print(doc), true)))
                ret = exit_code;
        cJSON_Delete(doc);
out:
        state_free(&st);
        payload_free(&p);
        return ret;
}

