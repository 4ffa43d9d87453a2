/* libFuzzer harness for the state file: state_parse(), state_format() and the idempotency-key
 * index.
 *
 * The input is the content of a state.json. What parses must format, parse back to the same
 * text (format is a fixed point), and keep its key index true: every key found where it is, also
 * after a key is forgotten and others are put with eviction at a small cap. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_index(struct state *s) {
        for (size_t i = 0; i < s->n_keys; i++)
                if (state_key(s, s->keys[i].key) != &s->keys[i])
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct state s, back;
        char key[32];

        if (state_parse((const char *) data, size, &s) < 0)
                return 0;
        char *text = state_format(&s);
        if (!text)
                abort();
        if (state_parse(text, strlen(text), &back) < 0)
                abort();
        char *again = state_format(&back);
        if (!again || strcmp(text, again) != 0)
                abort();
        check_index(&s);
        if (s.n_keys > 0 && state_forget_key(&s, s.keys[0].key) < 0)
                abort();
        check_index(&s);
        for (int i = 0; i < 8; i++) {
                snprintf(key, sizeof(key), "[\"fuzz-%d\"]", i);
                if (state_put_key(&s, key, i, 4) < 0 || !state_key(&s, key))
                        abort();
                check_index(&s);
        }
        free(again);
        free(text);
        state_free(&back);
        state_free(&s);
        return 0;
}
