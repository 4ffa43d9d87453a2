/* LD_PRELOAD shim for tests/confine.test: the kernel as an older one would answer Landlock.
 * RW_LANDLOCK_ABI=0: landlock_create_ruleset() fails with ENOSYS (no Landlock, or disabled);
 * RW_LANDLOCK_ABI=N: the version query answers N, every other call goes to the kernel;
 * RW_NO_SECCOMP=1: seccomp() fails with EINVAL, as on a kernel built without filters.
 * It replaces glibc's syscall(), the way src/landlock.c reaches Landlock. Test-only: built into
 * $(BUILD)/tests/, never linked into a shipped binary. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)

long syscall(long nr, ...);

long syscall(long nr, ...) {
        static long (*real)(long, ...);
        long a[6];
        va_list ap;

        va_start(ap, nr);
        for (int i = 0; i < 6; i++)
                a[i] = va_arg(ap, long);
        va_end(ap);
        const char *abi = getenv("RW_LANDLOCK_ABI");
        if (nr == SYS_seccomp && getenv("RW_NO_SECCOMP")) {
                errno = EINVAL;
                return -1;
        }
        if (nr == SYS_landlock_create_ruleset && abi) {
                long n = strtol(abi, NULL, 10);
                if (n <= 0) {
                        errno = ENOSYS;
                        return -1;
                }
                if (a[0] == 0 && a[1] == 0 && a[2] == LANDLOCK_CREATE_RULESET_VERSION)
                        return n;
        }
        if (!real)
                real = (long (*)(long, ...)) dlsym(RTLD_NEXT, "syscall");
        return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
