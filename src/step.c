#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include "gates.h"
#include "history.h"
#include "metrics.h"
#include "step.h"
#include "store.h"
#include "util.h"
#include "verify.h"

/* A missing state (tmpfs after a reboot) or a corrupt one (moved aside, never silently reused) is
 * rebuilt from the decision log, so executions from before still count against the limits,
 * cooldowns and breakers. */
static int load_state(struct runtime *rt, struct store *store, struct state *st, int64_t now) {
        int r = store_load(store, st);
        if (r == -EBADMSG) {
                rt_log(LOG_CRIT, "state file in %s is corrupt: moved aside, rebuilding it from %s",
                       rt->state_dir, rt->decision_log);
                (void) store_quarantine(store, (long long) now);
                *st = (struct state) {};
        } else if (r == -EPROTONOSUPPORT) {
                rt_log(LOG_ERR, "state file in %s has an unknown version: refusing to guess", rt->state_dir);
                return r;
        } else if (r < 0 && r != -ENOENT) {
                rt_log(LOG_ERR, "state in %s unreadable: %s", rt->state_dir, strerror(-r));
                return r;
        }
        if (r == 0)
                return 0;
        r = history_rebuild(&rt->cfg, rt->decision_log, now, st);
        if (r < 0) {
                rt_log(LOG_ERR, "state not rebuilt from %s: %s", rt->decision_log, strerror(-r));
                return r;
        }
        if (r > 0)
                rt_log(LOG_NOTICE, "state rebuilt from %s: %d recent executions", rt->decision_log, r);
        return 0;
}

/* node_exporter's textfile collector reads the file whole: a temp file of this instance's own
 * renamed over it, so no lock is held while it is written. No fsync: the next step writes it anew. */
static void write_metrics_textfile(const char *path, const char *text) {
        int r = write_file_atomic(AT_FDCWD, path, text, strlen(text), WRITE_OWN_TMP | WRITE_NO_SYNC);
        if (r < 0)
                rt_log(LOG_WARNING, "metrics textfile %s not written: %s", path, strerror(-r));
}

/* The executions whose verify window ended are judged `ineffective` in every locked step, before
 * it decides anything: a breaker they open stops the step's own alerts. */
static int judge_expired(struct runtime *rt, struct state *st, int64_t now_ms, struct verdicts *out) {
        int r = verify_expired(&rt->cfg, st, now_ms, out);

        for (size_t i = 0; r > 0 && i < out->n; i++)
                if ((r = metrics_count_verdict(st, out->v[i].playbook, result_name(out->v[i].result), -1)) == 0)
                        r = 1;
        return r < 0 ? r : 0;
}

/* Logged once the state that holds them is saved. */
static void log_expired(struct runtime *rt, const struct verdicts *vs, int64_t now_ms) {
        for (size_t i = 0; i < vs->n; i++) {
                rt_record_verdict(rt, &vs->v[i], now_ms);
                if (!vs->v[i].opened)
                        continue;
                rt_log(LOG_ERR, "circuit breaker opened for %s (ineffective)", vs->v[i].playbook);
                (void) audit_journal_circuit_opened(vs->v[i].playbook, rt->cfg.failure_threshold,
                                                    rt->cfg.reset_timeout_minutes);
        }
}

int rt_with_state(struct runtime *rt, int timeout_ms,
                  int (*fn)(struct runtime *, struct state *, void *), void *data) {
        struct store store;
        struct state st = {};
        struct verdicts expired = {};
        int64_t now_ms = now_realtime_ms(), now = now_ms / 1000;
        bool saved = false;
        _cleanup_free_ char *metrics = NULL;
        int r = store_open(rt->state_dir, &store);

        if (r < 0) {
                rt_log(LOG_ERR, "state directory %s: %s", rt->state_dir, strerror(-r));
                return r;
        }
        if ((r = store_lock(&store, timeout_ms)) < 0) {
                rt_log(LOG_ERR, "state lock not had within %d ms: %s", timeout_ms, strerror(-r));
                goto out;
        }
        if ((r = load_state(rt, &store, &st, now)) == 0 && (r = judge_expired(rt, &st, now_ms, &expired)) == 0 &&
            (r = fn(rt, &st, data)) == 0) {
                gates_prune(&rt->cfg, &st, now);
                if ((r = store_save(&store, &st)) < 0)
                        rt_log(LOG_ERR, "state not saved in %s: %s", rt->state_dir, strerror(-r));
                saved = r == 0;
                if (saved && rt->cfg.metrics_textfile &&        /* rendered from the state just saved */
                    !(metrics = metrics_render(&rt->cfg, &st, now)))
                        rt_log(LOG_WARNING, "metrics textfile not rendered: out of memory");
        }
        store_unlock(&store);
        if (metrics)
                write_metrics_textfile(rt->cfg.metrics_textfile, metrics);
        if (saved)
                log_expired(rt, &expired, now_ms);
out:
        verdicts_free(&expired);
        state_free(&st);
        store_close(&store);
        return r;
}

int rt_read_state(struct runtime *rt, struct state *ret) {
        struct store store;
        int r = store_open_read(rt->state_dir, &store);
        if (r < 0)
                return r;
        r = store_load(&store, ret);
        store_close(&store);
        return r;
}
