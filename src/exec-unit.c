/* The unit executor: each run is remediation-playbook-PLAYBOOK@ID.service, started and stopped over
 * D-Bus (sd-bus). Its parameters travel in a job file that the unit's runner reads; the runner
 * copies the playbook's first output into two files beside it; the result is the unit's own
 * (ExecMainCode, ExecMainStatus, Result). The units are Type=oneshot with RemainAfterExit=yes, so
 * an ended run stays loaded until its properties are read; then it is stopped (or its failure
 * reset) and systemd collects it. systemd gives every run its own sandbox and cgroup: stopping the
 * unit kills every process of the run, double-forked out of its process group or not. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "exec.h"
#include "libsystemd.h"
#include "util.h"

#define SD_DEST         "org.freedesktop.systemd1"
#define SD_PATH         "/org/freedesktop/systemd1"
#define SD_MANAGER      "org.freedesktop.systemd1.Manager"
#define SD_UNIT         "org.freedesktop.systemd1.Unit"
#define SD_SERVICE      "org.freedesktop.systemd1.Service"
#define SD_JOB          "org.freedesktop.systemd1.Job"
#define UNIT_PREFIX     "remediation-playbook-"

static const struct libsystemd *lib;
static sd_bus *bus;

static int bus_get(bool user) {
        if (bus)
                return 0;
        if (!(lib = libsystemd(NULL)))
                return -ELIBACC;
        int r = user ? lib->bus_open_user(&bus) : lib->bus_open_system(&bus);
        return r < 0 ? r : 0;
}

static int job_file(const struct exec_job *job, const char *suffix, char path[static PATH_MAX]) {
        int n = snprintf(path, PATH_MAX, "%s/%s.%s", job->jobs_dir, job->id, suffix);
        return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static void remove_job_files(const struct exec_job *job) {
        static const char *const suffixes[] = { "args", "args.tmp", "stdout", "stderr" };
        char path[PATH_MAX];
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (job_file(job, suffixes[i], path) == 0)
                        (void) unlink(path);
}

static int create_file(const char *path, const void *data, size_t len) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0640);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, data, len);
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

/* ID.args: ALERTNAME\0FINGERPRINT\0ARG\0... (written whole, then renamed into place), and the
 * empty ID.stdout and ID.stderr the runner fills. */
static int write_job_files(const struct exec_job *job, const struct exec_spec *spec) {
        char path[PATH_MAX], tmp[PATH_MAX];
        struct strbuf b = {};
        int r;

        strbuf_add(&b, spec->alertname, strlen(spec->alertname) + 1);
        strbuf_add(&b, spec->fingerprint, strlen(spec->fingerprint) + 1);
        for (size_t i = 0; i < spec->n_params; i++)
                strbuf_add(&b, spec->params[i], strlen(spec->params[i]) + 1);
        if (b.failed) {
                free(b.p);
                return -ENOMEM;
        }
        if ((r = job_file(job, "args.tmp", tmp)) < 0 || (r = job_file(job, "args", path)) < 0 ||
            (r = create_file(tmp, b.p, b.len)) < 0 || (rename(tmp, path) < 0 && (r = -errno) < 0))
                goto out;
        if ((r = job_file(job, "stdout", path)) == 0 && (r = create_file(path, "", 0)) == 0 &&
            (r = job_file(job, "stderr", path)) == 0)
                r = create_file(path, "", 0);
out:
        free(b.p);
        return r;
}

static void spawn_failed(struct exec_job *job, int r) {
        job->result = RESULT_SPAWN_FAILED;
        job->exit_code = r;
        job->ended_ms = now_monotonic_ms();
        remove_job_files(job);
}

static int call(const char *member, const char *unit, const char *mode, sd_bus_message **ret) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = mode ? lib->bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, member, &e, ret, "ss", unit, mode)
                     : lib->bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, member, &e, ret, "s", unit);
        lib->bus_error_free(&e);
        return r;
}

static int unit_start(struct exec_job *job, const struct exec_spec *spec, bool user) {
        sd_bus_message *reply = NULL;
        const char *job_path;
        int r, n;

        job->pid = -1;
        job->pidfd = job->out_fd = job->err_fd = -1;
        job->started_ms = now_monotonic_ms();
        job->ended_ms = job->term_at_ms = job->kill_at_ms = 0;
        job->result = RESULT_RUNNING;
        job->exit_code = 0;
        job->out_len = job->err_len = 0;
        job->reported = 0;
        job->stopped = false;
        job->jobs_dir = spec->jobs_dir;
        job->invocation_id[0] = job->job_path[0] = '\0';
        snprintf(job->id, sizeof(job->id), "%s", spec->id);
        n = snprintf(job->unit, sizeof(job->unit), UNIT_PREFIX "%s@%s.service", spec->playbook, spec->id);
        if (n < 0 || (size_t) n >= sizeof(job->unit)) {
                spawn_failed(job, -ENAMETOOLONG);
                return -ENAMETOOLONG;
        }
        if ((r = bus_get(user)) < 0 || (r = write_job_files(job, spec)) < 0 ||
            (r = call("StartUnit", job->unit, "fail", &reply)) < 0) {
                spawn_failed(job, r);
                return r;
        }
        if (lib->bus_message_read(reply, "o", &job_path) > 0)
                snprintf(job->job_path, sizeof(job->job_path), "%s", job_path);
        lib->bus_message_unref(reply);
        if (spec->timeout_seconds > 0)
                job->term_at_ms = job->started_ms + (int64_t) spec->timeout_seconds * 1000;
        return 0;
}

