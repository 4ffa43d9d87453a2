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
