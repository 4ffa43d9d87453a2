/* The decision log is appended in time order, so the window that matters is found by time: a
 * binary search over line starts finds its first line, and from there the lines are read forward a
 * block at a time. Whatever the log holds, memory stays one buffer (a block and the longest line)
 * and the cost is that of the window, not of the file. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gates.h"
#include "history.h"
#include "util.h"
#include "verify.h"

#define BLOCK (64 * 1024)
#define BUFFER_BYTES (AUDIT_LINE_MAX + BLOCK)   /* the longest line we write, and a block */

static double line_timestamp(const char *s, size_t len) {
        /* Every line starts {"timestamp":N — read it without parsing the line. */
        static const char prefix[] = "{\"timestamp\":";
        char num[32];
        if (len < sizeof(prefix) || memcmp(s, prefix, sizeof(prefix) - 1) != 0)
                return -1;
        len -= sizeof(prefix) - 1;
        if (len > sizeof(num) - 1)
                len = sizeof(num) - 1;
        memcpy(num, s + sizeof(prefix) - 1, len);       /* strtod() must not run past the line */
        num[len] = '\0';
        return strtod(num, NULL);
}

#define PROBE_BYTES 4096                /* read at a time when looking for a line start */

enum probe { PROBE_LINE, PROBE_NONE, PROBE_DAMAGE };

/* The first line that starts in (from, to) and its timestamp (-1: undated). PROBE_NONE when no
 * line starts there within BLOCK bytes; PROBE_DAMAGE when a NUL comes first, which no line of ours
 * holds (the hole of a sparse or truncated file): nothing of ours starts before the next line. */
static enum probe probe_line(int fd, off_t from, off_t to, char *buf, off_t *ret_start, double *ret_ts) {
        for (off_t at = from; at < to && at - from < BLOCK; at += PROBE_BYTES) {
                ssize_t n = pread(fd, buf, PROBE_BYTES, at);
                if (n <= 0)
                        return PROBE_NONE;
                const char *nl = memchr(buf, '\n', (size_t) n), *nul = memchr(buf, '\0', (size_t) n);
                if (nul && (!nl || nul < nl))
                        return PROBE_DAMAGE;
                if (!nl)
                        continue;
                off_t start = at + (nl - buf) + 1;
                if (start >= to)
                        return PROBE_NONE;
                n = pread(fd, buf, 64, start);
                *ret_ts = n > 0 ? line_timestamp(buf, (size_t) n) : -1;
                *ret_start = start;
                return PROBE_LINE;
        }
        return PROBE_NONE;
}

/* Where the lines at or after `since` begin: the last dated line start older than since (lines
 * before it are older still), or 0. Reads PROBE_BYTES a step, about log2(size / BLOCK) steps. */
static off_t window_start(int fd, off_t end, int64_t since, char *buf) {
        off_t lo = 0, hi = end;

        while (hi - lo > BLOCK) {
                off_t mid = lo + (hi - lo) / 2, line = 0;
                double ts = -1;
                switch (probe_line(fd, mid, hi, buf, &line, &ts)) {
                case PROBE_DAMAGE:
                        lo = mid;               /* what comes after it is what we can read */
                        break;
                case PROBE_LINE:
                        if (ts >= 0 && ts < (double) since)
                                lo = line;
                        else
                                hi = mid;       /* newer, or undated: look before */
                        break;
                case PROBE_NONE:
                        hi = mid;
                        break;
                }
        }
        return lo;
}

