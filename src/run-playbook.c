/* remediation-run-playbook: the ExecStart of remediation-playbook-PLAYBOOK@ID.service. Runs one
 * playbook for the handler, which cannot: it only wrote the run's job file and started the unit.
 *
 *   remediation-run-playbook [--jobs-dir DIR] [--config FILE] [--playbooks-dir DIR] PLAYBOOK ID
 *
 * The jobs directory (default /run/remediation-webhook/jobs) is the handler's; the runner may be
 * root. So nothing there is trusted: ID.args, ID.stdout and ID.stderr are opened without following
 * a symlink and without blocking on a FIFO, and only a regular file with one link, owned by the
 * directory's owner, is read or written: a link the handler planted never makes the runner read or
 * write another file. ID.args holds ALERTNAME\0FINGERPRINT\0ARG\0...; what it says is checked
 * against the root-owned routing file (default /etc/remediation-webhook/webhook-routing.yml): the
 * alert's route must run PLAYBOOK, with exactly its parameters (a {{.Labels.X}} there stands for
 * any value the handler's safe-value check accepts), and the protected units come from that file's
 * service_overrides, never from the job. A taken-over handler can therefore start only what its
 * routing file allows, and cannot empty the list of units the restart playbooks refuse.
 *
 * The playbook (default playbooks directory: "playbooks" beside this program) gets those
 * arguments, a fixed environment (PATH, LANG, REMEDIATION_ALERTNAME, REMEDIATION_FINGERPRINT,
 * REMEDIATION_PLAYBOOK, REMEDIATION_PROTECTED_UNITS), stdin /dev/null, and pipes for stdout and
 * stderr: every byte is copied to our own stdout and stderr (the journal, under the unit), the
 * first EXEC_CAPTURE_BYTES of each into ID.stdout and ID.stderr for the handler. SIGTERM, SIGINT
 * and SIGHUP are passed on to it. A runner that is not root drops every capability (the unit may
 * give it CAP_DAC_OVERRIDE to open the handler's files) before it parses the job.
 *
 * Exit codes: the playbook's own status, or 128+N when signal N killed it;
 *   64  refused: usage, ID, playbook, jobs directory, job file, routing file (nothing ran);
 *   71  a system error before the playbook ran (memory, pipe, fork, capabilities). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bounds.h"
#include "config.h"
#include "params.h"
#include "util.h"

#define PROG                    "remediation-run-playbook"
#define EXIT_REFUSED            64
#define EXIT_SYSTEM             71

#define DEFAULT_JOBS_DIR        "/run/remediation-webhook/jobs"
#define DEFAULT_CONFIG          "/etc/remediation-webhook/webhook-routing.yml"
#define PLAYBOOK_ENV_PATH       "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

/* The job file: the alert's name, its fingerprint, the route's expanded parameters. */
#define JOB_MAX_ALERTNAME       1024
#define JOB_MAX_FINGERPRINT     64
#define JOB_MAX_BYTES           (JOB_MAX_ALERTNAME + 1 + JOB_MAX_FINGERPRINT + 1 + \
                                 EXEC_MAX_ARGS * (EXEC_MAX_ARG_BYTES + 1))
#define RUN_ID_MAX              (EXEC_ID_BYTES - 1)
#define PLAYBOOK_NAME_MAX       64
#define COPY_CHUNK              65536

struct job {
        const char *alertname;
        const char *fingerprint;
        const char *args[EXEC_MAX_ARGS];
        size_t n_args;
};

/* Where a refusal is also written once ID.stderr is open: the handler shows it as the run's
 * stderr. -1 before. What went into it so far, ours and the playbook's: never more than
 * EXEC_CAPTURE_BYTES (the handler ignores a longer file). */
static int err_capture = -1;
static size_t err_captured;

/* Appends to a capture file what fits of buf. 0 or -errno. */
static int capture(int fd, size_t *captured, const char *buf, size_t n) {
        size_t room = EXEC_CAPTURE_BYTES - *captured, take = n < room ? n : room;
        *captured += take;
        return take > 0 ? write_all(fd, buf, take) : 0;
}

