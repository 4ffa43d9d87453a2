/* exec.c: spawning without a shell, capture bounds, timeouts, grandchildren, signals, fd hygiene.
 * Time bounds are generous upper limits only: the machine is shared and noisy. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "exec.h"

#define WAIT_LIMIT_MS   30000   /* a hung test fails instead of blocking the suite */
#define MAX_JOBS        8

static char *const empty_env[] = { NULL };
static char *const plain_env[] = { "PATH=/usr/bin:/bin", NULL };

/* Jobs of the current test: teardown aborts whatever a failed test left running. */
static struct exec_job jobs[MAX_JOBS];
static int fds_before;

static int count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int n = 0;

        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n - 1;   /* the directory itself */
}

static int setup(void **state) {
        (void) state;
        memset(jobs, 0, sizeof jobs);
        fds_before = count_fds();
        return 0;
}

static int teardown(void **state) {
        (void) state;
        exec_abort(jobs, MAX_JOBS);
        /* Every direct child was reaped by exec.c. */
        assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
        assert_int_equal(errno, ECHILD);
        assert_int_equal(count_fds(), fds_before);
        return 0;
}

static void set_argv(struct exec_job *job, ...) {
        va_list ap;
        size_t i = 0;
        const char *a;

        va_start(ap, job);
        while ((a = va_arg(ap, const char *)) && i < EXEC_MAX_ARGS)
                job->argv[i++] = a;
        va_end(ap);
        job->argv[i] = NULL;
}

/* Waits for the next job with a generous deadline and marks it reported. */
static int wait_next(size_t n) {
        int r = exec_wait(jobs, n, now_monotonic_ms() + WAIT_LIMIT_MS, -1);

        if (r >= 0)
                jobs[r].reported = 1;
        return r;
}

/* Runs jobs[0] to its end. */
static void run(char *const envp[], int timeout_seconds) {
        assert_int_equal(exec_start(&jobs[0], envp, timeout_seconds), 0);
        assert_int_equal(wait_next(1), 0);
}

static void assert_bytes(const char *buf, size_t len, const char *want) {
        if (len != strlen(want) || memcmp(buf, want, len) != 0)
                fail_msg("got \"%.*s\" (%zu bytes), want \"%s\"", (int) len, buf, len, want);
}

static void assert_ended(const struct exec_job *job, enum result result, int exit_code) {
        assert_string_equal(result_name(job->result), result_name(result));
        assert_int_equal(job->exit_code, exit_code);
        assert_int_equal(job->pidfd, -1);
        assert_int_equal(job->out_fd, -1);
        assert_int_equal(job->err_fd, -1);
        assert_true(job->ended_ms >= job->started_ms);
}

static void test_true(void **state) {
        (void) state;
        set_argv(&jobs[0], "/bin/true", NULL);
        run(plain_env, 10);
        assert_ended(&jobs[0], RESULT_SUCCESS, 0);
        assert_int_equal(jobs[0].out_len, 0);
        assert_int_equal(jobs[0].err_len, 0);
        assert_int_equal(wait_next(1), -ECHILD);
}

static void test_false(void **state) {
        (void) state;
        set_argv(&jobs[0], "/bin/false", NULL);
        run(plain_env, 10);
        assert_ended(&jobs[0], RESULT_FAILURE, 1);
}

static void test_exit_code_and_streams(void **state) {
        (void) state;
        set_argv(&jobs[0], "/bin/sh", "-c", "echo out; echo err >&2; exit 42", NULL);
        run(plain_env, 10);
        assert_ended(&jobs[0], RESULT_FAILURE, 42);
        assert_bytes(jobs[0].out, jobs[0].out_len, "out\n");
        assert_bytes(jobs[0].err, jobs[0].err_len, "err\n");
}

static void test_killed_by_other_signal(void **state) {
        (void) state;
        set_argv(&jobs[0], "/bin/sh", "-c", "kill -KILL $$", NULL);
        run(plain_env, 10);
        assert_ended(&jobs[0], RESULT_FAILURE, 128 + SIGKILL);
}

