/* http.c: one request from a file descriptor, every limit and every malformed shape, and the
 * answer's format. Requests go through a pipe, as they come through the socket in production.
 * Time bounds are generous upper limits only: the machine is shared and noisy. */
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
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "http.h"

#define MAX_BODY        (64 * 1024)
#define TIMEOUT_MS      300
#define UPPER_BOUND_MS  5000    /* a 300 ms deadline must not take anywhere near this long */

static int64_t mono_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_exactly(int fd, const char *data, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, data, len);
                assert_true(n > 0);
                data += n;
                len -= (size_t) n;
        }
}

/* Feeds len bytes of data, then EOF, into http_read_request. Whatever the parser writes to its
 * out_fd lands in out (NUL-terminated, may be NULL). */
static int feed_max(const char *data, size_t len, size_t max_body, struct http_request *req,
                    char *out, size_t out_size) {
        int in[2], o[2];

        assert_int_equal(pipe2(in, O_CLOEXEC), 0);
        assert_int_equal(pipe2(o, O_CLOEXEC | O_NONBLOCK), 0);
        assert_true(len < 60 * 1024);           /* fits a pipe: no writer process needed */
        write_exactly(in[1], data, len);
        close(in[1]);
        int status = http_read_request(in[0], o[1], req, max_body, TIMEOUT_MS);
        close(in[0]);
        close(o[1]);
        if (out) {
                ssize_t n = read(o[0], out, out_size - 1);
                out[n > 0 ? n : 0] = '\0';
        }
        close(o[0]);
        return status;
}

static int feed_len(const char *data, size_t len) {
        struct http_request *req = calloc(1, sizeof(*req));
        assert_non_null(req);
        int status = feed_max(data, len, MAX_BODY, req, NULL, 0);
        http_request_free(req);
        free(req);
        return status;
}

static int feed(const char *data) {
        return feed_len(data, strlen(data));
}

/* The fixtures: in the repository, or the shared spec beside it. */
static char *read_fixture(const char *name, size_t *ret_len) {
        static const char *const dirs[] = { "tests/fixtures", "../shared/spec/fixtures",
                                            "../../tests/fixtures" };
        char path[512];

        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
                FILE *f = fopen(path, "rbe");
                if (!f)
                        continue;
                char *buf = malloc(65536);
                assert_non_null(buf);
                size_t n = fread(buf, 1, 65535, f);
                fclose(f);
                buf[n] = '\0';
                *ret_len = n;
                return buf;
        }
        fail_msg("fixture %s not found (run from the repository root)", name);
        return NULL;
}

static void check_fixture(const char *name, size_t body_len, const char *authorization) {
        struct http_request *req = calloc(1, sizeof(*req));
        size_t len;
        char *data = read_fixture(name, &len);

        assert_non_null(req);
        assert_int_equal(feed_max(data, len, MAX_BODY, req, NULL, 0), 0);
        assert_string_equal(req->method, "POST");
        assert_string_equal(req->path, "/webhook");
        assert_int_equal(req->body_len, body_len);
        assert_non_null(req->body);
        assert_int_equal(strlen(req->body), body_len);          /* NUL-terminated, no NUL inside */
        assert_int_equal(req->body[0], '{');
        assert_memory_equal(req->body, data + len - body_len, body_len);
        if (authorization) {
                assert_true(req->has_authorization);
                assert_string_equal(req->authorization, authorization);
        } else
                assert_false(req->has_authorization);
        http_request_free(req);
        assert_null(req->body);
        free(req);
        free(data);
}

static void fixtures_parse(void **unused) {
        (void) unused;
        check_fixture("am025-firing-one.http", 616, NULL);
        check_fixture("am025-firing-two-bearer.http", 847, "Bearer s3cr3t-t0ken");
        check_fixture("am025-resolved-two-bearer.http", 853, "Bearer s3cr3t-t0ken");
        check_fixture("seed-mock-disk-critical.http", 378, NULL);
}

