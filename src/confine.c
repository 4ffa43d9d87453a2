/* The handler confining itself: no_new_privs, no capability, not dumpable, then Landlock (full
 * mode: landlock.c), then a seccomp filter (seccomp-filter.c). All hold for the rest of the
 * process and for anything it forks. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "confine.h"
#include "landlock.h"
#include "seccomp-filter.h"
#include "util.h"

/* Every capability given up: run as root, a taken-over instance would still set the clock and
 * the hostname, read the kernel log, reconfigure network devices through any socket's ioctls and
 * read past file modes. The filter then refuses capset(), and exec, which could give them back,
 * is refused too. With none to give up (run as its user) capset() is not called: a unit's
 * SystemCallFilter=~@privileged refuses it. */
int confine_drop_capabilities(void) {
        struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
        bool any = true;                /* when capget() is refused too: give them up all the same */

        if (syscall(SYS_capget, &header, caps) == 0) {
                any = false;
                for (size_t i = 0; i < ELEMENTSOF(caps); i++)
                        any |= caps[i].effective || caps[i].permitted || caps[i].inheritable;
        }
        if (!any)
                return 0;
        memset(caps, 0, sizeof(caps));
        return syscall(SYS_capset, &header, caps) < 0 ? -errno : 0;
}

static int apply(enum confine_mode m, const struct confine_paths *p) {
        int abi = 0, r;

        if (m == CONFINE_OFF)
                return 0;
        if (m != CONFINE_FULL && m != CONFINE_SYSCALLS)
                return -EINVAL;
        if (m == CONFINE_FULL && (abi = confine_landlock_abi()) < CONFINE_LANDLOCK_ABI_MIN)
                return -EOPNOTSUPP;
#ifndef FILTER_ARCH
        return -EOPNOTSUPP;
#endif
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        if ((r = confine_drop_capabilities()) < 0)
                return r;
        /* Not dumpable: another process of this user (a taken-over sibling instance) may no longer
         * ptrace it, nor read or write its memory through /proc/PID/mem, which no filter sees.
         * The price: no core dump of a confined instance. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return -errno;
        if (m == CONFINE_FULL && (r = landlock_restrict(abi, p)) < 0)
                return r;
        return seccomp_filter_install();
}

int confine_self(enum confine_mode m, const struct confine_paths *p) {
        return p ? apply(m, p) : -EINVAL;
}

int confine_probe(enum confine_mode m) {
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int r = apply(m, NULL);
                if (r == 0 && m == CONFINE_FULL && open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC) >= 0)
                        r = -EPERM;     /* applied, yet not in force */
                if (r == 0 && m != CONFINE_OFF && socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) >= 0)
                        r = -EPERM;
                _exit(r < 0 ? (-r & 0xff) : 0);         /* _exit: not the parent's atexit work */
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status))
                return -ECHILD;
        return -WEXITSTATUS(status);
}

static const char *const mode_names[] = {
        [CONFINE_OFF] = "off", [CONFINE_FULL] = "full", [CONFINE_SYSCALLS] = "syscalls",
};

int confine_mode_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(mode_names); i++)
                if (strcmp(s, mode_names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

const char *confine_mode_name(enum confine_mode m) {
        return (size_t) m < ELEMENTSOF(mode_names) ? mode_names[m] : "?";
}
