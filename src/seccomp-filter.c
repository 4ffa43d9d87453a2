/* The seccomp filter of both --confine modes: classic BPF written here (no libseccomp). The
 * architecture is checked first (a foreign one, or x32 numbers on x86-64, kills the process: its
 * numbers would mean other syscalls), then a denylist answers with an errno. A denylist is enough
 * because what it must stop is short and known (exec, foreign sockets, other processes,
 * privileges, namespaces, kernel state), while an allowlist would have to follow every syscall of
 * glibc, libsystemd and the sanitizers. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/filter.h>
#include <linux/sockios.h>
#include <linux/seccomp.h>

#include "seccomp-filter.h"
#include "util.h"

/* Newer than Debian 12's headers; the same numbers on every architecture. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2               452
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat              463
#define SYS_removexattrat           466
#endif
#ifndef SYS_file_setattr
#define SYS_file_setattr            469         /* Linux 6.17 */
#endif

#define FILTER_MAX_INSNS 512         /* BPF_MAXINSNS is 4096; this filter is 429 (x86-64) */
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

enum rule_kind {
        DENY,                   /* always the errno */
        ONLY_AF_UNIX,           /* arg 0 (the domain) must be AF_UNIX: journald, D-Bus */
        ONLY_SELF,              /* arg 0 (the pid) must be our own: kill(0, ...) and negative pids
                                 * name groups */
        ONLY_SELF_TWICE,        /* args 0 and 1 (thread group, thread) our own */
        ONLY_SELF_OR_ZERO,      /* arg 0 (the pid) our own, or 0 (the caller) */
        NO_NAMESPACES,          /* arg 0 (clone's flags) without a CLONE_NEW* */
        NO_SET_ID_1,            /* arg 1 (the mode: creat, mknod) without S_ISUID, S_ISGID */
        NO_SET_ID_2,            /* arg 2 (the mode: mknodat) */
        NO_SET_ID_OPEN,         /* open: with O_CREAT or O_TMPFILE in arg 1, arg 2 (the mode) so */
        NO_SET_ID_OPENAT,       /* openat: the same in args 2 and 3 */
        ONLY_KEEP_SIZE,         /* arg 1 (fallocate's mode) none but FALLOC_FL_KEEP_SIZE */
        NO_FASTOPEN_2,          /* arg 2 (sendmsg's flags) without MSG_FASTOPEN */
        NO_FASTOPEN_3,          /* arg 3 (sendto's, sendmmsg's flags) */
        NOT_IOCTLS,             /* arg 1 (the request) none of refused_ioctls */
        NOT_FCNTLS,             /* arg 1 (the command) none of refused_fcntls */
};

struct rule {
        int nr;
        enum rule_kind kind;
        int err;
};

/* Input pushed into a terminal, for another process to read; a file's owner, to whom the kernel
 * sends SIGIO, or the signal F_SETSIG names (SIGKILL too), as the file gets ready: a signal to
 * any process of the same user by way of a pipe. Nothing here needs either. 0-terminated. */
static const uint32_t refused_ioctls[] = { TIOCSTI, TIOCLINUX, FIOSETOWN, SIOCSPGRP, 0 };
static const uint32_t refused_fcntls[] = { F_SETOWN, F_SETOWN_EX, 0 };

/* What a kind that tests bits of one argument looks at, and the bits it refuses. */
#define SET_ID (S_ISUID | S_ISGID)
static const struct { unsigned arg; uint32_t bits; } refused_bits[] = {
        [NO_NAMESPACES] = { 0, NS_FLAGS },
        [NO_SET_ID_1] = { 1, SET_ID }, [NO_SET_ID_2] = { 2, SET_ID },
        [ONLY_KEEP_SIZE] = { 1, ~(uint32_t) FALLOC_FL_KEEP_SIZE },
        [NO_FASTOPEN_2] = { 2, MSG_FASTOPEN }, [NO_FASTOPEN_3] = { 3, MSG_FASTOPEN },
};

/* Where open's and openat's flags and mode are. Without O_CREAT or O_TMPFILE the kernel never
 * reads the mode, and raw callers (the sanitizers' internal_open) leave whatever is in its
 * register: only a creating open is judged by it. */
