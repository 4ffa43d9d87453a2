/* state-json.c: what a hand-made state.json may not smuggle in (counter series that would inject
 * lines into /metrics, names that are not UTF-8), and that state_format() writes valid UTF-8
 * whatever it is given. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"
#include "state.h"
#include "util.h"

/* state_parse() of a state holding one counter with this series (JSON-escaped). */
static int parse_series(const char *json_series) {
        char text[1024];
        struct state s;
        int n = snprintf(text, sizeof(text), "{\"version\":2,\"counters\":{\"%s\":1}}", json_series);

        assert_true(n > 0 && (size_t) n < sizeof(text));
        int r = state_parse(text, (size_t) n, &s);
        if (r == 0)
                state_free(&s);
        return r;
}

/* Every series metrics.c builds reads back. */
static void built_series_accepted(void **unused) {
        (void) unused;
        struct state s = {}, back;

        assert_int_equal(metrics_count_execution(&s, "disk-cleanup", "success", 1.5), 0);
        assert_int_equal(metrics_count_execution(&s, "self-healing-restart", "timeout", 400), 0);
        assert_int_equal(metrics_count_request(&s, 200), 0);
        assert_int_equal(metrics_count_request(&s, 503), 0);
        assert_int_equal(state_counter_add(&s, "remediation_webhook_decisions_total{action=\"blocked\",gate=\"rate_limit_alert\"}", 1), 0);
        assert_true(s.n_counters > 10);
        char *text = state_format(&s);
        assert_non_null(text);
        assert_int_equal(state_parse(text, strlen(text), &back), 0);
        assert_int_equal(back.n_counters, s.n_counters);
        assert_string_equal(back.counters[2].series, s.counters[2].series);
        state_free(&back);
        state_free(&s);
        free(text);

        assert_int_equal(parse_series("remediation_playbook_duration_seconds_bucket{playbook=\\\"a.b-c_1\\\",le=\\\"+Inf\\\"}"), 0);
        assert_int_equal(parse_series("remediation_webhook_requests_total{code=\\\"200\\\"}"), 0);
        assert_int_equal(parse_series("a:b_c{x=\\\"\\\"}"), 0);             /* an empty value */
        assert_int_equal(parse_series("up"), 0);                                /* no labels */
}

