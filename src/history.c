/* The decision log is append-only and ordered by time, so the recent past is at its end: read
 * backwards in blocks until a line older than `since`, then hand the lines over oldest first. */
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

#define BLOCK (64 * 1024)

static double line_timestamp(const char *s, size_t len) {
        /* Every line starts {"timestamp":N — read it without parsing the line. */
        static const char prefix[] = "{\"timestamp\":";
        if (len < sizeof(prefix) || memcmp(s, prefix, sizeof(prefix) - 1) != 0)
                return -1;
        return strtod(s + sizeof(prefix) - 1, NULL);
}

int history_read(const char *path, int64_t since, size_t max_bytes,
                 int (*fn)(const cJSON *line, void *data), void *data, size_t *ret_skipped) {
        _cleanup_close_ int fd = open_regular(AT_FDCWD, path);    /* a FIFO would block */
        struct stat sb;
        size_t skipped = 0, have;
        int count = 0, r = 0;

        if (fd < 0)
                return fd;
        if (fstat(fd, &sb) < 0)
                return -errno;
        off_t end = sb.st_size, start = end;
        /* Find where the window begins: step back a block at a time. */
        _cleanup_free_ char *buf = malloc(BLOCK + 1);
        if (!buf)
                return -ENOMEM;
        while (start > 0 && (size_t) (end - start) < max_bytes) {
                off_t from = start > BLOCK ? start - BLOCK : 0;
                ssize_t n = pread(fd, buf, (size_t) (start - from), from);
                if (n <= 0)
                        break;
                buf[n] = '\0';
                start = from;
                /* The first full line of this block tells whether we have gone back far enough. */
                const char *nl = from == 0 ? NULL : memchr(buf, '\n', (size_t) n);
                const char *line = from == 0 ? buf : nl ? nl + 1 : NULL;
                double first = line ? line_timestamp(line, (size_t) (buf + n - line)) : -1;
                if (first >= 0 && first < (double) since)
                        break;
        }
        /* From there to the end, with what was appended since (newer lines) up to as much again. */
        _cleanup_free_ char *all = NULL;
        if (lseek(fd, start, SEEK_SET) < 0)
                return -errno;
        if ((r = read_fd_bounded(fd, (size_t) (end - start) + max_bytes, &all, &have)) < 0)
                return r;
        char *p = all, *e = all + have;
        if (start > 0) {                        /* a partial first line belongs to the block before */
                char *nl = memchr(p, '\n', have);
                p = nl ? nl + 1 : e;
        }
        while (p < e && r >= 0) {
                char *nl = memchr(p, '\n', (size_t) (e - p));
                size_t l = nl ? (size_t) (nl - p) : (size_t) (e - p);
                double ts = line_timestamp(p, l);
                if (ts > HISTORY_MAX_TIMESTAMP)
                        skipped++;              /* damage: no consumer may see such a time */
                else if (ts >= (double) since) {
                        cJSON *line = cJSON_ParseWithLength(p, l);
                        if (line) {
                                r = fn(line, data);
                                count++;
                        } else
                                skipped++;
                        cJSON_Delete(line);
                } else if (ts < 0 && l > 0)
                        skipped++;
                p += l + 1;
        }
        if (ret_skipped)
                *ret_skipped = skipped;
        return r < 0 ? r : count;
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
        if (action != ACTION_EXECUTED || result == RESULT_RUNNING || !alert)
                return 0;
        if ((r = state_add_exec(rp->s, started, alert, playbook)) < 0)
                return r;
        rp->executions++;
        bool trial = breaker_state(rp->c, state_find_breaker(rp->s, playbook), started) == BREAKER_HALF_OPEN;
        struct breaker *b = state_breaker(rp->s, playbook, result != RESULT_ABORTED);
        if (!b && result != RESULT_ABORTED)
                return -ENOMEM;
        if (b)
                breaker_apply(rp->c, b, result == RESULT_SUCCESS ? BREAKER_SUCCEEDED :
                                        result == RESULT_ABORTED ? BREAKER_ABORTED : BREAKER_FAILED,
                              trial, ended);
        return 0;
}

int history_rebuild(const struct config *c, const char *log_path, int64_t now, struct state *s) {
        struct replay rp = { c, s, 0 };
        /* Far enough back for the hour, the cooldown and a breaker that opened a timeout ago. */
        int64_t horizon = RATE_WINDOW_SEC;
        if ((int64_t) c->cooldown_minutes * 60 > horizon)
                horizon = (int64_t) c->cooldown_minutes * 60;
        if ((int64_t) c->reset_timeout_minutes * 60 * 2 > horizon)
                horizon = (int64_t) c->reset_timeout_minutes * 60 * 2;
        if ((int64_t) c->idempotency_window_minutes * 60 > horizon)
                horizon = (int64_t) c->idempotency_window_minutes * 60;
        int r = history_read(log_path, now - horizon - breaker_trial_lease(c), HISTORY_REBUILD_MAX_BYTES,
                             replay_line, &rp, NULL);
        if (r == -ENOENT || r == -EISDIR || r == -EBADFD)
                return 0;               /* no log, or none that can be read back: nothing to replay */
        if (r < 0)
                return r;
        gates_prune(c, s, now);
        return rp.executions;
}
