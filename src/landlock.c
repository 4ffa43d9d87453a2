/* --confine=full's paths: Landlock rules for what the handler reads and writes, TCP refused (ABI
 * 4), signals and abstract sockets scoped to the instance (ABI 6).
 *
 * Landlock is called through glibc's syscall(), so that a test can stand in for an older kernel
 * with an LD_PRELOAD shim (tests/bin/landlock-shim.c); the shipped code has no other way in. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit.h"
#include "landlock.h"
#include "util.h"

/* ---- Landlock, as in the kernel's uapi (linux/landlock.h of 6.12: Debian 12's headers stop at
 * ABI 2). The syscall numbers are the same on every architecture. ---- */

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule       445
#define SYS_landlock_restrict_self  446
#endif

struct ll_ruleset_attr {
        uint64_t handled_access_fs;
        uint64_t handled_access_net;    /* ABI 4 */
        uint64_t scoped;                /* ABI 6 */
};

struct ll_path_beneath_attr {
        uint64_t allowed_access;
        int32_t parent_fd;
} __attribute__((packed));

#define LL_CREATE_RULESET_VERSION  (1U << 0)
#define LL_RULE_PATH_BENEATH       1

#define LL_FS_EXECUTE      (1ULL << 0)
#define LL_FS_WRITE_FILE   (1ULL << 1)
#define LL_FS_READ_FILE    (1ULL << 2)
#define LL_FS_READ_DIR     (1ULL << 3)
#define LL_FS_REMOVE_DIR   (1ULL << 4)
#define LL_FS_REMOVE_FILE  (1ULL << 5)
#define LL_FS_MAKE_CHAR    (1ULL << 6)
#define LL_FS_MAKE_DIR     (1ULL << 7)
#define LL_FS_MAKE_REG     (1ULL << 8)
#define LL_FS_MAKE_SOCK    (1ULL << 9)
#define LL_FS_MAKE_FIFO    (1ULL << 10)
#define LL_FS_MAKE_BLOCK   (1ULL << 11)
#define LL_FS_MAKE_SYM     (1ULL << 12)
#define LL_FS_REFER        (1ULL << 13)         /* ABI 2 */
#define LL_FS_TRUNCATE     (1ULL << 14)         /* ABI 3 */
#define LL_FS_IOCTL_DEV    (1ULL << 15)         /* ABI 5 */
#define LL_NET_BIND_TCP    (1ULL << 0)          /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)       /* ABI 6 */
#define LL_SCOPE_SIGNAL    (1ULL << 1)

/* What the process may do beneath each of its paths. Everything else that the ABI knows is
 * handled, so refused. */
#define ALLOW_READ         LL_FS_READ_FILE
#define ALLOW_LOG          (LL_FS_READ_FILE | LL_FS_WRITE_FILE)   /* never TRUNCATE */
#define ALLOW_DEV_NULL     (LL_FS_READ_FILE | LL_FS_WRITE_FILE)
/* state.json.tmp renamed over state.json, the lock file, jobs/ID.* written, renamed, removed;
 * a corrupt state renamed aside. All renames stay in one directory, so no REFER. */
#define ALLOW_STATE        (LL_FS_READ_FILE | LL_FS_READ_DIR | LL_FS_WRITE_FILE | LL_FS_TRUNCATE | \
                            LL_FS_MAKE_REG | LL_FS_REMOVE_FILE)
/* FILE.PID.tmp created, written and renamed over FILE (write_file_atomic with WRITE_OWN_TMP). */
#define ALLOW_TEXTFILE_DIR (LL_FS_WRITE_FILE | LL_FS_MAKE_REG | LL_FS_REMOVE_FILE)

/* libsystemd.so.0 is loaded after the answer (libsystemd.c): ld.so then reads its cache and
 * these files, which libsystemd 252 links (Debian 12). They are looked for in the directory libc
 * was loaded from (and its /usr twin when /usr is not merged); a name not found gets no rule. */
#define LD_SO_CACHE        "/etc/ld.so.cache"
static const char *const libraries[] = {
        "libsystemd.so.0", "libcap.so.2", "libgcrypt.so.20", "libgpg-error.so.0",
        "liblzma.so.5", "libzstd.so.1", "liblz4.so.1",
};

int confine_landlock_abi(void) {
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
        return abi > 0 && abi <= INT_MAX ? (int) abi : 0;
}

static uint64_t fs_handled(int abi) {
        uint64_t a = (LL_FS_MAKE_SYM << 1) - 1;         /* ABI 1: EXECUTE .. MAKE_SYM */
        if (abi >= 2)
                a |= LL_FS_REFER;
        if (abi >= 3)
                a |= LL_FS_TRUNCATE;
        if (abi >= 5)
                a |= LL_FS_IOCTL_DEV;
        return a;
}

/* A rule for what path names, when it is there and of the kind the rights are for: a directory
 * for dir (the rights then hold for everything beneath it), anything else for a file's. A
 * directory where a file belongs gets nothing: its rights would hold beneath it. */
