/* Running a playbook: argv without a shell, its own process group, bounded capture, timeouts. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "bounds.h"
#include "vocab.h"

struct exec_job {
        const char *argv[EXEC_MAX_ARGS + 1];    /* NULL-terminated, already expanded */

        pid_t pid;
        int pidfd, out_fd, err_fd;              /* -1 when closed */
        int64_t started_ms, ended_ms;           /* CLOCK_MONOTONIC */
        int64_t term_at_ms, kill_at_ms;         /* CLOCK_MONOTONIC; 0 = not scheduled */
        enum result result;
        int exit_code;                          /* exit status, 128+signal, or -errno on spawn failure */
        char out[EXEC_CAPTURE_BYTES];
        size_t out_len;
        char err[EXEC_CAPTURE_BYTES];
        size_t err_len;
        int reported;                           /* set by the caller once it has seen the end */
        /* The unit executor's: the run's unit and its journal stream. */
        char id[EXEC_ID_BYTES];                 /* the unit's instance: decision ms-pid-index */
        char unit[EXEC_UNIT_BYTES];             /* "" for the direct executor */
        char invocation_id[33];                 /* 32 hex digits, "" until known */
        char job_path[EXEC_UNIT_BYTES];         /* the unit's start job on the bus */
        const char *jobs_dir;
        bool stopped;                           /* we asked systemd to stop it */
};

/* What to run: the direct executor uses argv (set in the job) and envp; the unit executor starts
 * remediation-playbook-PLAYBOOK@ID.service with the parameters in a job file in jobs_dir. */
struct exec_spec {
        char *const *envp;
        int timeout_seconds;
        const char *playbook, *alertname, *fingerprint;
        char *const *params;
        size_t n_params;
        const char *jobs_dir, *id;
};

/* One interface for both ways of running a playbook; wait and abort as exec_wait and exec_abort. */
struct executor {
        int (*start)(struct exec_job *job, const struct exec_spec *spec);
        int (*wait)(struct exec_job *jobs, size_t n, int64_t deadline_ms, int sigfd);
        void (*abort)(struct exec_job *jobs, size_t n);
};
extern const struct executor exec_direct;
extern const struct executor exec_unit_system, exec_unit_user;

/* Calls fn for each playbook unit the manager has loaded (running, or ended and not yet
 * collected). 0 or -errno. */
int exec_unit_list(bool user, void (*fn)(const char *unit, const char *active, const char *sub, void *data),
                   void *data);

/* Starts job->argv[0] with envp (a fixed environment), stdin /dev/null, stdout/stderr captured, in
 * a new process group. On failure returns -errno and sets result RESULT_SPAWN_FAILED and ended_ms. */
int exec_start(struct exec_job *job, char *const envp[], int timeout_seconds);

/* Waits until one job ends, the monotonic deadline passes (deadline_ms < 0: no deadline), or a
 * signal arrives on sigfd (a signalfd, or -1). Meanwhile drains output and enforces timeouts.
 * Returns the index of a job that ended and has reported == 0, -ETIME at the deadline, -EINTR when
 * sigfd became readable (the signal is left unread), -ECHILD when no job is running. */
int exec_wait(struct exec_job *jobs, size_t n, int64_t deadline_ms, int sigfd);
/* The index of a job that has ended and has reported == 0, or -1. */
int exec_unreported(const struct exec_job *jobs, size_t n);

/* SIGTERM to every running job's group, SIGKILL after EXEC_KILL_GRACE_SEC; marks them RESULT_ABORTED. */
void exec_abort(struct exec_job *jobs, size_t n);

int64_t now_monotonic_ms(void);
