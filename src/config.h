/* The routing file: webhook-routing.yml (see remediation-webhook-routing(5)). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "bounds.h"

struct route {
        char *alertname;
        char *playbook;                 /* NULL for `playbook: none` (alert only) */
        int confidence;                 /* 0..100 */
        char *priority;                 /* low|medium|high|critical, or NULL */
        bool requires_confirmation;
        char *parameters[CONFIG_MAX_LIST];
        size_t n_parameters;
        int manual_mttr_minutes;        /* 0 when not set */
        char *mode;                     /* "live" or "shadow"; NULL: live */
        int approval_minutes;           /* an escalation awaits an operator this long; 0: none */
        int verify_minutes;             /* an execution awaits its verdict this long; 0: none */
        bool ineffective_opens_breaker; /* an `ineffective` verdict counts as a failure */
};

struct config {
        char *path;                     /* as given; a relative auth_token_file is looked up in
                                         * $CREDENTIALS_DIRECTORY, then beside this file */

        int max_executions_per_hour;
        int max_executions_per_alert;
        int cooldown_minutes;

        int idempotency_window_minutes;
        char *key_fields[CONFIG_MAX_LIST];
        size_t n_key_fields;

        char *bind_address;             /* informational */
        int port;                       /* informational */
        char *auth_token_file;          /* NULL: no auth */

        int failure_threshold;
        int reset_timeout_minutes;

        int confidence_threshold;

        char *executor[CONFIG_MAX_LIST];
        size_t n_executor;
        char *playbook_units;           /* "system" or "user": each run is a unit of that manager;
                                         * NULL: the executor argv is run directly */
        int playbook_timeout_seconds;
        int response_deadline_seconds;

        /* optional, with defaults from bounds.h */
        size_t max_body_bytes;
        int read_timeout_seconds;
        char *metrics_textfile;         /* NULL: none */
        /* remediationctl verify asks this Alertmanager (http(s)://host[:port][/prefix]) about the
         * executions awaiting a verdict; NULL: verdicts are passive only */
        char *alertmanager_url;
        char *alertmanager_credentials_file;    /* a bearer token for it; NULL: none. Relative: as
                                                 * auth_token_file */
        int alertmanager_timeout_seconds;       /* one ask, connecting included */
        int alertmanager_min_uptime_seconds;    /* a younger Alertmanager's answers are not used */

        char *service_overrides[CONFIG_MAX_OVERRIDES];
        size_t n_service_overrides;
        char *override_labels[CONFIG_MAX_LIST];
        size_t n_override_labels;

        struct route *routes;
        size_t n_routes;
};

struct config_error {
        int line;                       /* 1-based; 0 when not about a place in the file */
        int column;                     /* 1-based */
        char message[256];
};

/* 0, or -EINVAL with *err filled (line/column of the offending node), or another -errno when the
 * file cannot be read. *ret is untouched on failure. */
int config_load(const char *path, struct config *ret, struct config_error *err);
/* The same from memory; `path` is only remembered (for auth_token_file). */
int config_parse(const char *text, size_t len, const char *path, struct config *ret,
                 struct config_error *err);
void config_free(struct config *c);

const struct route *config_find_route(const struct config *c, const char *alertname);
/* Whether the route goes through every gate but never executes (mode: shadow). */
bool config_route_shadow(const struct route *r);
