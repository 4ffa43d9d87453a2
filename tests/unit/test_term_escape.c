/* util.c term_escape(): what remediationctl's tables print of names and values from outside. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"

static const char *esc(const char *s) {
        static char buf[64];
        return term_escape(buf, sizeof(buf), s);
}

static void controls_escaped(void **unused) {
        (void) unused;
        assert_string_equal(esc("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_string_equal(esc("\x1b]0;t\x07"), "\\x1b]0;t\\x07");
        assert_string_equal(esc("\x01\t\n\r\x1f\x7f"), "\\x01\\x09\\x0a\\x0d\\x1f\\x7f");
        assert_string_equal(esc("\xc2\x80 \xc2\x9b" "31m \xc2\x9f"), "\\u0080 \\u009b31m \\u009f");
}

static void text_kept(void **unused) {
        (void) unused;
        assert_string_equal(esc("disk-cleanup"), "disk-cleanup");
        assert_string_equal(esc("[\"a\\\\b\",\"\"]"), "[\"a\\\\b\",\"\"]");     /* backslashes as they are */
        assert_string_equal(esc("\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
                            "\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");      /* U+00A0 is no control */
        assert_string_equal(esc(""), "");
        assert_string_equal(esc(NULL), "-");
}

static void not_utf8_escaped(void **unused) {
        (void) unused;
        assert_string_equal(esc("a\x9b" "b"), "a\\x9bb");                       /* a lone C1 byte */
        assert_string_equal(esc("\xc0\xaf"), "\\xc0\\xaf");                    /* overlong */
        assert_string_equal(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");           /* surrogate */
        assert_string_equal(esc("\xe2\x82"), "\\xe2\\x82");                    /* cut short */
}

static void cut_to_fit(void **unused) {
        (void) unused;
        char b[8];

        assert_string_equal(term_escape(b, sizeof(b), "1234567"), "1234567");  /* exactly fits */
        assert_string_equal(term_escape(b, sizeof(b), "12345678"), "1234...");
        assert_string_equal(term_escape(b, sizeof(b), "ab\x1b" "cdef"), "ab...");     /* no half escape */
        assert_string_equal(term_escape(b, sizeof(b), "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"),
                            "\xe2\x82\xac...");                                 /* no half character */
        assert_string_equal(term_escape(b, 4, "abcdef"), "...");
        assert_string_equal(term_escape(b, 4, "abc"), "abc");
        b[0] = 'x';
        assert_string_equal(term_escape(b, 3, "abc"), "");
        term_escape(b, 0, "abc");                                               /* writes nothing */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(controls_escaped),
                cmocka_unit_test(text_kept),
                cmocka_unit_test(not_utf8_escaped),
                cmocka_unit_test(cut_to_fit),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
