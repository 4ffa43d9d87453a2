/* remediationctl: what remediation-webhook's gates know and did, and a way in for timers and
 * operators that goes through the same gates, the same lock and the same decision log.
 *
 *   remediationctl [OPTIONS] status [--json]
 *   remediationctl [OPTIONS] explain [--at TIME] [--json] alertname=NAME [LABEL=VALUE ...]
 *   remediationctl [OPTIONS] explain [--at TIME] [--json] < payload.json
 *   remediationctl [OPTIONS] run PLAYBOOK [--alert NAME] [--label K=V ...] [--source timer|operator] [--json]
 *   remediationctl [OPTIONS] reset-breaker PLAYBOOK
 *   remediationctl [OPTIONS] forget KEY
 *   remediationctl [OPTIONS] report [--since 24h|7d|Nh|Nd] [--json]
 *   remediationctl [OPTIONS] pause [PLAYBOOK] [--for DURATION] [--reason TEXT]
 *   remediationctl [OPTIONS] resume [PLAYBOOK]
 *   remediationctl [OPTIONS] pending [--json]
 *   remediationctl [OPTIONS] approve ID
 *   remediationctl [OPTIONS] deny ID
 *   remediationctl [OPTIONS] replay [--since 7d] [--json]        (OPTIONS: --config NEW.yml)
 *   remediationctl [OPTIONS] verify [--json]
 *
 * OPTIONS are the handler's: --config FILE, --state-dir DIR, --decision-log FILE, same defaults.
 * `run`, `reset-breaker`, `forget`, `pause`, `resume`, `approve` and `deny` change the state only in the handler's locked step
 * (rt_with_state) and record what they did in the decision log and the journal; `status`,
 * `explain` and `report` only read.
 *
 * Exit codes (documented in --help; scripts may switch on them):
 *   0  done; run: the playbook ran and succeeded; explain: every alert would execute
 *   1  error: invalid config, state or decision log unusable (run: nothing was executed)
 *   2  usage; or nothing to act on: no route runs PLAYBOOK, no breaker to reset, no such key,
 *      nothing paused to resume, no such approval or one already answered or expired
 *   3  run, approve: the playbook ran and failed, timed out or was aborted
 *   4  run, explain, approve: blocked by a gate (an approval then stays pending)
 *   5  run, explain: escalated (confidence below the threshold or confirmation required)
 *   6  run, explain: skipped (resolved, no route, alert-only route, shadow route)
 * explain exits with the code `run` would have for the first alert that would not execute.
 *   7  verify: Alertmanager not asked successfully (each execution past its window has one
 *      attempt more; at VERIFY_AM_MAX_ATTEMPTS its verdict is `unknown`)
 * replay exits as diff(1): 0 no decision differs, 1 one does, 2 usage or trouble. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "batch.h"
#include "ctl.h"
#include "history.h"
#include "report.h"
#include "util.h"

#define REPORT_MAX_BYTES        ((size_t) 1 << 30)      /* read at most the log's last GiB */
#define REPORT_MAX_WINDOW_SEC   (366LL * 24 * 3600)

/* ---- run ---- */

static const struct route *route_for_run(struct ctl *c, const char *playbook) {
        const struct config *cfg = &c->rt.cfg;
        const struct route *r;

        if (c->alert) {
                r = config_find_route(cfg, c->alert);
                if (!r)
                        ctl_fail("no route for alert %s", c->alert);
                else if (!r->playbook || strcmp(r->playbook, playbook) != 0)
                        ctl_fail("alert %s runs %s, not %s", c->alert, r->playbook ?: "no playbook (alert only)", playbook);
                return r && r->playbook && strcmp(r->playbook, playbook) == 0 ? r : NULL;
        }
        for (size_t i = 0; i < cfg->n_routes; i++)
                if (cfg->routes[i].playbook && strcmp(cfg->routes[i].playbook, playbook) == 0)
                        return &cfg->routes[i];
        ctl_fail("no route runs playbook %s: it would go through no gate (see the routes in %s)", playbook,
             c->rt.config_path);
        return NULL;
}

