/* The gates as a pure function: the seed's three timelines minute for minute, and every boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "gates.h"

#define T(h, m, s) ((int64_t) 1766570400 + ((h) - 10) * 3600 + (m) * 60 + (s))   /* 2025-12-24 10:00 UTC */

static struct route routes[] = {
        { .alertname = "SystemDiskSpaceCritical", .playbook = "disk-cleanup", .confidence = 95 },
        { .alertname = "SystemDiskSpaceWarning", .playbook = "disk-cleanup", .confidence = 85 },
        { .alertname = "ContainerNotRunning", .playbook = "self-healing-restart", .confidence = 90,
          .parameters = { "--service", "{{.Labels.name}}" }, .n_parameters = 2 },
        { .alertname = "ContainerMemoryPressure", .playbook = "service-restart", .confidence = 75,
          .requires_confirmation = true, .parameters = { "--service", "{{.Labels.name}}" }, .n_parameters = 2 },
        { .alertname = "CrowdSecDown", .playbook = "self-healing-restart", .confidence = 95 },
        { .alertname = "MemoryPressureHigh", .playbook = NULL, .confidence = 0 },
        { .alertname = "A1", .playbook = "p1", .confidence = 100 },
        { .alertname = "A2", .playbook = "p2", .confidence = 100 },
        { .alertname = "A3", .playbook = "p3", .confidence = 100 },
        { .alertname = "A4", .playbook = "p4", .confidence = 100 },
        { .alertname = "A5", .playbook = "p5", .confidence = 100 },
        { .alertname = "A6", .playbook = "p6", .confidence = 100 },
};

/* The reference routing's global settings. */
static struct config seed_config(void) {
        return (struct config) {
                .max_executions_per_hour = 5, .max_executions_per_alert = 3, .cooldown_minutes = 15,
                .idempotency_window_minutes = 5,
                .key_fields = { "alertname", "instance", "service" }, .n_key_fields = 3,
                .failure_threshold = 3, .reset_timeout_minutes = 30, .confidence_threshold = 90,
                .executor = { "/usr/libexec/remediation-webhook/apply-remediation", "--playbook", "{{.Playbook}}" },
                .n_executor = 3, .playbook_timeout_seconds = 300, .response_deadline_seconds = 5,
                .service_overrides = { "traefik", "authelia", "prometheus" }, .n_service_overrides = 3,
                .override_labels = { "service", "name" }, .n_override_labels = 2,
                .routes = routes, .n_routes = sizeof(routes) / sizeof(routes[0]),
        };
}

static struct alert alert(const char *name, const char *instance, const char *label, const char *value) {
        struct alert a = { .firing = true, .alertname = name, .fingerprint = "49803e0fe9924375" };
        a.labels[a.n_labels++] = (struct kv) { "alertname", name };
        if (instance)
                a.labels[a.n_labels++] = (struct kv) { "instance", instance };
        if (label)
                a.labels[a.n_labels++] = (struct kv) { label, value };
        return a;
}

/* What the handler's locked step does with one alert: evaluate, apply the plan, prune. */
static int gates_decide(const struct config *c, struct state *s, const struct alert *a, int64_t now,
                        struct decision *d) {
        int r = gates_evaluate(c, s, a, now, d, NULL);
        if (r == 0 && (r = gates_apply(c, s, a, d)) == 0)
                gates_prune(c, s, now);
        return r;
}

/* How the outcome step records an execution's end. Returns true when the circuit opened. */
static bool gates_record_outcome(const struct config *c, struct state *s, const char *playbook,
                                 bool success, bool was_trial, int64_t now) {
        struct breaker *b = state_breaker(s, playbook, 1);
        assert_non_null(b);
        return breaker_apply(c, b, success ? BREAKER_SUCCEEDED : BREAKER_FAILED, was_trial, now);
}

/* Decides at `now`; when it executes, records the outcome at the same second. */
static enum gate step(const struct config *c, struct state *s, const struct alert *a, int64_t now,
                      bool success, enum action *ret_action) {
        struct decision d;
        assert_int_equal(gates_decide(c, s, a, now, &d), 0);
        if (d.action == ACTION_EXECUTED)
                gates_record_outcome(c, s, d.route->playbook, success, d.trial, now);
        if (ret_action)
                *ret_action = d.action;
        enum gate g = d.gate;
        decision_free(&d);
        return g;
}

#define EXPECT(c, s, a, now, action_, gate_) do {                               \
        enum action _act;                                                       \
        enum gate _g = step((c), (s), (a), (now), true, &_act);                 \
        assert_string_equal(action_name(_act), action_name(action_));           \
        assert_string_equal(gate_name(_g), gate_name(gate_));                   \
} while (0)

static void seed_rate_limit_timeline(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert a = alert("SystemDiskSpaceCritical", "localhost", NULL, NULL);

        EXPECT(&c, &s, &a, T(10, 0, 0), ACTION_EXECUTED, GATE_NONE);
        EXPECT(&c, &s, &a, T(10, 5, 0), ACTION_BLOCKED, GATE_COOLDOWN);
        EXPECT(&c, &s, &a, T(10, 20, 0), ACTION_EXECUTED, GATE_NONE);
        EXPECT(&c, &s, &a, T(10, 40, 0), ACTION_EXECUTED, GATE_NONE);
        EXPECT(&c, &s, &a, T(11, 0, 0), ACTION_BLOCKED, GATE_RATE_LIMIT_ALERT);   /* 10:00 counts at 60:00 */
        EXPECT(&c, &s, &a, T(11, 20, 0), ACTION_EXECUTED, GATE_NONE);             /* 10:00 and 10:20 gone */
        state_free(&s);
}

static void seed_idempotency_timeline(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert a = alert("SystemDiskSpaceCritical", "localhost", NULL, NULL);

        c.cooldown_minutes = 0;         /* the seed's example speaks of idempotency alone */
        EXPECT(&c, &s, &a, T(10, 0, 0), ACTION_EXECUTED, GATE_NONE);
        EXPECT(&c, &s, &a, T(10, 2, 30), ACTION_BLOCKED, GATE_IDEMPOTENCY);
        EXPECT(&c, &s, &a, T(10, 6, 0), ACTION_EXECUTED, GATE_NONE);
        state_free(&s);
}