static const struct { unsigned flags, mode; } created[] = {
        [NO_SET_ID_OPEN] = { 1, 2 }, [NO_SET_ID_OPENAT] = { 2, 3 },
};

/* What a kind that compares one argument with a list refuses. */
static const uint32_t *const refused_values[] = {
        [NOT_IOCTLS] = refused_ioctls, [NOT_FCNTLS] = refused_fcntls,
};

static const struct rule rules[] = {
        /* exec nothing: in unit mode nothing needs it (as a noexec mount answers) */
        { SYS_execve, DENY, EACCES }, { SYS_execveat, DENY, EACCES },
        /* foreign sockets, as RestrictAddressFamilies=AF_UNIX answers */
        { SYS_socket, ONLY_AF_UNIX, EAFNOSUPPORT }, { SYS_socketpair, ONLY_AF_UNIX, EAFNOSUPPORT },
        /* TCP Fast Open connects from a send, past the connect hook Landlock checks: fd 0, or
         * any TCP socket, would reach any address */
        { SYS_sendto, NO_FASTOPEN_3, EPERM }, { SYS_sendmsg, NO_FASTOPEN_2, EPERM },
        { SYS_sendmmsg, NO_FASTOPEN_3, EPERM },
        /* listen() binds an unbound socket to a port past the bind hook Landlock checks: a server
         * on 0.0.0.0, fd 0 once disconnected. The handler listens on nothing (systemd does). */
        { SYS_listen, DENY, EPERM },
        /* other processes: neither signalled, traced, read, written nor reached through pidfds */
        { SYS_kill, ONLY_SELF, EPERM }, { SYS_tkill, ONLY_SELF, EPERM }, { SYS_rt_sigqueueinfo, ONLY_SELF, EPERM },
        { SYS_tgkill, ONLY_SELF_TWICE, EPERM }, { SYS_rt_tgsigqueueinfo, ONLY_SELF_TWICE, EPERM },
        { SYS_ptrace, DENY, EPERM }, { SYS_process_vm_readv, DENY, EPERM }, { SYS_process_vm_writev, DENY, EPERM },
        { SYS_kcmp, DENY, EPERM },
        /* ... nor their limits, scheduling, memory placement or robust futex list */
        { SYS_prlimit64, ONLY_SELF_OR_ZERO, EPERM }, { SYS_sched_setaffinity, ONLY_SELF_OR_ZERO, EPERM },
        { SYS_sched_setscheduler, ONLY_SELF_OR_ZERO, EPERM }, { SYS_sched_setparam, ONLY_SELF_OR_ZERO, EPERM },
        { SYS_sched_setattr, ONLY_SELF_OR_ZERO, EPERM }, { SYS_migrate_pages, ONLY_SELF_OR_ZERO, EPERM },
        { SYS_move_pages, ONLY_SELF_OR_ZERO, EPERM }, { SYS_get_robust_list, ONLY_SELF_OR_ZERO, EPERM },
        { SYS_setpriority, DENY, EPERM }, { SYS_ioprio_set, DENY, EPERM },
#ifdef SYS_pidfd_open
        { SYS_pidfd_open, DENY, EPERM }, { SYS_pidfd_send_signal, DENY, EPERM }, { SYS_pidfd_getfd, DENY, EPERM },
#endif
#ifdef SYS_process_madvise
        { SYS_process_madvise, DENY, EPERM },
#endif
        /* System V IPC is no file (Landlock does not see it): another's segments, queues and
         * semaphores are reached by their ids alone */
        { SYS_shmget, DENY, EPERM }, { SYS_shmat, DENY, EPERM }, { SYS_shmctl, DENY, EPERM },
        { SYS_msgget, DENY, EPERM }, { SYS_msgsnd, DENY, EPERM }, { SYS_msgrcv, DENY, EPERM },
        { SYS_msgctl, DENY, EPERM }, { SYS_semget, DENY, EPERM }, { SYS_semop, DENY, EPERM },
        { SYS_semtimedop, DENY, EPERM }, { SYS_semctl, DENY, EPERM },
        /* the decision log may be written, never shortened: a hole punched in it (zeros where
         * decisions were) or a range collapsed out of it is truncation by other means;
         * allocating stays, "not on this file system" otherwise */
        { SYS_fallocate, ONLY_KEEP_SIZE, EOPNOTSUPP },
        /* no set-user-ID or set-group-ID file (anyone who ran it would be this user, unconfined),
         * nor any mode, owner, ACL or file attribute changed: Landlock has no right for them,
         * and as their owner (as root: of any file) the process could open others' way to
         * files; openat2's mode is behind a pointer: "absent" */
#ifdef SYS_open                 /* the old ones, which aarch64 never had */
        { SYS_open, NO_SET_ID_OPEN, EPERM }, { SYS_creat, NO_SET_ID_1, EPERM }, { SYS_mknod, NO_SET_ID_1, EPERM },
        { SYS_chmod, DENY, EPERM }, { SYS_chown, DENY, EPERM }, { SYS_lchown, DENY, EPERM },
#endif
        { SYS_openat, NO_SET_ID_OPENAT, EPERM }, { SYS_mknodat, NO_SET_ID_2, EPERM }, { SYS_openat2, DENY, ENOSYS },
        { SYS_fchmod, DENY, EPERM }, { SYS_fchmodat, DENY, EPERM }, { SYS_fchmodat2, DENY, EPERM },
        { SYS_fchown, DENY, EPERM }, { SYS_fchownat, DENY, EPERM },
        { SYS_setxattr, DENY, EPERM }, { SYS_lsetxattr, DENY, EPERM }, { SYS_fsetxattr, DENY, EPERM },
        { SYS_removexattr, DENY, EPERM }, { SYS_lremovexattr, DENY, EPERM }, { SYS_fremovexattr, DENY, EPERM },
        { SYS_setxattrat, DENY, EPERM }, { SYS_removexattrat, DENY, EPERM }, { SYS_file_setattr, DENY, EPERM },
        /* identities and capabilities (no_new_privs already keeps setuid binaries out) */
        { SYS_setuid, DENY, EPERM }, { SYS_setgid, DENY, EPERM }, { SYS_setreuid, DENY, EPERM },
        { SYS_setregid, DENY, EPERM }, { SYS_setresuid, DENY, EPERM }, { SYS_setresgid, DENY, EPERM },
        { SYS_setfsuid, DENY, EPERM }, { SYS_setfsgid, DENY, EPERM }, { SYS_setgroups, DENY, EPERM },
        { SYS_capset, DENY, EPERM },
        /* namespaces and mounts: a user namespace would give capabilities within it */
        { SYS_clone, NO_NAMESPACES, EPERM }, { SYS_unshare, DENY, EPERM }, { SYS_setns, DENY, EPERM },
        { SYS_mount, DENY, EPERM }, { SYS_umount2, DENY, EPERM }, { SYS_pivot_root, DENY, EPERM },
        { SYS_chroot, DENY, EPERM },
#ifdef SYS_fsopen
        { SYS_fsopen, DENY, EPERM }, { SYS_fsconfig, DENY, EPERM }, { SYS_fsmount, DENY, EPERM },
        { SYS_fspick, DENY, EPERM }, { SYS_move_mount, DENY, EPERM }, { SYS_open_tree, DENY, EPERM },
#endif
#ifdef SYS_mount_setattr
        { SYS_mount_setattr, DENY, EPERM },
#endif
        /* clone3's flags are behind a pointer the filter cannot read: "absent", so glibc falls
         * back to clone(), whose flags are checked */
#ifdef SYS_clone3
        { SYS_clone3, DENY, ENOSYS },
#endif
        /* io_uring runs its operations past this filter: "absent" */
#ifdef SYS_io_uring_setup
        { SYS_io_uring_setup, DENY, ENOSYS }, { SYS_io_uring_enter, DENY, ENOSYS },
        { SYS_io_uring_register, DENY, ENOSYS },
#endif
        /* the terminal; signals by way of a file's owner */
        { SYS_ioctl, NOT_IOCTLS, EPERM }, { SYS_fcntl, NOT_FCNTLS, EPERM },
        /* the kernel's own state */
        { SYS_bpf, DENY, EPERM }, { SYS_perf_event_open, DENY, EPERM }, { SYS_userfaultfd, DENY, EPERM },
        { SYS_keyctl, DENY, EPERM }, { SYS_add_key, DENY, EPERM }, { SYS_request_key, DENY, EPERM },
        { SYS_init_module, DENY, EPERM }, { SYS_finit_module, DENY, EPERM }, { SYS_delete_module, DENY, EPERM },
        { SYS_kexec_load, DENY, EPERM },
#ifdef SYS_kexec_file_load
        { SYS_kexec_file_load, DENY, EPERM },
#endif
        { SYS_reboot, DENY, EPERM }, { SYS_swapon, DENY, EPERM }, { SYS_swapoff, DENY, EPERM },
        { SYS_acct, DENY, EPERM }, { SYS_open_by_handle_at, DENY, EPERM }, { SYS_personality, DENY, EPERM },
        /* the kernel log, which anyone may read where kernel.dmesg_restrict is 0 */
        { SYS_syslog, DENY, EPERM },
};

