/* The benchmark client: connect to 127.0.0.1:PORT, send a saved HTTP request, read until the
 * server closes, with CLOCK_MONOTONIC around it. Loopback only; every loop is bounded.
 *
 *   client seq N NAME:PORT:REQFILE...
 *       N rounds, interleaved: round i sends one request to each target in turn (A B C A B C ...).
 *       One line per target: NAME n ok p50_ms p99_ms mean_ms max_ms ans_p50_ms
 *   client conc C N MAXSEC PORT REQFILE [LATFILE]
 *       C threads share N requests (or stop after MAXSEC seconds).
 *       One line: conc=C n ok secs rps p50_ms p99_ms; LATFILE (appended): each latency in ms
 *
 * A request is ok when the answer starts with "HTTP/1.1 200". Latency is to the close (the server
 * answered and hung up); ans_ms is to the last byte of the answer by its Content-Length. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS   16
#define MAX_N         1000000
#define RESP_MAX      (1 << 20)
#define IO_TIMEOUT_S  30

struct target {
        const char *name;
        int port;
        char *req;
        size_t req_len;
        double *lat, *ans;
        size_t n, ok;
};

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static char *slurp(const char *path, size_t *len) {
        FILE *f = fopen(path, "rb");
        struct stat sb;
        char *buf;

        if (!f || fstat(fileno(f), &sb) < 0 || sb.st_size <= 0 || sb.st_size > 16 << 20) {
                fprintf(stderr, "client: cannot read %s\n", path);
                exit(2);
        }
        buf = malloc((size_t) sb.st_size);
        if (!buf || fread(buf, 1, (size_t) sb.st_size, f) != (size_t) sb.st_size) {
                fprintf(stderr, "client: cannot read %s\n", path);
                exit(2);
        }
        fclose(f);
        *len = (size_t) sb.st_size;
        return buf;
}

/* Content-Length of the answer in buf (headers complete), or -1. */
static long answer_end(const char *buf, size_t len) {
        const char *end = memmem(buf, len, "\r\n\r\n", 4);
        if (!end)
                return -1;
        long cl = 0;
        for (const char *p = buf; p && p < end; p = memmem(p, (size_t) (end - p), "\r\n", 2)) {
                p += 2;
                if (strncasecmp(p, "Content-Length:", 15) == 0)
                        cl = strtol(p + 15, NULL, 10);
        }
        return (long) (end - buf) + 4 + cl;
}

/* One request. Returns 1 ok, 0 answered but not 200, -1 failed; *lat and *ans in ms. */
static int one(int port, const char *req, size_t req_len, double *lat, double *ans) {
        static __thread char *resp;
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
        struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
        size_t have = 0, off = 0;
        long want = -1;
        int one_ = 1, fd, r = -1;

        if (!resp && !(resp = malloc(RESP_MAX)))
                return -1;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        double t0 = now_ms();
        *ans = -1;
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one_, sizeof(one_));
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                goto out;
        while (off < req_len) {
                ssize_t n = send(fd, req + off, req_len - off, MSG_NOSIGNAL);
                if (n <= 0)
                        goto out;
                off += (size_t) n;
        }
        for (;;) {              /* bounded: RESP_MAX bytes, IO_TIMEOUT_S per read */
                if (have >= RESP_MAX - 1)
                        goto out;
                ssize_t n = recv(fd, resp + have, RESP_MAX - 1 - have, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno != ECONNRESET)
                        goto out;
                if (n <= 0)
                        break;
                have += (size_t) n;
                if (want < 0)
                        want = answer_end(resp, have);
                if (want >= 0 && *ans < 0 && have >= (size_t) want)
                        *ans = now_ms() - t0;
        }
        *lat = now_ms() - t0;
        if (*ans < 0)
                *ans = *lat;
        r = have >= 12 && memcmp(resp, "HTTP/1.1 200", 12) == 0 ? 1 : 0;
out:
        close(fd);
        return r;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted v[0..n). */
static double pct(const double *v, size_t n, double p) {
        if (n == 0)
                return -1;
        size_t k = (size_t) (p / 100.0 * (double) n + 0.999999);
        if (k < 1)
                k = 1;
        if (k > n)
                k = n;
        return v[k - 1];
}