static void say(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void say(const char *fmt, va_list ap) {
        char msg[1536];
        int n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
        if (n < 0)
                return;
        size_t len = (size_t) n < sizeof(msg) - 1 ? (size_t) n : sizeof(msg) - 2;
        msg[len++] = '\n';
        (void) write_all(STDERR_FILENO, PROG ": ", strlen(PROG ": "));
        (void) write_all(STDERR_FILENO, msg, len);
        if (err_capture >= 0) {
                (void) capture(err_capture, &err_captured, PROG ": ", strlen(PROG ": "));
                (void) capture(err_capture, &err_captured, msg, len);
        }
}

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        say(fmt, ap);
        va_end(ap);
}

static _Noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static _Noreturn void die(int code, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        say(fmt, ap);
        va_end(ap);
        exit(code);
}

static _Noreturn void usage(const char *why) {
        die(EXIT_REFUSED, "%s\nusage: " PROG " [--jobs-dir DIR] [--config FILE] [--playbooks-dir DIR] PLAYBOOK ID",
            why);
}

/* ---- names ---- */

static bool all_digits(const char *s, size_t len) {
        if (len == 0 || len > 20)
                return false;
        for (size_t i = 0; i < len; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

/* ^[0-9]+-[0-9]+-[0-9]+$: decision time in ms, the handler's pid, the run's index. */
static bool run_id_ok(const char *id) {
        const char *a = strchr(id, '-'), *b = a ? strchr(a + 1, '-') : NULL;
        return strlen(id) <= RUN_ID_MAX && a && b && all_digits(id, (size_t) (a - id)) &&
               all_digits(a + 1, (size_t) (b - a - 1)) && all_digits(b + 1, strlen(b + 1));
}

/* ^[a-z0-9][a-z0-9._-]*$, as apply-remediation wants it. */
static bool playbook_name_ok(const char *p) {
        size_t len = strlen(p);
        if (len == 0 || len > PLAYBOOK_NAME_MAX || !char_is(p[0], CHAR_LOWER | CHAR_DIGIT))
                return false;
        return span_class(p, CHAR_LOWER | CHAR_DIGIT | CHAR_DOT | CHAR_UNDERSCORE | CHAR_DASH) == len;
}

/* No C0 control byte and no DEL. */
static bool text_ok(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return false;
        return true;
}

static bool hex_ok(const char *s) {
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
                        return false;
        return true;
}

/* ---- the handler's files ---- */

/* Opens name in the jobs directory for reading or writing: no symlink followed (ELOOP), no wait
 * for a FIFO's other end, not a controlling terminal; then refuses all but a regular file with one
 * link owned by owner. The descriptor (O_CLOEXEC), or -errno; *why says what was wrong. */
static int open_job_file(int dir_fd, const char *name, int mode, uid_t owner, const char **why) {
        struct stat st;
        int fd;

        if (mode == O_RDONLY)
                fd = open_regular(dir_fd, name);        /* O_NOFOLLOW|O_NONBLOCK|O_NOCTTY, regular */
        else if ((fd = openat(dir_fd, name, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK)) < 0)
                fd = -errno;                            /* ENXIO: a FIFO nobody reads */
        if (fd < 0) {
                *why = fd == -ELOOP ? "a symlink" : fd == -ENXIO || fd == -EBADFD ? "not a regular file" :
                       strerror(-fd);
                return fd;
        }
        if (fstat(fd, &st) < 0) {
                *why = strerror(errno);
                close(fd);
                return -EIO;
        }
        *why = !S_ISREG(st.st_mode) ? "not a regular file" : st.st_nlink != 1 ? "hard-linked" :
               st.st_uid != owner ? "not owned by the jobs directory's owner" : NULL;
        if (*why) {
                close(fd);
                return -EPERM;
        }
        return fd;
}

/* ALERTNAME\0FINGERPRINT\0ARG\0...: every field NUL-terminated, within its bound. The fields
 * point into buf. 0, or -EINVAL with a sentence in why. */
static int parse_job(const char *buf, size_t len, struct job *ret, char *why, size_t why_size) {
        const char *fields[2 + EXEC_MAX_ARGS];
        size_t n = 0;

        if (len == 0 || buf[len - 1] != '\0') {
                snprintf(why, why_size, "its last field is not NUL-terminated");
                return -EINVAL;
        }
        for (const char *p = buf; p < buf + len; p += strlen(p) + 1) {
                if (n == ELEMENTSOF(fields)) {
                        snprintf(why, why_size, "more than %d arguments", EXEC_MAX_ARGS);
                        return -EINVAL;
                }
                fields[n++] = p;
        }
        if (n < 2) {
                snprintf(why, why_size, "no fingerprint field");
                return -EINVAL;
        }
        size_t alen = strlen(fields[0]), flen = strlen(fields[1]);
        if (alen == 0 || alen > JOB_MAX_ALERTNAME || !text_ok(fields[0])) {
                snprintf(why, why_size, "the alert name is empty, longer than %d bytes or has a control character",
                         JOB_MAX_ALERTNAME);
                return -EINVAL;
        }
        if (flen > JOB_MAX_FINGERPRINT || !hex_ok(fields[1])) {
                snprintf(why, why_size, "the fingerprint is not hex of at most %d digits", JOB_MAX_FINGERPRINT);
                return -EINVAL;
        }
        for (size_t i = 2; i < n; i++)
                if (strlen(fields[i]) > EXEC_MAX_ARG_BYTES || !text_ok(fields[i])) {
                        snprintf(why, why_size, "argument %zu is longer than %d bytes or has a control character",
                                 i - 1, EXEC_MAX_ARG_BYTES);
                        return -EINVAL;
                }
        ret->alertname = fields[0];
        ret->fingerprint = fields[1];
        ret->n_args = n - 2;
        for (size_t i = 2; i < n; i++)
                ret->args[i - 2] = fields[i];
        return 0;
}

/* ---- the routing file ---- */

/* Could arg be what the handler's params_expand() makes of tmpl? Literal text must match; the
 * route's playbook and the job's fingerprint stand for themselves; a label or annotation for any
 * value param_value_ok() accepts. Every way of splitting arg is tried (a bitmap of the offsets
 * reached after each part), so two placeholders in a row are no problem. */
static bool arg_matches(const char *tmpl, const char *arg, const struct route *route, const char *fingerprint) {
        size_t len = strlen(arg);
        bool reach[EXEC_MAX_ARG_BYTES + 1], next[EXEC_MAX_ARG_BYTES + 1];

        if (len > EXEC_MAX_ARG_BYTES)
                return false;
        memset(reach, 0, len + 1);
        reach[0] = true;
        for (const char *p = tmpl; *p;) {
                const char *open = strstr(p, "{{"), *fixed = NULL;
                size_t flen;
                bool value = false;

                if (open == p) {
                        const char *close = strstr(p + 2, "}}"), *name = p + 2;
                        if (!close)
                                return false;
                        size_t nlen = (size_t) (close - name);
                        if (nlen == 9 && memcmp(name, ".Playbook", 9) == 0)
                                fixed = route->playbook;
                        else if (nlen == 12 && memcmp(name, ".Fingerprint", 12) == 0) {
                                if (!param_value_ok(fingerprint))
                                        return false;
                                fixed = fingerprint;
                        } else if ((nlen > 8 && memcmp(name, ".Labels.", 8) == 0) ||
                                   (nlen > 13 && memcmp(name, ".Annotations.", 13) == 0))
                                value = true;
                        else
                                return false;
                        flen = fixed ? strlen(fixed) : 0;
                        p = close + 2;
                } else {
                        fixed = p;
                        flen = open ? (size_t) (open - p) : strlen(p);
                        p += flen;
                }

                memset(next, 0, len + 1);
                for (size_t o = 0; o <= len; o++) {
                        if (!reach[o])
                                continue;
                        if (!value) {
                                if (flen <= len - o && memcmp(arg + o, fixed, flen) == 0)
                                        next[o + flen] = true;
                                continue;
                        }
                        /* param_value_ok(): [A-Za-z0-9][A-Za-z0-9_.:@/-]*, 1..PARAM_MAX_VALUE, no "..". */
                        for (size_t e = o; e < len && e - o < PARAM_MAX_VALUE; e++) {
                                char c = arg[e];
                                bool alnum = char_is(c, CHAR_LOWER | CHAR_UPPER | CHAR_DIGIT);
                                if (!alnum && (e == o || !strchr("_.:@/-", c)))
                                        break;
                                if (c == '.' && e > o && arg[e - 1] == '.')
                                        break;
                                next[e + 1] = true;
                        }
                }
                memcpy(reach, next, len + 1);
        }
        return reach[len];
}

/* The route for the job's alert must run this playbook with exactly these parameters. NULL and
 * *why when it does not. */
static const struct route *route_of(const struct config *cfg, const char *playbook, const struct job *job,
                                    char *why, size_t why_size) {
        const struct route *r = config_find_route(cfg, job->alertname);

        if (!r || !r->playbook || strcmp(r->playbook, playbook) != 0) {
                snprintf(why, why_size, "the routing file does not run %s for this alert (%s)", playbook,
                         !r ? "no route" : r->playbook ? "it runs another playbook" : "alert only");
                return NULL;
        }
        if (job->n_args != r->n_parameters) {
                snprintf(why, why_size, "%zu arguments, but the route has %zu parameters", job->n_args,
                         r->n_parameters);
                return NULL;
        }
        for (size_t i = 0; i < job->n_args; i++)
                if (!arg_matches(r->parameters[i], job->args[i], r, job->fingerprint)) {
                        snprintf(why, why_size, "argument %zu is not what the route's parameter makes", i + 1);
                        return NULL;
                }
        return r;
}

/* REMEDIATION_PROTECTED_UNITS=: service_overrides as unit names (".service" appended when
 * missing), separated by spaces: what the handler's protected_units_env() passes. */
static char *protected_units_env(const struct config *cfg) {
        static const char suffix[] = ".service";
        struct strbuf b = {};

        strbuf_printf(&b, "REMEDIATION_PROTECTED_UNITS=");
        for (size_t i = 0; i < cfg->n_service_overrides; i++) {
                const char *u = cfg->service_overrides[i];
                size_t n = strlen(u);
                bool has = n >= sizeof(suffix) - 1 && strcmp(u + n - (sizeof(suffix) - 1), suffix) == 0;
                strbuf_printf(&b, "%s%s%s", i ? " " : "", u, has ? "" : suffix);
        }
        return strbuf_steal(&b);
}

/* A file root runs must be root's (or ours) and writable by nobody else. */
static const char *trusted_file(const struct stat *st) {
        if (st->st_uid != 0 && st->st_uid != geteuid())
                return "not owned by root";
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return "writable by group or others";
        return NULL;
}

/* ---- privileges ---- */

/* Not root: the unit's ambient capabilities (CAP_DAC_OVERRIDE, to open the handler's files) end
 * here, before the job is parsed and long before the playbook runs. */
static int drop_capabilities(void) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

        if (geteuid() == 0)
                return 0;
        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        bool none = true;               /* then there is nothing to drop (and capset() may be filtered) */
        for (size_t i = 0; i < ELEMENTSOF(d); i++)
                none = none && !d[i].effective && !d[i].permitted && !d[i].inheritable;
        if (none)
                return 0;
        memset(d, 0, sizeof(d));
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;
        if (syscall(SYS_capset, &h, d) < 0 || syscall(SYS_capget, &h, d) < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(d); i++)
                if (d[i].effective || d[i].permitted || d[i].inheritable)
                        return -EPERM;
        return 0;
}

/* ---- running ---- */

struct stream {
        int fd;                 /* the pipe's read end; -1 at its end */
        int out;                /* our own stdout or stderr */
        int capture;            /* ID.stdout or ID.stderr */
        size_t *captured;       /* what is in it */
        bool out_failed, capture_failed;
        const char *name;
};

/* Copies what the pipe has: 1 copied, 0 nothing there now, -1 its end. */
static int copy_some(struct stream *s) {
        char buf[COPY_CHUNK];
        ssize_t n = read(s->fd, buf, sizeof(buf));

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return 0;
        if (n <= 0)
                return -1;
        if (!s->out_failed && write_all(s->out, buf, (size_t) n) < 0)
                s->out_failed = true;   /* the journal is gone: the capture and the drain go on */
        if (!s->capture_failed) {
                int r = capture(s->capture, s->captured, buf, (size_t) n);
                if (r < 0) {
                        s->capture_failed = true;
                        warn("cannot write the run's %s file: %s", s->name, strerror(-r));
                }
        }
        return 1;
}

static void close_stream(struct stream *s) {
        if (s->fd >= 0)
                close(s->fd);
        s->fd = -1;
}

/* In the child: the playbook, or 126/127 when it cannot be executed. */
static _Noreturn void exec_playbook(const char *path, char *const argv[], char *const envp[], int out_w,
                                    int err_w, const sigset_t *mask) {
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

        (void) signal(SIGPIPE, SIG_DFL);
        (void) sigprocmask(SIG_UNBLOCK, mask, NULL);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out_w, STDOUT_FILENO) < 0 ||
            dup2(err_w, STDERR_FILENO) < 0)
                _exit(126);
        execve(path, argv, envp);
        int e = errno;
        dprintf(STDERR_FILENO, PROG ": cannot execute %s: %s\n", path, strerror(e));
        _exit(e == ENOENT ? 127 : 126);
}

