/* The handler giving up root for its user, in the process itself (--user). */
#pragma once

/* Becomes the user NAME for good: no supplementary groups, NAME's group, NAME's uid (real,
 * effective, saved), no capability in any set and, while CAP_SETPCAP still allows it, an empty
 * bounding set. Called as root, before anything is opened; called as NAME already (a test,
 * `make run`), it checks that the process is NAME and nothing more. 0 or -errno:
 *   -ENOENT           no such user
 *   -EINVAL           NAME is root, in group root, or has an id the kernel takes for "none"
 *   -EPERM            running as another user (not root), or as NAME with more (groups, caps)
 *   -EACCES           root without CAP_SETUID or CAP_SETGID: the ids could not be changed
 *   -ENOTRECOVERABLE  changed, yet root or a capability still within reach (SECBIT_KEEP_CAPS)
 * On an error the process may still be root: the caller must not go on as if it were NAME. */
int identity_become(const char *name);
