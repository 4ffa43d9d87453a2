/* The handler confining itself: no_new_privs, then Landlock (full mode), then a seccomp filter.
 * All three hold for the rest of the process and for anything it forks.
 *
 * Landlock is called through glibc's syscall(), so that a test can stand in for an older kernel
 * with an LD_PRELOAD shim (tests/bin/landlock-shim.c); the shipped code has no other way in.
 *
 * The seccomp filter is classic BPF written here (no libseccomp): the architecture is checked
 * first (a foreign one, or x32 numbers on x86-64, kills the process: its numbers would mean other
 * syscalls), then a denylist answers with an errno. A denylist is enough because what it must
 * stop is short and known (exec, foreign sockets, other processes, privileges, namespaces, kernel
 * state), while an allowlist would have to follow every syscall of glibc, libsystemd and the
 * sanitizers. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "audit.h"
#include "confine.h"
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

/* A rule for what path names, when it can be opened; a file gets only the file rights of
 * allowed (the kernel refuses directory rights on a file). */
static int add_path_rule(int ruleset, const char *path, uint64_t allowed, uint64_t handled) {
        static const uint64_t file_rights = LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE |
                                            LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
        _cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0)
                return 0;               /* not there: out of reach, as before */
        struct ll_path_beneath_attr rule = {
                .allowed_access = (S_ISDIR(st.st_mode) ? allowed : allowed & file_rights) & handled,
                .parent_fd = fd,
        };
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
        if ((r = add_path_rule(ruleset, LD_SO_CACHE, ALLOW_READ, handled)) < 0)
                return r;
        for (size_t d = 0; d < n_dirs; d++)
                for (size_t i = 0; i < ELEMENTSOF(libraries); i++) {
                        int n = snprintf(path, sizeof(path), "%s/%s", dirs[d], libraries[i]);
                        if (n > 0 && (size_t) n < sizeof(path) &&
                            (r = add_path_rule(ruleset, path, ALLOW_READ, handled)) < 0)
                                return r;
                }
        return 0;
}

static int add_rules(int ruleset, const struct confine_paths *p, uint64_t handled) {
        char dir[PATH_MAX];
        int r = 0;

        if (p->decision_log) {          /* created when absent: a rule needs the file itself */
                int fd = audit_open_log(p->decision_log);
                if (fd >= 0)
                        close(fd);
        }
        if ((p->config && (r = add_path_rule(ruleset, p->config, ALLOW_READ, handled)) < 0) ||
            (p->token && (r = add_path_rule(ruleset, p->token, ALLOW_READ, handled)) < 0) ||
            (p->state_dir && (r = add_path_rule(ruleset, p->state_dir, ALLOW_STATE, handled)) < 0) ||
            (p->decision_log && (r = add_path_rule(ruleset, p->decision_log, ALLOW_LOG, handled)) < 0) ||
            (r = add_path_rule(ruleset, "/dev/null", ALLOW_DEV_NULL, handled)) < 0 ||      /* hang_up() */
            (r = add_library_rules(ruleset, handled)) < 0)
                return r;
        /* Beneath state_dir this adds nothing; elsewhere (node_exporter's directory) it is needed. */
        if (p->metrics_textfile && dir_of(p->metrics_textfile, dir, sizeof(dir)) == 0)
                r = add_path_rule(ruleset, dir, ALLOW_TEXTFILE_DIR, handled);
        return r;
}

