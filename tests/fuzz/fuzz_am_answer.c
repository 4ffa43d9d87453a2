/* libFuzzer harness for the parsers of Alertmanager's answers (verify.c): GET /api/v2/alerts
 * (verify_parse_am_alerts) and GET /api/v2/status (verify_parse_am_status). The input is one
 * answer body, as remediationctl verify gets it (any bytes, up to the client's bound). What is
 * accepted must be what the parser promises: 16 lower-case hex digits per fingerprint, sorted,
 * each found again by verify_am_has(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bounds.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char (*fps)[17] = NULL;
        size_t n = 0;
        int64_t ms;

        if (size > AM_MAX_ANSWER_BYTES)
                return 0;
        if (verify_parse_am_alerts((const char *) data, size, &fps, &n) == 0) {
                for (size_t i = 0; i < n; i++) {
                        if (strlen(fps[i]) != 16 || strspn(fps[i], "0123456789abcdef") != 16)
                                abort();
                        if (i > 0 && strcmp(fps[i - 1], fps[i]) > 0)
                                abort();
                        if (!verify_am_has(fps, n, fps[i]))
                                abort();
                }
                free(fps);
        }
        (void) verify_parse_am_status((const char *) data, size, &ms);
        return 0;
}