static void get_without_body(void **unused) {
        (void) unused;
        struct http_request req;
        const char *r = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";

        assert_int_equal(feed_max(r, strlen(r), MAX_BODY, &req, NULL, 0), 0);
        assert_string_equal(req.method, "GET");
        assert_string_equal(req.path, "/health");
        assert_null(req.body);
        assert_int_equal(req.body_len, 0);
        assert_false(req.has_authorization);
        http_request_free(&req);

        r = "GET /health HTTP/1.0\r\n\r\n";                     /* 1.0, no headers at all */
        assert_int_equal(feed_max(r, strlen(r), MAX_BODY, &req, NULL, 0), 0);
        assert_string_equal(req.path, "/health");
        http_request_free(&req);

        r = "POST /webhook HTTP/1.1\r\nContent-Length: 0\r\n\r\n";  /* empty, but with a length */
        assert_int_equal(feed_max(r, strlen(r), MAX_BODY, &req, NULL, 0), 0);
        assert_int_equal(req.body_len, 0);
        http_request_free(&req);
}

static void query_string_stripped(void **unused) {
        (void) unused;
        struct http_request req;
        const char *r = "POST /webhook?a=1&b=/x HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";

        assert_int_equal(feed_max(r, strlen(r), MAX_BODY, &req, NULL, 0), 0);
        assert_string_equal(req.path, "/webhook");
        assert_string_equal(req.body, "{}");
        http_request_free(&req);

        r = "GET /metrics? HTTP/1.1\r\n\r\n";
        assert_int_equal(feed_max(r, strlen(r), MAX_BODY, &req, NULL, 0), 0);
        assert_string_equal(req.path, "/metrics");
        http_request_free(&req);
}

static void lf_only_line_endings(void **unused) {
        (void) unused;
        struct http_request req;
        const char *r = "POST /webhook HTTP/1.1\nHost: x\nAuthorization: Bearer t\nContent-Length: 2\n\n{}";

        assert_int_equal(feed_max(r, strlen(r), MAX_BODY, &req, NULL, 0), 0);
        assert_string_equal(req.method, "POST");
        assert_string_equal(req.path, "/webhook");
        assert_string_equal(req.authorization, "Bearer t");
        assert_int_equal(req.body_len, 2);
        assert_string_equal(req.body, "{}");
        http_request_free(&req);

        /* CRLF headers ended by a bare LF line, and the reverse. */
        assert_int_equal(feed("GET / HTTP/1.1\r\nHost: x\r\n\n"), 0);
        assert_int_equal(feed("GET / HTTP/1.1\nHost: x\n\r\n"), 0);
}

