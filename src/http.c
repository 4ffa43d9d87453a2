/* Reads exactly one request: request line, headers, Content-Length body. Everything the client
 * sends is bounded before it is read, and the whole request must arrive within one deadline, so a
 * slow or silent client costs at most that long. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "exec.h"
#include "http.h"
#include "util.h"

/* Waits until fd is ready for `events` (or in error), but not past the deadline. 0, -ETIME or
 * -errno. */
static int wait_for(int fd, short events, int64_t deadline_ms) {
        for (;;) {
                int64_t left = deadline_ms - now_monotonic_ms();
                if (left <= 0)
                        return -ETIME;
                struct pollfd p = { .fd = fd, .events = events };
                int r = poll(&p, 1, (int) (left > 1000000 ? 1000000 : left));
                if (r > 0)
                        return 0;
                if (r < 0 && errno != EINTR)
                        return -errno;
        }
}

/* Reads what is available into buf within the deadline. >0 bytes, 0 EOF, -ETIME, -errno. */
static ssize_t read_some(int fd, char *buf, size_t len, int64_t deadline_ms) {
        for (;;) {
                int r = wait_for(fd, POLLIN, deadline_ms);
                if (r < 0)
                        return r;
                ssize_t n = read(fd, buf, len);
                if (n >= 0)
                        return n;
                if (errno != EINTR && errno != EAGAIN)
                        return -errno;
        }
}

/* Writes all of buf by the deadline, or gives up: a client that stops reading must not keep the
 * instance. A socket is written with MSG_DONTWAIT, so the file description (shared with fd 0 and
 * with whoever passed it) stays as it is, and with MSG_NOSIGNAL, so a gone peer is -EPIPE, not
 * SIGPIPE. Anything else (a pipe, a file in the tests) gets at most PIPE_BUF after POLLOUT, which
 * a pipe takes without blocking. 0, -ETIME or -errno. */