/* Runs the playbook to its end; its wait status. */
static int run(const char *path, char *const argv[], char *const envp[], int out_cap, int err_cap) {
        sigset_t mask;
        int out_p[2], err_p[2], status = 0;

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                die(EXIT_SYSTEM, "sigprocmask: %s", strerror(errno));
        int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                die(EXIT_SYSTEM, "signalfd: %s", strerror(errno));
        if (pipe2(out_p, O_CLOEXEC) < 0 || pipe2(err_p, O_CLOEXEC) < 0)
                die(EXIT_SYSTEM, "pipe: %s", strerror(errno));

        pid_t pid = fork();
        if (pid < 0)
                die(EXIT_SYSTEM, "fork: %s", strerror(errno));
        if (pid == 0)
                exec_playbook(path, argv, envp, out_p[1], err_p[1], &mask);
        close(out_p[1]);
        close(err_p[1]);

        static size_t out_captured;
        struct stream streams[2] = {
                { .fd = out_p[0], .out = STDOUT_FILENO, .capture = out_cap, .captured = &out_captured, .name = "stdout" },
                { .fd = err_p[0], .out = STDERR_FILENO, .capture = err_cap, .captured = &err_captured, .name = "stderr" },
        };
        for (size_t i = 0; i < 2; i++)
                (void) fcntl(streams[i].fd, F_SETFL, O_NONBLOCK);

        bool exited = false;
        while (!exited) {
                struct pollfd p[3] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = streams[0].fd, .events = POLLIN },
                        { .fd = streams[1].fd, .events = POLLIN },
                };
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        /* Cannot watch it any more: it must not run on unwatched. */
                        warn("poll: %s: killing the playbook", strerror(errno));
                        (void) kill(pid, SIGKILL);
                        (void) waitpid(pid, &status, 0);
                        break;
                }
                for (size_t i = 0; i < 2; i++)
                        if (p[i + 1].revents && copy_some(&streams[i]) < 0)
                                close_stream(&streams[i]);
                if (!(p[0].revents & POLLIN))
                        continue;
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof(si)) == (ssize_t) sizeof(si))
                        if (si.ssi_signo != SIGCHLD)
                                (void) kill(pid, (int) si.ssi_signo);   /* ours to pass on */
                pid_t w = waitpid(pid, &status, WNOHANG);
                if (w < 0 && errno != EINTR) {
                        warn("waitpid: %s", strerror(errno));
                        status = EXIT_SYSTEM << 8;
                }
                exited = w == pid || (w < 0 && errno != EINTR);
        }
        /* What it wrote before it ended is still in the pipes; what its leftover children write
         * later is not waited for (the unit's stop kills them). */
        for (size_t i = 0; i < 2; i++) {
                while (streams[i].fd >= 0 && copy_some(&streams[i]) > 0)
                        ;
                close_stream(&streams[i]);
        }
        close(sfd);
        return status;
}