int history_read_kept(const char *path, int64_t since, size_t max_bytes,
                      bool (*keep)(const char *line, size_t len),
                      int (*fn)(const cJSON *line, void *data), void *data, size_t *ret_skipped) {
        _cleanup_close_ int fd = open_regular(AT_FDCWD, path);    /* a FIFO would block */
        struct stat sb;
        size_t skipped = 0, have = 0;
        int count = 0, r = 0;

        if (fd < 0)
                return fd;
        if (fstat(fd, &sb) < 0)
                return -errno;
        _cleanup_free_ char *buf = malloc(BUFFER_BYTES);
        if (!buf)
                return -ENOMEM;
        off_t off = window_start(fd, sb.st_size, since, buf);
        if (max_bytes > 0 && sb.st_size - off > (off_t) max_bytes)
                off = sb.st_size - (off_t) max_bytes;
        bool partial = off > 0;                 /* the first line may belong to the part before */
        if (off > 0) {                          /* unless the part before ends a line */
                char c;
                partial = pread(fd, &c, 1, off - 1) != 1 || c != '\n';
        }
        for (bool eof = false; !eof && r >= 0;) {
                ssize_t n = pread(fd, buf + have, BUFFER_BYTES - have, off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                off += n;
                have += (size_t) n;
                eof = n == 0;
                char *p = buf, *e = buf + have;
                while (p < e && r >= 0) {
                        char *nl = memchr(p, '\n', (size_t) (e - p));
                        if (!nl && !eof && (p > buf || have < BUFFER_BYTES))
                                break;          /* the rest of this line is still to be read */
                        size_t l = nl ? (size_t) (nl - p) : (size_t) (e - p);
                        double ts = line_timestamp(p, l);
                        if (partial || (!nl && !eof))
                                skipped += !partial;    /* longer than any line of ours */
                        else if (ts > HISTORY_MAX_TIMESTAMP || (ts < 0 && l > 0))
                                skipped++;      /* damage: no consumer may see such a time */
                        else if (ts >= (double) since && (!keep || keep(p, l))) {
                                cJSON *line = cJSON_ParseWithLength(p, l);
                                if (line) {
                                        r = fn(line, data);
                                        count++;
                                } else
                                        skipped++;
                                cJSON_Delete(line);
                        }
                        partial = !nl && !eof;  /* an overlong line goes on in the next read */
                        p += l + (nl != NULL);
                }
                have = (size_t) (e - p);
                memmove(buf, p, have);
        }
        if (ret_skipped)
                *ret_skipped = skipped;
        return r < 0 ? r : count;
}

int history_read(const char *path, int64_t since, size_t max_bytes,
                 int (*fn)(const cJSON *line, void *data), void *data, size_t *ret_skipped) {
        return history_read_kept(path, since, max_bytes, NULL, fn, data, ret_skipped);
}

struct replay {
        const struct config *c;
        struct state *s;
        int executions;
};

static const char *str(const cJSON *o, const char *name) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
        return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The strings of a decision-log array, or of an object's members as name, value, ... (views). */
static size_t strings(const cJSON *v, bool pairs, char **out, size_t max) {
        const cJSON *it;
        size_t n = 0;
        cJSON_ArrayForEach(it, v) {
                if (!cJSON_IsString(it) || n + 2 > max)
                        return n;
                if (pairs)
                        out[n++] = it->string;
                out[n++] = it->valuestring;
        }
        return n;
}

/* An escalation held for approval, restored as it was logged; an operator's answer closes it. */
static int replay_approval(struct replay *rp, const cJSON *line, enum action action, int64_t at) {
        const char *id = str(line, "approval_id");
        const cJSON *until = cJSON_GetObjectItemCaseSensitive(line, "until");
        char *labels[2 * PAYLOAD_MAX_LABELS], *argv[EXEC_MAX_ARGS];

        if (!id || strlen(id) >= APPROVAL_ID_BYTES)
                return 0;
        if (action == ACTION_APPROVE || action == ACTION_DENY) {
                struct pending *p = state_pending(rp->s, id);
                return p && p->closed == ACTION_NONE ? state_close_pending(p, action, str(line, "operator") ?: "?", at) : 0;
        }
        struct pending p = {
                .id = (char *) id, .created = at, .alert = (char *) str(line, "alert"),
                .playbook = (char *) str(line, "playbook"), .fingerprint = (char *) (str(line, "fingerprint") ?: ""),
                .labels = labels, .argv = argv,
        };
        if (!cJSON_IsNumber(until) || !(until->valuedouble >= 0 && until->valuedouble <= HISTORY_MAX_TIMESTAMP) ||
            !p.alert || !p.playbook)
                return 0;
        p.expires = (int64_t) until->valuedouble;
        p.n_labels = strings(cJSON_GetObjectItemCaseSensitive(line, "labels"), true, labels, ELEMENTSOF(labels)) / 2;
        p.n_argv = strings(cJSON_GetObjectItemCaseSensitive(line, "argv"), false, argv, ELEMENTSOF(argv));
        if (p.n_argv == 0)
                return 0;
        int r = state_add_pending(rp->s, &p, at, APPROVAL_MAX_PENDING);
        return r == -ENOMEM ? r : 0;            /* -EEXIST: a second firing of one held already */
}

/* Whether a line, as the handler writes it, can change the state the rebuild restores: an
 * execution, an operator's override, or a decision that recorded an idempotency key. The rest (a
 * flood of unrouted alerts, say) is passed over unparsed. cJSON escapes every quote inside a
 * string, so these bytes only match the fields themselves. */
static bool replay_matters(const char *line, size_t len) {
        static const char *const marks[] = {
                ",\"action\":\"executed\",", ",\"action\":\"reset_breaker\",",
                ",\"action\":\"forget\",", ",\"key\":\"", ",\"result\":\"pending\",",
                ",\"action\":\"approve\",", ",\"action\":\"deny\",", ",\"action\":\"verify\",",
        };
        for (size_t i = 0; i < ELEMENTSOF(marks); i++)
                if (memmem(line, len, marks[i], strlen(marks[i])))
                        return true;
        return false;
}

bool history_pause_line(const char *line, size_t len) {
        static const char pause[] = ",\"action\":\"pause\",", resume[] = ",\"action\":\"resume\",";
        return memmem(line, len, pause, sizeof(pause) - 1) || memmem(line, len, resume, sizeof(resume) - 1);
}

static int replay_pause(struct replay *rp, const cJSON *line, enum action action, int64_t at) {
        const char *playbook = str(line, "playbook") ?: "", *by = str(line, "operator"), *reason = str(line, "reason");
        const cJSON *until = cJSON_GetObjectItemCaseSensitive(line, "until");
        double u = cJSON_IsNumber(until) ? until->valuedouble : 0;

        if (action == ACTION_RESUME) {
                (void) state_remove_pause(rp->s, playbook);
                return 0;
        }
        if (!(u >= 0 && u <= HISTORY_MAX_TIMESTAMP))
                return 0;
        int r = state_put_pause(rp->s, playbook, at, (int64_t) u, by ?: "", reason ?: "Paused");
        return r == -ENOMEM ? r : 0;
}

/* Seconds with millisecond precision, as audit.c writes them, in milliseconds; -1: none or insane. */
static int64_t line_ms(const cJSON *line, const char *name) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(line, name);
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= HISTORY_MAX_TIMESTAMP))
                return -1;
        return (int64_t) (v->valuedouble * 1000 + 0.5);        /* rounded: it is not negative */
}