/* Rules in a leaf of the search tree, tried one after the other. */
#define FILTER_LEAF_RULES 4

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
static void jeq(struct filter *f, uint32_t k, uint8_t jt, uint8_t jf) { emit(f, BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf); }

static size_t n_refused(enum rule_kind kind) {
        size_t n = 0;
        while (refused_values[kind][n])
                n++;
        return n;
}

static uint8_t block_len(const struct rule *r) {
        switch (r->kind) {
        case DENY:              return 1;
        case ONLY_SELF_TWICE:
        case NO_SET_ID_OPEN:
        case NO_SET_ID_OPENAT:  return 6;
        case ONLY_SELF_OR_ZERO: return 5;
        case NOT_IOCTLS:
        case NOT_FCNTLS:        return (uint8_t) (3 + n_refused(r->kind));
        default:                return 4;
        }
}

/* What decides a syscall that one rule is about. Each block returns on every path: the number
 * in the accumulator is not needed after it. */
static void block(struct filter *f, const struct rule *r, pid_t self) {
        uint32_t err = RET_ERRNO(r->err), pid = (uint32_t) self;

        switch (r->kind) {
        case DENY:
                ret(f, err);
                break;
        case ONLY_AF_UNIX:
                load(f, SYSCALL_ARG(0));
                jeq(f, AF_UNIX, 0, 1);
                ret(f, SECCOMP_RET_ALLOW);
                ret(f, err);
                break;
        case ONLY_SELF:
                load(f, SYSCALL_ARG(0));
                jeq(f, pid, 0, 1);
                ret(f, SECCOMP_RET_ALLOW);
                ret(f, err);
                break;
        case ONLY_SELF_OR_ZERO:
                load(f, SYSCALL_ARG(0));
                jeq(f, 0, 1, 0);
                jeq(f, pid, 0, 1);
                ret(f, SECCOMP_RET_ALLOW);
                ret(f, err);
                break;
        case ONLY_SELF_TWICE:
                load(f, SYSCALL_ARG(0));
                jeq(f, pid, 0, 3);
                load(f, SYSCALL_ARG(1));
                jeq(f, pid, 0, 1);
                ret(f, SECCOMP_RET_ALLOW);
                ret(f, err);
                break;
        case NO_NAMESPACES:
        case NO_SET_ID_1:
        case NO_SET_ID_2:
        case ONLY_KEEP_SIZE:
        case NO_FASTOPEN_2:
        case NO_FASTOPEN_3:
                load(f, SYSCALL_ARG(refused_bits[r->kind].arg));
                emit(f, BPF_JMP | BPF_JSET | BPF_K, refused_bits[r->kind].bits, 0, 1);
                ret(f, err);
                ret(f, SECCOMP_RET_ALLOW);
                break;
        case NO_SET_ID_OPEN:
        case NO_SET_ID_OPENAT:
                load(f, SYSCALL_ARG(created[r->kind].flags));
                emit(f, BPF_JMP | BPF_JSET | BPF_K, O_CREAT | __O_TMPFILE, 0, 3);
                load(f, SYSCALL_ARG(created[r->kind].mode));
                emit(f, BPF_JMP | BPF_JSET | BPF_K, SET_ID, 0, 1);
                ret(f, err);
                ret(f, SECCOMP_RET_ALLOW);
                break;
        case NOT_IOCTLS:
        case NOT_FCNTLS:
                load(f, SYSCALL_ARG(1));
                for (size_t i = 0, n = n_refused(r->kind); i < n; i++)
                        jeq(f, refused_values[r->kind][i], (uint8_t) (n - 1 - i), i + 1 < n ? 0 : 1);
                ret(f, err);
                ret(f, SECCOMP_RET_ALLOW);
                break;
        }
}

