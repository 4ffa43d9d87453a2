/* The handler giving up root for its user, in the process itself (--user). */
#pragma once

/* Becomes the user NAME for good: no supplementary groups, NAME's group, NAME's uid (real,
 * effective, saved), and, while CAP_SETPCAP still allows it, an empty capability bounding set.
 * The capabilities root held go with the uid. Called as root, before anything is opened;
 * called as NAME already (a test, `make run`), it changes nothing. 0 or -errno: -ENOENT no such
 * user, -EINVAL NAME is root or in group root, -EPERM running as another user, or root or a
 * capability still within reach afterwards. On an error the caller must not go on as if it were
 * NAME: it may still be root. */
int identity_become(const char *name);
