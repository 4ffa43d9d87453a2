/* One HTTP/1.x request from a file descriptor, one answer to another. Connection: close always. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
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
};

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