static int do_seq(int argc, char **argv) {
        struct target t[MAX_TARGETS];
        long rounds = strtol(argv[0], NULL, 10);
        int nt = argc - 1;

        if (rounds < 1 || rounds > MAX_N || nt < 1 || nt > MAX_TARGETS)
                return 2;
        for (int i = 0; i < nt; i++) {
                char *spec = strdup(argv[i + 1]), *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c1 || !c2) {
                        fprintf(stderr, "client: target is NAME:PORT:REQFILE\n");
                        return 2;
                }
                *c1 = *c2 = '\0';
                t[i] = (struct target) { .name = spec, .port = atoi(c1 + 1) };
                t[i].req = slurp(c2 + 1, &t[i].req_len);
                t[i].lat = calloc((size_t) rounds, sizeof(double));
                t[i].ans = calloc((size_t) rounds, sizeof(double));
                if (!t[i].lat || !t[i].ans)
                        return 2;
        }
        for (long r = 0; r < rounds; r++)
                for (int i = 0; i < nt; i++) {
                        double lat, ans;
                        int ok = one(t[i].port, t[i].req, t[i].req_len, &lat, &ans);
                        if (ok < 0)
                                continue;
                        t[i].ok += (size_t) ok;
                        t[i].lat[t[i].n] = lat;
                        t[i].ans[t[i].n++] = ans;
                }
        for (int i = 0; i < nt; i++) {
                double sum = 0;
                for (size_t k = 0; k < t[i].n; k++)
                        sum += t[i].lat[k];
                qsort(t[i].lat, t[i].n, sizeof(double), cmp_double);
                qsort(t[i].ans, t[i].n, sizeof(double), cmp_double);
                printf("%s %zu %zu %.3f %.3f %.3f %.3f %.3f\n", t[i].name, t[i].n, t[i].ok,
                       pct(t[i].lat, t[i].n, 50), pct(t[i].lat, t[i].n, 99),
                       t[i].n ? sum / (double) t[i].n : -1, t[i].n ? t[i].lat[t[i].n - 1] : -1,
                       pct(t[i].ans, t[i].n, 50));
        }
        return 0;
}

struct conc {
        int port;
        const char *req;
        size_t req_len;
        long n;
        double deadline;
        atomic_long next, done, ok;
        double *lat;
};

static void *worker(void *data) {
        struct conc *c = data;
        for (;;) {
                long i = atomic_fetch_add(&c->next, 1);
                if (i >= c->n || now_ms() > c->deadline)
                        break;
                double lat, ans;
                int ok = one(c->port, c->req, c->req_len, &lat, &ans);
                if (ok >= 0) {
                        long k = atomic_fetch_add(&c->done, 1);
                        c->lat[k] = lat;
                }
                if (ok > 0)
                        atomic_fetch_add(&c->ok, 1);
        }
        return NULL;
}

static int do_conc(char **argv, const char *latfile) {
        struct conc c = {};
        int threads = atoi(argv[0]);
        double maxsec = atof(argv[2]);
        pthread_t tid[256];

        c.n = strtol(argv[1], NULL, 10);
        c.port = atoi(argv[3]);
        if (threads < 1 || threads > 256 || c.n < 1 || c.n > MAX_N || maxsec <= 0 || maxsec > 600)
                return 2;
        c.req = slurp(argv[4], &c.req_len);
        c.lat = calloc((size_t) c.n, sizeof(double));
        if (!c.lat)
                return 2;
        double t0 = now_ms();
        c.deadline = t0 + maxsec * 1e3;
        for (int i = 0; i < threads; i++)
                if (pthread_create(&tid[i], NULL, worker, &c) != 0)
                        return 2;
        for (int i = 0; i < threads; i++)
                pthread_join(tid[i], NULL);
        double secs = (now_ms() - t0) / 1e3;
        size_t n = (size_t) atomic_load(&c.done);
        if (latfile) {
                FILE *f = fopen(latfile, "a");
                if (!f)
                        return 2;
                for (size_t i = 0; i < n; i++)
                        fprintf(f, "%.3f\n", c.lat[i]);
                fclose(f);
        }
        qsort(c.lat, n, sizeof(double), cmp_double);
        printf("conc=%d %zu %ld %.3f %.1f %.3f %.3f\n", threads, n, atomic_load(&c.ok), secs,
               (double) atomic_load(&c.ok) / secs, pct(c.lat, n, 50), pct(c.lat, n, 99));
        return 0;
}

int main(int argc, char **argv) {
        if (argc >= 4 && strcmp(argv[1], "seq") == 0)
                return do_seq(argc - 2, argv + 2);
        if ((argc == 7 || argc == 8) && strcmp(argv[1], "conc") == 0)
                return do_conc(argv + 2, argc == 8 ? argv[7] : NULL);
        fprintf(stderr, "usage: client seq N NAME:PORT:REQFILE...\n"
                        "       client conc C N MAXSEC PORT REQFILE [LATFILE]\n");
        return 2;
}
