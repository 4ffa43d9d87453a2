/* Landlock for confine.c: the paths of --confine=full. */
#pragma once
#include "confine.h"

/* Restricts the calling thread, for good, to p's paths (NULL: none at all, as the probe of
 * confine_probe() wants) at this ABI (>= 1): what each may do is landlock.c's. The decision log
 * is created when absent (a rule needs the file). A path that cannot be opened gets no rule.
 * 0 or -errno. */
int landlock_restrict(int abi, const struct confine_paths *p);