/* p NULL: no paths at all (the probe). */
static int apply_landlock(int abi, const struct confine_paths *p) {
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

/* ---- seccomp ---- */

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#endif

#define FILTER_MAX_INSNS 256
#define SYSCALL_NR       offsetof(struct seccomp_data, nr)
#define SYSCALL_ARCH     offsetof(struct seccomp_data, arch)
/* The low 32 bits of an argument: every one checked here is an int (pid, domain, flags, request). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SYSCALL_ARG(i)   (offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define SYSCALL_ARG(i)   (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif
#define RET_ERRNO(e)     (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define NS_FLAGS         (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
                          CLONE_NEWPID | CLONE_NEWNET)

/* Refused outright, with the errno a caller expects of a forbidden or absent call. */
static const struct { int nr, err; } denied[] = {
        /* exec nothing: in unit mode nothing needs it (as a noexec mount answers) */
        { SYS_execve, EACCES }, { SYS_execveat, EACCES },
        /* other processes: neither traced, read, written nor reached through pidfds (the
         * signals are below) */
        { SYS_ptrace, EPERM }, { SYS_process_vm_readv, EPERM }, { SYS_process_vm_writev, EPERM },
        { SYS_kcmp, EPERM },
#ifdef SYS_pidfd_open
        { SYS_pidfd_open, EPERM }, { SYS_pidfd_send_signal, EPERM }, { SYS_pidfd_getfd, EPERM },
#endif
#ifdef SYS_process_madvise
        { SYS_process_madvise, EPERM },
#endif
        /* identities and capabilities (no_new_privs already keeps setuid binaries out) */
        { SYS_setuid, EPERM }, { SYS_setgid, EPERM }, { SYS_setreuid, EPERM }, { SYS_setregid, EPERM },
        { SYS_setresuid, EPERM }, { SYS_setresgid, EPERM }, { SYS_setfsuid, EPERM }, { SYS_setfsgid, EPERM },
        { SYS_setgroups, EPERM }, { SYS_capset, EPERM },
        /* namespaces and mounts: a user namespace would give capabilities within it */
        { SYS_unshare, EPERM }, { SYS_setns, EPERM }, { SYS_mount, EPERM }, { SYS_umount2, EPERM },
        { SYS_pivot_root, EPERM }, { SYS_chroot, EPERM },
#ifdef SYS_fsopen
        { SYS_fsopen, EPERM }, { SYS_fsconfig, EPERM }, { SYS_fsmount, EPERM }, { SYS_fspick, EPERM },
        { SYS_move_mount, EPERM }, { SYS_open_tree, EPERM },
#endif
#ifdef SYS_mount_setattr
        { SYS_mount_setattr, EPERM },
#endif
        /* clone3's flags are behind a pointer the filter cannot read: "absent", so glibc falls
         * back to clone(), whose flags are checked below */
#ifdef SYS_clone3
        { SYS_clone3, ENOSYS },
#endif
        /* io_uring runs its operations past this filter: "absent" */
#ifdef SYS_io_uring_setup
        { SYS_io_uring_setup, ENOSYS }, { SYS_io_uring_enter, ENOSYS }, { SYS_io_uring_register, ENOSYS },
#endif
        /* the kernel's own state */
        { SYS_bpf, EPERM }, { SYS_perf_event_open, EPERM }, { SYS_userfaultfd, EPERM },
        { SYS_keyctl, EPERM }, { SYS_add_key, EPERM }, { SYS_request_key, EPERM },
        { SYS_init_module, EPERM }, { SYS_finit_module, EPERM }, { SYS_delete_module, EPERM },
        { SYS_kexec_load, EPERM },
#ifdef SYS_kexec_file_load
        { SYS_kexec_file_load, EPERM },
#endif
        { SYS_reboot, EPERM }, { SYS_swapon, EPERM }, { SYS_swapoff, EPERM }, { SYS_acct, EPERM },
        { SYS_open_by_handle_at, EPERM }, { SYS_personality, EPERM },
};

/* Signals only to the process itself: kill(0, ...) and negative pids name groups. */
static const int signal_one[] = { SYS_kill, SYS_tkill, SYS_rt_sigqueueinfo };     /* arg 0 */
static const int signal_two[] = { SYS_tgkill, SYS_rt_tgsigqueueinfo };            /* args 0, 1 */
/* Sockets: AF_UNIX only (journald, D-Bus), as RestrictAddressFamilies=AF_UNIX answers. */
static const int sockets[] = { SYS_socket, SYS_socketpair };
/* The terminal requests that push input into a terminal (another process would read it). */
static const uint32_t tty_inject[] = { TIOCSTI, TIOCLINUX };

struct filter {
        struct sock_filter insn[FILTER_MAX_INSNS];
        size_t n;
};

static void emit(struct filter *f, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
        if (f->n < ELEMENTSOF(f->insn))
                f->insn[f->n] = (struct sock_filter) BPF_JUMP(code, k, jt, jf);
        f->n++;                 /* counted past the end: build_filter() refuses it */
}

static void load(struct filter *f, uint32_t offset) { emit(f, BPF_LD | BPF_W | BPF_ABS, offset, 0, 0); }
static void ret(struct filter *f, uint32_t action) { emit(f, BPF_RET | BPF_K, action, 0, 0); }
/* When the syscall is nr, the next `len` instructions decide; else they are jumped over. */
static void when(struct filter *f, int nr, uint8_t len) { emit(f, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t) nr, 0, len); }

