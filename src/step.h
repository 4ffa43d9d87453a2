/* The locked step: every change to the shared state is one call of rt_with_state(), which takes
 * the lock, loads the state (rebuilding a lost or corrupt one from the decision log), runs the
 * step, saves, and releases the lock. Readers take no lock: state.json is replaced by rename. */
#pragma once
#include "runtime.h"
#include "state.h"

/* Runs fn on the state under the lock, waiting at most timeout_ms for it, and saves the state when
 * fn returns 0. 0 or -errno (logged; fn's own errors are returned as they are). */
int rt_with_state(struct runtime *rt, int timeout_ms,
                  int (*fn)(struct runtime *, struct state *, void *), void *data);
/* Loads the state for reading only. As store_load(). */
int rt_read_state(struct runtime *rt, struct state *ret);