static void malformed_request_lines(void **unused) {
        (void) unused;
        /* missing parts */
        assert_int_equal(feed("\r\n\r\n"), 400);
        assert_int_equal(feed("GET\r\n\r\n"), 400);
        assert_int_equal(feed("GET /\r\n\r\n"), 400);
        assert_int_equal(feed("GET / \r\n\r\n"), 400);
        assert_int_equal(feed(" / HTTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed("GET  / HTTP/1.1\r\n\r\n"), 400);
        /* bad method characters, and a method longer than any real one */
        assert_int_equal(feed("G(T / HTTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed("GE\"T / HTTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed("G\x01T / HTTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed("G\xc3\xa9T / HTTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed("ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\n\r\n"), 400);
        /* the target must be origin-form */
        assert_int_equal(feed("GET webhook HTTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed("GET http://x/webhook HTTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed("GET * HTTP/1.1\r\n\r\n"), 400);
        /* control characters and non-ASCII in the target */
        assert_int_equal(feed("GET /a\x01z HTTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed("GET /a\tz HTTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed("GET /a\x7fz HTTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed("GET /\xc3\xa9 HTTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed_len("GET /a\0z HTTP/1.1\r\n\r\n", 21), 400);
        /* not HTTP at all */
        assert_int_equal(feed("GET / FTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed("GET / http/1.1\r\n\r\n"), 400);
}

/* A NUL in the request line ends nothing: the whole line is malformed. */
static void nul_in_request_line(void **unused) {
        (void) unused;
        static const char r[] = "GET /health HTTP/1.1\0junk\r\n\r\n";
        assert_int_equal(feed_len(r, sizeof(r) - 1), 400);
}

static void unsupported_versions(void **unused) {
        (void) unused;
        assert_int_equal(feed("GET / HTTP/2.0\r\n\r\n"), 505);
        assert_int_equal(feed("GET / HTTP/1.2\r\n\r\n"), 505);
        assert_int_equal(feed("GET / HTTP/0.9\r\n\r\n"), 505);
        assert_int_equal(feed("GET / HTTP/1.0\r\n\r\n"), 0);
        assert_int_equal(feed("GET / HTTP/1.1\r\n\r\n"), 0);
}

static void path_too_long(void **unused) {
        (void) unused;
        char r[HTTP_MAX_PATH + 64];

        r[0] = '\0';
        strcat(r, "GET /");
        memset(r + 5, 'a', HTTP_MAX_PATH - 1);                  /* path exactly at the limit */
        strcpy(r + 5 + HTTP_MAX_PATH - 1, " HTTP/1.1\r\n\r\n");
        assert_int_equal(feed(r), 0);
        memset(r + 5, 'a', HTTP_MAX_PATH);                      /* one byte over */
        strcpy(r + 5 + HTTP_MAX_PATH, " HTTP/1.1\r\n\r\n");
        assert_int_equal(feed(r), 414);
}

/* "GET / HTTP/1.1" and headers "X-Pad: aaa..." up to at least `bytes`, with or without the end. */
static char *big_head(size_t bytes, bool terminated) {
        char *r = malloc(bytes + 256);
        size_t o;

        assert_non_null(r);
        o = (size_t) sprintf(r, "GET / HTTP/1.1\r\nX-Pad: ");
        while (o < bytes)
                r[o++] = 'a';
        o += (size_t) sprintf(r + o, "\r\n%s", terminated ? "\r\n" : "");
        r[o] = '\0';
        return r;
}

static void header_block_too_large(void **unused) {
        (void) unused;
        char *r = big_head(HTTP_MAX_HEADER_BYTES + 800, true);
        assert_int_equal(feed(r), 431);
        free(r);
        r = big_head(HTTP_MAX_HEADER_BYTES + 800, false);       /* never ends */
        assert_int_equal(feed(r), 431);
        free(r);
        r = big_head(HTTP_MAX_HEADER_BYTES - 100, true);        /* just fits */
        assert_int_equal(feed(r), 0);
        free(r);
}

static char *many_headers(unsigned n) {
        char *r = malloc(64 + (size_t) n * 32);
        size_t o;

        assert_non_null(r);
        o = (size_t) sprintf(r, "GET /health HTTP/1.1\r\n");
        for (unsigned i = 0; i < n; i++)
                o += (size_t) sprintf(r + o, "X-H%u: v\r\n", i);
        strcpy(r + o, "\r\n");
        return r;
}

static void too_many_headers(void **unused) {
        (void) unused;
        char *r = many_headers(HTTP_MAX_HEADERS);
        assert_int_equal(feed(r), 0);
        free(r);
        r = many_headers(HTTP_MAX_HEADERS + 1);
        assert_int_equal(feed(r), 431);
        free(r);
        r = many_headers(100);
        assert_int_equal(feed(r), 431);
        free(r);
}

static void content_length_checks(void **unused) {
        (void) unused;
        /* duplicates, equal or not */
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"), 400);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 3\r\n\r\n{}"), 400);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\n{}"), 400);
        /* not a plain decimal */
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: -1\r\n\r\n{}"), 400);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}"), 400);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: abc\r\n\r\n{}"), 400);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 0x2\r\n\r\n{}"), 400);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 2 2\r\n\r\n{}"), 400);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length:\r\n\r\n{}"), 400);
        /* beyond 64 bits: not a number the parser can hold, 400 */
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n{}"), 400);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n{}"), 400);
        /* huge but a number: too large, 413, before anything is allocated or read */
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n{}"), 413);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n{}"), 413);
        /* surrounding blanks are not part of the value */
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length:   2  \r\n\r\n{}"), 0);
}

