/* params.c: the safe-value check, and the executor argv built element by element from the route,
 * never through a shell and never split. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "params.h"

static struct route container_not_running = {
        .alertname = "ContainerNotRunning", .playbook = "self-healing-restart", .confidence = 90,
        .parameters = { "--service", "{{.Labels.name}}" }, .n_parameters = 2,
};

static struct config test_config(void) {
        return (struct config) {
                .executor = { "/x", "--playbook", "{{.Playbook}}" }, .n_executor = 3,
                .routes = &container_not_running, .n_routes = 1,
        };
}

static struct alert test_alert(const char *name) {
        struct alert a = { .firing = true, .alertname = "ContainerNotRunning", .fingerprint = "49803e0fe9924375" };
        a.labels[a.n_labels++] = (struct kv) { "alertname", "ContainerNotRunning" };
        a.labels[a.n_labels++] = (struct kv) { "instance", "host:9100" };
        if (name)
                a.labels[a.n_labels++] = (struct kv) { "name", name };
        a.annotations[a.n_annotations++] = (struct kv) { "runbook", "restart-1" };
        a.annotations[a.n_annotations++] = (struct kv) { "summary", "Container is down" };
        return a;
}

static void value_check_accepts(void **unused) {
        (void) unused;
        static const char *const good[] = {
                "jellyfin", "my-app.1.2", "my_app_1", "proj_web_1", "host:9100", "a@b", "x/y", "a", "0", "A-Z.9",
                "nginx@1.service", "10.0.0.1:9100", "a/b/c", "a.b", "a-", "a.",
        };
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
                if (!param_value_ok(good[i]))
                        fail_msg("refused '%s'", good[i]);

        char v[PARAM_MAX_VALUE + 2];
        memset(v, 'a', PARAM_MAX_VALUE);
        v[PARAM_MAX_VALUE] = '\0';
        assert_true(param_value_ok(v));                 /* exactly the limit */
}

static void value_check_refuses(void **unused) {
        (void) unused;
        static const char *const bad[] = {
                "", "-x", "--x", "--service=traefik", "../etc", "a..b", "a/../b", "..", ".", "/etc",
                ".hidden", "a b", " a", "a ", ";", "a;b", "a|b", "a&b", "a>b", "a<b", "$(id)",
                "a$(id)", "`id`", "a`id`", "a\nb", "a\rb", "a\tb", "\xc3\xa9", "caf\xc3\xa9", "\xff",
                "a\xff", "a\xef\xbf\xbd" "b", "a'b", "a\"b", "a\\b", "a*", "a?", "a~", "~a", "a=b",
                "a,b", "a%b", "a{b", "a}b", "a(b)", "a#b", "a!b", "_a",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (param_value_ok(bad[i]))
                        fail_msg("accepted '%s'", bad[i]);

        char v[PARAM_MAX_VALUE + 2];
        memset(v, 'a', PARAM_MAX_VALUE + 1);
        v[PARAM_MAX_VALUE + 1] = '\0';
        assert_false(param_value_ok(v));                /* 257 bytes */
}

static void expands_the_seed_example(void **unused) {
        (void) unused;
        struct config c = test_config();
        struct alert a = test_alert("jellyfin");
        struct argv_list argv;
        char why[160] = "";

        assert_int_equal(params_expand(&c, &container_not_running, &a, &argv, why, sizeof(why)), 0);
        assert_int_equal(argv.n, 5);
        assert_string_equal(argv.v[0], "/x");
        assert_string_equal(argv.v[1], "--playbook");
        assert_string_equal(argv.v[2], "self-healing-restart");
        assert_string_equal(argv.v[3], "--service");
        assert_string_equal(argv.v[4], "jellyfin");
        assert_null(argv.v[5]);
        /* the decision log's "parameters": the route's part only */
        char *j = params_join(&argv, c.n_executor);
        assert_string_equal(j, "--service jellyfin");
        free(j);
        j = params_join(&argv, argv.n);
        assert_string_equal(j, "");
        free(j);
        argv_list_free(&argv);
        assert_int_equal(argv.n, 0);
}

static void missing_label(void **unused) {
        (void) unused;
        struct config c = test_config();
        struct alert a = test_alert(NULL);
        struct argv_list argv;
        char why[160] = "";

        memset(&argv, 0x5a, sizeof(argv));
        assert_int_equal(params_expand(&c, &container_not_running, &a, &argv, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, ".Labels.name"));
        assert_non_null(strstr(why, "missing"));
        for (size_t i = 0; i < sizeof(argv); i++)       /* untouched on failure */
                assert_int_equal(((unsigned char *) &argv)[i], 0x5a);
}

static void unsafe_label(void **unused) {
        (void) unused;
        static const char *const bad[] = { "x;rm -rf /", "$(id)", "-x", "--help", "../etc", "a b",
                                           "", "\xff", "a\xef\xbf\xbd" };
        struct config c = test_config();
        struct argv_list argv;
        char why[160];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct alert a = test_alert(bad[i]);
                why[0] = '\0';
                assert_int_equal(params_expand(&c, &container_not_running, &a, &argv, why, sizeof(why)), -EINVAL);
                assert_non_null(strstr(why, ".Labels.name"));
                assert_non_null(strstr(why, "safe-value"));
        }
}