static void put_output(cJSON *o, const char *name, const char *s, size_t len) {
        char clean[EXEC_CAPTURE_BYTES * 3 + 1];
        utf8_sanitize(clean, sizeof(clean), s, len, EXEC_CAPTURE_BYTES);
        cJSON_AddStringToObject(o, name, clean);
}

static int cmd_run(struct ctl *c) {
        const char *playbook = c->args[0];
        char host[HOST_NAME_MAX + 1] = "localhost";
        struct alert a = { .firing = true, .fingerprint = "", .starts_at = "", .ends_at = "", .generator_url = "" };
        struct batch b;
        const struct route *route;
        int r;

        if (ctl_need_config(c) < 0)
                return EXIT_ERROR;
        if (ctl_set_source(c) < 0)
                return EXIT_USAGE;
        if (!(route = route_for_run(c, playbook)))
                return EXIT_USAGE;
        a.alertname = route->alertname;
        a.labels[a.n_labels++] = (struct kv) { "alertname", a.alertname };
        for (size_t i = 0; i < c->n_labels; i++) {
                char *eq = strchr(c->labels[i], '=');
                if (!eq || eq == c->labels[i] || a.n_labels >= PAYLOAD_MAX_LABELS) {
                        ctl_fail("--label '%s' is not KEY=VALUE", c->labels[i]);
                        return EXIT_USAGE;
                }
                *eq = '\0';
                if (alert_label(&a, c->labels[i])) {
                        ctl_fail("label %s given twice (the alert name comes from --alert)", c->labels[i]);
                        return EXIT_USAGE;
                }
                a.labels[a.n_labels++] = (struct kv) { c->labels[i], eq + 1 };
        }
        if (!alert_label(&a, "instance") && a.n_labels < PAYLOAD_MAX_LABELS) {
                if (gethostname(host, sizeof(host)) < 0)
                        snprintf(host, sizeof(host), "localhost");
                host[sizeof(host) - 1] = '\0';
                a.labels[a.n_labels++] = (struct kv) { "instance", host };
        }

        if ((r = batch_init(&b, &a, 1)) < 0) {
                ctl_fail("cannot start: %s", strerror(-r));
                return EXIT_ERROR;
        }
        rt_open_log(&c->rt);
        if ((r = batch_decide(&c->rt, &b, 0)) < 0) {
                ctl_fail("state unavailable (%s): nothing executed", strerror(-r));
                batch_free(&b);
                return EXIT_ERROR;
        }
        batch_start(&c->rt, &b);
        batch_wait(&b, -1);
        batch_record(&c->rt, &b);
        batch_log(&c->rt, &b);

        const struct decision *d = &b.decisions[0];
        const struct exec_job *job = b.n_jobs ? &b.jobs[0] : NULL;
        int ret = job ? (job->result == RESULT_SUCCESS ? EXIT_OK : EXIT_FAILED) : ctl_exit_for(d);
        double secs = job ? (double) (job->ended_ms - job->started_ms) / 1000.0 : 0;
        if (c->json) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "alert", a.alertname);
                cJSON_AddStringToObject(o, "playbook", playbook);
                cJSON_AddStringToObject(o, "source", source_name(c->rt.source));
                cJSON_AddStringToObject(o, "action", action_name(d->action));
                cJSON_AddItemToObject(o, "gate", d->gate ? cJSON_CreateString(gate_name(d->gate)) : cJSON_CreateNull());
                cJSON_AddStringToObject(o, "reason", d->reason);
                cJSON_AddItemToObject(o, "result", job ? cJSON_CreateString(result_name(job->result)) : cJSON_CreateNull());
                ctl_add_int_or_null(o, "exit_code", job != NULL, job ? job->exit_code : 0);
                cJSON_AddItemToObject(o, "duration_seconds", job ? cJSON_CreateNumber(secs) : cJSON_CreateNull());
                if (job) {
                        put_output(o, "stdout", job->out, job->out_len);
                        put_output(o, "stderr", job->err, job->err_len);
                }
                cJSON_AddNumberToObject(o, "exit", ret);
                if (ctl_print_json(o) < 0)
                        ret = EXIT_ERROR;
                cJSON_Delete(o);
        } else if (job) {
                printf("%s for %s (source %s): %s, exit %d, %.3f s\n", playbook, a.alertname, source_name(c->rt.source),
                       result_name(job->result), job->exit_code, secs);
                fwrite(job->out, 1, job->out_len, stdout);
                fwrite(job->err, 1, job->err_len, stderr);
        } else
                printf("%s for %s (source %s): %s%s%s: %s\n", playbook, a.alertname, source_name(c->rt.source),
                       action_name(d->action), d->gate ? " by " : "", d->gate ? gate_name(d->gate) : "", d->reason);
        batch_free(&b);
        return ret;
}