static void test_argv_verbatim(void **state) {
        char dir[] = "/tmp/test_exec.XXXXXX", subst[128], semi[128], pwned[160], want[1024];
        struct stat st;

        (void) state;
        assert_non_null(mkdtemp(dir));
        snprintf(subst, sizeof subst, "$(touch %s/pwned)", dir);
        snprintf(semi, sizeof semi, "x; touch %s/pwned", dir);
        set_argv(&jobs[0], "/usr/bin/printf", "<%s>", "two words", "\"dq\" 'sq'", subst, semi,
                 "line1\nline2", "*", "`id`", "", "a|b&c>d", NULL);
        run(plain_env, 10);
        assert_ended(&jobs[0], RESULT_SUCCESS, 0);
        snprintf(want, sizeof want, "<two words><\"dq\" 'sq'><%s><%s><line1\nline2><*><`id`><><a|b&c>d>",
                 subst, semi);
        assert_bytes(jobs[0].out, jobs[0].out_len, want);

        snprintf(pwned, sizeof pwned, "%s/pwned", dir);
        assert_int_equal(stat(pwned, &st), -1);
        assert_int_equal(rmdir(dir), 0);
}

static void test_env_exact(void **state) {
        char *const envp[] = { "A=1", "B=x y", "C=$(id)", NULL };

        (void) state;
        set_argv(&jobs[0], "/usr/bin/env", NULL);
        run(envp, 10);
        assert_ended(&jobs[0], RESULT_SUCCESS, 0);
        assert_bytes(jobs[0].out, jobs[0].out_len, "A=1\nB=x y\nC=$(id)\n");

        set_argv(&jobs[1], "/usr/bin/env", NULL);
        assert_int_equal(exec_start(&jobs[1], empty_env, 10), 0);
        assert_int_equal(wait_next(2), 1);
        assert_ended(&jobs[1], RESULT_SUCCESS, 0);
        assert_int_equal(jobs[1].out_len, 0);
}

static void test_stdout_truncated(void **state) {
        (void) state;
        set_argv(&jobs[0], "/bin/sh", "-c", "head -c 1000000 /dev/zero; echo done >&2; exit 3", NULL);
        run(plain_env, 20);
        assert_ended(&jobs[0], RESULT_FAILURE, 3);
        assert_int_equal(jobs[0].out_len, EXEC_CAPTURE_BYTES);
        assert_bytes(jobs[0].err, jobs[0].err_len, "done\n");
}

static void test_stderr_truncated(void **state) {
        char zeros[EXEC_CAPTURE_BYTES] = { 0 };

        (void) state;
        set_argv(&jobs[0], "/bin/sh", "-c", "head -c 1000000 /dev/zero >&2; echo done", NULL);
        run(plain_env, 20);
        assert_ended(&jobs[0], RESULT_SUCCESS, 0);
        assert_int_equal(jobs[0].err_len, EXEC_CAPTURE_BYTES);
        assert_memory_equal(jobs[0].err, zeros, EXEC_CAPTURE_BYTES);
        assert_bytes(jobs[0].out, jobs[0].out_len, "done\n");
}

static void test_stdin_is_dev_null(void **state) {
        (void) state;
        /* cat would block on anything but an empty stdin. */
        set_argv(&jobs[0], "/bin/sh", "-c", "cat; readlink /proc/self/fd/0", NULL);
        run(plain_env, 10);
        assert_ended(&jobs[0], RESULT_SUCCESS, 0);
        assert_bytes(jobs[0].out, jobs[0].out_len, "/dev/null\n");
}

static void test_no_fd_leak_into_child(void **state) {
        int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int leaky = fcntl(nul, F_DUPFD, 3);     /* no FD_CLOEXEC */

        (void) state;
        close(nul);
        assert_true(leaky > 2);
        /* The shell's own fds, listed by ls; the trailing `:` keeps sh from exec'ing ls. */
        set_argv(&jobs[0], "/bin/sh", "-c", "ls /proc/$$/fd; :", NULL);
        run(plain_env, 10);
        close(leaky);
        assert_ended(&jobs[0], RESULT_SUCCESS, 0);
        assert_bytes(jobs[0].out, jobs[0].out_len, "0\n1\n2\n");
}