/* Anything else is damage: the whole state is refused, as for any other corruption. */
static void injected_series_refused(void **unused) {
        (void) unused;
        static const char *const bad[] = {
                /* a line of its own, a second series, a comment */
                "remediation_webhook_requests_total{code=\\\"200\\\"} 1\\nevil_total 666\\n#",
                "remediation_webhook_requests_total{code=\\\"200\\\"}\\nevil_total",
                "remediation_webhook_requests_total{code=\\\"2\\\"00\\\"}",
                "remediation_webhook_requests_total{code=\\\"2\\\\\\\"}",               /* value ends in \ */
                "remediation_webhook_requests_total{code=\\\"2\\\\\\\\n\\\"}",          /* \\n in a value */
                "remediation_webhook_requests_total{code=\\\"a\\u001b[2Jb\\\"}",
                "remediation_webhook_requests_total{code=\\\"a\\tb\\\"}",
                "remediation_webhook_requests_total{code=\\\"a\\u007fb\\\"}",
                "remediation_webhook_requests_total{code=\\\"\\u00e9\\\"}",              /* not ASCII */
                "remediation_webhook_requests_total{code=\\\"a\\u0000b\\\"}",            /* cut at NUL */
                /* the name */
                "", "1abc", "a b", "a-b", "a.b", "\\u00e9", "a\\nb", "a}", "a{", "a{}", "{x=\\\"1\\\"}",
                /* the labels */
                "a{=\\\"1\\\"}", "a{1x=\\\"1\\\"}", "a{x-y=\\\"1\\\"}", "a{x=1}", "a{x=\\\"1}", "a{x=\\\"1\\\"",
                "a{x=\\\"1\\\",}", "a{x=\\\"1\\\"y=\\\"2\\\"}", "a{x =\\\"1\\\"}", "a{x=\\\"1\\\"} ",
                "a{x=\\\"1\\\"}{y=\\\"2\\\"}", "a{x=\\\"1\\\"}b", "a{x:y=\\\"1\\\"}",
                "a{x=\\\"1\\\",x=\\\"2\\\"}",                                           /* twice */
                "a{x=\\\"1\\\",y=\\\"2\\\",z=\\\"3\\\",w=\\\"4\\\",v=\\\"5\\\",u=\\\"6\\\",t=\\\"7\\\",s=\\\"8\\\",r=\\\"9\\\"}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (parse_series(bad[i]) != -EBADMSG)
                        fail_msg("series %zu (%s) was accepted", i, bad[i]);

        /* bounded: STATE_MAX_SERIES bytes, not one more */
        char name[STATE_MAX_SERIES + 2];
        memset(name, 'a', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        assert_int_equal(parse_series(name), -EBADMSG);
        name[STATE_MAX_SERIES] = '\0';
        assert_int_equal(parse_series(name), 0);
        /* eight labels are fine, dup-like prefixes are not duplicates */
        assert_int_equal(parse_series("a{x=\\\"1\\\",xy=\\\"2\\\",z=\\\"3\\\",w=\\\"4\\\",v=\\\"5\\\",u=\\\"6\\\",t=\\\"7\\\",s=\\\"8\\\"}"), 0);
}

/* Valid UTF-8, byte for byte (what utf8_sanitize() leaves unchanged). */
static bool is_utf8(const char *s) {
        size_t len = strlen(s);
        char *copy = malloc(3 * len + 1);
        assert_non_null(copy);
        size_t n = utf8_sanitize(copy, 3 * len + 1, s, len, SIZE_MAX);
        bool same = n == len && memcmp(copy, s, len) == 0;
        free(copy);
        return same;
}

/* Names that never went through utf8_sanitize() are written as it would have made them. */
static void format_writes_utf8(void **unused) {
        (void) unused;
        struct state s = {}, back;

        assert_int_equal(state_put_key(&s, "[\"a\xff" "b\",\"\xc3\"]", 100, 16), 0);
        assert_int_equal(state_put_key(&s, "[\"ok \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd\"]", 101, 16), 0);
        assert_non_null(state_breaker(&s, "pb\xed\xa0\x80", 1));                /* a surrogate */
        assert_int_equal(state_add_exec(&s, 100, "alert\xc0\xaf", "disk\xfe"), 0);  /* overlong */
        assert_int_equal(state_add_running(&s, 1, 100, "p\xf8", "a\x80", NULL), 0);
        char *text = state_format(&s);
        assert_non_null(text);
        assert_true(is_utf8(text));
        assert_int_equal(state_parse(text, strlen(text), &back), 0);
        assert_non_null(state_key(&back, "[\"a\xef\xbf\xbd" "b\",\"\xef\xbf\xbd\"]"));
        assert_non_null(state_key(&back, "[\"ok \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd\"]"));
        assert_non_null(state_breaker(&back, "pb\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 0));
        assert_int_equal(back.n_execs, 1);
        assert_string_equal(back.execs[0].alert, "alert\xef\xbf\xbd\xef\xbf\xbd");
        assert_string_equal(back.execs[0].playbook, "disk\xef\xbf\xbd");
        assert_string_equal(back.running[0].playbook, "p\xef\xbf\xbd");
        assert_string_equal(back.running[0].alert, "a\xef\xbf\xbd");
        /* and it formats to the same text again */
        char *again = state_format(&back);
        assert_non_null(again);
        assert_string_equal(again, text);
        free(again);
        free(text);
        state_free(&back);
        state_free(&s);
}

/* A state.json whose names are not UTF-8 is damaged: state_format() would not write it back. */
static void parse_refuses_invalid_utf8(void **unused) {
        (void) unused;
        static const char *const bad[] = {
                "{\"version\":2,\"idempotency\":{\"[\\\"a\xff\\\"]\":1}}",
                "{\"version\":2,\"breakers\":{\"p\xc3\":{\"failures\":0,\"opened_at\":0,\"trial_until\":0}}}",
                "{\"version\":2,\"executions\":{\"p\xfe\":{\"A\":[1]}}}",
                "{\"version\":2,\"executions\":{\"p\":{\"A\xed\xa0\x80\":[1]}}}",
                "{\"version\":2,\"running\":[{\"pid\":1,\"started\":1,\"playbook\":\"p\",\"alert\":\"\xc0\xaf\"}]}",
                "{\"version\":1,\"executions\":[{\"t\":1,\"alert\":\"a\x80\",\"playbook\":\"p\"}]}",
        };
        struct state s;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (state_parse(bad[i], strlen(bad[i]), &s) != -EBADMSG)
                        fail_msg("state %zu was read", i);
        static const char good[] = "{\"version\":2,\"idempotency\":{\"[\\\"\xc3\xa9\\\"]\":1}}";
        assert_int_equal(state_parse(good, sizeof(good) - 1, &s), 0);
        state_free(&s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(built_series_accepted),
                cmocka_unit_test(injected_series_refused),
                cmocka_unit_test(format_writes_utf8),
                cmocka_unit_test(parse_refuses_invalid_utf8),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
