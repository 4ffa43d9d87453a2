#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "util.h"

int parse_uint_range(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (len == 0 || len > 20)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                unsigned d = (unsigned) (s[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not valid (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_valid_len(const unsigned char *s, size_t len) {
        unsigned char c = s[0];
        size_t n;
        uint32_t cp;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                n = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
                n = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
                n = 4, cp = c & 0x07;
        else
                return 0;
        if (len < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

size_t utf8_sanitize(char *dst, size_t dst_size, const char *src, size_t len, size_t max_chars) {
        static const char replacement[] = "\xef\xbf\xbd";
        size_t o = 0, chars = 0;

        if (dst_size == 0)
                return 0;
        for (size_t i = 0; i < len && chars < max_chars;) {
                size_t n = utf8_valid_len((const unsigned char *) src + i, len - i);
                const char *from = src + i;
                size_t w = n;

                if (n == 0 || (n == 1 && src[i] == '\0')) {
                        from = replacement, w = 3;
                        n = 1;
                }
                if (o + w >= dst_size)
                        break;
                memcpy(dst + o, from, w);
                o += w;
                i += n;
                chars++;
        }
        dst[o] = '\0';
        return o;
}

int64_t now_realtime_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int write_all(int fd, const void *buf, size_t len) {
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

bool equal_constant_time(const void *a, size_t alen, const void *b, size_t blen) {
        const volatile unsigned char *x = a, *y = b;
        unsigned char diff = alen != blen;

        /* Walk the expected token's length whatever the candidate is. */
        for (size_t i = 0; i < blen; i++)
                diff |= (unsigned char) ((i < alen ? x[i] : 0) ^ y[i]);
        return diff == 0;
}

const char *term_escape(char *buf, size_t size, const char *s) {
        static const char hex[] = "0123456789abcdef";
        size_t o = 0, cut = 0, len;

        if (size < 4) {                         /* no room for even "..." */
                if (size > 0)
                        buf[0] = '\0';
                return buf;
        }
        if (!s)
                s = "-";
        len = strlen(s);
        for (size_t i = 0; i < len;) {
                const unsigned char *c = (const unsigned char *) s + i;
                size_t n = utf8_valid_len(c, len - i), w = n;
                char e[6] = { '\\', 'x' };
                const char *from = (const char *) c;

                if (n == 0 || c[0] < 0x20 || c[0] == 0x7f) {            /* C0, DEL, not UTF-8 */
                        e[2] = hex[c[0] >> 4], e[3] = hex[c[0] & 15];
                        from = e, w = 4, n = 1;
                } else if (n == 2 && c[0] == 0xc2 && c[1] < 0xa0) {     /* C1: U+0080-U+009F */
                        e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hex[c[1] >> 4], e[5] = hex[c[1] & 15];
                        from = e, w = 6;
                }
                if (o + 3 < size)
                        cut = o;                /* the last place "..." still fits */
                if (o + w >= size) {
                        memcpy(buf + cut, "...", 3);
                        o = cut + 3;
                        break;
                }
                memcpy(buf + o, from, w);
                o += w;
                i += n;
        }
        buf[o] = '\0';
        return buf;
}

void *grow_array(void *arr, size_t n, size_t size) {
        if (n & (n - 1))                /* not a power of two: there is room */
                return arr;
        if (n > SIZE_MAX / 2 / size)
                return NULL;
        return realloc(arr, (n ? 2 * n : 1) * size);
}

bool strbuf_reserve(struct strbuf *b, size_t n) {
        if (b->failed)
                return false;
        if (n < b->cap - b->len)
                return true;
        if (n > SIZE_MAX / 4 - b->len) {
                b->failed = true;
                return false;
        }
        size_t need = b->len + n + 1, cap = 2 * b->cap;
        if (cap < need)
                cap = need < 256 ? 256 : need;
        char *p = realloc(b->p, cap);
        if (!p) {
                b->failed = true;
                return false;
        }
        b->p = p, b->cap = cap;
        return true;
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...) {
        va_list ap;

        for (int tries = 0; tries < 2; tries++) {
                size_t room = b->cap - b->len;
                va_start(ap, fmt);
                int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        b->failed = true;
                        return;
                }
                if ((size_t) n < room) {
                        b->len += (size_t) n;
                        return;
                }
                if (!strbuf_reserve(b, (size_t) n))
                        return;
        }
}

char *strbuf_steal(struct strbuf *b) {
        char *p = b->failed ? NULL : b->p ? b->p : strdup("");
        if (b->failed)
                free(b->p);
        *b = (struct strbuf) {};
        return p;
}

int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_len) {
        struct strbuf b = {};
        struct stat sb;
        size_t want = 4096;
        int r;

        if (max >= SIZE_MAX / 2)
                return -EINVAL;
        /* A regular file says how much it holds: room for that and the NUL, so one read and one
         * that sees the end. Otherwise the room doubles as it fills. */
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 && (uint64_t) sb.st_size <= max)
                want = (size_t) sb.st_size + 1;
        while (b.len <= max) {
                size_t limit = max + 1 - b.len;         /* a byte beyond max says it is too big */
                if (b.cap - b.len <= 1 && !strbuf_reserve(&b, want < limit ? want : limit)) {
                        r = -ENOMEM;
                        goto fail;
                }
                size_t room = b.cap - b.len - 1;
                ssize_t n = read(fd, b.p + b.len, room < limit ? room : limit);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        goto fail;
                }
                if (n == 0) {
                        b.p[b.len] = '\0';
                        *ret = b.p;
                        if (ret_len)
                                *ret_len = b.len;
                        return 0;
                }
                b.len += (size_t) n;
                want = b.len;
        }
        r = -EFBIG;
fail:
        free(b.p);
        return r;
}

int open_regular(int dir_fd, const char *path) {
        int fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        struct stat sb;
        int r = 0;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &sb) < 0)
                r = -errno;
        else if (!S_ISREG(sb.st_mode))
                r = S_ISDIR(sb.st_mode) ? -EISDIR : -EBADFD;
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

int read_file_bounded(int dir_fd, const char *path, size_t max, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = open_regular(dir_fd, path);
        if (fd < 0)
                return fd;
        return read_fd_bounded(fd, max, ret, ret_len);
}

const uint8_t char_class[256] = {
        ['a' ... 'z'] = CHAR_LOWER, ['A' ... 'Z'] = CHAR_UPPER, ['0' ... '9'] = CHAR_DIGIT,
        ['_'] = CHAR_UNDERSCORE, [':'] = CHAR_COLON, ['.'] = CHAR_DOT, ['-'] = CHAR_DASH,
};

size_t span_class(const char *s, unsigned classes) {
        size_t n = 0;
        while (char_is(s[n], classes))
                n++;
        return n;
}