static void test_signals_reset_in_child(void **state) {
        sigset_t block, saved;
        struct sigaction ign = { .sa_handler = SIG_IGN }, old;

        (void) state;
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGCHLD);
        assert_int_equal(sigprocmask(SIG_BLOCK, &block, &saved), 0);
        assert_int_equal(sigaction(SIGUSR2, &ign, &old), 0);

        set_argv(&jobs[0], "/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL);
        run(plain_env, 10);

        assert_int_equal(sigaction(SIGUSR2, &old, NULL), 0);
        assert_int_equal(sigprocmask(SIG_SETMASK, &saved, NULL), 0);
        assert_ended(&jobs[0], RESULT_SUCCESS, 0);
        assert_bytes(jobs[0].out, jobs[0].out_len, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

static void test_own_process_group(void **state) {
        int self;

        (void) state;
        set_argv(&jobs[0], "/bin/sleep", "30", NULL);
        assert_int_equal(exec_start(&jobs[0], plain_env, 60), 0);
        assert_int_equal(getpgid(jobs[0].pid), jobs[0].pid);
        assert_int_not_equal(getpgid(jobs[0].pid), getpgrp());
        assert_true(jobs[0].out_fd >= 0 && jobs[0].err_fd >= 0);
        assert_true(fcntl(jobs[0].out_fd, F_GETFD) & FD_CLOEXEC);
        assert_true(fcntl(jobs[0].err_fd, F_GETFD) & FD_CLOEXEC);
        /* Where pidfd_open() is refused (valgrind 3.19), exec.c polls waitid() without one. */
        self = (int) syscall(SYS_pidfd_open, getpid(), 0);
        if (self >= 0) {
                close(self);
                assert_true(jobs[0].pidfd >= 0);
                assert_true(fcntl(jobs[0].pidfd, F_GETFD) & FD_CLOEXEC);
        } else {
                assert_int_equal(jobs[0].pidfd, -1);
        }
        assert_true(fcntl(jobs[0].out_fd, F_GETFL) & O_NONBLOCK);
        assert_true(fcntl(jobs[0].err_fd, F_GETFL) & O_NONBLOCK);
        assert_int_equal(jobs[0].term_at_ms, jobs[0].started_ms + 60000);
        assert_int_equal(jobs[0].kill_at_ms, 0);
        assert_int_equal(jobs[0].result, RESULT_RUNNING);
        /* teardown aborts it */
}

static void assert_spawn_failed(struct exec_job *job, int r, int want) {
        assert_int_equal(r, want);
        assert_ended(job, RESULT_SPAWN_FAILED, want);
}

static void test_nonexistent(void **state) {
        (void) state;
        set_argv(&jobs[0], "/nonexistent/playbook", NULL);
        assert_spawn_failed(&jobs[0], exec_start(&jobs[0], plain_env, 10), -ENOENT);
        /* Reported like any other ended job, once. */
        assert_int_equal(wait_next(1), 0);
        assert_int_equal(wait_next(1), -ECHILD);
}

static void test_not_executable(void **state) {
        char path[] = "/tmp/test_exec.XXXXXX";
        int fd = mkstemp(path);

        (void) state;
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "#!/bin/sh\ntrue\n", 15), 15);
        assert_int_equal(fchmod(fd, 0644), 0);
        close(fd);
        set_argv(&jobs[0], path, NULL);
        assert_spawn_failed(&jobs[0], exec_start(&jobs[0], plain_env, 10), -EACCES);
        unlink(path);

        set_argv(&jobs[1], "/tmp", NULL);
        assert_spawn_failed(&jobs[1], exec_start(&jobs[1], plain_env, 10), -EACCES);
}

static void test_relative_path_refused(void **state) {
        (void) state;
        set_argv(&jobs[0], "true", NULL);
        assert_spawn_failed(&jobs[0], exec_start(&jobs[0], plain_env, 10), -EINVAL);
        set_argv(&jobs[1], NULL);
        assert_spawn_failed(&jobs[1], exec_start(&jobs[1], plain_env, 10), -EINVAL);
}

static void test_argv_unterminated(void **state) {
        (void) state;
        for (size_t i = 0; i <= EXEC_MAX_ARGS; i++)
                jobs[0].argv[i] = "/bin/true";
        assert_spawn_failed(&jobs[0], exec_start(&jobs[0], plain_env, 10), -E2BIG);

        /* The most arguments there is room for. */
        jobs[0].argv[EXEC_MAX_ARGS] = NULL;
        run(plain_env, 10);
        assert_ended(&jobs[0], RESULT_SUCCESS, 0);
}

static void test_timeout(void **state) {
        int64_t t0 = now_monotonic_ms();

        (void) state;
        set_argv(&jobs[0], "/bin/sleep", "30", NULL);
        run(plain_env, 1);
        assert_ended(&jobs[0], RESULT_TIMEOUT, 128 + SIGTERM);
        assert_true(jobs[0].ended_ms - t0 >= 1000);
        assert_true(jobs[0].ended_ms - t0 < 8000);
}

/* Takes EXEC_KILL_GRACE_SEC plus the timeout. */
static void test_sigkill_after_grace(void **state) {
        int64_t t0 = now_monotonic_ms();

        (void) state;
        set_argv(&jobs[0], "/bin/sh", "-c", "trap '' TERM; sleep 30; exit 0", NULL);
        run(plain_env, 1);
        assert_ended(&jobs[0], RESULT_TIMEOUT, 128 + SIGKILL);
        assert_true(jobs[0].ended_ms - t0 >= (1 + EXEC_KILL_GRACE_SEC) * 1000);
        assert_true(jobs[0].ended_ms - t0 < (1 + EXEC_KILL_GRACE_SEC + 8) * 1000);
}