/* A binary search over the rules (sorted by number), the syscall number in the accumulator: about
 * ten instructions for any syscall, not one per rule. That matters once per process too: the
 * kernel runs the filter for every syscall number when it is installed, to cache those it always
 * allows. Every path ends in a return. */
static void tree(struct filter *f, const struct rule *r, size_t n, pid_t self) {
        if (n <= FILTER_LEAF_RULES) {
                for (size_t i = 0; i < n; i++) {
                        jeq(f, (uint32_t) r[i].nr, 0, block_len(&r[i]));
                        block(f, &r[i], self);
                }
                ret(f, SECCOMP_RET_ALLOW);
                return;
        }
        size_t mid = n / 2;
        emit(f, BPF_JMP | BPF_JGE | BPF_K, (uint32_t) r[mid].nr, 0, 1);
        size_t jump = f->n;
        emit(f, BPF_JMP | BPF_JA, 0, 0, 0);             /* over the lower half, set below */
        tree(f, r, mid, self);
        if (jump < ELEMENTSOF(f->insn))
                f->insn[jump].k = (uint32_t) (f->n - jump - 1);
        tree(f, r + mid, n - mid, self);
}

static int by_number(const void *a, const void *b) {
        const struct rule *x = a, *y = b;
        return (x->nr > y->nr) - (x->nr < y->nr);
}

