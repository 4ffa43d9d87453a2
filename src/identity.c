/* Why not User=: for a unit with User=, PID 1's forked child resolves the user and calls
 * initgroups() through NSS for every instance it starts (nss-systemd loaded and asked too);
 * measured, about 2 ms of CPU per request, more than a third of what a bare Accept=yes instance
 * costs in all. The handler instead starts as root with no capability but those needed to give
 * root up, and gives it up before it opens its config: one getpwnam() (answered by /etc/passwd,
 * which nsswitch asks first), setgroups, setresgid, the bounding set, setresuid. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "confine.h"
#include "identity.h"

/* An empty bounding set: what the instance could gain at exec, were exec not refused anyway.
 * Needs CAP_SETPCAP; without it (a unit that does not grant it) the set stays as the unit left
 * it, which no_new_privs and the lost capabilities already make inert. */
static void drop_bounding_set(void) {
        for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
                        return;
}

/* Exactly uid and gid, real, effective and saved; no group but gid; no capability (a capability
 * kept across the uid change, SECBIT_KEEP_CAPS, is lowered here); root out of reach. Checked,
 * not trusted: a unit's extra groups or a kept capability would each leave more than the user. */
static bool only(uid_t uid, gid_t gid) {
        uid_t ru, eu, su;
        gid_t rg, eg, sg, groups[2];
        int n = getgroups(2, groups);

        return getresuid(&ru, &eu, &su) == 0 && ru == uid && eu == uid && su == uid &&
               getresgid(&rg, &eg, &sg) == 0 && rg == gid && eg == gid && sg == gid &&
               (n == 0 || (n == 1 && groups[0] == gid)) && confine_drop_capabilities() == 0 &&
               setresuid(0, 0, 0) < 0 && setresgid(0, 0, 0) < 0;
}

int identity_become(const char *name) {
        struct passwd *pw;

        errno = 0;
        if (!(pw = getpwnam(name)))
                return errno && errno != ENOENT && errno != ESRCH ? -errno : -ENOENT;
        uid_t uid = pw->pw_uid;
        gid_t gid = pw->pw_gid;
        /* -1 is "leave it" to the set*id calls: never an id to become. */
        if (uid == 0 || gid == 0 || uid == (uid_t) -1 || gid == (gid_t) -1)
                return -EINVAL;
        if (geteuid() != 0)             /* the user already (a test, `make run`), and nothing more */
                return only(uid, gid) ? 0 : -EPERM;
        /* Groups first: setgroups() and setresgid() need CAP_SETGID, which the uid takes away. */
        if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0)
                return -EACCES;
        drop_bounding_set();
        if (setresuid(uid, uid, uid) < 0)
                return -EACCES;
        return only(uid, gid) ? 0 : -ENOTRECOVERABLE;
}