static int build_filter(struct filter *f, pid_t self) {
        f->n = 0;
#ifndef FILTER_ARCH
        (void) self;
        return -EOPNOTSUPP;
#else
        load(f, SYSCALL_ARCH);
        emit(f, BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0);
        ret(f, SECCOMP_RET_KILL_PROCESS);
        load(f, SYSCALL_NR);
#ifdef __x86_64__
        emit(f, BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT, 0, 1);
        ret(f, SECCOMP_RET_KILL_PROCESS);
#endif
        for (size_t i = 0; i < ELEMENTSOF(denied); i++) {
                when(f, denied[i].nr, 1);
                ret(f, RET_ERRNO(denied[i].err));
        }
        /* Each block below ends in a return on both paths, so the number is not needed again. */
        for (size_t i = 0; i < ELEMENTSOF(sockets); i++) {
                when(f, sockets[i], 4);
                load(f, SYSCALL_ARG(0));
                emit(f, BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1);
                ret(f, SECCOMP_RET_ALLOW);
                ret(f, RET_ERRNO(EAFNOSUPPORT));
        }
        for (size_t i = 0; i < ELEMENTSOF(signal_one); i++) {
                when(f, signal_one[i], 4);
                load(f, SYSCALL_ARG(0));
                emit(f, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t) self, 0, 1);
                ret(f, SECCOMP_RET_ALLOW);
                ret(f, RET_ERRNO(EPERM));
        }
        for (size_t i = 0; i < ELEMENTSOF(signal_two); i++) {
                when(f, signal_two[i], 6);
                load(f, SYSCALL_ARG(0));
                emit(f, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t) self, 0, 3);
                load(f, SYSCALL_ARG(1));
                emit(f, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t) self, 0, 1);
                ret(f, SECCOMP_RET_ALLOW);
                ret(f, RET_ERRNO(EPERM));
        }
        /* clone(flags, ...) on both architectures: no new namespace. */
        when(f, SYS_clone, 4);
        load(f, SYSCALL_ARG(0));
        emit(f, BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1);
        ret(f, RET_ERRNO(EPERM));
        ret(f, SECCOMP_RET_ALLOW);
        /* ioctl(fd, request, ...) */
        when(f, SYS_ioctl, (uint8_t) (ELEMENTSOF(tty_inject) + 3));
        load(f, SYSCALL_ARG(1));
        for (size_t i = 0; i < ELEMENTSOF(tty_inject); i++)
                emit(f, BPF_JMP | BPF_JEQ | BPF_K, tty_inject[i], (uint8_t) (ELEMENTSOF(tty_inject) - 1 - i),
                     i + 1 < ELEMENTSOF(tty_inject) ? 0 : 1);
        ret(f, RET_ERRNO(EPERM));
        ret(f, SECCOMP_RET_ALLOW);

        ret(f, SECCOMP_RET_ALLOW);
        return f->n <= ELEMENTSOF(f->insn) ? 0 : -E2BIG;
#endif
}

static int apply_seccomp(void) {
        static struct filter f;         /* not on the stack: 2 KiB */
        int r = build_filter(&f, getpid());

        if (r < 0)
                return r;
        struct sock_fprog prog = { .len = (unsigned short) f.n, .filter = f.insn };
        /* No SECCOMP_FILTER_FLAG_TSYNC: the handler has one thread (nothing it links starts one),
         * and Landlock binds only the calling thread anyway. */
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                return errno == EINVAL ? -EOPNOTSUPP : -errno;      /* built without filters */
        return 0;
}

/* ---- the modes ---- */

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
        if (m == CONFINE_FULL && (r = apply_landlock(abi, p)) < 0)
                return r;
        return apply_seccomp();
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