static void seed_circuit_timeline(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert a = alert("ContainerNotRunning", "localhost", "name", "jellyfin");
        enum action act;

        c.max_executions_per_alert = 10;
        assert_int_equal(step(&c, &s, &a, T(10, 0, 0), false, &act), GATE_NONE);
        assert_int_equal(act, ACTION_EXECUTED);
        assert_int_equal(step(&c, &s, &a, T(10, 15, 0), false, &act), GATE_NONE);
        assert_int_equal(breaker_state(&c, state_breaker(&s, "self-healing-restart", 0), T(10, 15, 0)), BREAKER_CLOSED);
        assert_int_equal(step(&c, &s, &a, T(10, 30, 0), false, &act), GATE_NONE);
        assert_int_equal(breaker_state(&c, state_breaker(&s, "self-healing-restart", 0), T(10, 30, 0)), BREAKER_OPEN);
        EXPECT(&c, &s, &a, T(10, 45, 0), ACTION_BLOCKED, GATE_CIRCUIT_OPEN);
        EXPECT(&c, &s, &a, T(11, 0, 0), ACTION_EXECUTED, GATE_NONE);      /* half-open trial, succeeds */
        assert_int_equal(state_breaker(&s, "self-healing-restart", 0)->failures, 0);
        assert_int_equal(breaker_state(&c, state_breaker(&s, "self-healing-restart", 0), T(11, 0, 0)), BREAKER_CLOSED);
        state_free(&s);
}

static void half_open_allows_exactly_one_trial(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert a = alert("ContainerNotRunning", "h1", "name", "jellyfin");
        struct alert b = alert("ContainerNotRunning", "h2", "name", "jellyfin");
        struct decision d1, d2;

        c.max_executions_per_alert = 100, c.max_executions_per_hour = 100, c.cooldown_minutes = 0;
        for (int i = 0; i < 3; i++)
                step(&c, &s, &a, T(10, 10 * i, 0), false, NULL);
        int64_t half = T(10, 20, 0) + 30 * 60;
        assert_int_equal(breaker_state(&c, state_breaker(&s, "self-healing-restart", 0), half - 1), BREAKER_OPEN);
        assert_int_equal(breaker_state(&c, state_breaker(&s, "self-healing-restart", 0), half), BREAKER_HALF_OPEN);

        assert_int_equal(gates_decide(&c, &s, &a, half, &d1), 0);
        assert_int_equal(d1.action, ACTION_EXECUTED);
        assert_true(d1.trial);
        assert_int_equal(gates_decide(&c, &s, &b, half, &d2), 0);       /* while the trial runs */
        assert_int_equal(d2.gate, GATE_CIRCUIT_OPEN);
        decision_free(&d2);
        /* The trial fails: open again for a full timeout. */
        assert_true(gates_record_outcome(&c, &s, "self-healing-restart", false, true, half + 10));
        assert_int_equal(breaker_state(&c, state_breaker(&s, "self-healing-restart", 0), half + 10 + 1799), BREAKER_OPEN);
        assert_int_equal(breaker_state(&c, state_breaker(&s, "self-healing-restart", 0), half + 10 + 1800), BREAKER_HALF_OPEN);
        decision_free(&d1);

        /* A trial whose instance died holds the breaker only for its lease. */
        int64_t t2 = half + 10 + 1800;
        assert_int_equal(gates_decide(&c, &s, &a, t2, &d1), 0);
        assert_true(d1.trial);
        decision_free(&d1);
        EXPECT(&c, &s, &b, t2 + breaker_trial_lease(&c) - 1, ACTION_BLOCKED, GATE_CIRCUIT_OPEN);
        struct alert e = alert("ContainerNotRunning", "h3", "name", "jellyfin");
        EXPECT(&c, &s, &e, t2 + breaker_trial_lease(&c), ACTION_EXECUTED, GATE_NONE);
        state_free(&s);
}

static void boundaries_to_the_second(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert a = alert("SystemDiskSpaceCritical", "localhost", NULL, NULL);
        struct alert a2 = alert("SystemDiskSpaceCritical", "other", NULL, NULL);

        EXPECT(&c, &s, &a, T(10, 0, 0), ACTION_EXECUTED, GATE_NONE);
        EXPECT(&c, &s, &a, T(10, 4, 59), ACTION_BLOCKED, GATE_IDEMPOTENCY);
        /* 10:04:59 did not pass the gate, so the key still dates from 10:00. */
        EXPECT(&c, &s, &a, T(10, 5, 0), ACTION_BLOCKED, GATE_COOLDOWN);
        EXPECT(&c, &s, &a2, T(10, 14, 59), ACTION_BLOCKED, GATE_COOLDOWN);
        /* a2 passed the idempotency gate at 10:14:59, so it is a duplicate now. */
        EXPECT(&c, &s, &a2, T(10, 15, 0), ACTION_BLOCKED, GATE_IDEMPOTENCY);
        struct alert a3 = alert("SystemDiskSpaceCritical", "third", NULL, NULL);
        EXPECT(&c, &s, &a3, T(10, 15, 0), ACTION_EXECUTED, GATE_NONE);
        state_free(&s);

        /* The hour: an execution counts at exactly 3600 s, not at 3601 s. */
        s = (struct state) {};
        c.cooldown_minutes = 0, c.idempotency_window_minutes = 0, c.max_executions_per_alert = 1;
        EXPECT(&c, &s, &a, T(10, 0, 0), ACTION_EXECUTED, GATE_NONE);
        EXPECT(&c, &s, &a, T(11, 0, 0), ACTION_BLOCKED, GATE_RATE_LIMIT_ALERT);
        EXPECT(&c, &s, &a, T(11, 0, 1), ACTION_EXECUTED, GATE_NONE);
        state_free(&s);
}

static void global_limit_counts_every_alert(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        const char *names[] = { "A1", "A2", "A3", "A4", "A5", "A6" };

        for (int i = 0; i < 5; i++) {
                struct alert a = alert(names[i], "x", NULL, NULL);
                EXPECT(&c, &s, &a, T(10, i, 0), ACTION_EXECUTED, GATE_NONE);
        }
        struct alert a6 = alert("A6", "x", NULL, NULL);
        EXPECT(&c, &s, &a6, T(10, 30, 0), ACTION_BLOCKED, GATE_RATE_LIMIT_GLOBAL);
        EXPECT(&c, &s, &a6, T(11, 0, 1), ACTION_EXECUTED, GATE_NONE);    /* A1 at 10:00 has left the hour */
        state_free(&s);
}

