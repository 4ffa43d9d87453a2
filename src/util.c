#include <errno.h>
#include <string.h>
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