static int add_rule(int ruleset, const char *path, bool dir, uint64_t allowed, uint64_t handled) {
        _cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode) != dir)
                return 0;               /* not there: out of reach, as before */
        struct ll_path_beneath_attr rule = { .allowed_access = allowed & handled, .parent_fd = fd };
        if (rule.allowed_access == 0)
                return 0;
        return syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0) < 0 ? -errno : 0;
}

/* The directory of path ("." for a bare name) into buf. */
static int dir_of(const char *path, char *buf, size_t size) {
        const char *slash = strrchr(path, '/');
        int n = !slash ? snprintf(buf, size, ".") : slash == path ? snprintf(buf, size, "/")
                                                                : snprintf(buf, size, "%.*s", (int) (slash - path), path);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static int add_library_rules(int ruleset, uint64_t handled) {
        Dl_info info;
        char dirs[2][PATH_MAX], path[PATH_MAX];
        size_t n_dirs = 0;
        int r;

        /* gnu_get_libc_version: in libc itself, never a sanitizer's interceptor. */
        if (!dladdr((void *) gnu_get_libc_version, &info) || !info.dli_fname ||
            dir_of(info.dli_fname, dirs[0], sizeof(dirs[0])) < 0)
                return 0;               /* libsystemd will not load: the journal says so on stderr */
        size_t len = strlen(dirs[0]);
        n_dirs = 1;
        if (strncmp(dirs[0], "/lib", 4) == 0 && len + 4 < sizeof(dirs[1])) {
                memcpy(dirs[1], "/usr", 4);
                memcpy(dirs[1] + 4, dirs[0], len + 1);
                n_dirs = 2;
        } else if (strncmp(dirs[0], "/usr/lib", 8) == 0) {
                memcpy(dirs[1], dirs[0] + 4, len - 4 + 1);
                n_dirs = 2;
        }
        struct stat a, b;               /* merged /usr: one directory under two names */
        if (n_dirs == 2 && stat(dirs[0], &a) == 0 && stat(dirs[1], &b) == 0 &&
            a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                n_dirs = 1;
        if ((r = add_rule(ruleset, LD_SO_CACHE, false, ALLOW_READ, handled)) < 0)
                return r;
        for (size_t d = 0; d < n_dirs; d++)
                for (size_t i = 0; i < ELEMENTSOF(libraries); i++) {
                        int n = snprintf(path, sizeof(path), "%s/%s", dirs[d], libraries[i]);
                        if (n > 0 && (size_t) n < sizeof(path) &&
                            (r = add_rule(ruleset, path, false, ALLOW_READ, handled)) < 0)
                                return r;
                }
        return 0;
}

/* "/" however it is spelled ("/.", "//", "/tmp/.."): the same directory. */
static bool is_root_dir(const char *path) {
        struct stat a, b;
        return stat(path, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int add_rules(int ruleset, const struct confine_paths *p, uint64_t handled) {
        char dir[PATH_MAX];
        int r = 0;

        if (p->decision_log) {          /* created when absent: a rule needs the file itself */
                int fd = audit_open_log(p->decision_log);
                if (fd >= 0)
                        close(fd);
        }
        if ((p->config && (r = add_rule(ruleset, p->config, false, ALLOW_READ, handled)) < 0) ||
            (p->token && (r = add_rule(ruleset, p->token, false, ALLOW_READ, handled)) < 0) ||
            (p->state_dir && (r = add_rule(ruleset, p->state_dir, true, ALLOW_STATE, handled)) < 0) ||
            (p->decision_log && (r = add_rule(ruleset, p->decision_log, false, ALLOW_LOG, handled)) < 0) ||
            (r = add_rule(ruleset, "/dev/null", false, ALLOW_DEV_NULL, handled)) < 0 ||    /* hang_up() */
            (r = add_library_rules(ruleset, handled)) < 0)
                return r;
        /* Beneath state_dir this adds nothing; elsewhere (node_exporter's directory) the
         * directory is needed, and everything in it becomes writable: never for "/". */
        if (p->metrics_textfile && dir_of(p->metrics_textfile, dir, sizeof(dir)) == 0 && !is_root_dir(dir))
                r = add_rule(ruleset, dir, true, ALLOW_TEXTFILE_DIR, handled);
        return r;
}

int landlock_restrict(int abi, const struct confine_paths *p) {
        struct ll_ruleset_attr attr = {
                .handled_access_fs = fs_handled(abi),
                /* No rule for any port: no TCP bind or connect, on fd 0 either. */
                .handled_access_net = abi >= 4 ? LL_NET_BIND_TCP | LL_NET_CONNECT_TCP : 0,
                /* No signal to, no abstract unix socket of, a process outside this domain. */
                .scoped = abi >= 6 ? LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL : 0,
        };
        /* The size of the whole struct: an older kernel accepts it as long as what it does not
         * know is zero. */
        int ruleset = (int) syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
        int r = 0;

        if (ruleset < 0)
                return -errno;
        if (p)
                r = add_rules(ruleset, p, attr.handled_access_fs);
        if (r == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
                r = -errno;
        close(ruleset);
        return r;
}