/* ---- operator overrides ---- */

struct override {
        const char *what;               /* the playbook, or the key */
        int64_t now;
        enum breaker_state was;
        int failures;
        int64_t handled_at;
};

static int reset_breaker_step(struct runtime *rt, struct state *st, void *data) {
        struct override *o = data;
        struct breaker *b = state_breaker(st, o->what, 0);

        if (!b || (b->failures == 0 && b->opened_at == 0 && b->trial_until == 0))
                return -EALREADY;
        o->was = breaker_state(&rt->cfg, b, o->now);
        o->failures = b->failures;
        breaker_apply(&rt->cfg, b, BREAKER_RESET, false, o->now);
        return 0;
}

static int forget_step(struct runtime *rt, struct state *st, void *data) {
        struct override *o = data;

        gates_prune(&rt->cfg, st, o->now);      /* an expired key is already forgotten */
        struct idem_key *k = state_key(st, o->what);
        if (!k)
                return -EALREADY;
        o->handled_at = k->t;
        return state_forget_key(st, o->what);
}

static void record_override(struct ctl *c, const char *alertname, const char *playbook,
                            enum action action, enum gate gate, const char *key, const char *reason) {
        ctl_record_operator(c, &(struct audit_record) {
                .alertname = alertname, .playbook = playbook, .action = action, .gate = gate, .key = key,
                .reason = reason });
}

static int cmd_reset_breaker(struct ctl *c) {
        struct override o = { .what = c->args[0], .now = now_realtime_ms() / 1000 };
        char reason[256];

        if (ctl_need_config(c) < 0)
                return EXIT_ERROR;
        int r = rt_with_state(&c->rt, STATE_LOCK_TIMEOUT_MS, reset_breaker_step, &o);
        if (r == -EALREADY) {
                ctl_fail("%s: circuit breaker closed with no failures: nothing to reset", o.what);
                return EXIT_USAGE;
        }
        if (r < 0)
                return EXIT_ERROR;
        snprintf(reason, sizeof(reason), "Circuit breaker of %s closed by %s (was %s, %d consecutive failures)",
                 o.what, c->who, breaker_state_name(o.was), o.failures);
        record_override(c, NULL, o.what, ACTION_RESET_BREAKER, GATE_CIRCUIT_OPEN, NULL, reason);
        printf("%s\n", reason);
        return EXIT_OK;
}

/* The alertname in a key, when key_fields has it. */
static char *key_alertname(const struct config *cfg, const char *key) {
        cJSON *arr = cJSON_Parse(key);
        char *name = NULL;

        for (size_t i = 0; arr && i < cfg->n_key_fields; i++)
                if (strcmp(cfg->key_fields[i], "alertname") == 0) {
                        const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(arr, (int) i));
                        name = s ? strdup(s) : NULL;
                        break;
                }
        cJSON_Delete(arr);
        return name;
}

static int cmd_forget(struct ctl *c) {
        struct override o = { .what = c->args[0], .now = now_realtime_ms() / 1000 };
        char reason[AUDIT_TEXT_CHARS * 2], t[32];

        if (ctl_need_config(c) < 0)
                return EXIT_ERROR;
        int r = rt_with_state(&c->rt, STATE_LOCK_TIMEOUT_MS, forget_step, &o);
        if (r == -EALREADY) {
                ctl_fail("no live idempotency key %s (see `remediationctl status`): nothing to forget", o.what);
                return EXIT_USAGE;
        }
        if (r < 0)
                return EXIT_ERROR;
        snprintf(reason, sizeof(reason), "Idempotency key %s (handled %s UTC) forgotten by %s", o.what,
                 ctl_utc(t, o.handled_at), c->who);
        _cleanup_free_ char *alertname = key_alertname(&c->rt.cfg, o.what);
        record_override(c, alertname, NULL, ACTION_FORGET, GATE_IDEMPOTENCY, o.what, reason);
        printf("%s\n", reason);
        return EXIT_OK;
}

