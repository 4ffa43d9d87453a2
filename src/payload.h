/* Alertmanager's webhook payload (version 4): the parts a decision needs, as views into the JSON. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "bounds.h"

struct cJSON;

struct kv {
        const char *name;
        const char *value;
};

struct alert {
        /* Not "" when this alert alone is malformed (a label too long, a value not a string...):
         * it is decided as blocked by the gate alert_invalid, and the rest of the group goes on. */
        char invalid[PAYLOAD_INVALID_REASON];
        bool firing;                    /* status "firing"; else "resolved" */
        const char *alertname;          /* labels.alertname, or "" */
        const char *fingerprint;        /* "" when absent (the seed's mock) */
        const char *starts_at, *ends_at, *generator_url;    /* "" when absent */
        struct kv labels[PAYLOAD_MAX_LABELS];
        size_t n_labels;
        struct kv annotations[PAYLOAD_MAX_LABELS];
        size_t n_annotations;
};

struct payload {
        struct cJSON *root;             /* owns every string above */
        const char *receiver, *status, *group_key, *external_url;
        long truncated_alerts;
        struct alert *alerts;
        size_t n_alerts;
};

/* Parses body (modified in place: a \u0000 escape becomes \uFFFD, see payload.c). Returns 0 (each
 * alert then valid or marked invalid), 400 with a sentence in why when the request itself is bad,
 * or 503 when out of memory. ret is untouched on failure. */
int payload_parse(char *body, size_t len, struct payload *ret, char *why, size_t why_size);
void payload_free(struct payload *p);

/* The value of a label or annotation, or NULL. */
const char *alert_label(const struct alert *a, const char *name);
const char *alert_annotation(const struct alert *a, const char *name);
