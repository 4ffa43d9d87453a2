/* One HTTP/1.x request from a file descriptor, one answer to another. Connection: close always. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bounds.h"

struct http_request {
        char head[HTTP_MAX_HEADER_BYTES + 1];
        size_t head_len;                        /* bytes of head[] used (headers + body prefix) */
        char method[16];
        char path[HTTP_MAX_PATH + 1];           /* without the query string */
        char authorization[HTTP_MAX_AUTH + 1];
        bool has_authorization;
        bool http10;                            /* HTTP/1.0: no 100 Continue */
        char *body;                             /* malloc'd, NUL-terminated; NULL when empty */
        size_t body_len;
        /* Between the head and the body: */
        size_t head_end;                        /* where the body begins in head[] */
        size_t body_length;                     /* Content-Length */
        bool expect_continue, body_read;
        int64_t deadline_ms;                    /* monotonic: the whole request's */
};

/* Reads and parses the request line and headers from fd within timeout_ms: 0, or the status to
 * answer with (as http_read_request). The body, if any, is still to be read or discarded. */
int http_read_head(int fd, struct http_request *req, size_t max_body, int timeout_ms);
/* Reads the body by the request's deadline, after "100 Continue" when the client asks for it:
 * so a client is told to send its body only once the head has been accepted. 0 or a status. */
int http_read_body(int fd, int out_fd, struct http_request *req);
/* Reads and drops what is left of a body that will not be used (no "100 Continue"), for at most
 * HTTP_DISCARD_MS: closing with unread data would reset the connection before the answer. */
void http_discard_body(int fd, struct http_request *req);

/* Reads and parses one request from fd within timeout_ms. Returns 0, or the HTTP status to answer
 * with: 400 malformed, 408 too slow, 411 chunked or no length, 413 body too large, 431 headers too
 * large or too many, 501 unsupported transfer coding, 505 unsupported version. `out_fd` receives
 * "100 Continue" when the client asks for it. */
int http_read_request(int fd, int out_fd, struct http_request *req, size_t max_body, int timeout_ms);
void http_request_free(struct http_request *req);

/* Writes a whole answer within HTTP_WRITE_TIMEOUT_MS, or within timeout_ms. extra_headers is NULL
 * or CRLF-terminated header lines. 0, -ETIME when the client does not take it in time, or -errno. */
int http_respond(int fd, int status, const char *content_type, const char *extra_headers,
                 const char *body, size_t body_len);
int http_respond_within(int fd, int timeout_ms, int status, const char *content_type,
                        const char *extra_headers, const char *body, size_t body_len);
const char *http_reason(int status);