/* fds 0-2 open, so that nothing we open becomes one of them. */
static void stdio_open(void) {
        for (int fd = 0; fd <= 2; fd++)
                if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
                        _exit(EXIT_SYSTEM);
}

/* "playbooks" beside this program. */
static char *default_playbooks_dir(void) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0 || (size_t) n >= sizeof(self) - 1)
                return NULL;
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (!slash)
                return NULL;
        *slash = '\0';
        struct strbuf b = {};
        strbuf_printf(&b, "%s/playbooks", self);
        return strbuf_steal(&b);
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "jobs-dir", required_argument, NULL, 'j' },
                { "config", required_argument, NULL, 'c' },
                { "playbooks-dir", required_argument, NULL, 'p' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *jobs_dir = DEFAULT_JOBS_DIR, *config_path = DEFAULT_CONFIG, *why;
        _cleanup_free_ char *playbooks_dir = NULL;
        int c;

        stdio_open();
        (void) signal(SIGPIPE, SIG_IGN);        /* a closed stdout is an EPIPE to note, not our end */
        while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1)
                switch (c) {
                case 'j': jobs_dir = optarg; break;
                case 'c': config_path = optarg; break;
                case 'p':
                        free(playbooks_dir);
                        if (!(playbooks_dir = strdup(optarg)))
                                die(EXIT_SYSTEM, "out of memory");
                        break;
                case 'h':
                        printf("usage: " PROG " [--jobs-dir DIR] [--config FILE] [--playbooks-dir DIR] PLAYBOOK ID\n"
                               "Runs PLAYBOOK for the job DIR/ID.args (default " DEFAULT_JOBS_DIR "),\n"
                               "checked against FILE (default " DEFAULT_CONFIG ").\n"
                               "Exit: the playbook's status (128+N: killed by signal N), 64 refused, 71 system error.\n");
                        return 0;
                default:
                        usage("invalid option");
                }
        if (argc - optind != 2)
                usage("want PLAYBOOK and ID");
        const char *playbook = argv[optind], *id = argv[optind + 1];

        /* 1. The names: the unit fixes PLAYBOOK, the handler chose ID. */
        if (!run_id_ok(id))
                die(EXIT_REFUSED, "invalid run ID (want ^[0-9]+-[0-9]+-[0-9]+$, at most %d bytes)", RUN_ID_MAX);
        if (!playbook_name_ok(playbook))
                die(EXIT_REFUSED, "invalid playbook name (want ^[a-z0-9][a-z0-9._-]*$)");
        if (!playbooks_dir && !(playbooks_dir = default_playbooks_dir()))
                die(EXIT_SYSTEM, "cannot tell where this program is: give --playbooks-dir");
        _cleanup_close_ int pb_dir = open(playbooks_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;
        if (pb_dir < 0 || fstat(pb_dir, &st) < 0)
                die(EXIT_REFUSED, "playbooks directory %s: %s", playbooks_dir, strerror(errno));
        if ((why = trusted_file(&st)))
                die(EXIT_REFUSED, "playbooks directory %s: %s", playbooks_dir, why);
        if (fstatat(pb_dir, playbook, &st, AT_SYMLINK_NOFOLLOW) < 0)
                die(EXIT_REFUSED, "no such playbook: %s (in %s)", playbook, playbooks_dir);
        if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR) || (why = trusted_file(&st)))
                die(EXIT_REFUSED, "playbook %s/%s: %s", playbooks_dir, playbook,
                    !S_ISREG(st.st_mode) ? "not a regular file" : !(st.st_mode & S_IXUSR) ? "not executable" : why);

        /* 2. The handler's directory and its files for this run. */
        _cleanup_close_ int dir = open(jobs_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir < 0 || fstat(dir, &st) < 0)
                die(EXIT_REFUSED, "jobs directory %s: %s", jobs_dir, errno == ENOTDIR || errno == ELOOP ?
                    "not a directory (or a symlink)" : strerror(errno));
        if (st.st_mode & (S_IWGRP | S_IWOTH))
                die(EXIT_REFUSED, "jobs directory %s: writable by group or others", jobs_dir);
        uid_t owner = st.st_uid;

        char name[RUN_ID_MAX + 16];
        int fds[3];
        static const char *const suffix[3] = { "stderr", "stdout", "args" };
        for (size_t i = 0; i < 3; i++) {
                snprintf(name, sizeof(name), "%s.%s", id, suffix[i]);
                fds[i] = open_job_file(dir, name, i == 2 ? O_RDONLY : O_WRONLY, owner, &why);
                if (fds[i] < 0)
                        die(EXIT_REFUSED, "job file %s/%s: %s", jobs_dir, name, why);
                if (i < 2 && ftruncate(fds[i], 0) < 0)
                        die(EXIT_REFUSED, "job file %s/%s: %s", jobs_dir, name, strerror(errno));
                if (i == 0)
                        err_capture = fds[0];           /* refusals from here on reach the handler */
        }
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_fd_bounded(fds[2], JOB_MAX_BYTES, &text, &len);
        close(fds[2]);
        if (r < 0)
                die(EXIT_REFUSED, "job file %s/%s.args: %s", jobs_dir, id,
                    r == -EFBIG ? "larger than the bounds allow" : strerror(-r));

        /* 3. The routing file: root's, and the only source of the protected units. */
        struct config cfg;
        struct config_error cerr;
        if (stat(config_path, &st) < 0)
                die(EXIT_REFUSED, "routing file %s: %s", config_path, strerror(errno));
        if ((why = trusted_file(&st)))
                die(EXIT_REFUSED, "routing file %s: %s", config_path, why);
        if ((r = config_load(config_path, &cfg, &cerr)) < 0) {
                if (cerr.line > 0)
                        die(EXIT_REFUSED, "routing file %s:%d:%d: %s", config_path, cerr.line, cerr.column, cerr.message);
                die(EXIT_REFUSED, "routing file %s: %s", config_path, cerr.message);
        }

        if ((r = drop_capabilities()) < 0)
                die(EXIT_SYSTEM, "cannot drop capabilities: %s", strerror(-r));

        /* 4. The job, and whether the routing file allows it. */
        struct job job;
        char jwhy[256];
        if (parse_job(text, len, &job, jwhy, sizeof(jwhy)) < 0)
                die(EXIT_REFUSED, "job file %s/%s.args: %s", jobs_dir, id, jwhy);
        if (!route_of(&cfg, playbook, &job, jwhy, sizeof(jwhy)))
                die(EXIT_REFUSED, "refused: %s", jwhy);

        /* 5. The playbook. */
        struct strbuf pathb = {}, alert_env = {}, fp_env = {}, pb_env = {};
        strbuf_printf(&pathb, "%s/%s", playbooks_dir, playbook);
        strbuf_printf(&alert_env, "REMEDIATION_ALERTNAME=%s", job.alertname);
        strbuf_printf(&fp_env, "REMEDIATION_FINGERPRINT=%s", job.fingerprint);
        strbuf_printf(&pb_env, "REMEDIATION_PLAYBOOK=%s", playbook);
        _cleanup_free_ char *path = strbuf_steal(&pathb), *e_alert = strbuf_steal(&alert_env),
                            *e_fp = strbuf_steal(&fp_env), *e_pb = strbuf_steal(&pb_env),
                            *e_prot = protected_units_env(&cfg);
        if (!path || !e_alert || !e_fp || !e_pb || !e_prot)
                die(EXIT_SYSTEM, "out of memory");
        char *envp[] = { PLAYBOOK_ENV_PATH, "LANG=C.UTF-8", e_alert, e_fp, e_pb, e_prot, NULL };
        char *pargv[EXEC_MAX_ARGS + 2];
        pargv[0] = path;
        for (size_t i = 0; i < job.n_args; i++)
                pargv[i + 1] = (char *) job.args[i];
        pargv[job.n_args + 1] = NULL;

        int status = run(path, pargv, envp, fds[1], fds[0]);
        config_free(&cfg);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_SYSTEM;
}
