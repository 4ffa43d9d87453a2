/* remediationctl pause and resume: an operator holds the automation back, for one playbook or for
 * all, until resumed or for a while. Held alerts are still decided (gate `paused`) and recorded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "ctl.h"
#include "util.h"

struct pause_change {
        const char *playbook;           /* "": all */
        int64_t now, until;
        const char *by, *reason;
        char was_by[160];               /* resume: who had paused, and since when */
        int64_t was_since;
        char still[512];                /* resume: the pauses still in force, by playbook */
};

/* A playbook some route runs: a pause of anything else would hold nothing back (a typo). */
static bool routed_playbook(const struct config *cfg, const char *playbook) {
        for (size_t i = 0; i < cfg->n_routes; i++)
                if (cfg->routes[i].playbook && strcmp(cfg->routes[i].playbook, playbook) == 0)
                        return true;
        return false;
}

static int pause_step(struct runtime *rt, struct state *st, void *data) {
        struct pause_change *p = data;
        const struct pause *old = state_find_pause(st, p->playbook, p->now);

        (void) rt;
        p->was_since = old ? old->since : 0;
        return state_put_pause(st, p->playbook, p->now, p->until, p->by, p->reason);
}

int ctl_pause(struct ctl *c) {
        struct pause_change p = { .playbook = c->n_args ? c->args[0] : "", .by = c->who };
        char note[PAUSE_NOTE_MAX * 3 + 1] = "", text[1024], reason[GATE_REASON_BYTES], t[32], subject[128];
        char e[TERM_TEXT_MAX];
        int64_t span = 0;

        if (ctl_need_config(c) < 0)
                return EXIT_ERROR;
        if (c->pause_for && ctl_parse_window(c->pause_for, PAUSE_MAX_SEC, &span) < 0) {
                ctl_fail("--for '%s': expected N followed by m, h or d (at most 30d), e.g. 2h", c->pause_for);
                return EXIT_USAGE;
        }
        if (c->reason && strlen(c->reason) > PAUSE_NOTE_MAX) {
                ctl_fail("--reason: at most %d bytes", PAUSE_NOTE_MAX);
                return EXIT_USAGE;
        }
        if (*p.playbook && !routed_playbook(&c->rt.cfg, p.playbook)) {
                ctl_fail("no route runs playbook %s: pausing it would hold nothing back (see the routes in %s)",
                         p.playbook, c->rt.config_path);
                return EXIT_USAGE;
        }
        if (c->reason)
                utf8_sanitize(note, sizeof(note), c->reason, strlen(c->reason), PAUSE_NOTE_MAX);
        p.now = now_realtime_ms() / 1000;
        p.until = span ? p.now + span : 0;
        if (*p.playbook)
                snprintf(subject, sizeof(subject), "Playbook %s", p.playbook);
        else
                snprintf(subject, sizeof(subject), "All playbooks");
        /* The paused gate's reason, as alerts will be told: who, until when, why (cut to fit a
         * reason, at a character). */
        snprintf(text, sizeof(text), "%s paused by %s until %s%s%s%s", subject, c->who,
                 span ? ctl_utc(t, p.until) : "resumed", span ? " UTC" : "", *note ? ": " : "", note);
        utf8_sanitize(reason, sizeof(reason), text, strlen(text), sizeof(reason));
        p.reason = reason;
        if (rt_with_state(&c->rt, STATE_LOCK_TIMEOUT_MS, pause_step, &p) < 0) {
                ctl_fail("state unavailable: nothing paused");
                return EXIT_ERROR;
        }
        ctl_record_operator(c, &(struct audit_record) {
                .playbook = *p.playbook ? p.playbook : NULL, .action = ACTION_PAUSE, .gate = GATE_PAUSED,
                .until = p.until, .reason = reason });
        printf("%s\n", term_escape(e, sizeof(e), reason));
        if (p.was_since)
                printf("(replaces the pause since %s UTC)\n", ctl_utc(t, p.was_since));
        return EXIT_OK;
}

static int resume_step(struct runtime *rt, struct state *st, void *data) {
        struct pause_change *p = data;
        const struct pause *old = state_find_pause(st, p->playbook, p->now);

        (void) rt;
        if (!old)
                return -EALREADY;
        snprintf(p->was_by, sizeof(p->was_by), "%s", old->by);
        p->was_since = old->since;
        int r = state_remove_pause(st, p->playbook);
        for (size_t i = 0; r == 0 && i < st->n_pauses; i++)
                if (state_find_pause(st, st->pauses[i].playbook, p->now)) {
                        size_t o = strlen(p->still);
                        snprintf(p->still + o, sizeof(p->still) - o, "%s%s", o ? ", " : "",
                                 *st->pauses[i].playbook ? st->pauses[i].playbook : "all playbooks");
                }
        return r;
}

int ctl_resume(struct ctl *c) {
        struct pause_change p = { .playbook = c->n_args ? c->args[0] : "", .now = now_realtime_ms() / 1000 };
        char reason[1024], t[32], e[TERM_TEXT_MAX];

        if (ctl_need_config(c) < 0)
                return EXIT_ERROR;
        int r = rt_with_state(&c->rt, STATE_LOCK_TIMEOUT_MS, resume_step, &p);
        if (r == -EALREADY) {
                ctl_fail("%s%s is not paused: nothing to resume (see `remediationctl status`)",
                         *p.playbook ? "playbook " : "", *p.playbook ? p.playbook : "the automation as a whole");
                return EXIT_USAGE;
        }
        if (r < 0) {
                ctl_fail("state unavailable: nothing resumed");
                return EXIT_ERROR;
        }
        snprintf(reason, sizeof(reason), "%s%s resumed by %s (paused by %s since %s UTC)",
                 *p.playbook ? "Playbook " : "All playbooks", p.playbook, c->who, p.was_by, ctl_utc(t, p.was_since));
        ctl_record_operator(c, &(struct audit_record) {
                .playbook = *p.playbook ? p.playbook : NULL, .action = ACTION_RESUME, .gate = GATE_PAUSED,
                .reason = reason });
        printf("%s\n", term_escape(e, sizeof(e), reason));
        if (*p.still)
                printf("Still paused: %s\n", term_escape(e, sizeof(e), p.still));
        return EXIT_OK;
}