/* An execution that awaits its verdict until the verify line that judged it, if any: as
 * verify_await() and the verdict left them, the breaker too. 1 when the run's exit 0 leaves the
 * breaker to its verdict, 0, or -ENOMEM. */
static int replay_verdict(struct replay *rp, const cJSON *line, enum action action, enum result result,
                          const char *alert, const char *playbook, bool trial) {
        const char *fp = str(line, "fingerprint");
        int64_t ended = line_ms(line, "timestamp"), dur = line_ms(line, "duration_seconds");

        if (!fp || !*fp || ended < 0)
                return 0;
        if (action == ACTION_VERIFY) {
                size_t i = state_find_awaiting_run(rp->s, fp, line_ms(line, "execution_timestamp"));
                if (i == rp->s->n_awaiting)
                        return 0;
                bool counts = rp->s->awaiting[i].breaker;
                state_remove_awaiting(rp->s, i);
                int r = counts ? verify_count(rp->c, rp->s, playbook, result, ended / 1000) : 0;
                return r < 0 ? r : 0;
        }
        /* The alert as verify_await() needs it: its startsAt is not in the log. */
        struct alert a = { .alertname = alert, .fingerprint = fp, .starts_at = "", .ends_at = "" };
        const struct route *r = config_find_route(rp->c, alert);
        if (!r || !r->playbook || strcmp(r->playbook, playbook) != 0 || dur < 0)
                return 0;
        return verify_await(rp->s, r, &a, result, trial, ended - dur);
}