static void other_placeholders(void **unused) {
        (void) unused;
        struct route r = {
                .alertname = "ContainerNotRunning", .playbook = "p", .confidence = 100,
                .parameters = { "--fp={{.Fingerprint}}", "{{.Annotations.runbook}}",
                                "svc-{{.Labels.name}}.service", "{{.Labels.instance}}/{{.Labels.name}}",
                                "literal words stay one argument", "{{.Playbook}}" },
                .n_parameters = 6,
        };
        struct config c = test_config();
        struct alert a = test_alert("jellyfin");
        struct argv_list argv;
        char why[160] = "";

        assert_int_equal(params_expand(&c, &r, &a, &argv, why, sizeof(why)), 0);
        assert_int_equal(argv.n, 9);
        assert_string_equal(argv.v[2], "p");
        assert_string_equal(argv.v[3], "--fp=49803e0fe9924375");
        assert_string_equal(argv.v[4], "restart-1");
        assert_string_equal(argv.v[5], "svc-jellyfin.service");
        assert_string_equal(argv.v[6], "host:9100/jellyfin");
        assert_string_equal(argv.v[7], "literal words stay one argument");
        assert_string_equal(argv.v[8], "p");
        assert_null(argv.v[9]);
        argv_list_free(&argv);

        /* An annotation is as untrusted as a label: "Container is down" has blanks. */
        r.parameters[1] = "{{.Annotations.summary}}";
        assert_int_equal(params_expand(&c, &r, &a, &argv, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, ".Annotations.summary"));
        r.parameters[1] = "{{.Annotations.nope}}";
        assert_int_equal(params_expand(&c, &r, &a, &argv, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, "missing"));

        /* The seed's mock has no fingerprint: nothing to pass. */
        r.parameters[1] = "x";
        a.fingerprint = "";
        assert_int_equal(params_expand(&c, &r, &a, &argv, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, ".Fingerprint"));
}

/* A value with blanks is never split into words (it is refused), and a literal element with blanks
 * from the config stays one element: there is no shell anywhere. */
static void no_word_splitting(void **unused) {
        (void) unused;
        struct route r = {
                .alertname = "ContainerNotRunning", .playbook = "p", .confidence = 100,
                .parameters = { "--service {{.Labels.name}}" }, .n_parameters = 1,
        };
        struct config c = test_config();
        struct alert a = test_alert("jellyfin");
        struct argv_list argv;
        char why[160];

        assert_int_equal(params_expand(&c, &r, &a, &argv, why, sizeof(why)), 0);
        assert_int_equal(argv.n, 4);
        assert_string_equal(argv.v[3], "--service jellyfin");
        argv_list_free(&argv);

        a = test_alert("jellyfin --force");
        assert_int_equal(params_expand(&c, &r, &a, &argv, why, sizeof(why)), -EINVAL);
}

static void playbook_none_cannot_expand(void **unused) {
        (void) unused;
        struct route r = { .alertname = "MemoryPressureHigh", .playbook = NULL };
        struct config c = test_config();
        struct alert a = test_alert("x");
        struct argv_list argv;
        char why[160] = "";

        assert_int_equal(params_expand(&c, &r, &a, &argv, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, ".Playbook"));
}

static void expansion_bounded(void **unused) {
        (void) unused;
        char value[PARAM_MAX_VALUE + 1];
        struct route r = {
                .alertname = "ContainerNotRunning", .playbook = "p", .confidence = 100,
                .parameters = { "{{.Labels.name}}{{.Labels.name}}{{.Labels.name}}{{.Labels.name}}x" },
                .n_parameters = 1,
        };
        struct config c = test_config();
        struct argv_list argv;
        char why[160] = "";

        memset(value, 'a', PARAM_MAX_VALUE);
        value[PARAM_MAX_VALUE] = '\0';
        struct alert a = test_alert(value);
        /* 4 x 256 + 1 bytes: one over EXEC_MAX_ARG_BYTES */
        assert_int_equal(params_expand(&c, &r, &a, &argv, why, sizeof(why)), -E2BIG);
        assert_true(strlen(why) > 0);
        r.parameters[0] = "{{.Labels.name}}{{.Labels.name}}{{.Labels.name}}{{.Labels.name}}";
        assert_int_equal(params_expand(&c, &r, &a, &argv, why, sizeof(why)), 0);
        assert_int_equal(strlen(argv.v[3]), EXEC_MAX_ARG_BYTES);
        argv_list_free(&argv);

        /* More elements than an argv may have. */
        struct config big = test_config();
        struct route many = { .alertname = "A", .playbook = "p", .confidence = 100 };
        for (size_t i = 0; i < CONFIG_MAX_LIST; i++) {
                big.executor[i] = "e";
                many.parameters[i] = "p";
        }
        big.n_executor = CONFIG_MAX_LIST;
        many.n_parameters = CONFIG_MAX_LIST;
        assert_int_equal(params_expand(&big, &many, &a, &argv, why, sizeof(why)), 0);
        assert_int_equal(argv.n, EXEC_MAX_ARGS);
        assert_null(argv.v[EXEC_MAX_ARGS]);
        argv_list_free(&argv);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(value_check_accepts),
                cmocka_unit_test(value_check_refuses),
                cmocka_unit_test(expands_the_seed_example),
                cmocka_unit_test(missing_label),
                cmocka_unit_test(unsafe_label),
                cmocka_unit_test(other_placeholders),
                cmocka_unit_test(no_word_splitting),
                cmocka_unit_test(playbook_none_cannot_expand),
                cmocka_unit_test(expansion_bounded),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