static void test_grandchild_holding_pipes(void **state) {
        int64_t t0 = now_monotonic_ms();

        (void) state;
        set_argv(&jobs[0], "/bin/sh", "-c", "echo started; sleep 30 & exit 0", NULL);
        run(plain_env, 60);
        assert_true(now_monotonic_ms() - t0 < 5000);
        /* The group outlives the direct child: sleep is still in it. */
        assert_int_equal(kill(-jobs[0].pid, SIGKILL), 0);
        assert_ended(&jobs[0], RESULT_SUCCESS, 0);
        assert_bytes(jobs[0].out, jobs[0].out_len, "started\n");
}

static void test_deadline(void **state) {
        int64_t t0 = now_monotonic_ms();

        (void) state;
        set_argv(&jobs[0], "/bin/sleep", "1", NULL);
        assert_int_equal(exec_start(&jobs[0], plain_env, 10), 0);
        assert_int_equal(exec_wait(jobs, 1, 0, -1), -ETIME);   /* already past */
        assert_int_equal(exec_wait(jobs, 1, now_monotonic_ms() + 100, -1), -ETIME);
        assert_true(now_monotonic_ms() - t0 >= 100);
        assert_int_equal(jobs[0].result, RESULT_RUNNING);
        assert_int_equal(kill(jobs[0].pid, 0), 0);
        assert_int_equal(exec_wait(jobs, 1, -1, -1), 0);
        jobs[0].reported = 1;
        assert_ended(&jobs[0], RESULT_SUCCESS, 0);
        assert_int_equal(exec_wait(jobs, 1, -1, -1), -ECHILD);
}

static void test_many_jobs(void **state) {
        int seen[MAX_JOBS] = { 0 }, r;

        (void) state;
        set_argv(&jobs[0], "/bin/true", NULL);
        set_argv(&jobs[1], "/bin/false", NULL);
        set_argv(&jobs[2], "/bin/sh", "-c", "sleep 0.3; echo two; exit 5", NULL);
        set_argv(&jobs[3], "/nonexistent", NULL);
        set_argv(&jobs[4], "/bin/sleep", "0.2", NULL);
        set_argv(&jobs[5], "/bin/sh", "-c", "head -c 200000 /dev/zero; head -c 200000 /dev/zero >&2", NULL);
        for (size_t i = 0; i < 6; i++)
                assert_int_equal(exec_start(&jobs[i], plain_env, 20), i == 3 ? -ENOENT : 0);

        while ((r = wait_next(6)) >= 0) {
                assert_true(r < 6);
                seen[r]++;
        }
        assert_int_equal(r, -ECHILD);
        for (size_t i = 0; i < 6; i++)
                assert_int_equal(seen[i], 1);
        assert_ended(&jobs[0], RESULT_SUCCESS, 0);
        assert_ended(&jobs[1], RESULT_FAILURE, 1);
        assert_ended(&jobs[2], RESULT_FAILURE, 5);
        assert_bytes(jobs[2].out, jobs[2].out_len, "two\n");
        assert_ended(&jobs[3], RESULT_SPAWN_FAILED, -ENOENT);
        assert_ended(&jobs[4], RESULT_SUCCESS, 0);
        assert_ended(&jobs[5], RESULT_SUCCESS, 0);
        assert_int_equal(jobs[5].out_len, EXEC_CAPTURE_BYTES);
        assert_int_equal(jobs[5].err_len, EXEC_CAPTURE_BYTES);
}

