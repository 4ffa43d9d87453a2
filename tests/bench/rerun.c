/* Runs a one-shot program N times, each with a fresh stdin from REQFILE and stdout to /dev/null,
 * and reports what each run cost, from wait4():
 *
 *   rerun [-v] [-e VAR=VALUE]... N REQFILE CMD [ARGS...]
 *   -> n wall_p50_ms wall_p99_ms cpu_p50_ms maxrss_kb_max exit_nonzero
 *   -v: one line per run instead: wall_ms cpu_ms maxrss_kb exit_status
 *
 * cpu is user+system of the child and of the children it waited for; maxrss is ru_maxrss (KiB).
 * -e sets VAR=VALUE in the child only (e.g. libfaketime's LD_PRELOAD and FAKETIME). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 100000
#define MAX_ENV  16

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p) {
        size_t k = (size_t) (p / 100.0 * (double) n + 0.999999);
        if (k < 1)
                k = 1;
        return v[(k > n ? n : k) - 1];
}

int main(int argc, char **argv) {
        char *env[MAX_ENV];
        int nenv = 0, a = 1, verbose = 0;

        if (a < argc && strcmp(argv[a], "-v") == 0) {
                verbose = 1;
                a++;
        }
        while (a + 1 < argc && strcmp(argv[a], "-e") == 0 && nenv < MAX_ENV) {
                env[nenv++] = argv[a + 1];
                a += 2;
        }
        if (argc - a < 3) {
                fprintf(stderr, "usage: rerun [-e VAR=VALUE]... N REQFILE CMD [ARGS...]\n");
                return 2;
        }
        long n = strtol(argv[a], NULL, 10);
        const char *reqfile = argv[a + 1];
        char **cmd = argv + a + 2;
        if (n < 1 || n > MAX_RUNS)
                return 2;
        double *wall = calloc((size_t) n, sizeof(double)), *cpu = calloc((size_t) n, sizeof(double));
        long maxrss = 0, bad = 0;
        if (!wall || !cpu)
                return 2;
        for (long i = 0; i < n; i++) {
                struct rusage ru;
                int status;
                double t0 = now_ms();
                pid_t pid = fork();
                if (pid < 0)
                        return 2;
                if (pid == 0) {
                        int in = open(reqfile, O_RDONLY), out = open("/dev/null", O_WRONLY);
                        if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0)
                                _exit(127);
                        for (int e = 0; e < nenv; e++)
                                putenv(env[e]);
                        execv(cmd[0], cmd);
                        _exit(127);
                }
                if (wait4(pid, &status, 0, &ru) != pid)
                        return 2;
                wall[i] = now_ms() - t0;
                cpu[i] = (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                         (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
                if (ru.ru_maxrss > maxrss)
                        maxrss = ru.ru_maxrss;
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        bad++;
                if (verbose)
                        printf("%.3f %.3f %ld %d\n", wall[i], cpu[i], ru.ru_maxrss,
                               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
        if (verbose)
                return 0;
        qsort(wall, (size_t) n, sizeof(double), cmp_double);
        qsort(cpu, (size_t) n, sizeof(double), cmp_double);
        printf("%ld %.3f %.3f %.3f %ld %ld\n", n, pct(wall, (size_t) n, 50), pct(wall, (size_t) n, 99),
               pct(cpu, (size_t) n, 50), maxrss, bad);
        return 0;
}
