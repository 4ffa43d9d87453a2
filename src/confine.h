/* The handler confining itself before it reads a request: no_new_privs, no capability, a seccomp
 * filter and, in full mode, Landlock. In unit mode (playbook_units) an instance never needs to
 * exec: what a taken-over one may still do is read its config, token and state, write the state
 * directory and the decision log, talk to journald and D-Bus over their unix sockets. */
#pragma once
#include <stddef.h>

enum confine_mode {
        CONFINE_OFF = 0,
        CONFINE_FULL,           /* no_new_privs, no capability, seccomp, Landlock (files, TCP, scopes) */
        CONFINE_SYSCALLS,       /* the same without Landlock: the unit's mount namespace confines paths */
};

/* 3 (Linux 6.2): the first ABI that handles truncation. With 1 and 2, truncate(2), ftruncate(2)
 * and O_TRUNC are not Landlock's to refuse, so the decision log, which we must be able to write,
 * could be emptied. */
#define CONFINE_LANDLOCK_ABI_MIN 3

struct confine_paths {
        const char *config;             /* read */
        const char *token;              /* read; NULL: none */
        const char *state_dir;          /* read, write, create, rename, remove beneath */
        const char *decision_log;       /* read (the rebuild after a reboot) and append; created
                                         * here when absent, since a rule needs the file */
        const char *metrics_textfile;   /* NULL: none; else its directory: a temp file of our
                                         * own is written there and renamed over it */
};

/* The kernel's Landlock ABI version, 0 when absent or disabled. */
int confine_landlock_abi(void);

/* Applies the mode to the calling (single-threaded) process, for good. 0, or -errno:
 * -EOPNOTSUPP when the kernel lacks what the mode needs (Landlock below the minimum, no seccomp
 * filters, an architecture the filter does not know). On -EOPNOTSUPP nothing was applied; on
 * another error part of it may have been. A path that cannot be opened gets no rule: it stays
 * out of reach, as it was. */
int confine_self(enum confine_mode m, const struct confine_paths *p);

/* Whether this kernel can apply the mode: a forked child applies it (with no paths) and checks
 * that a forbidden open and socket fail. 0 or -errno as confine_self(). */
int confine_probe(enum confine_mode m);

/* Every capability given up (effective, permitted, inheritable, so ambient too); capset() only
 * when one is held. 0 or -errno. */
int confine_drop_capabilities(void);

/* "off", "full", "syscalls" <-> the mode; -EINVAL for another word. */
int confine_mode_from_string(const char *s);
const char *confine_mode_name(enum confine_mode m);