static void order_and_skips(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert resolved = alert("NoSuchAlert", "x", NULL, NULL);
        resolved.firing = false;
        EXPECT(&c, &s, &resolved, T(10, 0, 0), ACTION_SKIPPED, GATE_RESOLVED);
        struct alert unknown = alert("NoSuchAlert", "x", NULL, NULL);
        EXPECT(&c, &s, &unknown, T(10, 0, 0), ACTION_SKIPPED, GATE_NO_ROUTE);
        struct alert only = alert("MemoryPressureHigh", "x", NULL, NULL);
        EXPECT(&c, &s, &only, T(10, 0, 0), ACTION_SKIPPED, GATE_ALERT_ONLY);
        /* The override wins over a parameter that would also be refused. */
        struct alert traefik = alert("ContainerNotRunning", "x", "service", "traefik");
        EXPECT(&c, &s, &traefik, T(10, 0, 0), ACTION_BLOCKED, GATE_SERVICE_OVERRIDE);
        struct alert by_name = alert("ContainerNotRunning", "x", "name", "prometheus");
        EXPECT(&c, &s, &by_name, T(10, 0, 0), ACTION_BLOCKED, GATE_SERVICE_OVERRIDE);
        /* The unit's own name is the same unit (node_exporter labels units so). */
        struct alert by_unit = alert("ContainerNotRunning", "y", "name", "traefik.service");
        EXPECT(&c, &s, &by_unit, T(10, 0, 0), ACTION_BLOCKED, GATE_SERVICE_OVERRIDE);
        c.service_overrides[1] = "authelia.service";            /* and the list may name it so */
        struct alert listed_as_unit = alert("ContainerNotRunning", "z", "service", "authelia");
        EXPECT(&c, &s, &listed_as_unit, T(10, 0, 0), ACTION_BLOCKED, GATE_SERVICE_OVERRIDE);
        assert_false(gates_same_unit("traefik.socket", "traefik"));
        assert_false(gates_same_unit("traefik2", "traefik"));
        assert_false(gates_same_unit(".service", ""));
        assert_true(gates_same_unit("getty@tty1.service", "getty@tty1"));
        struct alert missing = alert("ContainerNotRunning", "x", NULL, NULL);
        EXPECT(&c, &s, &missing, T(10, 0, 0), ACTION_BLOCKED, GATE_PARAMETER_INVALID);
        struct alert hostile = alert("ContainerNotRunning", "x", "name", "x;rm -rf /");
        EXPECT(&c, &s, &hostile, T(10, 0, 0), ACTION_BLOCKED, GATE_PARAMETER_INVALID);
        assert_int_equal(s.n_keys, 0);          /* none of these reached the idempotency gate */
        assert_int_equal(s.n_execs, 0);

        struct alert warn = alert("SystemDiskSpaceWarning", "x", NULL, NULL);
        EXPECT(&c, &s, &warn, T(10, 0, 0), ACTION_ESCALATE, GATE_CONFIDENCE);
        struct alert mem = alert("ContainerMemoryPressure", "x", "name", "jellyfin");
        EXPECT(&c, &s, &mem, T(10, 0, 0), ACTION_ESCALATE, GATE_CONFIDENCE);
        assert_int_equal(s.n_keys, 2);          /* passing the idempotency gate records the key */
        assert_int_equal(s.n_execs, 0);         /* escalations reserve nothing */
        EXPECT(&c, &s, &warn, T(10, 1, 0), ACTION_BLOCKED, GATE_IDEMPOTENCY);
        state_free(&s);
}

static void confidence_boundary(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert a = alert("ContainerNotRunning", "x", "name", "jellyfin");    /* confidence 90 */
        EXPECT(&c, &s, &a, T(10, 0, 0), ACTION_EXECUTED, GATE_NONE);
        state_free(&s);
        s = (struct state) {};
        c.confidence_threshold = 91;
        EXPECT(&c, &s, &a, T(10, 0, 0), ACTION_ESCALATE, GATE_CONFIDENCE);
        state_free(&s);
}

static void idempotency_keys_never_collide(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert a = alert("SystemDiskSpaceCritical", "a\",\"b", "service", "");
        struct alert b = alert("SystemDiskSpaceCritical", "a", "service", "b");
        struct alert e = alert("SystemDiskSpaceCritical", "a", NULL, NULL);    /* missing = "" */
        struct decision d1, d2, d3;

        c.cooldown_minutes = 0;
        assert_int_equal(gates_decide(&c, &s, &a, T(10, 0, 0), &d1), 0);
        assert_int_equal(gates_decide(&c, &s, &b, T(10, 0, 0), &d2), 0);
        assert_string_not_equal(d1.key, d2.key);
        assert_int_equal(d2.action, ACTION_EXECUTED);
        assert_int_equal(gates_decide(&c, &s, &e, T(10, 0, 1), &d3), 0);
        assert_string_equal(d3.key, "[\"SystemDiskSpaceCritical\",\"a\",\"\"]");
        decision_free(&d1), decision_free(&d2), decision_free(&d3);
        state_free(&s);
}

static void state_stays_bounded(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        char inst[32];

        for (int i = 0; i < 10000; i++) {
                snprintf(inst, sizeof(inst), "host%d", i);
                struct alert a = alert("SystemDiskSpaceCritical", inst, NULL, NULL);
                step(&c, &s, &a, T(10, 0, 0) + i * 7, true, NULL);
        }
        /* Keys live 5 minutes (at most 300/7+1 of them), executions one hour (at most 5). */
        assert_true(s.n_keys <= 300 / 7 + 1);
        assert_true(s.n_execs <= 5);
        /* Running entries of killed instances go once no instance can be that old. */
        int64_t now = T(10, 0, 0) + 10000 * 7;
        state_add_running(&s, 1, now - breaker_trial_lease(&c) - 1, "disk-cleanup", "x", NULL);
        state_add_running(&s, 2, now - breaker_trial_lease(&c), "disk-cleanup", "x", NULL);
        gates_prune(&c, &s, now);
        assert_int_equal(s.n_running, 1);
        assert_int_equal(s.running[0].pid, 2);
        state_free(&s);
}

static void parameters_expand_per_element(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert a = alert("ContainerNotRunning", "x", "name", "jellyfin");
        struct decision d;

        assert_int_equal(gates_decide(&c, &s, &a, T(10, 0, 0), &d), 0);
        assert_int_equal(d.argv.n, 5);
        assert_string_equal(d.argv.v[2], "self-healing-restart");
        assert_string_equal(d.argv.v[3], "--service");
        assert_string_equal(d.argv.v[4], "jellyfin");
        assert_null(d.argv.v[5]);
        decision_free(&d);
        state_free(&s);
}

