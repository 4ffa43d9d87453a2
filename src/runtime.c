#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <unistd.h>
#include "runtime.h"
#include "util.h"

void rt_log(int priority, const char *fmt, ...) {
        char line[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        /* Under systemd stderr is the journal, which reads the <N> priority prefix. */
        if (getenv("JOURNAL_STREAM"))
                fprintf(stderr, "<%d>%s\n", priority, line);
        else
                fprintf(stderr, "%s: %s\n", program_invocation_short_name, line);
}

void rt_init(struct runtime *rt, enum source source) {
        struct config_error err = {};

        rt->source = source;
        rt->log_fd = -EBADF;
        rt->cfg_error = config_load(rt->config_path, &rt->cfg, &err);
        if (rt->cfg_error < 0)
                rt_log(LOG_ERR, "%s:%d:%d: %s", rt->config_path, err.line, err.column,
                       err.message[0] ? err.message : strerror(-rt->cfg_error));
}

int rt_token_path(const struct config *cfg, char path[static PATH_MAX]) {
        const char *name = cfg->auth_token_file, *creds = getenv("CREDENTIALS_DIRECTORY");
        struct stat st;
        int n;

        if (name[0] == '/')
                n = snprintf(path, PATH_MAX, "%s", name);
        else if (creds && ((n = snprintf(path, PATH_MAX, "%s/%s", creds, name)) < 0 || n >= PATH_MAX ||
                           fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT))
                ;               /* there (or not to be told apart from there): this one */
        else {
                const char *slash = strrchr(cfg->path, '/');
                int dirlen = slash ? (int) (slash - cfg->path) : 1;
                n = snprintf(path, PATH_MAX, "%.*s/%s", dirlen, slash ? cfg->path : ".", name);
        }
        return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

void rt_confine_paths(const struct runtime *rt, char token[static PATH_MAX], struct confine_paths *ret) {
        const struct config *cfg = rt->cfg_error ? NULL : &rt->cfg;

        *ret = (struct confine_paths) {
                .config = rt->config_path, .state_dir = rt->state_dir, .decision_log = rt->decision_log,
                .token = cfg && cfg->auth_token_file && rt_token_path(cfg, token) == 0 ? token : NULL,
                .metrics_textfile = cfg ? cfg->metrics_textfile : NULL,
        };
}

void rt_open_log(struct runtime *rt) {
        rt->log_fd = audit_open_log(rt->decision_log);
        if (rt->log_fd < 0)
                rt_log(LOG_ERR, "decision log %s: %s", rt->decision_log, strerror(-rt->log_fd));
}

void rt_done(struct runtime *rt) {
        config_free(&rt->cfg);
        if (rt->log_fd >= 0)
                close(rt->log_fd);
        rt->log_fd = -EBADF;
}

void rt_record(struct runtime *rt, const struct audit_record *rec) {
        static bool told_journal;
        _cleanup_free_ char *line = audit_format_line(rec);
        int r = rt->log_fd;

        if (!line)
                rt_log(LOG_ERR, "decision for %s could not be formatted", rec->alertname ?: "alert");
        else if (r < 0 || (r = audit_append(rt->log_fd, line)) < 0)
                rt_log(LOG_ERR, "decision log not written (%s): %s", strerror(-r), line);
        r = audit_journal(rec);
        if (r < 0 && !told_journal) {           /* once: the next entries would fail alike */
                told_journal = true;
                if (r == -ENOTCONN)
                        rt_log(LOG_WARNING, "journald is not running: decisions go to the decision log only");
                else
                        rt_log(LOG_WARNING, "journal entry not written (%s): the decision log has it",
                               strerror(-r));
        }
}

void rt_record_verdict(struct runtime *rt, const struct verdict *v, int64_t at_ms) {
        struct audit_record rec = {
                .timestamp_ms = at_ms, .source = rt->source, .alertname = v->alert, .playbook = v->playbook,
                .action = ACTION_VERIFY, .verdict = v,
        };
        rt_record(rt, &rec);
}
