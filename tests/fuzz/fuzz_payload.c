/* libFuzzer harness for payload_parse(): the input is a webhook body. It is copied into a buffer of
 * exactly its size (payload_parse takes a length and need not see a NUL), so ASan catches a read
 * one byte past the end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_kv(const struct alert *a, const struct kv *kv, size_t n, bool labels) {
        if (n > PAYLOAD_MAX_LABELS)
                abort();
        for (size_t i = 0; i < n; i++) {
                size_t nl = strlen(kv[i].name), vl = strlen(kv[i].value);
                if (nl == 0 || nl > PAYLOAD_MAX_NAME || vl > PAYLOAD_MAX_VALUE)
                        abort();
                /* Names are unique, so the lookup finds exactly this entry. */
                const char *v = labels ? alert_label(a, kv[i].name) : alert_annotation(a, kv[i].name);
                if (v != kv[i].value)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *body = malloc(size ? size : 1);
        struct payload p;
        char why[256];

        if (!body)
                return 0;
        memcpy(body, data, size);
        why[0] = '\0';
        int r = payload_parse(body, size, &p, why, sizeof(why));
        if (r != 0) {
                if ((r != 400 && r != 503) || why[0] == '\0' || strnlen(why, sizeof(why)) >= sizeof(why))
                        abort();
                free(body);
                return 0;
        }
        if (p.n_alerts > PAYLOAD_MAX_ALERTS || (p.n_alerts > 0 && !p.alerts))
                abort();
        (void) strlen(p.receiver);
        (void) strlen(p.status);
        (void) strlen(p.group_key);
        (void) strlen(p.external_url);
        for (size_t i = 0; i < p.n_alerts; i++) {
                const struct alert *a = &p.alerts[i];
                (void) strlen(a->fingerprint);
                (void) strlen(a->starts_at);
                (void) strlen(a->ends_at);
                (void) strlen(a->generator_url);
                check_kv(a, a->labels, a->n_labels, true);
                check_kv(a, a->annotations, a->n_annotations, false);
                /* An invalid alert says why in plain text; its name may be one of the labels it
                 * could not keep, but never longer than a value may be. */
                size_t n = strnlen(a->invalid, sizeof(a->invalid));
                if (n >= sizeof(a->invalid) || strlen(a->alertname) > PAYLOAD_MAX_VALUE ||
                    strlen(a->fingerprint) > 64)
                        abort();
                for (size_t k = 0; k < n; k++)
                        if (a->invalid[k] < 0x20 || a->invalid[k] > 0x7e)
                                abort();
                const char *name = alert_label(a, "alertname");
                if (n == 0 && strcmp(a->alertname, name ? name : "") != 0)
                        abort();
                (void) alert_label(a, "instance");
                (void) alert_label(a, "");
                (void) alert_annotation(a, "summary");
        }
        payload_free(&p);
        if (p.root || p.alerts || p.n_alerts)
                abort();
        free(body);
        return 0;
}
