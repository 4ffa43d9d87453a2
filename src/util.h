/* Small helpers shared by every module. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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
