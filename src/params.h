/* Expanding the executor argv and a route's parameters for one alert, with every value that came
 * from the alert checked against a conservative pattern. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "bounds.h"
#include "config.h"
#include "payload.h"

struct argv_list {
        char *v[EXEC_MAX_ARGS + 1];     /* NULL-terminated, each malloc'd */
        size_t n;
};

/* Is value safe as (part of) a playbook argument? [A-Za-z0-9][A-Za-z0-9_.:@/-]*, at most
 * PARAM_MAX_VALUE bytes, no "..". */
bool param_value_ok(const char *value);

/* Expands cfg->executor then route->parameters. 0; -EINVAL with a sentence in why when a value
 * from the alert is missing or unsafe; -E2BIG or -ENOMEM. *ret is untouched on failure. */
int params_expand(const struct config *cfg, const struct route *route, const struct alert *alert,
                  struct argv_list *ret, char *why, size_t why_size);

/* The expanded route parameters (argv after its first `skip`) joined by spaces: malloc'd, "" when
 * there are none, NULL without memory. */
char *params_join(const struct argv_list *argv, size_t skip);

void argv_list_free(struct argv_list *a);