/* ---- report ---- */

static int cmd_report(struct ctl *c) {
        int64_t window = 24 * 3600, now = now_realtime_ms() / 1000;
        size_t skipped = 0;
        int ret = EXIT_ERROR;

        if (c->since && ctl_parse_window(c->since, REPORT_MAX_WINDOW_SEC, &window) < 0) {
                ctl_fail("--since '%s': expected N followed by m, h or d (at most 366d), e.g. 24h or 7d", c->since);
                return EXIT_USAGE;
        }
        if (c->rt.cfg_error)
                ctl_fail("warning: no usable config: every manual MTTR is the seed's default");
        struct report *rep = report_new(c->rt.cfg_error ? NULL : &c->rt.cfg, now - window, now);
        if (!rep) {
                ctl_fail("out of memory");
                return EXIT_ERROR;
        }
        /* history_read steps back from the end only until the window's start: a multi-GB log costs
         * what the window holds, and never more than REPORT_MAX_BYTES. */
        int r = history_read(c->rt.decision_log, now - window, REPORT_MAX_BYTES, report_add, rep, &skipped);
        if (r < 0 && r != -ENOENT) {
                ctl_fail("decision log %s unreadable: %s", c->rt.decision_log, strerror(-r));
                goto out;
        }
        cJSON *doc = report_json(rep, skipped);
        if (doc && (c->json ? ctl_print_json(doc) == 0 : (report_print(stdout, doc), true)))
                ret = EXIT_OK;
        cJSON_Delete(doc);
out:
        report_free(rep);
        return ret;
}

/* ---- start ---- */

static const struct command {
        const char *name;
        int (*fn)(struct ctl *c);
        unsigned opts;
        int min_args, max_args;
} commands[] = {
        { "status",        ctl_status,        OPT_JSON,                                   0, 0 },
        { "explain",       ctl_explain,       OPT_JSON | OPT_AT,                          0, PAYLOAD_MAX_LABELS },
        { "run",           cmd_run,           OPT_JSON | OPT_ALERT | OPT_LABEL | OPT_SOURCE, 1, 1 },
        { "reset-breaker", cmd_reset_breaker, 0,                                          1, 1 },
        { "forget",        cmd_forget,        0,                                          1, 1 },
        { "report",        cmd_report,        OPT_JSON | OPT_SINCE,                       0, 0 },
        { "pause",         ctl_pause,         OPT_FOR | OPT_REASON,                       0, 1 },
        { "resume",        ctl_resume,        0,                                          0, 1 },
        { "pending",       ctl_pending,       OPT_JSON,                                   0, 0 },
        { "approve",       ctl_approve,       0,                                          1, 1 },
        { "deny",          ctl_deny,          0,                                          1, 1 },
        { "replay",        ctl_replay,        OPT_JSON | OPT_SINCE,                       0, 0 },
        { "verify",        ctl_verify,        OPT_JSON | OPT_SOURCE,                      0, 0 },
};

