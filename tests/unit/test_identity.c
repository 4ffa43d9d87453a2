/* identity.c: root becoming the handler's user. Each case runs in a forked child, which reports
 * by its exit status (0: as expected, else the number of the check that failed), since a child
 * that gave up root is not the process cmocka runs in. Needs root: CI runs as root. The user is
 * "nobody" (uid and gid 65534 on Debian), which every system has. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <cmocka.h>

#include "identity.h"

#define USER "nobody"

/* The lowest 64 bits of a capability set from /proc/self/status ("CapEff:"), or ~0 when unread. */
static uint64_t cap_set(const char *name) {
        char line[256];
        unsigned long long v = ~0ULL;
        size_t n = strlen(name);
        FILE *f = fopen("/proc/self/status", "re");

        if (!f)
                return v;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, name, n) == 0 && line[n] == ':')
                        sscanf(line + n + 1, "%llx", &v);
        fclose(f);
        return v;
}

/* Root giving up the capabilities in mask (of the first 32) from its effective and permitted sets. */
static int give_up(uint32_t mask) {
        struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

        if (syscall(SYS_capget, &h, d) < 0)
                return -1;
        d[0].effective &= ~mask;
        d[0].permitted &= ~mask;
        return (int) syscall(SYS_capset, &h, d);
}

static int in_child(int (*fn)(void)) {
        int status;
        pid_t pid = fork();

        if (pid == 0)
                _exit(fn());
        assert_true(pid > 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void needs_root(void **s) {
        (void) s;
        if (geteuid() != 0)
                fail_msg("identity tests need root (make test runs as root)");
        assert_non_null(getpwnam(USER));
}

static int become(void) {
        struct passwd *pw = getpwnam(USER);
        uid_t r, e, sv;
        gid_t gr, ge, gs, groups[4];

        if (!pw || identity_become(USER) != 0)
                return 1;
        if (getresuid(&r, &e, &sv) < 0 || r != pw->pw_uid || e != pw->pw_uid || sv != pw->pw_uid)
                return 2;
        if (getresgid(&gr, &ge, &gs) < 0 || gr != pw->pw_gid || ge != pw->pw_gid || gs != pw->pw_gid)
                return 3;
        if (getgroups(4, groups) != 0)          /* root's supplementary groups gone */
                return 4;
        if (cap_set("CapEff") != 0 || cap_set("CapPrm") != 0 || cap_set("CapAmb") != 0)
                return 5;
        if (cap_set("CapBnd") != 0)             /* root held CAP_SETPCAP: the bounding set emptied */
                return 6;
        if (setuid(0) == 0 || errno != EPERM || setgid(0) == 0 || setgroups(0, NULL) == 0)
                return 7;
        if (identity_become(USER) != 0)         /* already the user: nothing to do */
                return 8;
        if (identity_become("daemon") != -EPERM)        /* another user, not root: cannot */
                return 9;
        return 0;
}

static void becomes_the_user_for_good(void **s) {
        (void) s;
        assert_int_equal(in_child(become), 0);
}

/* Without CAP_SETPCAP (a unit that does not grant it) the bounding set stays as it was; the uid
 * changes all the same, and no capability is left. */
static int become_without_setpcap(void) {
        if (give_up(1U << CAP_SETPCAP) < 0)
                return 2;
        if (identity_become(USER) != 0)
                return 3;
        if (cap_set("CapBnd") == 0)             /* could not be emptied */
                return 4;
        return cap_set("CapEff") == 0 && cap_set("CapPrm") == 0 && setuid(0) < 0 ? 0 : 5;
}

static void becomes_the_user_without_setpcap(void **s) {
        (void) s;
        assert_int_equal(in_child(become_without_setpcap), 0);
}

/* SECBIT_KEEP_CAPS keeps the permitted set across the change of uid: lowered, not trusted. */
static int keep_caps(void) {
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return 1;
        if (identity_become(USER) != 0)
                return 2;
        return cap_set("CapEff") == 0 && cap_set("CapPrm") == 0 && setuid(0) < 0 ? 0 : 3;
}

static void lowers_kept_capabilities(void **s) {
        (void) s;
        assert_int_equal(in_child(keep_caps), 0);
}

/* An inheritable capability (and so an ambient one) does not survive either. */
static int inheritable(void) {
        struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

        if (syscall(SYS_capget, &h, d) < 0)
                return 1;
        d[0].inheritable |= 1U << CAP_NET_BIND_SERVICE;
        if (syscall(SYS_capset, &h, d) < 0 ||
            prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0) < 0)
                return 2;
        if (identity_become(USER) != 0)
                return 3;
        return cap_set("CapInh") == 0 && cap_set("CapAmb") == 0 ? 0 : 4;
}

static void clears_inheritable_and_ambient(void **s) {
        (void) s;
        assert_int_equal(in_child(inheritable), 0);
}

/* Started as the user already, but with more than the user: refused. */
static int user_with_groups(void) {
        struct passwd *pw = getpwnam(USER);
        gid_t groups[] = { 0 };

        if (!pw || setgroups(1, groups) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
            setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
                return 1;
        return identity_become(USER) == -EPERM ? 0 : 2;
}

static void refuses_the_user_with_other_groups(void **s) {
        (void) s;
        assert_int_equal(in_child(user_with_groups), 0);
}

/* Root that cannot change its ids (a unit without CAP_SETUID, CAP_SETGID): -EACCES, still root. */
static int without_setid(void) {
        if (give_up((1U << CAP_SETUID) | (1U << CAP_SETGID)) < 0)
                return 2;
        return identity_become(USER) == -EACCES && geteuid() == 0 ? 0 : 3;
}

static void refuses_without_setid_capabilities(void **s) {
        (void) s;
        assert_int_equal(in_child(without_setid), 0);
}

static int refuse_root(void) { return identity_become("root") == -EINVAL && getuid() == 0 ? 0 : 1; }
static int refuse_unknown(void) {
        return identity_become("no-such-user-here") == -ENOENT && getuid() == 0 ? 0 : 1;
}

static void refuses_root_and_unknown_users(void **s) {
        (void) s;
        assert_int_equal(in_child(refuse_root), 0);
        assert_int_equal(in_child(refuse_unknown), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(needs_root),
                cmocka_unit_test(becomes_the_user_for_good),
                cmocka_unit_test(becomes_the_user_without_setpcap),
                cmocka_unit_test(lowers_kept_capabilities),
                cmocka_unit_test(clears_inheritable_and_ambient),
                cmocka_unit_test(refuses_the_user_with_other_groups),
                cmocka_unit_test(refuses_without_setid_capabilities),
                cmocka_unit_test(refuses_root_and_unknown_users),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