static int start_system(struct exec_job *job, const struct exec_spec *spec) { return unit_start(job, spec, false); }
static int start_user(struct exec_job *job, const struct exec_spec *spec) { return unit_start(job, spec, true); }

static int unit_string(const char *path, const char *iface, const char *name, char **ret) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = lib->bus_get_property_string(bus, SD_DEST, path, iface, name, &e, ret);
        lib->bus_error_free(&e);
        return r;
}

static int unit_int(const char *path, const char *name, int *ret) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = lib->bus_get_property_trivial(bus, SD_DEST, path, SD_SERVICE, name, &e, 'i', ret);
        lib->bus_error_free(&e);
        return r;
}

static void read_invocation_id(struct exec_job *job, const char *path) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const void *id;
        size_t size = 0;

        if (lib->bus_get_property(bus, SD_DEST, path, SD_UNIT, "InvocationID", &e, &reply, "ay") >= 0 &&
            lib->bus_message_read_array(reply, 'y', &id, &size) >= 0 && size == 16)
                for (size_t i = 0; i < 16; i++)
                        snprintf(job->invocation_id + 2 * i, 3, "%02x", ((const unsigned char *) id)[i]);
        lib->bus_message_unref(reply);
        lib->bus_error_free(&e);
}

/* The first output, as the runner copied it. */
static void read_output(struct exec_job *job, const char *suffix, char *buf, size_t *len) {
        char path[PATH_MAX], *text = NULL;
        size_t n = 0;

        if (job_file(job, suffix, path) == 0 &&
            read_file_bounded(AT_FDCWD, path, EXEC_CAPTURE_BYTES, &text, &n) == -EFBIG)
                n = 0;                  /* the runner writes at most this much: not its file */
        if (text) {
                memcpy(buf, text, n);
                *len = n;
        }
        free(text);
}

/* How the run ended, once its start job is gone and the unit is no longer running. */
static void finish(struct exec_job *job, const char *path, const char *active, const char *sub) {
        int code = 0, status = 0;
        _cleanup_free_ char *result = NULL;

        read_invocation_id(job, path);
        (void) unit_int(path, "ExecMainCode", &code);
        (void) unit_int(path, "ExecMainStatus", &status);
        (void) unit_string(path, SD_SERVICE, "Result", &result);
        job->ended_ms = now_monotonic_ms();
        job->exit_code = code == CLD_EXITED ? status : code == CLD_KILLED || code == CLD_DUMPED ? 128 + status : -1;
        if (job->stopped)
                job->result = job->kill_at_ms == INT64_MAX ? RESULT_ABORTED : RESULT_TIMEOUT;
        else if (code == 0)             /* the runner never ran: the unit could not start it */
                job->result = RESULT_SPAWN_FAILED;
        else
                job->result = code == CLD_EXITED && status == 0 && strcmp(sub, "exited") == 0 &&
                              (!result || strcmp(result, "success") == 0) ? RESULT_SUCCESS : RESULT_FAILURE;
        read_output(job, "stdout", job->out, &job->out_len);
        read_output(job, "stderr", job->err, &job->err_len);
        remove_job_files(job);
        /* Let systemd collect it: an exited run is stopped, a failed one reset. */
        if (strcmp(active, "failed") == 0)
                (void) call("ResetFailedUnit", job->unit, NULL, NULL);
        else if (strcmp(active, "inactive") != 0)
                (void) call("StopUnit", job->unit, "replace", NULL);
}