static void usage(FILE *f) {
        fputs("usage: remediationctl [--config FILE] [--state-dir DIR] [--decision-log FILE] COMMAND ...\n"
              "\n"
              "  status [--json]             breakers, cooldowns, hourly limits, idempotency keys,\n"
              "                              running executions, the last decisions\n"
              "  explain [--at TIME] [--json] alertname=NAME [LABEL=VALUE ...]\n"
              "  explain [--at TIME] [--json] < payload.json\n"
              "                              every gate's verdict and the decision the handler would\n"
              "                              make at TIME (epoch seconds or \"YYYY-MM-DD HH:MM:SS\" UTC;\n"
              "                              default now) on the current state; changes nothing\n"
              "  run PLAYBOOK [--alert NAME] [--label K=V ...] [--source timer|operator] [--json]\n"
              "                              asks the gates as alert NAME (default: the first route\n"
              "                              running PLAYBOOK; instance defaults to the hostname;\n"
              "                              --param is --label) and executes as the handler would\n"
              "  reset-breaker PLAYBOOK      closes the playbook's circuit breaker (logged)\n"
              "  forget KEY                  drops an idempotency key as `status` prints it (logged)\n"
              "  report [--since 24h|7d|Nh|Nd|Nm] [--json]\n"
              "                              executions, success rate, p50/p95 duration, blocked and\n"
              "                              escalated by gate and alert, busiest hours (UTC), manual\n"
              "                              minutes saved (route manual_mttr_minutes, else the seed's:\n"
              "                              disk-cleanup 45, service/self-healing restart 10)\n"
              "  pause [PLAYBOOK] [--for DURATION] [--reason TEXT]\n"
              "                              holds back every alert for PLAYBOOK (default: for all):\n"
              "                              gate `paused`, until resumed or for DURATION (Nm|Nh|Nd,\n"
              "                              at most 30d); decided and recorded as ever (logged)\n"
              "  resume [PLAYBOOK]           ends the pause of PLAYBOOK (default: the one of all) (logged)\n"
              "  pending [--json]            escalations awaiting approval: id, alert, the exact argv,\n"
              "                              when each expires (the route's approval_minutes)\n"
              "  approve ID                  runs it once, through the gates that still apply (not\n"
              "                              idempotency, not confidence), as the handler would (logged)\n"
              "  deny ID                     closes it unrun (logged)\n"
              "  replay --config NEW.yml [--since 7d|Nh|Nd|Nm] [--json]\n"
              "                              decides every webhook alert the log recorded in the window\n"
              "                              again, in time order, against NEW.yml on a state of its own\n"
              "                              (no file touched, nothing run) and prints what differs\n"
              "  verify [--json]             asks Alertmanager (alertmanager_url) about every execution\n"
              "                              awaiting a verdict: gone -> resolved, still there after the\n"
              "                              verify window -> ineffective, no answer -> retried at the\n"
              "                              next run, unknown after 5 (remediation-verify.timer)\n"
              "\n"
              "Defaults: --config " DEFAULT_CONFIG "\n"
              "          --state-dir " DEFAULT_STATE_DIR "\n"
              "          --decision-log " DEFAULT_DECISION_LOG "\n"
              "\n"
              "Exit status:\n"
              "  0  done; run: executed and succeeded; explain: every alert would execute\n"
              "  1  error: invalid config, state or decision log unusable (run: nothing executed)\n"
              "  2  usage, or nothing to act on (no route runs PLAYBOOK, no breaker to reset, no such key,\n"
              "     nothing paused to resume, no such approval, or one answered or expired)\n"
              "  3  run, approve: executed and failed, timed out or was aborted\n"
              "  4  run, explain, approve: blocked by a gate (an approval then stays pending)\n"
              "  5  run, explain: escalated (confidence or confirmation)\n"
              "  6  run, explain: skipped (resolved, no route, alert-only route, shadow route)\n"
              "  7  verify: Alertmanager not asked successfully (an attempt counted)\n"
              "  explain exits as run would for the first alert that would not execute.\n"
              "  replay exits as diff(1): 0 no decision differs, 1 one does, 2 usage or trouble.\n", f);
}