static void body_limit(void **unused) {
        (void) unused;
        struct http_request req;
        const char *r = "POST /webhook HTTP/1.1\r\nContent-Length: 17\r\n\r\n{\"a\":\"012345678\"}";

        assert_int_equal(feed_max(r, strlen(r), 16, &req, NULL, 0), 413);
        http_request_free(&req);
        assert_int_equal(feed_max(r, strlen(r), 17, &req, NULL, 0), 0);  /* exactly the limit */
        assert_int_equal(req.body_len, 17);
        http_request_free(&req);
        /* announced too large: refused without waiting for the body */
        r = "POST /webhook HTTP/1.1\r\nContent-Length: 100000\r\n\r\n";
        assert_int_equal(feed_max(r, strlen(r), MAX_BODY, &req, NULL, 0), 413);
        http_request_free(&req);
}

static void length_required_and_codings(void **unused) {
        (void) unused;
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nHost: x\r\n\r\n"), 411);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"), 411);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n"), 411);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}"), 411);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}"), 501);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\n{}"), 501);
}

static void body_length_mismatch(void **unused) {
        (void) unused;
        /* shorter than announced, then EOF */
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}"), 400);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 10\r\n\r\n"), 400);
        /* more than announced, already in the buffer (a smuggled second request) */
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}GET / HTTP/1.1\r\n\r\n"), 400);
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 0\r\n\r\nx"), 400);
        /* headers that never end */
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nContent-Length: 2\r\n"), 400);
        assert_int_equal(feed(""), 400);
}