/* Checks one running job: timeout, end. */
static void check(struct exec_job *job, int64_t now) {
        _cleanup_free_ char *path = NULL, *active = NULL, *sub = NULL, *state = NULL;

        if (lib->bus_path_encode(SD_PATH "/unit", job->unit, &path) < 0)
                return;
        if (job->term_at_ms && now >= job->term_at_ms && !job->stopped) {
                job->stopped = true;    /* systemd: SIGTERM to the cgroup, SIGKILL after TimeoutStopSec= */
                job->kill_at_ms = now;
                (void) call("StopUnit", job->unit, "replace", NULL);
        }
        if (job->job_path[0]) {         /* Type=oneshot: the start job lasts until the run ends */
                if (unit_string(job->job_path, SD_JOB, "State", &state) >= 0)
                        return;
                job->job_path[0] = '\0';
        }
        if (unit_string(path, SD_UNIT, "ActiveState", &active) < 0 ||
            unit_string(path, SD_UNIT, "SubState", &sub) < 0)
                return;
        if (strcmp(active, "failed") == 0 || strcmp(active, "inactive") == 0 ||
            (strcmp(active, "active") == 0 && strcmp(sub, "exited") == 0))
                finish(job, path, active, sub);
}

static bool any_running(const struct exec_job *jobs, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (jobs[i].result == RESULT_RUNNING)
                        return true;
        return false;
}

static int64_t youngest_start(const struct exec_job *jobs, size_t n) {
        int64_t t = 0;
        for (size_t i = 0; i < n; i++)
                if (jobs[i].result == RESULT_RUNNING && jobs[i].started_ms > t)
                        t = jobs[i].started_ms;
        return t;
}

static int unit_wait(struct exec_job *jobs, size_t n, int64_t deadline_ms, int sigfd) {
        for (;;) {
                int r = exec_unreported(jobs, n);
                if (r >= 0)
                        return r;
                if (!any_running(jobs, n))
                        return -ECHILD;
                int64_t now = now_monotonic_ms();
                for (size_t i = 0; i < n; i++)
                        if (jobs[i].result == RESULT_RUNNING)
                                check(&jobs[i], now);
                if (exec_unreported(jobs, n) >= 0)
                        continue;
                if (deadline_ms >= 0 && now >= deadline_ms)
                        return -ETIME;
                /* Soon after a start, often (most runs are short); later every EXEC_UNIT_POLL_MS. */
                int64_t wait = EXEC_UNIT_POLL_MS, young = now - youngest_start(jobs, n);
                if (young / 4 < wait)
                        wait = young / 4 > 1 ? young / 4 : 1;
                if (deadline_ms >= 0 && deadline_ms - now < wait)
                        wait = deadline_ms - now;
                struct pollfd p = { .fd = sigfd, .events = POLLIN };
                r = poll(&p, 1, (int) wait);
                if (r > 0 && (p.revents & POLLNVAL))
                        return -EBADF;
                if (r > 0)
                        return -EINTR;
        }
}

static void unit_abort(struct exec_job *jobs, size_t n) {
        int64_t until = now_monotonic_ms() + (int64_t) (EXEC_KILL_GRACE_SEC + 5) * 1000;

        for (size_t i = 0; i < n; i++)
                if (jobs[i].result == RESULT_RUNNING && !jobs[i].stopped) {
                        jobs[i].stopped = true;
                        jobs[i].kill_at_ms = INT64_MAX;         /* stopped for the abort */
                        (void) call("StopUnit", jobs[i].unit, "replace", NULL);
                }
        while (any_running(jobs, n) && now_monotonic_ms() < until) {
                for (size_t i = 0; i < n; i++)
                        if (jobs[i].result == RESULT_RUNNING)
                                check(&jobs[i], now_monotonic_ms());
                (void) poll(NULL, 0, EXEC_UNIT_POLL_MS);
        }
        for (size_t i = 0; i < n; i++)          /* systemd will finish the stop; we cannot wait on */
                if (jobs[i].result == RESULT_RUNNING) {
                        jobs[i].result = RESULT_ABORTED;
                        jobs[i].ended_ms = now_monotonic_ms();
                        remove_job_files(&jobs[i]);
                }
}

int exec_unit_list(bool user, void (*fn)(const char *unit, const char *active, const char *sub, void *data),
                   void *data) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        const char *name, *desc, *load, *active, *sub;
        int r;

        if ((r = bus_get(user)) < 0)
                return r;
        /* ListUnitsByPatterns(as states, as patterns): every state, our units only. */
        r = lib->bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "ListUnitsByPatterns", &e, &reply,
                                 "asas", 0, 1, UNIT_PREFIX "*");
        lib->bus_error_free(&e);
        if (r < 0)
                return r;
        m = reply;
        if ((r = lib->bus_message_enter_container(m, 'a', "(ssssssouso)")) > 0)
                while ((r = lib->bus_message_read(m, "(ssssssouso)", &name, &desc, &load, &active, &sub,
                                                  NULL, NULL, NULL, NULL, NULL)) > 0)
                        fn(name, active, sub, data);
        lib->bus_message_unref(reply);
        return r < 0 ? r : 0;
}

const struct executor exec_unit_system = { start_system, unit_wait, unit_abort };
const struct executor exec_unit_user = { start_user, unit_wait, unit_abort };