static int parse_options(int argc, char **argv, struct ctl *c, const struct command **ret) {
        static const struct option longopts[] = {
                { "config", required_argument, NULL, 'c' },
                { "state-dir", required_argument, NULL, 's' },
                { "decision-log", required_argument, NULL, 'l' },
                { "json", no_argument, NULL, 'j' },
                { "at", required_argument, NULL, 'a' },
                { "alert", required_argument, NULL, 'A' },
                { "label", required_argument, NULL, 'L' },
                { "param", required_argument, NULL, 'L' },
                { "source", required_argument, NULL, 'S' },
                { "since", required_argument, NULL, 'W' },
                { "for", required_argument, NULL, 'F' },
                { "reason", required_argument, NULL, 'R' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int opt;

        /* Positionals in order, argv untouched (getopt's messages name argv[0]). */
        if (!(c->args = calloc((size_t) argc + 1, sizeof(char *))))
                return -ENOMEM;
        c->rt.config_path = DEFAULT_CONFIG;
        c->rt.state_dir = DEFAULT_STATE_DIR;
        c->rt.decision_log = DEFAULT_DECISION_LOG;
        while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1 || optind < argc) {
                if (opt == -1) {        /* a positional: collect it, go on after it */
                        c->args[c->n_args++] = argv[optind++];
                        continue;
                }
                switch (opt) {
                case 'c': c->rt.config_path = optarg; break;
                case 's': c->rt.state_dir = optarg; break;
                case 'l': c->rt.decision_log = optarg; break;
                case 'j': c->json = true, c->given |= OPT_JSON; break;
                case 'a': c->at = optarg, c->given |= OPT_AT; break;
                case 'A': c->alert = optarg, c->given |= OPT_ALERT; break;
                case 'S': c->source = optarg, c->given |= OPT_SOURCE; break;
                case 'W': c->since = optarg, c->given |= OPT_SINCE; break;
                case 'F': c->pause_for = optarg, c->given |= OPT_FOR; break;
                case 'R': c->reason = optarg, c->given |= OPT_REASON; break;
                case 'L':
                        if (c->n_labels >= PAYLOAD_MAX_LABELS - 2) {
                                ctl_fail("too many labels");
                                return -EINVAL;
                        }
                        c->labels[c->n_labels++] = optarg, c->given |= OPT_LABEL;
                        break;
                case 'h': usage(stdout); exit(EXIT_OK);
                default: usage(stderr); return -EINVAL;
                }
        }
        /* The positionals: the command, then its arguments. */
        if (c->n_args == 0) {
                usage(stderr);
                return -EINVAL;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (strcmp(c->args[0], commands[i].name) == 0)
                        *ret = &commands[i];
        if (!*ret) {
                ctl_fail("unknown command '%s'", c->args[0]);
                usage(stderr);
                return -EINVAL;
        }
        if (c->given & ~(*ret)->opts) {
                ctl_fail("an option given is not one of %s's (see --help)", (*ret)->name);
                return -EINVAL;
        }
        c->n_args--;
        if (c->n_args < (*ret)->min_args || c->n_args > (*ret)->max_args) {
                ctl_fail("%s: wrong number of arguments (see --help)", (*ret)->name);
                return -EINVAL;
        }
        return 0;
}

/* Run by root on a state directory that another user owns (the service's: tmpfiles.d makes it
 * so), become that user, with its groups as User= gives them, before anything is opened: no file
 * in the directory or the decision log becomes root's, which the handler could not write, and no
 * playbook runs as root. 0, or -errno when root could not become it (told). */
static int become_state_owner(const char *state_dir) {
        struct stat sb;

        if (geteuid() != 0 || stat(state_dir, &sb) < 0 || sb.st_uid == 0)
                return 0;       /* not root, root's own directory, or none: the command tells */
        struct passwd *pw = getpwuid(sb.st_uid);
        uid_t uid = sb.st_uid;
        gid_t gid = sb.st_gid;
        int r = 0;

        if ((pw ? initgroups(pw->pw_name, gid) : setgroups(1, &gid)) < 0 ||
            setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
                r = -errno;
        else if (getuid() != uid || geteuid() != uid || getegid() != gid || setresuid(0, 0, 0) == 0)
                r = -EPERM;     /* must not be able to become root again */
        if (r < 0)
                ctl_fail("%s belongs to %s (uid %u), which root could not become (%s): run as it, "
                         "e.g. sudo -u %s remediationctl ...", state_dir, pw ? pw->pw_name : "another user",
                         (unsigned) uid, strerror(-r), pw ? pw->pw_name : "'#UID'");
        return r;
}

int main(int argc, char **argv) {
        struct ctl c = {};
        const struct command *cmd = NULL;
        int ret = EXIT_USAGE, r = parse_options(argc, argv, &c, &cmd);

        ctl_operator_name(c.who, sizeof(c.who));        /* before root becomes the state's owner */
        if (r == 0 && become_state_owner(c.rt.state_dir) < 0)
                ret = EXIT_ERROR;
        else if (r == 0) {
                char **all = c.args;
                c.args++;               /* past the command */
                signal(SIGPIPE, SIG_IGN);
                rt_init(&c.rt, SOURCE_OPERATOR);
                ret = cmd->fn(&c);
                rt_done(&c.rt);
                c.args = all;
        }
        free(c.args);
        return ret;
}