static int build_filter(struct filter *f, pid_t self) {
        static struct rule sorted[ELEMENTSOF(rules)];

        f->n = 0;
#ifndef FILTER_ARCH
        (void) self, (void) sorted;
        return -EOPNOTSUPP;
#else
        memcpy(sorted, rules, sizeof(rules));
        qsort(sorted, ELEMENTSOF(sorted), sizeof(*sorted), by_number);
        for (size_t i = 1; i < ELEMENTSOF(sorted); i++)
                if (sorted[i].nr == sorted[i - 1].nr)
                        return -EINVAL;         /* one number, one rule */
        load(f, SYSCALL_ARCH);
        jeq(f, FILTER_ARCH, 1, 0);
        ret(f, SECCOMP_RET_KILL_PROCESS);
        load(f, SYSCALL_NR);
#ifdef __x86_64__
        emit(f, BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT, 0, 1);
        ret(f, SECCOMP_RET_KILL_PROCESS);
#endif
        tree(f, sorted, ELEMENTSOF(sorted), self);
        return f->n <= ELEMENTSOF(f->insn) ? 0 : -E2BIG;
#endif
}

int seccomp_filter_install(void) {
        static struct filter f;         /* not on the stack: 4 KiB */
        uint32_t kill_process = SECCOMP_RET_KILL_PROCESS;
        int r = build_filter(&f, getpid());

        if (r < 0)
                return r;
        /* A kernel without seccomp filters, or one older than 4.14 (no RET_KILL_PROCESS), says
         * so here; an EINVAL below is then the filter's own fault. */
        if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &kill_process) < 0)
                return -EOPNOTSUPP;
        struct sock_fprog prog = { .len = (unsigned short) f.n, .filter = f.insn };
        /* No SECCOMP_FILTER_FLAG_TSYNC: the handler has one thread (nothing it links starts one),
         * and Landlock binds only the calling thread anyway. */
        return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ? -errno : 0;
}