static int replay_line(const cJSON *line, void *data) {
        struct replay *rp = data;
        enum action action = action_from_name(str(line, "action"));
        enum result result = result_from_name(str(line, "result"));
        const char *alert = str(line, "alert"), *playbook = str(line, "playbook"), *key = str(line, "key");
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(line, "timestamp");
        const cJSON *dur = cJSON_GetObjectItemCaseSensitive(line, "duration_seconds");
        int r;

        if (!cJSON_IsNumber(ts))
                return 0;
        /* The log may be damaged or edited by hand: only sane times are replayed. */
        double dts = ts->valuedouble, ddur = cJSON_IsNumber(dur) ? dur->valuedouble : 0;
        if (!(dts >= 0 && dts <= HISTORY_MAX_TIMESTAMP) || !(ddur >= 0 && ddur <= HISTORY_MAX_DURATION))
                return 0;
        int64_t ended = (int64_t) dts;
        int64_t started = ended - (int64_t) ddur;
        if (action == ACTION_PAUSE || action == ACTION_RESUME)
                return replay_pause(rp, line, action, ended);
        if (((action == ACTION_ESCALATE && result == RESULT_PENDING) || action == ACTION_APPROVE ||
             action == ACTION_DENY) && (r = replay_approval(rp, line, action, ended)) < 0)
                return r;
        /* The idempotency key a decision recorded, and an operator's forgetting it. */
        if (key && strlen(key) < GATE_KEY_BYTES) {
                if (action == ACTION_FORGET) {
                        (void) state_forget_key(rp->s, key);
                        return 0;
                }
                if ((action == ACTION_EXECUTED || action == ACTION_BLOCKED || action == ACTION_ESCALATE) &&
                    (r = state_put_key(rp->s, key, started, STATE_MAX_IDEMPOTENCY_KEYS)) < 0)
                        return r;
        }
        if (!playbook)
                return 0;
        if (action == ACTION_RESET_BREAKER) {                   /* remediationctl */
                struct breaker *b = state_breaker(rp->s, playbook, 0);
                if (b)
                        breaker_apply(rp->c, b, BREAKER_RESET, false, ended);
                return 0;
        }
        if (action == ACTION_VERIFY && alert)
                return replay_verdict(rp, line, action, result, alert, playbook, false);
        if (action != ACTION_EXECUTED || result == RESULT_RUNNING || !alert)
                return 0;
        if ((r = state_add_exec(rp->s, started, alert, playbook)) < 0)
                return r;
        rp->executions++;
        bool trial = breaker_state(rp->c, state_find_breaker(rp->s, playbook), started) == BREAKER_HALF_OPEN;
        struct breaker *b = state_breaker(rp->s, playbook, result != RESULT_ABORTED);
        if (!b && result != RESULT_ABORTED)
                return -ENOMEM;
        if ((r = replay_verdict(rp, line, action, result, alert, playbook, trial)) < 0)
                return r;
        if (b && r == 0)
                breaker_apply(rp->c, b, result == RESULT_SUCCESS ? BREAKER_SUCCEEDED :
                                        result == RESULT_ABORTED ? BREAKER_ABORTED : BREAKER_FAILED,
                              trial, ended);
        return 0;
}

int64_t history_horizon(const struct config *c) {
        /* Far enough back for the hour, the cooldown and a breaker that opened a timeout ago. */
        int64_t horizon = RATE_WINDOW_SEC;
        if ((int64_t) c->cooldown_minutes * 60 > horizon)
                horizon = (int64_t) c->cooldown_minutes * 60;
        if ((int64_t) c->reset_timeout_minutes * 60 * 2 > horizon)
                horizon = (int64_t) c->reset_timeout_minutes * 60 * 2;
        if ((int64_t) c->idempotency_window_minutes * 60 > horizon)
                horizon = (int64_t) c->idempotency_window_minutes * 60;
        for (size_t i = 0; i < c->n_routes; i++) {      /* and the approvals still to be answered */
                if ((int64_t) c->routes[i].approval_minutes * 60 + APPROVAL_KEEP_SEC > horizon)
                        horizon = (int64_t) c->routes[i].approval_minutes * 60 + APPROVAL_KEEP_SEC;
                /* the verdicts, and with Alertmanager to ask the grace the step leaves it */
                int64_t verdicts = (int64_t) c->routes[i].verify_minutes * 60 + (c->alertmanager_url ? VERIFY_AM_GRACE_SEC : 0);
                if (c->routes[i].verify_minutes > 0 && verdicts > horizon)
                        horizon = verdicts;
        }
        return horizon;
}

int history_rebuild(const struct config *c, const char *log_path, int64_t now, struct state *s) {
        struct replay rp = { c, s, 0 };
        int64_t horizon = history_horizon(c);
        /* First the pauses, from further back: they are read, never parsed, on the way. */
        int r = history_read_kept(log_path, now - PAUSE_MAX_SEC, 0, history_pause_line, replay_line, &rp, NULL);
        /* Lines stamped at most an instance's life (the trial lease) before they were written. */
        if (r >= 0)
                r = history_read_kept(log_path, now - horizon - breaker_trial_lease(c), 0, replay_matters,
                                      replay_line, &rp, NULL);
        if (r == -ENOENT || r == -EISDIR || r == -EBADFD)
                return 0;               /* no log, or none that can be read back: nothing to replay */
        if (r < 0)
                return r;
        gates_prune(c, s, now);
        return rp.executions;
}