static int write_by(int fd, const char *buf, size_t len, int64_t deadline_ms) {
        bool is_socket = true;

        while (len > 0) {
                int r = wait_for(fd, POLLOUT, deadline_ms);
                if (r < 0)
                        return r;
                ssize_t n = -1;
                if (is_socket) {
                        n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
                        if (n < 0 && errno == ENOTSOCK)
                                is_socket = false;
                }
                if (!is_socket)
                        n = write(fd, buf, len < PIPE_BUF ? len : PIPE_BUF);
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return -errno;
                }
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

/* A token character (RFC 9110 5.6.2). Not NUL: strchr() finds NUL in every string, so a NUL in a
 * header name would pass and cut the name short for strcasecmp(). */
static bool is_tchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* The end of the header block: index just past the blank line, or 0 when not there yet. */
static size_t find_head_end(const char *b, size_t len) {
        for (size_t i = 0; i < len; i++) {
                if (b[i] != '\n')
                        continue;
                if (i + 1 < len && b[i + 1] == '\n')
                        return i + 2;
                if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n')
                        return i + 3;
        }
        return 0;
}

/* Cuts the next line (without CR LF) out of [*p, end). NULL when there is none. */
static char *next_line(char **p, char *end, size_t *ret_len) {
        char *s = *p, *nl = memchr(s, '\n', (size_t) (end - s));
        if (!nl)
                return NULL;
        size_t len = (size_t) (nl - s);
        if (len > 0 && s[len - 1] == '\r')
                len--;
        s[len] = '\0';
        *p = nl + 1;
        *ret_len = len;
        return s;
}

static int parse_request_line(struct http_request *req, char *line, size_t len) {
        char *sp1 = memchr(line, ' ', len);
        if (!sp1 || sp1 == line || (size_t) (sp1 - line) >= sizeof(req->method))
                return 400;
        for (char *c = line; c < sp1; c++)
                if (!is_tchar(*c))
                        return 400;
        char *target = sp1 + 1;
        char *sp2 = memchr(target, ' ', len - (size_t) (target - line));
        if (!sp2 || *target != '/')
                return 400;
        const char *version = sp2 + 1;
        size_t vlen = len - (size_t) (version - line);  /* not strlen: a NUL may hide the rest */
        if (vlen < 8 || strncmp(version, "HTTP/1.", 7) != 0)
                return strncmp(version, "HTTP/", 5) == 0 ? 505 : 400;
        if (vlen != 8 || memchr(line, '\0', len))
                return 400;
        if (version[7] != '0' && version[7] != '1')
                return 505;
        req->http10 = version[7] == '0';
        size_t tlen = (size_t) (sp2 - target);
        for (size_t i = 0; i < tlen; i++)
                if ((unsigned char) target[i] <= 0x20 || (unsigned char) target[i] >= 0x7f)
                        return 400;
        char *q = memchr(target, '?', tlen);
        if (q)
                tlen = (size_t) (q - target);
        if (tlen > HTTP_MAX_PATH)
                return 414;
        memcpy(req->method, line, (size_t) (sp1 - line));
        req->method[sp1 - line] = '\0';
        memcpy(req->path, target, tlen);
        req->path[tlen] = '\0';
        return 0;
}

struct head_info {
        bool has_length, chunked, expect_continue;
        uint64_t length;
};

static int parse_header(struct http_request *req, char *line, size_t len, struct head_info *h) {
        char *colon = memchr(line, ':', len);
        if (!colon || colon == line)
                return 400;
        for (char *c = line; c < colon; c++)
                if (!is_tchar(*c))
                        return 400;                     /* also refuses obs-fold */
        *colon = '\0';
        char *v = colon + 1, *end = line + len;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        *end = '\0';
        for (char *c = v; c < end; c++)
                if (((unsigned char) *c < 0x20 && *c != '\t') || *c == 0x7f)
                        return 400;
        size_t vlen = (size_t) (end - v);

        if (strcasecmp(line, "Content-Length") == 0) {
                uint64_t n;
                if (h->has_length)
                        return 400;                     /* duplicate or conflicting */
                if (parse_uint_range(v, vlen, 0, UINT64_MAX, &n) < 0)
                        return 400;
                h->has_length = true;
                h->length = n;
        } else if (strcasecmp(line, "Transfer-Encoding") == 0) {
                if (strcasecmp(v, "chunked") != 0)
                        return 501;
                h->chunked = true;
        } else if (strcasecmp(line, "Authorization") == 0) {
                if (req->has_authorization || vlen > HTTP_MAX_AUTH)
                        return 400;
                memcpy(req->authorization, v, vlen + 1);
                req->has_authorization = true;
        } else if (strcasecmp(line, "Expect") == 0) {
                if (strcasecmp(v, "100-continue") != 0)
                        return 417;
                h->expect_continue = true;
        }
        return 0;
}

int http_read_head(int fd, struct http_request *req, size_t max_body, int timeout_ms) {
        struct head_info h = {};
        size_t head_end = 0;
        int status;

        req->deadline_ms = now_monotonic_ms() + timeout_ms;
        req->head_len = 0;
        req->body = NULL;
        req->body_len = req->body_length = 0;
        req->body_read = true;                  /* until a length says there is one */
        req->has_authorization = false;

        while (!(head_end = find_head_end(req->head, req->head_len))) {
                if (req->head_len >= HTTP_MAX_HEADER_BYTES)
                        return 431;
                ssize_t n = read_some(fd, req->head + req->head_len,
                                      HTTP_MAX_HEADER_BYTES - req->head_len, req->deadline_ms);
                if (n == -ETIME)
                        return 408;
                if (n <= 0)
                        return 400;                     /* closed before the headers ended */
                req->head_len += (size_t) n;
        }

        char *p = req->head, *end = req->head + head_end;
        size_t len;
        char *line = next_line(&p, end, &len);
        if (!line)
                return 400;
        status = parse_request_line(req, line, len);
        if (status)
                return status;
        for (unsigned count = 0; (line = next_line(&p, end, &len)) && len > 0; count++) {
                if (count >= HTTP_MAX_HEADERS)
                        return 431;
                status = parse_header(req, line, len, &h);
                if (status)
                        return status;
        }

        if (h.chunked)
                return 411;                             /* Alertmanager always sends a length */
        if (!h.has_length)
                return strcmp(req->method, "POST") == 0 ? 411 : 0;
        if (h.length > max_body)
                return 413;
        req->head_end = head_end;
        if (req->head_len - head_end > h.length)
                return 400;                             /* more than announced */
        req->body_length = h.length;
        req->expect_continue = h.expect_continue;
        req->body_read = false;
        return 0;
}

int http_read_body(int fd, int out_fd, struct http_request *req) {
        size_t have = req->head_len - req->head_end, want = req->body_length;

        if (req->body_read)
                return 0;
        req->body_read = true;
        if (req->expect_continue && !req->http10 && have < want) {      /* RFC 9110 10.1.1 */
                static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
                (void) write_by(out_fd, cont, sizeof(cont) - 1, req->deadline_ms);
        }
        req->body = malloc(want + 1);
        if (!req->body)
                return 503;
        memcpy(req->body, req->head + req->head_end, have);
        while (have < want) {
                ssize_t n = read_some(fd, req->body + have, want - have, req->deadline_ms);
                if (n == -ETIME)
                        return 408;
                if (n <= 0)
                        return 400;                     /* shorter than announced */
                have += (size_t) n;
        }
        req->body[have] = '\0';
        req->body_len = have;
        return 0;
}

void http_discard_body(int fd, struct http_request *req) {
        char sink[4096];
        size_t left = req->body_length - (req->head_len - req->head_end);
        int64_t deadline = now_monotonic_ms() + HTTP_DISCARD_MS;

        if (req->body_read)
                return;
        req->body_read = true;
        while (left > 0) {
                ssize_t n = read_some(fd, sink, left < sizeof(sink) ? left : sizeof(sink), deadline);
                if (n <= 0)
                        return;
                left -= (size_t) n;
        }
}

int http_read_request(int fd, int out_fd, struct http_request *req, size_t max_body, int timeout_ms) {
        int status = http_read_head(fd, req, max_body, timeout_ms);
        return status ? status : http_read_body(fd, out_fd, req);
}

void http_request_free(struct http_request *req) {
        free(req->body);
        req->body = NULL;
}

const char *http_reason(int status) {
        switch (status) {
        case 100: return "Continue";
        case 200: return "OK";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 411: return "Length Required";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 417: return "Expectation Failed";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        case 505: return "HTTP Version Not Supported";
        default:  return "Unknown";
        }
}

int http_respond(int fd, int status, const char *content_type, const char *extra_headers,
                 const char *body, size_t body_len) {
        return http_respond_within(fd, HTTP_WRITE_TIMEOUT_MS, status, content_type, extra_headers,
                                   body, body_len);
}

int http_respond_within(int fd, int timeout_ms, int status, const char *content_type,
                        const char *extra_headers, const char *body, size_t body_len) {
        int64_t deadline = now_monotonic_ms() + timeout_ms;
        char head[512];
        int n = snprintf(head, sizeof(head),
                         "HTTP/1.1 %d %s\r\n"
                         "Content-Type: %s\r\n"
                         "Content-Length: %zu\r\n"
                         "Connection: close\r\n"
                         "Cache-Control: no-store\r\n"
                         "%s\r\n",
                         status, http_reason(status), content_type, body_len,
                         extra_headers ? extra_headers : "");
        if (n < 0 || (size_t) n >= sizeof(head))
                return -ENOBUFS;
        int r = write_by(fd, head, (size_t) n, deadline);
        if (r < 0)
                return r;
        return write_by(fd, body, body_len, deadline);
}
