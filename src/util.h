/* Small helpers shared by every module. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
#define _cleanup_free_  __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))

/* Parses a decimal in [min, max]; no sign, no spaces, no overflow. 0 or -EINVAL/-ERANGE. */
int parse_uint_range(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *ret);

/* Copies at most max_chars characters of src[0..len) into dst (NUL-terminated, dst_size bytes),
 * replacing invalid UTF-8 with U+FFFD and never cutting a character in half. Returns the number of
 * bytes written, not counting the NUL. */
size_t utf8_sanitize(char *dst, size_t dst_size, const char *src, size_t len, size_t max_chars);

/* Wall clock (the handler's own, never the payload's), seconds and milliseconds. */
int64_t now_realtime_ms(void);

/* Writes all of buf, retrying on EINTR and short writes. 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);

/* Compares two byte strings in time that depends only on their lengths. */
bool equal_constant_time(const void *a, size_t alen, const void *b, size_t blen);

/* s (NULL: "-") made safe for a terminal in buf (size bytes, NUL-terminated): C0 controls, DEL and
 * bytes that are not UTF-8 as \xHH, C1 controls (U+0080-U+009F) as \u00HH, the rest as it is,
 * backslashes too (a JSON key stays as `forget` takes it). What does not fit is cut between
 * characters and ends in "...". Returns buf. */
const char *term_escape(char *buf, size_t size, const char *s);

/* ---- growing ---- */

/* Room for element n of an array of n elements that grows only through GROW, one element at a
 * time from NULL: the capacity doubles whenever n reaches a power of two, so it need not be
 * stored. The array (maybe moved), or NULL when out of memory; arr is then unchanged. */
void *grow_array(void *arr, size_t n, size_t size);
#define GROW(arr, n) ({                                                         \
        typeof(arr) _g = grow_array((arr), (n), sizeof(*(arr)));                \
        if (_g) (arr) = _g;                                                     \
        _g; })

/* Text that grows as it is appended to. An append that finds no memory marks the buffer failed
 * and the rest are dropped; strbuf_steal() says so once, at the end. */
struct strbuf {
        char *p;                        /* NUL-terminated when len > 0 */
        size_t len, cap;
        bool failed;
};

/* Room for n more bytes and a NUL. false (failed set) when there is none. */
bool strbuf_reserve(struct strbuf *b, size_t n);
static inline void strbuf_add(struct strbuf *b, const char *s, size_t n) {
        if ((n >= b->cap - b->len || b->failed) && !strbuf_reserve(b, n))
                return;
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = '\0';
}
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text, now the caller's to free ("" when nothing was added), or NULL when an append failed
 * (then freed). b is empty afterwards. */
char *strbuf_steal(struct strbuf *b);

/* ---- reading whole files ---- */

/* Reads fd to its end into a malloc'd, NUL-terminated buffer (*ret_len: its length, without the
 * NUL; ret_len may be NULL). Retries EINTR. 0, -EFBIG when there are more than max bytes, or
 * -errno; *ret and *ret_len untouched on failure. */
int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_len);
/* Opens path (relative to dir_fd, or AT_FDCWD) for reading without following a symlink in its
 * last component, without becoming its controlling terminal and without waiting for a FIFO's
 * writer, then refuses anything but a regular file: -ELOOP (a symlink), -EISDIR, -EBADFD (a
 * FIFO, socket or device). The descriptor (O_CLOEXEC; O_NONBLOCK, which a regular file
 * ignores), or -errno. */
int open_regular(int dir_fd, const char *path);
/* open_regular() then read_fd_bounded(). */
int read_file_bounded(int dir_fd, const char *path, size_t max, char **ret, size_t *ret_len);

/* Byte classes, for the syntax of names: a table lookup per byte (strspn() with a set longer than
 * 16 bytes builds a table on every call). NUL is in no class, so a span stops at the end. */
enum {
        CHAR_LOWER = 1 << 0, CHAR_UPPER = 1 << 1, CHAR_DIGIT = 1 << 2, CHAR_UNDERSCORE = 1 << 3,
        CHAR_COLON = 1 << 4, CHAR_DOT = 1 << 5, CHAR_DASH = 1 << 6,
        CHAR_LETTER = CHAR_LOWER | CHAR_UPPER | CHAR_UNDERSCORE,      /* as C and Prometheus say */
};
extern const uint8_t char_class[256];
static inline bool char_is(char c, unsigned classes) { return char_class[(unsigned char) c] & classes; }
/* The number of leading bytes of s in the classes. */
size_t span_class(const char *s, unsigned classes);
