/* libFuzzer harness for http_read_request() and http_respond().
 *
 * The input is the whole byte stream a client sends. It is put into a memfd and the request is read
 * from there: a regular file answers poll() at once and read() returns EOF at its end, so a request
 * shorter than it announces ends in 400 at once instead of waiting for the read deadline (408). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "http.h"

#define MAX_BODY (1024 * 1024)
#define TIMEOUT_MS 1000

static int in_fd = -1, null_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        (void) argc;
        (void) argv;
        in_fd = memfd_create("fuzz-http-request", MFD_CLOEXEC);
        null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (in_fd < 0 || null_fd < 0) {
                perror("fuzz_http: setup");
                abort();
        }
        return 0;
}

static void put_input(const uint8_t *data, size_t size) {
        if (ftruncate(in_fd, 0) < 0)
                abort();
        size_t done = 0;
        while (done < size) {
                ssize_t n = pwrite(in_fd, data + done, size - done, (off_t) done);
                if (n <= 0)
                        abort();
                done += (size_t) n;
        }
        if (lseek(in_fd, 0, SEEK_SET) != 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct http_request *req = malloc(sizeof(*req));
        if (!req)
                return 0;
        put_input(data, size);

        int status = http_read_request(in_fd, null_fd, req, MAX_BODY, TIMEOUT_MS);
        if (status == 0) {
                /* What a successful parse promises to the rest of the handler. */
                if (strnlen(req->method, sizeof(req->method)) >= sizeof(req->method) ||
                    strnlen(req->path, sizeof(req->path)) >= sizeof(req->path) || req->path[0] != '/')
                        abort();
                if (req->has_authorization &&
                    strnlen(req->authorization, sizeof(req->authorization)) >= sizeof(req->authorization))
                        abort();
                if (req->body_len > MAX_BODY || (req->body_len > 0 && !req->body) ||
                    (req->body && req->body[req->body_len] != '\0'))
                        abort();
                if (req->head_len > HTTP_MAX_HEADER_BYTES || req->head_len > size)
                        abort();
        } else if (!http_reason(status) || status < 400 || status > 599)
                abort();

        /* Answer with the parsed path, as a body and (bounded) inside an extra header. */
        const char *path = status == 0 ? req->path : "";
        char extra[HTTP_MAX_PATH + 32];
        int n = snprintf(extra, sizeof(extra), "X-Path: %s\r\n", path);
        if (n < 0 || (size_t) n >= sizeof(extra))
                abort();
        (void) http_respond(null_fd, status ? status : 200, "text/plain; charset=utf-8", extra,
                            path, strlen(path));
        if (status == 0 && req->body)
                (void) http_respond(null_fd, 200, "application/json", NULL, req->body, req->body_len);

        http_request_free(req);
        if (req->body)
                abort();                        /* free must leave no dangling pointer */
        free(req);
        return 0;
}