static void state_round_trips(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {}, back;
        struct alert a = alert("ContainerNotRunning", "x", "name", "jellyfin");

        step(&c, &s, &a, T(10, 0, 0), false, NULL);
        state_counter_add(&s, "x_total{a=\"b\"}", 2);
        char *text = state_format(&s);
        assert_non_null(text);
        assert_int_equal(state_parse(text, strlen(text), &back), 0);
        assert_int_equal(back.n_execs, 1);
        assert_int_equal(back.n_keys, 1);
        assert_int_equal(state_breaker(&back, "self-healing-restart", 0)->failures, 1);
        assert_true(state_counter_get(&back, "x_total{a=\"b\"}") == 2);
        state_free(&back);
        free(text);
        assert_int_equal(state_parse("{\"version\":3}", 13, &back), -EPROTONOSUPPORT);
        assert_int_equal(state_parse("{\"version\":1,\"executions\":[{\"t\":\"x\"}]}", 38, &back), -EBADMSG);
        /* Version 1 (an object per execution) is still read. */
        const char *v1 = "{\"version\":1,\"executions\":[{\"t\":5,\"alert\":\"A\",\"playbook\":\"p\"},"
                         "{\"t\":7,\"alert\":\"B\",\"playbook\":\"p\"}],\"idempotency\":{\"k\":5}}";
        assert_int_equal(state_parse(v1, strlen(v1), &back), 0);
        assert_int_equal(back.n_execs, 2);
        assert_int_equal(state_count_execs(&back, "B", 6), 1);
        assert_int_equal(state_last_exec(&back, "p"), 7);
        text = state_format(&back);
        assert_string_equal(text, "{\"version\":2,\"executions\":{\"p\":{\"A\":[5],\"B\":[7]}},\"breakers\":{},"
                                  "\"idempotency\":{\"k\":5},\"running\":[],\"counters\":{}}");
        free(text);
        state_free(&back);
        /* Version 2: executions grouped by playbook and alert, a number each, in order. */
        struct state g = {};
        state_add_exec(&g, 3, "A", "p2");
        state_add_exec(&g, 1, "B", "p1");
        state_add_exec(&g, 2, "A", "p1");
        state_add_exec(&g, 1, "A", "p2");
        state_add_exec(&g, 1, "A", "p1");
        text = state_format(&g);
        assert_string_equal(text, "{\"version\":2,\"executions\":{\"p1\":{\"A\":[1,2],\"B\":[1]},\"p2\":{\"A\":[1,3]}},"
                                  "\"breakers\":{},\"idempotency\":{},\"running\":[],\"counters\":{}}");
        assert_int_equal(state_parse(text, strlen(text), &back), 0);
        assert_int_equal(back.n_execs, 5);
        assert_int_equal(state_count_execs(&back, "A", 2), 2);
        free(text);
        state_free(&back);
        state_free(&g);
        static const char *const bad[] = {
                "{\"version\":2,\"executions\":[]}",
                "{\"version\":2,\"executions\":{\"p\":[1]}}",
                "{\"version\":2,\"executions\":{\"p\":{\"a\":1}}}",
                "{\"version\":2,\"executions\":{\"p\":{\"a\":[\"1\"]}}}",
                "{\"version\":2,\"executions\":{\"p\":{\"a\":[1e300]}}}",
                /* Found by fuzz_state: nameless items where names are read, unrepresentable numbers. */
                "{\"version\":2,\"idempotency\":[1766570460]}",
                "{\"version\":2,\"breakers\":[{\"failures\":0,\"opened_at\":0,\"trial_until\":0}]}",
                "{\"version\":2,\"counters\":[1]}",
                "{\"version\":2,\"running\":{}}",
                "{\"version\":1,\"executions\":{}}",
                "{\"version\":2,\"idempotency\":{\"k\":17665665705766570500}}",
                "{\"version\":2,\"counters\":{\"c\":1e999}}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
                assert_int_equal(state_parse(bad[i], strlen(bad[i]), &back), -EBADMSG);
        assert_int_equal(state_parse("[1", 2, &back), -EBADMSG);
        state_free(&s);
}

/* state_format() writes JSON by hand: it must be exactly what cJSON prints for the same values
 * (cJSON re-printing it changes nothing), escapes included, and read back to the same state —
 * fractions exactly, where cJSON would print 0.30000000000000004 as 0.3. */
static void state_format_is_what_cjson_prints(void **unused) {
        (void) unused;
        struct state s = {}, back;
        const char *odd = "q\"b\\s\n\t\x01\x1f\xc3\xa9/end";

        assert_int_equal(state_add_exec(&s, 1795844694, odd, "disk-cleanup"), 0);
        assert_int_equal(state_add_exec(&s, 0, "", "x"), 0);
        struct breaker *b = state_breaker(&s, odd, 1);
        b->failures = 3, b->opened_at = 1795844000, b->trial_until = -5;
        assert_int_equal(state_put_key(&s, "[\"a\",\"\\u0000\"]", 1795844694, SIZE_MAX), 0);
        assert_int_equal(state_add_running(&s, 4194304, 1795844694123, "p", odd, NULL), 0);
        state_counter_add(&s, "x_total{a=\"b\"}", 7);
        state_counter_add(&s, "d_seconds_sum", 1.5);

        char *text = state_format(&s);
        assert_non_null(text);
        cJSON *tree = cJSON_Parse(text);
        assert_non_null(tree);
        char *again = cJSON_PrintUnformatted(tree);
        assert_string_equal(text, again);
        free(text);
        state_counter_add(&s, "d_seconds_sum", 0.1 + 0.2 - 1.5);  /* 0.30000000000000004 */
        state_counter_add(&s, "big", 4e15 + 0.5);
        text = state_format(&s);
        assert_non_null(text);
        assert_int_equal(state_parse(text, strlen(text), &back), 0);
        assert_int_equal(back.n_execs, 2);
        assert_string_equal(back.execs[0].alert, odd);
        assert_string_equal(back.running[0].alert, odd);
        assert_int_equal(back.running[0].pid, 4194304);
        assert_int_equal(back.running[0].started, 1795844694123);
        assert_int_equal(state_breaker(&back, odd, 0)->trial_until, -5);
        assert_true(state_counter_get(&back, "d_seconds_sum") == 0.1 + 0.2);
        assert_true(state_counter_get(&back, "big") == 4e15 + 0.5);
        char *third = state_format(&back);
        assert_string_equal(text, third);
        free(third);
        free(again);
        cJSON_Delete(tree);
        free(text);
        state_free(&back);
        state_free(&s);
}

/* The hash index of the idempotency keys, under insertions, updates, evictions at the cap,
 * forgetting and pruning, against the array it indexes: every key held is found where it is,
 * and no other key is. */
static void idempotency_index_agrees_with_the_keys(void **unused) {
        (void) unused;
        struct state s = {};
        uint64_t x = 88172645463325252u;        /* xorshift: the same sequence every run */
        char key[32];

        for (int step = 0; step < 20000; step++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                snprintf(key, sizeof(key), "[\"k%u\"]", (unsigned) (x % 3000));
                switch (x >> 60) {
                case 0: case 1:
                        (void) state_forget_key(&s, key);
                        break;
                case 2:
                        if (step % 97 == 0)
                                state_prune(&s, step, 1000000, 2000);
                        break;
                default:
                        assert_int_equal(state_put_key(&s, key, step, 1024), 0);
                }
                assert_true(s.n_keys <= 1024);
                if (step % 1000 == 999 || step == 19999) {
                        for (size_t i = 0; i < s.n_keys; i++)
                                assert_ptr_equal(state_key(&s, s.keys[i].key), &s.keys[i]);
                        for (unsigned k = 0; k < 3000; k++) {
                                snprintf(key, sizeof(key), "[\"k%u\"]", k);
                                struct idem_key *found = state_key(&s, key);
                                size_t held = 0;
                                for (size_t i = 0; i < s.n_keys; i++)
                                        held += strcmp(s.keys[i].key, key) == 0;
                                assert_int_equal(held, found != NULL);
                        }
                }
        }
        assert_true(s.n_keys > 100);
        state_free(&s);
}

/* Long names over many executions: one copy of each name, however many executions share it (a
 * file cannot make two bytes stand for megabytes); and a count this program writes itself stays
 * within what state_parse() reads. */
static void state_bounds_hold(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {}, back;
        size_t n = 2200, len = 4000;
        char *text = malloc(64 + 2 * len + 2 * n);

        assert_non_null(text);
        size_t o = (size_t) sprintf(text, "{\"version\":2,\"executions\":{\"%0*d\":{\"%0*d\":[",
                                    (int) len, 0, (int) len, 0);
        for (size_t i = 0; i < n; i++)
                o += (size_t) sprintf(text + o, i ? ",0" : "0");
        strcpy(text + o, "]}}}");
        assert_int_equal(state_parse(text, strlen(text), &back), 0);
        assert_int_equal(back.n_execs, n);
        assert_int_equal(back.n_names, 2);
        assert_ptr_equal(back.execs[0].alert, back.execs[n - 1].alert);
        assert_ptr_equal(back.execs[0].playbook, back.execs[n - 1].playbook);
        assert_int_equal(strlen(back.execs[n - 1].alert), len);
        state_free(&back);
        free(text);

        state_breaker(&s, "self-healing-restart", 1)->failures = STATE_MAX_FAILURES;
        gates_record_outcome(&c, &s, "self-healing-restart", false, false, T(10, 0, 0));
        assert_int_equal(state_breaker(&s, "self-healing-restart", 0)->failures, STATE_MAX_FAILURES);
        text = state_format(&s);
        assert_int_equal(state_parse(text, strlen(text), &back), 0);
        free(text);
        state_free(&back);
        state_free(&s);
}

static void explain_reports_every_gate_and_changes_nothing(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert a = alert("ContainerNotRunning", "x", "name", "jellyfin");
        struct alert other = alert("ContainerNotRunning", "y", "name", "jellyfin");
        struct gate_verdict v[_GATE_MAX];
        struct decision d;

        c.max_executions_per_alert = 10;
        for (int i = 0; i < 3; i++)
                step(&c, &s, &a, T(10, 15 * i, 0), false, NULL);       /* breaker opens at 10:30 */
        gates_prune(&c, &s, T(10, 40, 0));                      /* explaining prunes, nothing more */
        size_t n_keys = s.n_keys, n_execs = s.n_execs;
        size_t n = (size_t) gates_evaluate(&c, &s, &other, T(10, 40, 0), &d, v);
        assert_int_equal(n, _GATE_MAX - 1);
        assert_int_equal(s.n_keys, n_keys);
        assert_int_equal(s.n_execs, n_execs);
        int stopped = 0;
        for (size_t i = 0; i < n; i++) {
                stopped += v[i].action != ACTION_NONE;
                if (v[i].gate == GATE_COOLDOWN || v[i].gate == GATE_CIRCUIT_OPEN)
                        assert_int_equal(v[i].action, ACTION_BLOCKED);
        }
        assert_int_equal(stopped, 2);
        assert_int_equal(d.gate, GATE_COOLDOWN);          /* the first that stops decides */
        assert_int_equal(d.action, ACTION_BLOCKED);
        decision_free(&d);
        /* And it agrees with the real decision. */
        struct decision real;
        assert_int_equal(gates_decide(&c, &s, &other, T(10, 40, 0), &real), 0);
        assert_int_equal(real.gate, GATE_COOLDOWN);
        decision_free(&real);
        state_free(&s);
}

static void clock_stepping_back(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert a = alert("SystemDiskSpaceCritical", "a", NULL, NULL);
        struct alert b = alert("SystemDiskSpaceCritical", "b", NULL, NULL);

        /* Switched off (0) stays off when the clock steps back a second. */
        c.cooldown_minutes = 0, c.idempotency_window_minutes = 0;
        EXPECT(&c, &s, &a, T(10, 0, 1), ACTION_EXECUTED, GATE_NONE);
        EXPECT(&c, &s, &a, T(10, 0, 0), ACTION_EXECUTED, GATE_NONE);
        state_free(&s);
        /* Switched on, an execution "in the future" still blocks: the safe side. */
        s = (struct state) {};
        c.cooldown_minutes = 15;
        EXPECT(&c, &s, &a, T(10, 0, 1), ACTION_EXECUTED, GATE_NONE);
        EXPECT(&c, &s, &b, T(10, 0, 0), ACTION_BLOCKED, GATE_COOLDOWN);
        state_free(&s);
}


/* ---- the gates are pure; the plan says what deciding reserves ---- */

/* Evaluates a at now and asserts the state is byte for byte what it was. */
static void evaluate_pure(const struct config *c, struct state *s, const struct alert *a, int64_t now,
                          struct decision *d) {
        char *before = state_format(s);
        struct gate_verdict v[_GATE_MAX];
        struct decision all;

        assert_non_null(before);
        assert_int_equal(gates_evaluate(c, s, a, now, d, NULL), 0);
        assert_int_equal(gates_evaluate(c, s, a, now, &all, v), _GATE_MAX - 1);
        char *after = state_format(s);
        assert_string_equal(before, after);
        /* Every verdict or the first stop only: the same decision and the same plan. */
        assert_int_equal(all.action, d->action);
        assert_int_equal(all.gate, d->gate);
        assert_string_equal(all.reason, d->reason);
        assert_memory_equal(&all.plan, &d->plan, sizeof(all.plan));
        decision_free(&all);
        free(before), free(after);
}

static void evaluate_changes_nothing_and_plans_the_reservation(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert disk = alert("SystemDiskSpaceCritical", "a", NULL, NULL);
        struct alert traefik = alert("ContainerNotRunning", "a", "name", "traefik");
        struct decision d;

        /* Executes: key, slot, no trial. */
        evaluate_pure(&c, &s, &disk, T(10, 0, 0), &d);
        assert_int_equal(d.action, ACTION_EXECUTED);
        assert_true(d.plan.record_key && d.plan.reserve && !d.plan.trial);
        assert_int_equal(d.plan.at, T(10, 0, 0));
        assert_int_equal(s.n_keys, 0);
        assert_int_equal(s.n_execs, 0);
        assert_int_equal(gates_apply(&c, &s, &disk, &d), 0);
        assert_int_equal(s.n_keys, 1);
        assert_int_equal(s.n_execs, 1);
        decision_free(&d);

        /* Stopped after the idempotency gate (cooldown): the key is still recorded, no slot. */
        struct alert other = alert("SystemDiskSpaceCritical", "b", NULL, NULL);
        evaluate_pure(&c, &s, &other, T(10, 6, 0), &d);
        assert_int_equal(d.gate, GATE_COOLDOWN);
        assert_true(d.plan.record_key && !d.plan.reserve && !d.plan.trial);
        decision_free(&d);

        /* Stopped before it (service override): nothing at all. */
        evaluate_pure(&c, &s, &traefik, T(10, 6, 0), &d);
        assert_int_equal(d.gate, GATE_SERVICE_OVERRIDE);
        assert_false(d.plan.record_key || d.plan.reserve || d.plan.trial);
        decision_free(&d);

        /* Half-open: the plan takes the trial, and applying it blocks the next one. */
        struct breaker *b = state_breaker(&s, "disk-cleanup", 1);
        b->failures = 3, b->opened_at = T(9, 0, 0);
        evaluate_pure(&c, &s, &other, T(11, 0, 1), &d);
        assert_int_equal(d.action, ACTION_EXECUTED);
        assert_true(d.plan.trial && d.trial);
        assert_int_equal(b->trial_until, 0);
        assert_int_equal(gates_apply(&c, &s, &other, &d), 0);
        assert_int_equal(state_find_breaker(&s, "disk-cleanup")->trial_until,
                         T(11, 0, 1) + breaker_trial_lease(&c));
        decision_free(&d);
        struct alert third = alert("SystemDiskSpaceCritical", "c", NULL, NULL);
        struct gate_verdict v[_GATE_MAX];
        assert_int_equal(gates_evaluate(&c, &s, &third, T(11, 3, 0), &d, v), _GATE_MAX - 1);
        assert_int_equal(d.gate, GATE_COOLDOWN);                /* the first stop decides */
        assert_int_equal(v[GATE_CIRCUIT_OPEN - 1].gate, GATE_CIRCUIT_OPEN);
        assert_int_equal(v[GATE_CIRCUIT_OPEN - 1].action, ACTION_BLOCKED);
        assert_non_null(strstr(v[GATE_CIRCUIT_OPEN - 1].reason, "a trial execution is running"));
        decision_free(&d);
        state_free(&s);
}

static void undecided_is_zero(void **unused) {
        (void) unused;
        struct decision *d = calloc(1, sizeof(*d));

        assert_non_null(d);
        assert_int_equal(d->action, ACTION_NONE);
        assert_int_not_equal(d->action, ACTION_EXECUTED);
        assert_string_equal(action_name(d->action), "");
        assert_false(d->plan.reserve);
        free(d);
}

/* Every word of the log reads back as the value that wrote it, and no word is spelled twice. */
static void vocabulary_round_trips(void **unused) {
        (void) unused;
        for (int a = ACTION_NONE + 1; a < _ACTION_MAX; a++)
                assert_int_equal(action_from_name(action_name(a)), a);
        for (int g = GATE_NONE + 1; g < _GATE_MAX; g++)
                assert_int_equal(gate_from_name(gate_name(g)), g);
        for (int r = RESULT_RUNNING + 1; r < _RESULT_MAX; r++)
                assert_int_equal(result_from_name(result_name(r)), r);
        for (int o = SOURCE_NONE + 1; o < _SOURCE_MAX; o++)
                assert_int_equal(source_from_name(source_name(o)), o);
        assert_int_equal(action_from_name("reset-breaker"), ACTION_NONE);
        assert_int_equal(action_from_name(""), ACTION_NONE);
        assert_int_equal(action_from_name(NULL), ACTION_NONE);
        assert_true(result_is_failure(RESULT_SPAWN_FAILED) && result_is_failure(RESULT_TIMEOUT));
        assert_false(result_is_failure(RESULT_ABORTED) || result_is_failure(RESULT_SUCCESS));
}

/* The breaker's transitions, one event at a time. */
static void breaker_machine(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct breaker b = { .playbook = "p" };
        int64_t t = T(10, 0, 0), reset = (int64_t) c.reset_timeout_minutes * 60;

        assert_int_equal(breaker_state(&c, NULL, t), BREAKER_CLOSED);
        assert_false(breaker_apply(&c, &b, BREAKER_FAILED, false, t));
        assert_false(breaker_apply(&c, &b, BREAKER_ABORTED, false, t));         /* not a failure */
        assert_int_equal(b.failures, 1);
        assert_false(breaker_apply(&c, &b, BREAKER_FAILED, false, t));
        assert_true(breaker_apply(&c, &b, BREAKER_FAILED, false, t + 1));       /* third: opens */
        assert_int_equal(breaker_state(&c, &b, t + reset), BREAKER_OPEN);
        assert_int_equal(breaker_state(&c, &b, t + 1 + reset), BREAKER_HALF_OPEN);
        assert_false(breaker_apply(&c, &b, BREAKER_FAILED, false, t + 2));      /* open already */
        breaker_apply(&c, &b, BREAKER_TRIAL, false, t + 1 + reset);
        assert_int_equal(b.trial_until, t + 1 + reset + breaker_trial_lease(&c));
        assert_false(breaker_apply(&c, &b, BREAKER_ABORTED, true, t + 2 + reset));  /* trial freed */
        assert_int_equal(b.trial_until, 0);
        assert_int_equal(breaker_state(&c, &b, t + 2 + reset), BREAKER_HALF_OPEN);
        breaker_apply(&c, &b, BREAKER_TRIAL, false, t + 3 + reset);
        assert_true(breaker_apply(&c, &b, BREAKER_FAILED, true, t + 4 + reset));    /* trial failed */
        assert_int_equal(breaker_state(&c, &b, t + 5 + reset), BREAKER_OPEN);
        breaker_apply(&c, &b, BREAKER_RESET, false, t + 6 + reset);
        assert_int_equal(breaker_state(&c, &b, t + 6 + reset), BREAKER_CLOSED);
        assert_int_equal(b.failures, 0);
        assert_int_equal(b.trial_until, 0);
        b.failures = STATE_MAX_FAILURES;                                        /* saturates */
        breaker_apply(&c, &b, BREAKER_FAILED, false, t);
        assert_int_equal(b.failures, STATE_MAX_FAILURES);
}

/* ---- an operator's pause ---- */

static void pause_holds_back_and_ends_by_itself(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert disk = alert("SystemDiskSpaceCritical", "a", NULL, NULL);
        struct alert crowd = alert("CrowdSecDown", "a", NULL, NULL);
        struct alert traefik = alert("ContainerNotRunning", "a", "name", "traefik");
        struct alert unrouted = alert("NoSuchAlert", "a", NULL, NULL);
        struct alert only = alert("MemoryPressureHigh", "a", NULL, NULL);
        struct alert resolved = disk;
        struct decision d;

        resolved.firing = false;
        assert_int_equal(state_put_pause(&s, "", T(10, 0, 0), T(12, 0, 0), "alice", "All playbooks paused"), 0);
        /* After resolved and routing, before the others (a protected service is held as paused). */
        EXPECT(&c, &s, &resolved, T(10, 5, 0), ACTION_SKIPPED, GATE_RESOLVED);
        EXPECT(&c, &s, &unrouted, T(10, 5, 0), ACTION_SKIPPED, GATE_NO_ROUTE);
        EXPECT(&c, &s, &only, T(10, 5, 0), ACTION_SKIPPED, GATE_ALERT_ONLY);
        EXPECT(&c, &s, &traefik, T(10, 5, 0), ACTION_BLOCKED, GATE_PAUSED);
        /* Held back, nothing reserved: no key, no slot, so it runs at once when the pause ends. */
        evaluate_pure(&c, &s, &disk, T(11, 59, 59), &d);
        assert_int_equal(d.gate, GATE_PAUSED);
        assert_string_equal(d.reason, "All playbooks paused");
        assert_false(d.plan.record_key || d.plan.reserve || d.plan.trial);
        decision_free(&d);
        EXPECT(&c, &s, &disk, T(11, 59, 59), ACTION_BLOCKED, GATE_PAUSED);
        EXPECT(&c, &s, &disk, T(12, 0, 0), ACTION_EXECUTED, GATE_NONE);     /* ends at its until */
        assert_int_equal(s.n_pauses, 0);                                  /* pruned */

        /* One playbook's pause holds only its alerts, until resumed. */
        assert_int_equal(state_put_pause(&s, "self-healing-restart", T(13, 0, 0), 0, "bob", "held"), 0);
        EXPECT(&c, &s, &crowd, T(13, 0, 0), ACTION_BLOCKED, GATE_PAUSED);
        EXPECT(&c, &s, &disk, T(13, 0, 0), ACTION_EXECUTED, GATE_NONE);
        EXPECT(&c, &s, &crowd, T(23, 0, 0), ACTION_BLOCKED, GATE_PAUSED);
        /* Paused again: replaced, not added; the state file keeps it. */
        assert_int_equal(state_put_pause(&s, "self-healing-restart", T(23, 0, 0), 0, "carol", "still held"), 0);
        assert_int_equal(s.n_pauses, 1);
        char *text = state_format(&s);
        struct state back = {};
        assert_int_equal(state_parse(text, strlen(text), &back), 0);
        const struct pause *p = state_find_pause(&back, "self-healing-restart", T(23, 0, 0));
        assert_non_null(p);
        assert_string_equal(p->by, "carol");
        assert_string_equal(p->reason, "still held");
        assert_int_equal(p->until, 0);
        assert_null(state_find_pause(&back, "", T(23, 0, 0)));
        free(text);
        state_free(&back);
        assert_int_equal(state_remove_pause(&s, "self-healing-restart"), 0);
        assert_int_equal(state_remove_pause(&s, "self-healing-restart"), -ENOENT);
        EXPECT(&c, &s, &crowd, T(23, 0, 1), ACTION_EXECUTED, GATE_NONE);
        /* Bounded: one per playbook and one for all. */
        for (int i = 0; i < STATE_MAX_PAUSES; i++) {
                char name[16];
                snprintf(name, sizeof(name), "p%d", i);
                assert_int_equal(state_put_pause(&s, name, 1, 0, "x", "y"), 0);
        }
        assert_int_equal(state_put_pause(&s, "one-more", 1, 0, "x", "y"), -E2BIG);
        state_free(&s);
}

/* ---- shadow routes ---- */

static void shadow_route_decides_and_reserves_nothing(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct route shadow_routes[sizeof(routes) / sizeof(routes[0])];
        struct alert a = alert("ContainerNotRunning", "x", "name", "jellyfin");
        struct alert traefik = alert("ContainerNotRunning", "x", "name", "traefik");
        struct alert resolved = a;
        struct decision d;

        memcpy(shadow_routes, routes, sizeof(routes));
        for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
                shadow_routes[i].mode = "shadow";
        c.routes = shadow_routes;
        resolved.firing = false;

        /* Would execute: the argv it would have run, and nothing reserved, not even the key. */
        evaluate_pure(&c, &s, &a, T(10, 0, 0), &d);
        assert_int_equal(d.action, ACTION_SHADOW);
        assert_int_equal(d.gate, GATE_NONE);
        assert_string_equal(d.reason, "Shadow route: would have executed (All gates passed)");
        assert_int_equal(d.argv.n, 5);
        assert_string_equal(d.argv.v[4], "jellyfin");
        assert_false(d.plan.record_key || d.plan.reserve || d.plan.trial);
        decision_free(&d);
        for (int i = 0; i < 3; i++)            /* again and again: no key, no slot, no cooldown */
                EXPECT(&c, &s, &a, T(10, 0, i), ACTION_SHADOW, GATE_NONE);
        assert_int_equal(s.n_keys + s.n_execs + s.n_breakers, 0);
        /* Would be stopped: by the gate that would have stopped it. */
        evaluate_pure(&c, &s, &traefik, T(10, 1, 0), &d);
        assert_int_equal(d.action, ACTION_SHADOW);
        assert_int_equal(d.gate, GATE_SERVICE_OVERRIDE);
        assert_string_equal(d.reason, "Shadow route: would have been blocked by service_override: "
                                      "Service traefik in override list");
        decision_free(&d);
        struct alert pressure = alert("ContainerMemoryPressure", "x", "name", "jellyfin");
        evaluate_pure(&c, &s, &pressure, T(10, 1, 0), &d);
        assert_int_equal(d.gate, GATE_CONFIDENCE);
        assert_non_null(strstr(d.reason, "would have been escalated by confidence"));
        decision_free(&d);
        /* Before routing, a shadow route is no different. */
        EXPECT(&c, &s, &resolved, T(10, 2, 0), ACTION_SKIPPED, GATE_RESOLVED);

        /* Switched back to live, the same alert executes at once. */
        c.routes = routes;
        EXPECT(&c, &s, &a, T(10, 2, 0), ACTION_EXECUTED, GATE_NONE);
        /* And a shadow route sees the live state: the cooldown the live run started. */
        c.routes = shadow_routes;
        struct alert crowd = alert("CrowdSecDown", "x", NULL, NULL);
        EXPECT(&c, &s, &crowd, T(10, 3, 0), ACTION_SHADOW, GATE_COOLDOWN);
        state_free(&s);
}

/* ---- approvals: an escalation held for an operator ---- */

static void escalation_is_held_once_and_approved_through_the_gates(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state s = {};
        struct alert a = alert("ContainerMemoryPressure", "x", "name", "jellyfin");
        struct alert other = alert("ContainerMemoryPressure", "y", "name", "sonarr");
        struct decision d, approved;

        routes[3].approval_minutes = 60;
        /* Held as a new approval: its id, its expiry, the argv it runs; the key recorded too. */
        evaluate_pure(&c, &s, &a, T(10, 0, 0), &d);
        assert_int_equal(d.action, ACTION_ESCALATE);
        assert_int_equal(d.gate, GATE_CONFIDENCE);
        assert_string_equal(d.pending_id, "1766570400-1");
        assert_int_equal(d.pending_expires, T(11, 0, 0));
        assert_true(d.plan.pending && d.plan.record_key && !d.plan.reserve);
        assert_non_null(strstr(d.reason, "; awaiting approval 1766570400-1 until 2025-12-24 11:00:00 UTC"));
        assert_int_equal(gates_apply(&c, &s, &a, &d), 0);
        decision_free(&d);
        const struct pending *p = state_find_pending(&s, "1766570400-1");
        assert_non_null(p);
        assert_int_equal(p->n_argv, 5);
        assert_string_equal(p->argv[4], "jellyfin");
        assert_string_equal(p->labels[5], "jellyfin");
        /* Another alert of the same second: the next id. */
        assert_int_equal(gates_decide(&c, &s, &other, T(10, 0, 0), &d), 0);
        assert_string_equal(d.pending_id, "1766570400-2");
        decision_free(&d);
        /* A second firing (after the idempotency window) is the same approval: nothing added. */
        assert_int_equal(gates_decide(&c, &s, &a, T(10, 6, 0), &d), 0);
        assert_string_equal(d.pending_id, "1766570400-1");
        assert_false(d.plan.pending);
        decision_free(&d);
        assert_int_equal(s.n_pending, 2);

        /* Approved: idempotency and confidence pass, the other gates still apply. */
        p = state_find_pending(&s, "1766570400-1");             /* the array has grown */
        struct argv_list argv = {};
        for (size_t i = 0; i < p->n_argv; i++)
                argv.v[argv.n++] = p->argv[i];
        struct gate_verdict v[_GATE_MAX];
        assert_int_equal(gates_evaluate_approval(&c, &s, &a, &argv, T(10, 7, 0), &approved, v), _GATE_MAX - 1);
        assert_int_equal(approved.action, ACTION_EXECUTED);
        assert_true(approved.plan.reserve && !approved.plan.record_key && !approved.plan.pending);
        assert_int_equal(gates_apply(&c, &s, &a, &approved), 0);
        decision_free(&approved);
        assert_int_equal(gates_evaluate_approval(&c, &s, &a, &argv, T(10, 8, 0), &approved, NULL), 0);
        assert_int_equal(approved.gate, GATE_COOLDOWN);         /* the first run started it */
        decision_free(&approved);
        /* The config now expands other arguments: not what was approved. */
        struct alert renamed = alert("ContainerMemoryPressure", "x", "name", "radarr");
        assert_int_equal(gates_evaluate_approval(&c, &s, &renamed, &argv, T(12, 0, 0), &approved, NULL), 0);
        assert_int_equal(approved.gate, GATE_PARAMETER_INVALID);
        assert_string_equal(approved.reason, "The config now runs other arguments than those approved");
        decision_free(&approved);

        /* Expired: a new firing is held anew; an hour after its expiry an entry is dropped. */
        assert_int_equal(gates_decide(&c, &s, &a, T(11, 0, 0), &d), 0);
        assert_string_equal(d.pending_id, "1766574000-1");
        decision_free(&d);
        assert_int_equal(s.n_pending, 3);
        gates_prune(&c, &s, T(12, 0, 0));
        assert_int_equal(s.n_pending, 1);

        /* approval_minutes 0: an escalation as ever. */
        routes[3].approval_minutes = 0;
        assert_int_equal(gates_decide(&c, &s, &other, T(13, 0, 0), &d), 0);
        assert_int_equal(d.action, ACTION_ESCALATE);
        assert_string_equal(d.pending_id, "");
        assert_string_equal(d.reason, "Confidence 75% (threshold: 90%) or manual confirmation required");
        decision_free(&d);
        routes[3].approval_minutes = 60;
        /* Labels that the log would not hold exactly: no approval, the reason says why. */
        struct alert odd = alert("ContainerMemoryPressure", "x\xff", "name", "lidarr");
        assert_int_equal(gates_decide(&c, &s, &odd, T(13, 0, 0), &d), 0);
        assert_string_equal(d.pending_id, "");
        assert_non_null(strstr(d.reason, "(no approval: its labels are too long or not UTF-8 to hold)"));
        decision_free(&d);
        /* Bounded: with APPROVAL_MAX_PENDING open, the next stays an escalation. */
        for (int i = 0; s.n_pending < APPROVAL_MAX_PENDING; i++) {
                char name[16];
                snprintf(name, sizeof(name), "svc%d", i);
                struct alert x = alert("ContainerMemoryPressure", name, "name", name);
                assert_int_equal(gates_decide(&c, &s, &x, T(14, 0, 0), &d), 0);
                assert_true(d.pending_id[0]);
                decision_free(&d);
        }
        struct alert last = alert("ContainerMemoryPressure", "last", "name", "last");
        assert_int_equal(gates_decide(&c, &s, &last, T(14, 0, 1), &d), 0);
        assert_string_equal(d.pending_id, "");
        assert_non_null(strstr(d.reason, "too many await one"));
        decision_free(&d);
        /* The state file keeps them, answers and all. */
        assert_int_equal(state_close_pending(state_pending(&s, s.pending[0].id), ACTION_DENY, "bob", T(14, 1, 0)), 0);
        char *text = state_format(&s);
        struct state back = {};
        assert_int_equal(state_parse(text, strlen(text), &back), 0);
        char *again = state_format(&back);
        assert_string_equal(text, again);
        assert_int_equal(back.n_pending, APPROVAL_MAX_PENDING);
        assert_int_equal(back.pending[0].closed, ACTION_DENY);
        assert_string_equal(back.pending[0].by, "bob");
        free(text), free(again);
        state_free(&back);
        state_free(&s);
        routes[3].approval_minutes = 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(seed_rate_limit_timeline),
                cmocka_unit_test(seed_idempotency_timeline),
                cmocka_unit_test(seed_circuit_timeline),
                cmocka_unit_test(half_open_allows_exactly_one_trial),
                cmocka_unit_test(boundaries_to_the_second),
                cmocka_unit_test(global_limit_counts_every_alert),
                cmocka_unit_test(order_and_skips),
                cmocka_unit_test(confidence_boundary),
                cmocka_unit_test(idempotency_keys_never_collide),
                cmocka_unit_test(state_stays_bounded),
                cmocka_unit_test(parameters_expand_per_element),
                cmocka_unit_test(state_round_trips),
                cmocka_unit_test(state_format_is_what_cjson_prints),
                cmocka_unit_test(idempotency_index_agrees_with_the_keys),
                cmocka_unit_test(state_bounds_hold),
                cmocka_unit_test(explain_reports_every_gate_and_changes_nothing),
                cmocka_unit_test(clock_stepping_back),
                cmocka_unit_test(evaluate_changes_nothing_and_plans_the_reservation),
                cmocka_unit_test(undecided_is_zero),
                cmocka_unit_test(vocabulary_round_trips),
                cmocka_unit_test(breaker_machine),
                cmocka_unit_test(pause_holds_back_and_ends_by_itself),
                cmocka_unit_test(shadow_route_decides_and_reserves_nothing),
                cmocka_unit_test(escalation_is_held_once_and_approved_through_the_gates),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