static int usr1_signalfd(sigset_t *saved) {
        sigset_t set;

        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        assert_int_equal(sigprocmask(SIG_BLOCK, &set, saved), 0);
        return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void usr1_done(int sigfd, const sigset_t *saved) {
        struct signalfd_siginfo si;

        /* exec_wait left the signal unread. */
        assert_int_equal(read(sigfd, &si, sizeof si), sizeof si);
        assert_int_equal(si.ssi_signo, SIGUSR1);
        close(sigfd);
        assert_int_equal(sigprocmask(SIG_SETMASK, saved, NULL), 0);
}

static void test_sigfd_pending(void **state) {
        sigset_t saved;
        int sigfd = usr1_signalfd(&saved);

        (void) state;
        assert_true(sigfd >= 0);
        set_argv(&jobs[0], "/bin/sleep", "30", NULL);
        assert_int_equal(exec_start(&jobs[0], plain_env, 60), 0);
        assert_int_equal(raise(SIGUSR1), 0);
        assert_int_equal(exec_wait(jobs, 1, now_monotonic_ms() + WAIT_LIMIT_MS, sigfd), -EINTR);
        assert_int_equal(exec_wait(jobs, 1, now_monotonic_ms() + WAIT_LIMIT_MS, sigfd), -EINTR);
        assert_int_equal(jobs[0].result, RESULT_RUNNING);
        usr1_done(sigfd, &saved);
}

static void test_sigfd_during_wait(void **state) {
        sigset_t saved;
        int sigfd = usr1_signalfd(&saved);
        int64_t t0 = now_monotonic_ms();

        (void) state;
        assert_true(sigfd >= 0);
        /* The job itself signals us after a while, then keeps running. */
        set_argv(&jobs[0], "/bin/sh", "-c", "sleep 0.3; kill -USR1 $PPID; sleep 30", NULL);
        assert_int_equal(exec_start(&jobs[0], plain_env, 60), 0);
        assert_int_equal(exec_wait(jobs, 1, now_monotonic_ms() + WAIT_LIMIT_MS, sigfd), -EINTR);
        assert_true(now_monotonic_ms() - t0 < 10000);
        assert_int_equal(jobs[0].result, RESULT_RUNNING);
        usr1_done(sigfd, &saved);

        exec_abort(jobs, 1);
        assert_ended(&jobs[0], RESULT_ABORTED, 128 + SIGTERM);
}

static void test_abort(void **state) {
        int64_t t0 = now_monotonic_ms();
        int seen[3] = { 0 }, r;

        (void) state;
        set_argv(&jobs[0], "/bin/sleep", "30", NULL);
        set_argv(&jobs[1], "/bin/true", NULL);
        set_argv(&jobs[2], "/bin/sh", "-c", "sleep 30 & sleep 30", NULL);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(exec_start(&jobs[i], plain_env, 60), 0);
        /* jobs[1] ends before the abort and keeps its result. */
        assert_int_equal(exec_wait(&jobs[1], 1, now_monotonic_ms() + WAIT_LIMIT_MS, -1), 0);

        exec_abort(jobs, 3);
        assert_true(now_monotonic_ms() - t0 < (EXEC_KILL_GRACE_SEC - 2) * 1000);
        assert_ended(&jobs[0], RESULT_ABORTED, 128 + SIGTERM);
        assert_ended(&jobs[1], RESULT_SUCCESS, 0);
        assert_ended(&jobs[2], RESULT_ABORTED, 128 + SIGTERM);

        while ((r = wait_next(3)) >= 0)
                seen[r]++;
        assert_int_equal(r, -ECHILD);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(seen[i], 1);
}

static void test_no_jobs(void **state) {
        (void) state;
        assert_int_equal(exec_wait(jobs, 0, -1, -1), -ECHILD);
        assert_int_equal(exec_wait(jobs, 0, 0, -1), -ECHILD);
        exec_abort(jobs, 0);
}

static void test_result_names(void **state) {
        (void) state;
        assert_string_equal(result_name(RESULT_RUNNING), "running");
        assert_string_equal(result_name(RESULT_SUCCESS), "success");
        assert_string_equal(result_name(RESULT_FAILURE), "failure");
        assert_string_equal(result_name(RESULT_TIMEOUT), "timeout");
        assert_string_equal(result_name(RESULT_SPAWN_FAILED), "spawn_failed");
        assert_string_equal(result_name(RESULT_ABORTED), "aborted");
}

static void test_monotonic(void **state) {
        int64_t a = now_monotonic_ms(), b;

        (void) state;
        assert_true(a > 0);
        usleep(20000);
        b = now_monotonic_ms();
        assert_true(b >= a + 20);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_true),
                T(test_false),
                T(test_exit_code_and_streams),
                T(test_killed_by_other_signal),
                T(test_argv_verbatim),
                T(test_env_exact),
                T(test_stdout_truncated),
                T(test_stderr_truncated),
                T(test_stdin_is_dev_null),
                T(test_no_fd_leak_into_child),
                T(test_signals_reset_in_child),
                T(test_own_process_group),
                T(test_nonexistent),
                T(test_not_executable),
                T(test_relative_path_refused),
                T(test_argv_unterminated),
                T(test_timeout),
                T(test_sigkill_after_grace),
                T(test_grandchild_holding_pipes),
                T(test_deadline),
                T(test_many_jobs),
                T(test_sigfd_pending),
                T(test_sigfd_during_wait),
                T(test_abort),
                T(test_no_jobs),
                T(test_result_names),
                T(test_monotonic),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
