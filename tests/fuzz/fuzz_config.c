/* libFuzzer harness for config_parse(): the input is a webhook-routing.yml. It is copied into a
 * buffer of exactly its size (config_parse takes a length), so ASan catches a read past the end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = malloc(size ? size : 1);
        struct config c;
        struct config_error err;

        if (!text)
                return 0;
        memcpy(text, data, size);
        int r = config_parse(text, size, "fuzz.yml", &c, &err);
        free(text);                     /* the config must own copies of everything it keeps */
        if (r < 0) {
                if (strnlen(err.message, sizeof(err.message)) >= sizeof(err.message) ||
                    err.message[0] == '\0' || err.line < 0 || err.column < 0)
                        abort();
                return 0;
        }
        if (r != 0 || c.n_routes > CONFIG_MAX_ROUTES || c.n_key_fields > CONFIG_MAX_LIST ||
            c.n_executor > CONFIG_MAX_LIST || c.n_override_labels > CONFIG_MAX_LIST ||
            c.n_service_overrides > CONFIG_MAX_OVERRIDES)
                abort();
        for (size_t i = 0; i < c.n_routes; i++) {
                const struct route *rt = &c.routes[i];
                if (!rt->alertname || rt->confidence < 0 || rt->confidence > 100 ||
                    rt->n_parameters > CONFIG_MAX_LIST)
                        abort();
                /* The first route of that name wins. */
                const struct route *found = config_find_route(&c, rt->alertname);
                if (!found || found > rt || strcmp(found->alertname, rt->alertname) != 0)
                        abort();
                for (size_t j = 0; j < rt->n_parameters; j++)
                        (void) strlen(rt->parameters[j]);
        }
        (void) config_find_route(&c, "SystemDiskSpaceCritical");
        (void) config_find_route(&c, "");
        (void) config_find_route(&c, NULL);
        for (size_t i = 0; i < c.n_executor; i++)
                (void) strlen(c.executor[i]);
        config_free(&c);
        return 0;
}
