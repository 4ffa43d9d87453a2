/* Why not User=: for a unit with User=, PID 1's forked child resolves the user and calls
 * initgroups() through NSS for every instance it starts (nss-systemd loaded and asked too);
 * measured, that is about as much CPU as the rest of a bare Accept=yes instance. The handler
 * instead starts as root with no capability but those needed to give root up, and gives it up
 * before it opens its config: one getpwnam() answered by /etc/passwd, and three system calls. */
#include <errno.h>
#include <stddef.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include "identity.h"

/* An empty bounding set: what the instance could gain at exec, were exec not refused anyway.
 * Needs CAP_SETPCAP; without it (a unit that does not grant it) the set stays as the unit left
 * it, which its no_new_privs and the lost capabilities already make inert. */
static void drop_bounding_set(void) {
        for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
                        return;
}

int identity_become(const char *name) {
        uid_t ruid, euid, suid;
        struct passwd *pw;

        errno = 0;
        if (!(pw = getpwnam(name)))
                return errno && errno != ENOENT && errno != ESRCH ? -errno : -ENOENT;
        uid_t uid = pw->pw_uid;
        gid_t gid = pw->pw_gid;
        if (uid == 0 || gid == 0)
                return -EINVAL;
        if (getresuid(&ruid, &euid, &suid) < 0)
                return -errno;
        if (ruid == uid && euid == uid && suid == uid)
                return 0;
        if (euid != 0)
                return -EPERM;
        /* Groups first: setgroups() and setresgid() need CAP_SETGID, which the uid takes away. */
        if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0)
                return -errno;
        drop_bounding_set();
        if (setresuid(uid, uid, uid) < 0)
                return -errno;
        /* All three uids left 0, so no capability survives, unless SECBIT_KEEP_CAPS kept the
         * permitted ones: check that root is out of reach and nothing is left, rather than trust it. */
        struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
        if (setresuid(0, 0, 0) == 0 || syscall(SYS_capget, &header, caps) < 0)
                return -EPERM;
        for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
                if (caps[i].effective || caps[i].permitted)
                        return -EPERM;
        return 0;
}
