/* Running a playbook: argv without a shell, its own process group, bounded capture, timeouts.
 *
 * A job is running while result == RESULT_RUNNING and pid > 0; the zombie keeps its pid and process
 * group from being reused until we reap it, so signalling -pid is safe until then and never after.
 * kill_at_ms != 0 records that we already sent SIGTERM (the timeout, or exec_abort).
 *
 * The pidfd only wakes poll() when the child exits. Without one (pidfd_open() refused by an old
 * kernel, a seccomp filter, or valgrind) we poll waitid() every PIDLESS_POLL_MS instead. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"

#define READS_PER_WAKEUP        16      /* per pipe, so a chatty child cannot starve the others */
#define SCRATCH_BYTES           16384   /* output past the capture is read into this and dropped */
#define PIDLESS_POLL_MS         50

static void close_fd(int *fd) {
        if (*fd >= 0) {
                (void) close(*fd);
                *fd = -1;
        }
}

static bool job_running(const struct exec_job *job) {
        return job->result == RESULT_RUNNING && job->pid > 0;
}

int64_t now_monotonic_ms(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* pipe2() hands out 0..2 when the caller has them closed; keep such fds clear of the dup2()s. */
static int above_stdio(int fd) {
        return fd > STDERR_FILENO ? fd : fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
}

/* In the vfork() child, before execve(): system calls only, nothing that touches libc's state
 * (malloc, stdio, locks) — it is the parent's. Returns only on failure, with -errno. */
static int child_exec(const struct exec_job *job, char *const envp[], int nul, int out, int err) {
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        sigset_t none;

        /* The parent's handlers would otherwise run here, and ignored signals survive execve(). */
        for (int sig = 1; sig < _NSIG; sig++) {
                if (sig == SIGKILL || sig == SIGSTOP)
                        continue;
                if (sigaction(sig, &dfl, NULL) < 0) {
                        /* libc refuses its internal signals (32, 33), but an ignored one is
                         * inherited from whoever started us: reset it with the kernel's call. */
                        struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; }
                                k = { SIG_DFL, 0, NULL, 0 };
                        (void) syscall(SYS_rt_sigaction, sig, &k, NULL, sizeof(k.mask));
                }
        }
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                return -errno;

        if (setpgid(0, 0) < 0)
                return -errno;

        nul = above_stdio(nul);
        out = above_stdio(out);
        err = above_stdio(err);
        if (nul < 0 || out < 0 || err < 0)
                return -errno;
        if (dup2(nul, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
                return -errno;

        /* Everything of ours is O_CLOEXEC already; this catches fds a library opened without it. */
        (void) close_range(STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC);

        execve(job->argv[0], (char *const *) job->argv, envp);
        return -errno;
}

/* The child's pid or -errno; *child_errno is set when its execve() failed. (valgrind runs
 * vfork() as fork(): there a failed execve() shows as the child's exit status 127 instead.) */
static pid_t spawn(const struct exec_job *job, char *const envp[], int nul, int out, int err,
                   volatile int *child_errno) {
        pid_t pid = vfork();

        if (pid == 0) {
                *child_errno = -child_exec(job, envp, nul, out, err);
                _exit(127);
        }
        return pid < 0 ? -errno : pid;
}

static bool argv_terminated(const struct exec_job *job) {
        for (size_t i = 0; i <= EXEC_MAX_ARGS; i++)
                if (!job->argv[i])
                        return true;
        return false;
}

static void spawn_failed(struct exec_job *job, int r) {
        job->pid = -1;
        job->result = RESULT_SPAWN_FAILED;
        job->exit_code = r;
        job->ended_ms = now_monotonic_ms();
}

int exec_start(struct exec_job *job, char *const envp[], int timeout_seconds) {
        int out[2] = { -1, -1 }, err[2] = { -1, -1 }, nul = -1;
        volatile int child_errno = 0;   /* written by the vfork() child, in our memory */
        sigset_t all, saved;
        pid_t pid;
        int r;

        job->pid = -1;
        job->pidfd = job->out_fd = job->err_fd = -1;
        job->started_ms = now_monotonic_ms();
        job->ended_ms = 0;
        job->term_at_ms = job->kill_at_ms = 0;
        job->result = RESULT_RUNNING;
        job->exit_code = 0;
        job->out_len = job->err_len = 0;
        job->reported = 0;

        /* The path is resolved by the caller; a relative one would be looked up in our cwd. */
        if (!job->argv[0] || job->argv[0][0] != '/') {
                spawn_failed(job, -EINVAL);
                return -EINVAL;
        }
        /* execve() would read past the array without a terminator in it. */
        if (!argv_terminated(job)) {
                spawn_failed(job, -E2BIG);
                return -E2BIG;
        }

        nul = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (nul < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
                r = -errno;
                goto fail;
        }
        /* Only our read ends: the write ends are separate open files and stay blocking. */
        if (fcntl(out[0], F_SETFL, O_NONBLOCK) < 0 || fcntl(err[0], F_SETFL, O_NONBLOCK) < 0) {
                r = -errno;
                goto fail;
        }

        /* vfork(): the child borrows our memory until execve(), so no page is copied or
         * write-faulted — on a virtual machine that is most of what fork() costs. We stay stopped
         * until then, and no handler of ours may run in the child before it resets them. */
        sigfillset(&all);
        if (sigprocmask(SIG_SETMASK, &all, &saved) < 0) {
                r = -errno;
                goto fail;
        }
        pid = spawn(job, envp, nul, out[1], err[1], &child_errno);
        (void) sigprocmask(SIG_SETMASK, &saved, NULL);
        if (pid < 0) {
                r = pid;
                goto fail;
        }
        (void) setpgid(pid, pid);       /* done by the child already, but for valgrind's fork() */
        close_fd(&nul);
        close_fd(&out[1]);
        close_fd(&err[1]);
        if (child_errno != 0) {         /* execve() failed: the child has exited */
                r = child_errno > 0 ? -child_errno : -EIO;
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                goto fail;
        }

        /* Sets O_CLOEXEC itself. On failure pidfd stays -1 and we poll waitid() instead. */
        job->pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        job->pid = pid;
        job->out_fd = out[0];
        job->err_fd = err[0];
        if (timeout_seconds > 0)       /* otherwise no timeout */
                job->term_at_ms = job->started_ms + (int64_t) timeout_seconds * 1000;
        return 0;

fail:
        close_fd(&nul);
        close_fd(&out[0]);
        close_fd(&out[1]);
        close_fd(&err[0]);
        close_fd(&err[1]);
        spawn_failed(job, r);
        return r;
}

/* Reads what is available without blocking: the first EXEC_CAPTURE_BYTES into buf, the rest is
 * dropped. Closes *fd at EOF or on an error. */
static void pipe_read(int *fd, char *buf, size_t *len, unsigned max_reads) {
        char scratch[SCRATCH_BYTES];

        for (unsigned i = 0; *fd >= 0 && i < max_reads; i++) {
                bool keep = *len < EXEC_CAPTURE_BYTES;
                char *p = keep ? buf + *len : scratch;
                size_t room = keep ? EXEC_CAPTURE_BYTES - *len : sizeof scratch;
                ssize_t k = read(*fd, p, room);

                if (k > 0) {
                        if (keep)
                                *len += (size_t) k;
                } else if (k < 0 && errno == EINTR) {
                        continue;
                } else if (k < 0 && errno == EAGAIN) {
                        return;
                } else {
                        close_fd(fd);
                }
        }
}

static void signal_group(struct exec_job *job, int sig) {
        /* The child may have moved itself out of its group; then at least it gets the signal. */
        if (kill(-job->pid, sig) < 0)
                (void) kill(job->pid, sig);
}

/* Reaps the job if its process has exited. Grandchildren may still hold the pipes: take what is
 * there and close them, never wait for EOF. */
static void job_reap(struct exec_job *job, bool aborting) {
        siginfo_t si = {};

        if (waitid(P_PID, (id_t) job->pid, &si, WEXITED | WNOHANG) < 0) {
                if (errno == EINTR)
                        return;
                /* Not ours to wait for (SIGCHLD set to SIG_IGN reaps it for us): it is gone. */
                job->exit_code = -errno;
        } else if (si.si_pid == 0) {
                return;
        } else if (si.si_code == CLD_EXITED) {
                job->exit_code = si.si_status;
        } else {
                job->exit_code = 128 + si.si_status;
        }

        pipe_read(&job->out_fd, job->out, &job->out_len, READS_PER_WAKEUP);
        pipe_read(&job->err_fd, job->err, &job->err_len, READS_PER_WAKEUP);
        close_fd(&job->out_fd);
        close_fd(&job->err_fd);
        close_fd(&job->pidfd);
        job->ended_ms = now_monotonic_ms();

        if (aborting)
                job->result = RESULT_ABORTED;
        else if (job->kill_at_ms != 0)
                job->result = RESULT_TIMEOUT;
        else if (job->exit_code == 0)
                job->result = RESULT_SUCCESS;
        else
                job->result = RESULT_FAILURE;
}

/* SIGTERM at term_at, SIGKILL from kill_at on (repeating it until the reap is harmless). */
static void enforce_timers(struct exec_job *jobs, size_t n, int64_t now) {
        for (size_t i = 0; i < n; i++) {
                struct exec_job *job = &jobs[i];

                if (!job_running(job))
                        continue;
                if (job->kill_at_ms == 0 && job->term_at_ms != 0 && now >= job->term_at_ms) {
                        signal_group(job, SIGTERM);
                        job->kill_at_ms = now + (int64_t) EXEC_KILL_GRACE_SEC * 1000;
                } else if (job->kill_at_ms != 0 && now >= job->kill_at_ms) {
                        signal_group(job, SIGKILL);
                }
        }
}

/* Milliseconds until the deadline or the next timer, for poll(); -1 for none. */
static int next_timeout(const struct exec_job *jobs, size_t n, int64_t deadline_ms, int64_t now) {
        int64_t wake = deadline_ms >= 0 ? deadline_ms : INT64_MAX;

        for (size_t i = 0; i < n; i++) {
                const struct exec_job *job = &jobs[i];

                if (!job_running(job))
                        continue;
                if (job->kill_at_ms == 0 && job->term_at_ms != 0 && job->term_at_ms < wake)
                        wake = job->term_at_ms;
                else if (job->kill_at_ms > now && job->kill_at_ms < wake)
                        wake = job->kill_at_ms;
                if (job->pidfd < 0 && now + PIDLESS_POLL_MS < wake)
                        wake = now + PIDLESS_POLL_MS;
        }
        if (wake == INT64_MAX)
                return -1;
        if (wake <= now)
                return 0;
        return wake - now > INT_MAX ? INT_MAX : (int) (wake - now);
}

/* One poll() over every running job and sigfd: reads output, reaps, enforces timers. Returns 1 if
 * sigfd is readable, 0 otherwise, -errno on failure. pfds holds 3 * n + 1 entries. */
static int wait_step(struct exec_job *jobs, size_t n, int64_t deadline_ms, int sigfd, bool aborting,
                     struct pollfd *pfds) {
        int64_t now = now_monotonic_ms();
        int timeout, sig_ready = 0;

        enforce_timers(jobs, n, now);
        timeout = next_timeout(jobs, n, deadline_ms, now);

        for (size_t i = 0; i < n; i++) {
                bool running = job_running(&jobs[i]);

                /* poll() skips negative fds. */
                pfds[3 * i] = (struct pollfd) { .fd = running ? jobs[i].pidfd : -1, .events = POLLIN };
                pfds[3 * i + 1] = (struct pollfd) { .fd = running ? jobs[i].out_fd : -1, .events = POLLIN };
                pfds[3 * i + 2] = (struct pollfd) { .fd = running ? jobs[i].err_fd : -1, .events = POLLIN };
        }
        pfds[3 * n] = (struct pollfd) { .fd = sigfd, .events = POLLIN };

        if (poll(pfds, 3 * n + 1, timeout) < 0)
                return errno == EINTR ? 0 : -errno;

        if (pfds[3 * n].revents & POLLNVAL)
                return -EBADF;
        if (pfds[3 * n].revents)
                sig_ready = 1;

        for (size_t i = 0; i < n; i++) {
                struct exec_job *job = &jobs[i];

                if (pfds[3 * i + 1].revents)
                        pipe_read(&job->out_fd, job->out, &job->out_len, READS_PER_WAKEUP);
                if (pfds[3 * i + 2].revents)
                        pipe_read(&job->err_fd, job->err, &job->err_len, READS_PER_WAKEUP);
                if (pfds[3 * i].revents || (job_running(job) && job->pidfd < 0))
                        job_reap(job, aborting);
        }
        enforce_timers(jobs, n, now_monotonic_ms());
        return sig_ready;
}

static bool any_running(const struct exec_job *jobs, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (job_running(&jobs[i]))
                        return true;
        return false;
}

int exec_unreported(const struct exec_job *jobs, size_t n) {
        for (size_t i = 0; i < n && i <= INT_MAX; i++)
                if (jobs[i].result != RESULT_RUNNING && !jobs[i].reported)
                        return (int) i;
        return -1;
}

int exec_wait(struct exec_job *jobs, size_t n, int64_t deadline_ms, int sigfd) {
        struct pollfd *pfds = NULL;
        int r;

        for (;;) {
                r = exec_unreported(jobs, n);
                if (r >= 0)
                        break;
                if (!any_running(jobs, n)) {
                        r = -ECHILD;
                        break;
                }
                if (!pfds) {
                        pfds = calloc(3 * n + 1, sizeof *pfds);
                        if (!pfds) {
                                r = -ENOMEM;
                                break;
                        }
                }

                r = wait_step(jobs, n, deadline_ms, sigfd, false, pfds);
                if (r < 0)
                        break;
                if (exec_unreported(jobs, n) >= 0)
                        continue;
                if (r > 0) {
                        r = -EINTR;
                        break;
                }
                if (deadline_ms >= 0 && now_monotonic_ms() >= deadline_ms) {
                        r = -ETIME;
                        break;
                }
        }

        free(pfds);
        return r;
}

/* Without memory for poll(): kill and reap each one in turn. */
static void abort_hard(struct exec_job *jobs, size_t n) {
        for (size_t i = 0; i < n; i++) {
                struct exec_job *job = &jobs[i];
                struct pollfd pfd = { .fd = job->pidfd, .events = POLLIN };

                if (!job_running(job))
                        continue;
                signal_group(job, SIGKILL);
                while (job_running(job)) {
                        (void) poll(&pfd, 1, job->pidfd >= 0 ? -1 : PIDLESS_POLL_MS);
                        job_reap(job, true);
                }
        }
}

void exec_abort(struct exec_job *jobs, size_t n) {
        int64_t now = now_monotonic_ms();
        struct pollfd *pfds;

        for (size_t i = 0; i < n; i++) {
                struct exec_job *job = &jobs[i];

                if (!job_running(job))
                        continue;
                /* A job already past its timeout keeps its earlier SIGKILL time. */
                if (job->kill_at_ms == 0) {
                        signal_group(job, SIGTERM);
                        job->kill_at_ms = now + (int64_t) EXEC_KILL_GRACE_SEC * 1000;
                }
        }

        pfds = calloc(3 * n + 1, sizeof *pfds);
        while (pfds && any_running(jobs, n))
                if (wait_step(jobs, n, -1, -1, true, pfds) < 0)
                        break;
        free(pfds);
        abort_hard(jobs, n);
}

static int direct_start(struct exec_job *job, const struct exec_spec *spec) {
        return exec_start(job, spec->envp, spec->timeout_seconds);
}

const struct executor exec_direct = { direct_start, exec_wait, exec_abort };