static void bad_headers(void **unused) {
        (void) unused;
        /* obs-fold: a continuation line */
        assert_int_equal(feed("GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n"), 400);
        assert_int_equal(feed("GET / HTTP/1.1\r\nX-A: one\r\n\ttwo\r\n\r\n"), 400);
        assert_int_equal(feed("GET / HTTP/1.1\r\nX-A: one\r\n x: y\r\n\r\n"), 400);
        /* no colon, empty name, blank before the colon, bad name characters */
        assert_int_equal(feed("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), 400);
        assert_int_equal(feed("GET / HTTP/1.1\r\n: v\r\n\r\n"), 400);
        assert_int_equal(feed("GET / HTTP/1.1\r\nContent-Length : 0\r\n\r\n"), 400);
        assert_int_equal(feed("GET / HTTP/1.1\r\nX(A): v\r\n\r\n"), 400);
        /* control characters in a value */
        assert_int_equal(feed("GET / HTTP/1.1\r\nX-A: a\x01z\r\n\r\n"), 400);
        assert_int_equal(feed("GET / HTTP/1.1\r\nX-A: a\x7fz\r\n\r\n"), 400);
        assert_int_equal(feed("GET / HTTP/1.1\r\nX-A: a\rz\r\n\r\n"), 400);
        assert_int_equal(feed_len("GET / HTTP/1.1\r\nX-A: a\0z\r\n\r\n", 28), 400);
        assert_int_equal(feed("GET / HTTP/1.1\r\nX-A: a\tz\r\n\r\n"), 0);     /* HTAB is allowed */
        /* two Authorization headers, or one longer than the limit */
        assert_int_equal(feed("GET / HTTP/1.1\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n"), 400);
        char r[HTTP_MAX_AUTH + 128];
        int n = snprintf(r, sizeof(r), "GET / HTTP/1.1\r\nAuthorization: ");
        memset(r + n, 'a', HTTP_MAX_AUTH + 1);
        strcpy(r + n + HTTP_MAX_AUTH + 1, "\r\n\r\n");
        assert_int_equal(feed(r), 400);
        r[n + HTTP_MAX_AUTH] = '\0';                                    /* exactly the limit */
        strcat(r, "\r\n\r\n");
        assert_int_equal(feed(r), 0);
}

/* A NUL inside a header name is no terminator: "Content-Length\0x" is not Content-Length, it is
 * a malformed name, and so are other control bytes. */
static void nul_in_header_name(void **unused) {
        (void) unused;
        static const char len[] = "POST /webhook HTTP/1.1\r\nContent-Length\0x: 2\r\n\r\n{}";
        static const char auth[] = "GET /metrics HTTP/1.1\r\nAuthorization\0x: Bearer t\r\n\r\n";
        static const char lead[] = "GET / HTTP/1.1\r\n\0X-A: v\r\n\r\n";
        assert_int_equal(feed_len(len, sizeof(len) - 1), 400);
        assert_int_equal(feed_len(auth, sizeof(auth) - 1), 400);
        assert_int_equal(feed_len(lead, sizeof(lead) - 1), 400);
        assert_int_equal(feed("GET / HTTP/1.1\r\nX\x01A: v\r\n\r\n"), 400);
        assert_int_equal(feed("GET / HTTP/1.1\r\nX\x7f: v\r\n\r\n"), 400);
        assert_int_equal(feed("GET / HTTP/1.1\r\nX\x1b[2J: v\r\n\r\n"), 400);
        /* ... and in the method, which is a token too */
        static const char method[] = "GE\0T / HTTP/1.1\r\n\r\n";
        assert_int_equal(feed_len(method, sizeof(method) - 1), 400);
        /* what already held: NUL and control bytes in a value, NUL in the target */
        static const char value[] = "GET / HTTP/1.1\r\nAuthorization: Bearer t\0x\r\n\r\n";
        assert_int_equal(feed_len(value, sizeof(value) - 1), 400);
        assert_int_equal(feed("GET / HTTP/1.1\r\nX-A: \x1b]0;t\x07\r\n\r\n"), 400);
}

static void authorization_kept(void **unused) {
        (void) unused;
        struct http_request req;
        const char *r = "GET /metrics HTTP/1.1\r\nauthorization:   Bearer x y  \r\n\r\n";

        assert_int_equal(feed_max(r, strlen(r), MAX_BODY, &req, NULL, 0), 0);
        assert_true(req.has_authorization);
        assert_string_equal(req.authorization, "Bearer x y");   /* trimmed, inner blank kept */
        http_request_free(&req);
}

/* Expect: 100-continue: the interim answer goes to out_fd before the body is needed. A child
 * plays the client: headers, wait for "100 Continue", then the body. */
static void expect_continue(void **unused) {
        (void) unused;
        static const char head[] = "POST /webhook HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        struct http_request req;
        int in[2], out[2];

        assert_int_equal(pipe2(in, O_CLOEXEC), 0);
        assert_int_equal(pipe2(out, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char got[64] = "";
                size_t have = 0;
                close(in[0]);
                close(out[1]);
                alarm(10);
                if (write(in[1], head, sizeof(head) - 1) != (ssize_t) sizeof(head) - 1)
                        _exit(2);
                while (have < sizeof(cont) - 1) {
                        ssize_t n = read(out[0], got + have, sizeof(got) - 1 - have);
                        if (n <= 0)
                                _exit(3);
                        have += (size_t) n;
                }
                if (memcmp(got, cont, sizeof(cont) - 1) != 0)
                        _exit(4);
                if (write(in[1], "{}", 2) != 2)
                        _exit(5);
                _exit(0);
        }
        close(in[1]);
        close(out[0]);
        int status = http_read_request(in[0], out[1], &req, MAX_BODY, 10000);
        close(in[0]);
        close(out[1]);
        int ws;
        assert_int_equal(waitpid(pid, &ws, 0), pid);
        assert_int_equal(status, 0);
        assert_true(WIFEXITED(ws));
        assert_int_equal(WEXITSTATUS(ws), 0);
        assert_string_equal(req.body, "{}");
        http_request_free(&req);

        /* The same without the body ever coming: 100 Continue was still sent, then 400. */
        char got[128];
        static const char head_only[] = "POST /webhook HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
        assert_int_equal(feed_max(head_only, sizeof(head_only) - 1, MAX_BODY, &req, got, sizeof(got)), 400);
        assert_string_equal(got, cont);
        http_request_free(&req);

        /* Any other expectation cannot be met. */
        assert_int_equal(feed("POST /webhook HTTP/1.1\r\nExpect: something\r\nContent-Length: 2\r\n\r\n{}"), 417);
}

/* A client that connects and says nothing: 408 at the deadline, not later. */
static void silent_client(void **unused) {
        (void) unused;
        struct http_request req;
        int in[2];

        assert_int_equal(pipe2(in, O_CLOEXEC), 0);
        int64_t t0 = mono_ms();
        assert_int_equal(http_read_request(in[0], -1, &req, MAX_BODY, TIMEOUT_MS), 408);
        int64_t took = mono_ms() - t0;
        close(in[0]);
        close(in[1]);
        http_request_free(&req);
        assert_true(took < UPPER_BOUND_MS);

        /* Silent after complete headers, in the body. */
        static const char head[] = "POST /webhook HTTP/1.1\r\nContent-Length: 10\r\n\r\n{";
        assert_int_equal(pipe2(in, O_CLOEXEC), 0);
        write_exactly(in[1], head, sizeof(head) - 1);
        t0 = mono_ms();
        assert_int_equal(http_read_request(in[0], -1, &req, MAX_BODY, TIMEOUT_MS), 408);
        took = mono_ms() - t0;
        close(in[0]);
        close(in[1]);
        http_request_free(&req);
        assert_true(took < UPPER_BOUND_MS);
}

/* A client that trickles one byte at a time, each well within the deadline but the whole request
 * far beyond it: the deadline is for the whole request, so 408. */
static void trickling_client(void **unused) {
        (void) unused;
        static const char r[] = "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}";
        struct http_request req;
        int in[2];

        assert_int_equal(pipe2(in, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(in[0]);
                signal(SIGPIPE, SIG_DFL);
                for (size_t i = 0; i < sizeof(r) - 1; i++) {
                        if (write(in[1], r + i, 1) != 1)
                                _exit(0);
                        usleep(50 * 1000);
                }
                _exit(0);
        }
        close(in[1]);
        int64_t t0 = mono_ms();
        int status = http_read_request(in[0], -1, &req, MAX_BODY, TIMEOUT_MS);
        int64_t took = mono_ms() - t0;
        close(in[0]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        http_request_free(&req);
        assert_int_equal(status, 408);
        assert_true(took < UPPER_BOUND_MS);
}

/* Reads an answer written by http_respond into a pipe. */
static char *respond_to_string(int status, const char *type, const char *extra, const char *body,
                               size_t body_len, int *ret) {
        int p[2];
        char *buf = calloc(1, 4096);

        assert_non_null(buf);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        *ret = http_respond(p[1], status, type, extra, body, body_len);
        close(p[1]);
        size_t have = 0;
        ssize_t n;
        while ((n = read(p[0], buf + have, 4095 - have)) > 0)
                have += (size_t) n;
        close(p[0]);
        return buf;
}

static void respond_format(void **unused) {
        (void) unused;
        int r;
        char *s = respond_to_string(200, "application/json", NULL, "{\"a\":1}", 7, &r);

        assert_int_equal(r, 0);
        assert_string_equal(s, "HTTP/1.1 200 OK\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 7\r\n"
                               "Connection: close\r\n"
                               "Cache-Control: no-store\r\n"
                               "\r\n"
                               "{\"a\":1}");
        free(s);

        /* Extra headers come before the blank line; the length counts bytes, not characters. */
        static const char body[] = "{\"e\":\"\xc3\xa9\"}";
        s = respond_to_string(401, "application/json", "WWW-Authenticate: Bearer\r\n", body,
                              sizeof(body) - 1, &r);
        assert_int_equal(r, 0);
        assert_true(strncmp(s, "HTTP/1.1 401 Unauthorized\r\n", 27) == 0);
        assert_non_null(strstr(s, "\r\nContent-Length: 10\r\n"));
        assert_non_null(strstr(s, "\r\nConnection: close\r\n"));
        assert_non_null(strstr(s, "\r\nWWW-Authenticate: Bearer\r\n\r\n"));
        char *blank = strstr(s, "\r\n\r\n");
        assert_non_null(blank);
        assert_string_equal(blank + 4, body);
        free(s);

        /* An empty body. */
        s = respond_to_string(405, "text/plain", "Allow: POST\r\n", "", 0, &r);
        assert_int_equal(r, 0);
        assert_true(strncmp(s, "HTTP/1.1 405 Method Not Allowed\r\n", 33) == 0);
        assert_non_null(strstr(s, "\r\nContent-Type: text/plain\r\n"));
        assert_non_null(strstr(s, "\r\nContent-Length: 0\r\n"));
        assert_true(strlen(s) >= 4 && strcmp(s + strlen(s) - 4, "\r\n\r\n") == 0);
        free(s);

        /* Every status the handler answers with has its reason phrase. */
        static const int statuses[] = { 200, 400, 401, 404, 405, 408, 411, 413, 414, 417, 431,
                                        500, 501, 503, 505 };
        for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
                assert_string_not_equal(http_reason(statuses[i]), "Unknown");
        assert_string_equal(http_reason(431), "Request Header Fields Too Large");
        assert_string_equal(http_reason(505), "HTTP Version Not Supported");
}

static void respond_to_closed_peer(void **unused) {
        (void) unused;
        int p[2];

        signal(SIGPIPE, SIG_IGN);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        close(p[0]);
        assert_int_equal(http_respond(p[1], 200, "application/json", NULL, "{}", 2), -EPIPE);
        close(p[1]);
}

/* A client that never reads its answer: http_respond_within() gives up at its deadline, on a
 * socket (the production case) and on a pipe. The writer is a child, so a writer that blocks for
 * good is killed and counted as a failure instead of stalling the suite. */
static int respond_to_stalled_reader(int fd, size_t body_len) {
        char *body = malloc(body_len);
        assert_non_null(body);
        memset(body, 'x', body_len);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                int r = http_respond_within(fd, TIMEOUT_MS, 200, "text/plain", NULL, body, body_len);
                _exit(r == -ETIME ? 0 : 1);
        }
        free(body);
        int ws = 0;
        int64_t start = mono_ms();
        pid_t w;
        while ((w = waitpid(pid, &ws, WNOHANG)) == 0 && mono_ms() - start < UPPER_BOUND_MS)
                usleep(10 * 1000);
        if (w == 0) {
                kill(pid, SIGKILL);
                assert_int_equal(waitpid(pid, &ws, 0), pid);
                return -1;                              /* still blocked: no deadline */
        }
        assert_int_equal(w, pid);
        return WIFEXITED(ws) ? WEXITSTATUS(ws) : -2;
}

static void respond_to_stalled_reader_gives_up(void **unused) {
        (void) unused;
        int sv[2], p[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(respond_to_stalled_reader(sv[0], 8 * 1024 * 1024), 0);
        close(sv[0]);
        close(sv[1]);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(respond_to_stalled_reader(p[1], 1024 * 1024), 0);
        close(p[0]);
        close(p[1]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(fixtures_parse),
                cmocka_unit_test(get_without_body),
                cmocka_unit_test(query_string_stripped),
                cmocka_unit_test(lf_only_line_endings),
                cmocka_unit_test(malformed_request_lines),
                cmocka_unit_test(nul_in_request_line),
                cmocka_unit_test(unsupported_versions),
                cmocka_unit_test(path_too_long),
                cmocka_unit_test(header_block_too_large),
                cmocka_unit_test(too_many_headers),
                cmocka_unit_test(content_length_checks),
                cmocka_unit_test(body_limit),
                cmocka_unit_test(length_required_and_codings),
                cmocka_unit_test(body_length_mismatch),
                cmocka_unit_test(bad_headers),
                cmocka_unit_test(nul_in_header_name),
                cmocka_unit_test(authorization_kept),
                cmocka_unit_test(expect_continue),
                cmocka_unit_test(silent_client),
                cmocka_unit_test(trickling_client),
                cmocka_unit_test(respond_format),
                cmocka_unit_test(respond_to_closed_peer),
                cmocka_unit_test(respond_to_stalled_reader_gives_up),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
