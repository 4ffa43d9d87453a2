/* confine.c: each check runs in a child that has confined itself (full, then syscalls), and what
 * it tried must fail with the errno a confined handler gets, or work when the handler needs it.
 * The parent only counts: a child that confined itself cannot be trusted to report through
 * cmocka, and it leaves by _exit(), so neither the parent's atexit work nor LeakSanitizer (whose
 * tracer is refused ptrace by the filter) runs in it. Without Landlock the full checks fail: this
 * machine is meant to have it. */
#include <dlfcn.h>
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/capability.h>
#include <linux/falloc.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/ioctl.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <cmocka.h>

#include "confine.h"

/* Newer than Debian 12's headers; the same number on every architecture. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#define SYS_removexattrat 466
#endif
#ifndef SYS_file_setattr
#define SYS_file_setattr 469
#endif

#define CONFINE_FAILED 255      /* the child's exit when confine_self() itself failed */
#define KILLED         (-1)     /* expected: killed by the filter (SIGSYS) */

static char dir[] = "/tmp/test-confine.XXXXXX";
static char config[128], token[128], state_dir[128], log_path[128], outside[128], textfile[128], textdir[128];
static char foreign[160];               /* in the state dir, another user's, mode 0600 */
static pid_t other = -1;                /* a process of the same user, not the child's own */
static int tcp_port;                    /* a listener on 127.0.0.1 */
static struct sockaddr_un abstract_addr, path_addr;
static socklen_t abstract_len;
static int listeners[3] = { -1, -1, -1 };
static int inet_fd = -1;                /* made before confining, as fd 0 is for the handler */
static int shm_id = -1, msg_id = -1;    /* System V IPC of the parent's, mode 0600 */

static void put(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text))
                abort();
        close(fd);
}

static int setup(void **unused) {
        (void) unused;
        if (!mkdtemp(dir))
                return -1;
#define AT(var, name) snprintf(var, sizeof(var), "%s/%s", dir, name)
        AT(config, "webhook-routing.yml"); AT(token, "auth-token"); AT(state_dir, "state");
        AT(log_path, "decision-log.jsonl"); AT(outside, "outside"); AT(textdir, "textfiles");
        AT(textfile, "textfiles/remediation.prom");
        put(config, "playbook_units: system\n");
        put(token, "s3cr3t\n");
        put(outside, "not yours\n");
        if (mkdir(state_dir, 0755) < 0 || mkdir(textdir, 0755) < 0)
                return -1;
        put(log_path, "");
        snprintf(foreign, sizeof(foreign), "%s/foreign", state_dir);
        put(foreign, "not yours either\n");
        if (chmod(foreign, 0600) < 0 || (geteuid() == 0 && chown(foreign, 65534, 65534) < 0))
                return -1;
        if ((shm_id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600)) < 0 ||
            (msg_id = msgget(IPC_PRIVATE, IPC_CREAT | 0600)) < 0)
                return -1;

        if ((other = fork()) == 0) {    /* waits to be killed */
                pause();
                _exit(0);
        }
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(in);
        listeners[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (bind(listeners[0], (struct sockaddr *) &in, sizeof(in)) < 0 || listen(listeners[0], 64) < 0 ||
            getsockname(listeners[0], (struct sockaddr *) &in, &len) < 0)
                return -1;
        tcp_port = ntohs(in.sin_port);

        abstract_addr.sun_family = AF_UNIX;
        int n = snprintf(abstract_addr.sun_path + 1, sizeof(abstract_addr.sun_path) - 1, "rw-test-confine-%d", getpid());
        abstract_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + (size_t) n);
        listeners[1] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (bind(listeners[1], (struct sockaddr *) &abstract_addr, abstract_len) < 0 || listen(listeners[1], 64) < 0)
                return -1;
        path_addr.sun_family = AF_UNIX;
        snprintf(path_addr.sun_path, sizeof(path_addr.sun_path), "%s/socket", dir);
        listeners[2] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (bind(listeners[2], (struct sockaddr *) &path_addr, sizeof(path_addr)) < 0 || listen(listeners[2], 64) < 0)
                return -1;
        return 0;
}

static int teardown(void **unused) {
        (void) unused;
        char cmd[64];
        if (other > 0) {
                kill(other, SIGKILL);
                waitpid(other, NULL, 0);
        }
        if (shm_id >= 0)
                shmctl(shm_id, IPC_RMID, NULL);
        if (msg_id >= 0)
                msgctl(msg_id, IPC_RMID, NULL);
        for (size_t i = 0; i < 3; i++)
                if (listeners[i] >= 0)
                        close(listeners[i]);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : -1;
}

/* ---- what a child tries, after confining itself: 0 or the errno ---- */

static int result(long r) { return r < 0 ? errno : 0; }

static int open_close(const char *path, int flags) {
        int fd = open(path, flags | O_CLOEXEC, 0644);
        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}

static int read_config(void) { return open_close(config, O_RDONLY); }
static int read_token(void) { return open_close(token, O_RDONLY); }
static int read_outside(void) { return open_close(outside, O_RDONLY); }
static int read_etc_passwd(void) { return open_close("/etc/passwd", O_RDONLY); }
static int list_root(void) { return open_close("/", O_RDONLY | O_DIRECTORY); }
static int write_config(void) { return open_close(config, O_WRONLY); }
static int create_outside(void) {
        char path[160];
        snprintf(path, sizeof(path), "%s/new", dir);
        int r = open_close(path, O_WRONLY | O_CREAT | O_EXCL);
        return r ? r : result(unlink(path));
}
static int dev_null(void) { return open_close("/dev/null", O_RDWR); }

static int append_log(void) {
        int fd = open(log_path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0)
                return errno;
        int r = write(fd, "{}\n", 3) == 3 ? 0 : errno;
        close(fd);
        return r;
}
static int read_log(void) { return open_close(log_path, O_RDONLY); }
static int truncate_log(void) { return result(truncate(log_path, 0)); }
static int open_log_truncating(void) { return open_close(log_path, O_WRONLY | O_TRUNC); }
static int ftruncate_log(void) {
        int fd = open(log_path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0)
                return errno;
        int r = result(ftruncate(fd, 0));
        close(fd);
        return r;
}

/* A hole punched (zeros where decisions were) or a range collapsed (the file shorter): truncation
 * by other means. */
static int punch_log(void) {
        int fd = open(log_path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0)
                return errno;
        int r = result(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096));
        close(fd);
        return r;
}
static int collapse_log(void) {
        int fd = open(log_path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return errno;
        int r = result(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096));
        close(fd);
        return r;
}

/* What the store and the unit executor do: a temp file renamed into place, a lock, removal. */
static int state_files(void) {
        char tmp[160], final[160], lock[160];
        snprintf(tmp, sizeof(tmp), "%s/state.json.tmp", state_dir);
        snprintf(final, sizeof(final), "%s/state.json", state_dir);
        snprintf(lock, sizeof(lock), "%s/lock", state_dir);
        int r;
        if ((r = open_close(lock, O_RDWR | O_CREAT)) || (r = open_close(tmp, O_WRONLY | O_CREAT | O_EXCL)) ||
            (r = result(rename(tmp, final))) || (r = open_close(final, O_RDONLY)) ||
            (r = open_close(state_dir, O_RDONLY | O_DIRECTORY)) || (r = result(unlink(final))))
                return r;
        return 0;
}
static int state_mkdir(void) {
        char path[160];
        snprintf(path, sizeof(path), "%s/sub", state_dir);
        int r = result(mkdir(path, 0755));
        return r ? r : result(rmdir(path));
}
static int state_symlink(void) {
        char path[160];
        snprintf(path, sizeof(path), "%s/link", state_dir);
        int r = result(symlink("/etc/passwd", path));
        return r ? r : result(unlink(path));
}
/* write_file_atomic(WRITE_OWN_TMP) of the metrics textfile, in its own directory. */
static int metrics_textfile(void) {
        char tmp[200];
        snprintf(tmp, sizeof(tmp), "%s.%d.tmp", textfile, getpid());
        int r = open_close(tmp, O_WRONLY | O_CREAT | O_EXCL);
        return r ? r : result(rename(tmp, textfile));
}

static int load_libsystemd(void) {
        void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        return h && dlsym(h, "sd_journal_sendv") ? 0 : ENOENT;
}

static int exec_true(void) {
        char *argv[] = { "/bin/true", NULL }, *envp[] = { NULL };
        execve(argv[0], argv, envp);
        return errno;           /* here only when it failed */
}

static int make_socket(int domain, int type) {
        int fd = socket(domain, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}
static int inet_stream(void) { return make_socket(AF_INET, SOCK_STREAM); }
static int inet6_dgram(void) { return make_socket(AF_INET6, SOCK_DGRAM); }
static int netlink(void) { return make_socket(AF_NETLINK, SOCK_RAW); }
static int packet(void) { return make_socket(AF_PACKET, SOCK_RAW); }
static int unix_socket(void) { return make_socket(AF_UNIX, SOCK_DGRAM); }
static int inet_socketpair(void) {
        int sv[2];
        return result(socketpair(AF_INET, SOCK_STREAM, 0, sv));
}
static int unix_socketpair(void) {
        int sv[2];
        int r = result(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        if (r == 0)
                close(sv[0]), close(sv[1]);
        return r;
}
static int tcp_connect(void) {          /* on a socket made before: only Landlock stops it */
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t) tcp_port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        return result(connect(inet_fd, (struct sockaddr *) &in, sizeof(in)));
}
static int tcp_bind(void) {
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        return result(bind(inet_fd, (struct sockaddr *) &in, sizeof(in)));
}
/* TCP Fast Open connects from sendto()/sendmsg(), past the connect hook Landlock checks. */
static int tcp_fastopen(void) {
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t) tcp_port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        return result(sendto(inet_fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *) &in, sizeof(in)));
}
static int tcp_fastopen_sendmsg(void) {
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t) tcp_port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        struct iovec iov = { "x", 1 };
        struct msghdr m = { .msg_name = &in, .msg_namelen = sizeof(in), .msg_iov = &iov, .msg_iovlen = 1 };
        return result(sendmsg(inet_fd, &m, MSG_FASTOPEN));
}
/* listen() binds an unbound socket to a port of its own, past the bind hook Landlock checks: a
 * server on 0.0.0.0 (fd 0 would be one, once disconnected). */
static int tcp_listen(void) { return result(listen(inet_fd, 1)); }
static int unix_connect(const struct sockaddr_un *a, socklen_t len) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return errno;
        int r = result(connect(fd, (const struct sockaddr *) a, len));
        close(fd);
        return r;
}
/* journald's and D-Bus's sockets are pathname sockets: Landlock (ABI <= 7) leaves them alone. */
static int connect_path_socket(void) { return unix_connect(&path_addr, sizeof(path_addr)); }
static int connect_abstract_socket(void) { return unix_connect(&abstract_addr, abstract_len); }

static int kill_other(void) { return result(kill(other, 0)); }
static int kill_group(void) { return result(kill(0, 0)); }
static int kill_everyone(void) { return result(kill(-1, 0)); }
static int kill_self(void) { return result(kill(getpid(), 0)); }
static int tgkill_self(void) { return result(syscall(SYS_tgkill, getpid(), getpid(), 0)); }
static int tgkill_other(void) { return result(syscall(SYS_tgkill, other, other, 0)); }
static int sigqueue_other(void) {
        siginfo_t si = { .si_code = SI_QUEUE };
        return result(syscall(SYS_rt_sigqueueinfo, other, 0, &si));
}
static int pidfd_other(void) { return result(syscall(SYS_pidfd_open, other, 0)); }
static int ptrace_other(void) { return result(ptrace(PTRACE_ATTACH, other, 0, 0)); }
static int vm_read_other(void) {
        char buf[8];
        struct iovec local = { buf, sizeof(buf) }, remote = { (void *) 0x10000, sizeof(buf) };
        return result(syscall(SYS_process_vm_readv, other, &local, 1, &remote, 1, 0));
}
static int limits_other(void) {
        struct rlimit rl;
        return result(prlimit(other, RLIMIT_NOFILE, NULL, &rl));
}
static int limits_self(void) {         /* getrlimit() is prlimit64(0, ...) */
        struct rlimit rl;
        int r = result(getrlimit(RLIMIT_NOFILE, &rl));
        return r ? r : result(prlimit(getpid(), RLIMIT_NOFILE, NULL, &rl));
}
static int affinity_other(void) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        return result(sched_setaffinity(other, sizeof(set), &set));
}
static int become_root(void) { return result(setuid(0)); }
static int set_groups(void) { gid_t g = 0; return result(setgroups(1, &g)); }
static int new_user_ns(void) { return result(unshare(CLONE_NEWUSER)); }
static int clone_new_net(void) {
        long r = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
        if (r == 0)
                _exit(0);
        if (r > 0)
                waitpid((pid_t) r, NULL, 0);
        return result(r);
}
static int clone3_anything(void) {
        uint64_t args[11] = { [4] = SIGCHLD };          /* struct clone_args, exit_signal */
        long r = syscall(SYS_clone3, args, sizeof(args));
        if (r == 0)
                _exit(0);
        if (r > 0)
                waitpid((pid_t) r, NULL, 0);
        return result(r);
}
static int plain_fork(void) {           /* glibc's fork(): clone() without namespaces */
        pid_t pid = fork();
        int status;
        if (pid == 0)
                _exit(7);
        if (pid < 0)
                return errno;
        return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : ECHILD;
}
/* On a target that is not there: should the filter fail, nothing is mounted (ENOENT). */
static int do_mount(void) { return result(syscall(SYS_mount, "none", "/nonexistent/rw-test-confine", "tmpfs", 0, NULL)); }
static int uring(void) { char params[120] = {}; return result(syscall(SYS_io_uring_setup, 1, params)); }
static int set_personality(void) { return result(personality(PER_LINUX32)); }
static int tty_inject(void) {          /* on /dev/null: should the filter fail, ENOTTY */
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC), r;
        char c = 'x';
        if (fd < 0)
                return errno;
        r = result(ioctl(fd, TIOCSTI, &c));
        close(fd);
        return r;
}
static int plain_ioctl(void) {          /* FIONREAD on a pipe: ioctl as such stays */
        int p[2], n = -1;
        if (pipe2(p, O_CLOEXEC) < 0)
                return errno;
        int r = result(ioctl(p[0], FIONREAD, &n));
        close(p[0]), close(p[1]);
        return r == 0 && n == 0 ? 0 : r ? r : EIO;
}
/* A file's owner gets SIGIO (or the signal F_SETSIG names, SIGKILL too) when it is ready: a signal
 * to another process by way of a pipe. */
static int setown_other(void) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return errno;
        int r = result(fcntl(p[0], F_SETOWN, other));
        close(p[0]), close(p[1]);
        return r;
}
static int setown_ex_other(void) {
        struct f_owner_ex owner = { F_OWNER_PID, other };
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return errno;
        int r = result(fcntl(p[0], F_SETOWN_EX, &owner));
        close(p[0]), close(p[1]);
        return r;
}
static int socket_owner_other(unsigned long request) {     /* the same through a socket's ioctl */
        int sv[2], pid = other;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return errno;
        int r = result(ioctl(sv[0], request, &pid));
        close(sv[0]), close(sv[1]);
        return r;
}
static int fiosetown_other(void) { return socket_owner_other(FIOSETOWN); }
static int siocspgrp_other(void) { return socket_owner_other(SIOCSPGRP); }
/* System V IPC is no file: Landlock does not see it, and a segment or queue of another process
 * (by its id, no key needed) would be memory and messages to write. */
static int shm_other(void) {
        void *at = shmat(shm_id, NULL, 0);
        if (at == (void *) -1)
                return errno;
        shmdt(at);
        return 0;
}
static int msg_other(void) {
        struct { long type; char text[1]; } m = { 1, { 'x' } };
        return result(msgsnd(msg_id, &m, sizeof(m.text), IPC_NOWAIT));
}
/* A set-user-ID file of the handler's user, written by a taken-over instance, would be that user
 * unconfined for anyone who runs it. */
static int create_set_uid(void) {
        char path[160];
        snprintf(path, sizeof(path), "%s/set-uid", state_dir);
        int r = open_close(path, O_WRONLY | O_CREAT | O_EXCL);     /* 0644 works */
        if (r || (r = result(unlink(path))))
                return r;
        umask(0);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 04755);
        if (fd < 0)
                return errno;
        close(fd);
        unlink(path);
        return 0;
}
static int mknod_set_gid(void) {
        char path[160];
        snprintf(path, sizeof(path), "%s/set-gid", state_dir);
        int r = result(mknod(path, S_IFREG | 02755, 0));
        if (r == 0)
                unlink(path);
        return r;
}
/* Without O_CREAT the mode is not read, and raw callers (the sanitizers' internal_open) leave
 * whatever is in its register: that is no set-uid file. */
static int open_stray_mode(void) {
        long fd = syscall(SYS_openat, AT_FDCWD, config, O_RDONLY | O_CLOEXEC, 06777);
        if (fd < 0)
                return errno;
        close((int) fd);
        return 0;
}
static int tmpfile_set_uid(void) {      /* O_TMPFILE creates too, to be linked in later */
        long fd = syscall(SYS_openat, AT_FDCWD, state_dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 04755);
        if (fd < 0)
                return errno;
        close((int) fd);
        return 0;
}
static int open_how(void) { return result(syscall(SYS_openat2, AT_FDCWD, config, NULL, 0)); }
/* Modes, owners, ACLs and attributes of files it owns, anywhere: none of Landlock's rights (as root, of
 * every file). */
static int chmod_own(void) { return result(chmod(config, 0666)); }
static int chown_own(void) { return result(chown(config, getuid(), getgid())); }
static int setxattr_own(void) { return result(setxattr(config, "user.rw-test", "x", 1, 0)); }
static int file_setattr_own(void) {     /* struct file_attr: the flags chattr sets, by path */
        uint64_t attr[3] = { 0 };
        return result(syscall(SYS_file_setattr, AT_FDCWD, config, attr, sizeof(attr), 0));
}
/* Run as root, the process would keep its capabilities: the clock, the hostname, the kernel log,
 * raw I/O, network devices' ioctls, reading past file modes. */
static int no_capabilities(void) {
        struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
        if (syscall(SYS_capget, &h, d) < 0)
                return errno;
        for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
                if (d[i].effective || d[i].permitted || d[i].inheritable)
                        return EPERM;
        return 0;
}
static int read_foreign(void) {         /* as root, CAP_DAC_OVERRIDE would read it */
        return geteuid() == 0 ? open_close(foreign, O_RDONLY) : EACCES;
}
/* Another instance of the same user, confined as this one: its memory through /proc/PID/mem, which
 * is ptrace by another name that no filter sees (with --confine=syscalls /proc is there). */
static int proc_mem_of_another(void) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return errno;
        pid_t pid = fork();
        if (pid == 0) {         /* confined as its parent; leaves when the pipe closes */
                char c;
                close(p[1]);
                _exit(read(p[0], &c, 1) < 0);
        }
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/mem", (int) pid);
        int r = pid < 0 ? errno : open_close(path, O_RDWR);
        close(p[0]), close(p[1]);
        if (pid > 0)
                waitpid(pid, NULL, 0);
        return r;
}
static int not_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : EPERM; }
/* The kernel log: readable by anyone where kernel.dmesg_restrict is 0. */
static int kernel_log(void) {
        char buf[64];
        return result(syscall(SYS_syslog, 3 /* SYSLOG_ACTION_READ_ALL */, buf, (int) sizeof(buf)));
}
static int no_new_privs(void) { return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : EPERM; }
#ifdef __x86_64__
static int x32_syscall(void) { return result(syscall(0x40000000 | SYS_getpid)); }
static int i386_syscall(void) {
        long r = 20;            /* getpid on i386 */
        __asm__ volatile("int $0x80" : "+a"(r) : : "memory");
        return r < 0 ? (int) -r : 0;
}
#endif

/* ---- the table ---- */

struct check {
        const char *what;
        int (*run)(void);
        int full, syscalls;     /* expected: 0 (works), an errno, or KILLED */
};

static const struct check checks[] = {
        { "read the config", read_config, 0, 0 },
        { "read the token", read_token, 0, 0 },
        { "read a file beside them", read_outside, EACCES, 0 },
        { "read /etc/passwd", read_etc_passwd, EACCES, 0 },
        { "list /", list_root, EACCES, 0 },
        { "write the config", write_config, EACCES, 0 },
        { "create a file outside", create_outside, EACCES, 0 },
        { "open /dev/null read-write", dev_null, 0, 0 },
        { "append to the decision log", append_log, 0, 0 },
        { "read the decision log", read_log, 0, 0 },
        { "truncate(2) the decision log", truncate_log, EACCES, 0 },
        { "open the decision log with O_TRUNC", open_log_truncating, EACCES, 0 },
        { "ftruncate(2) the decision log", ftruncate_log, EACCES, 0 },
        { "fallocate(PUNCH_HOLE) in the decision log", punch_log, EOPNOTSUPP, EOPNOTSUPP },
        { "fallocate(COLLAPSE_RANGE) of the decision log", collapse_log, EOPNOTSUPP, EOPNOTSUPP },
        { "state: lock, create, rename, read, list, unlink", state_files, 0, 0 },
        { "state: mkdir", state_mkdir, EACCES, 0 },
        { "state: symlink", state_symlink, EACCES, 0 },
        { "metrics textfile: temp file renamed over it", metrics_textfile, 0, 0 },
        { "dlopen libsystemd.so.0", load_libsystemd, 0, 0 },
        { "execve /bin/true", exec_true, EACCES, EACCES },
        { "socket(AF_INET, SOCK_STREAM)", inet_stream, EAFNOSUPPORT, EAFNOSUPPORT },
        { "socket(AF_INET6, SOCK_DGRAM)", inet6_dgram, EAFNOSUPPORT, EAFNOSUPPORT },
        { "socket(AF_NETLINK)", netlink, EAFNOSUPPORT, EAFNOSUPPORT },
        { "socket(AF_PACKET)", packet, EAFNOSUPPORT, EAFNOSUPPORT },
        { "socketpair(AF_INET)", inet_socketpair, EAFNOSUPPORT, EAFNOSUPPORT },
        { "socket(AF_UNIX)", unix_socket, 0, 0 },
        { "socketpair(AF_UNIX)", unix_socketpair, 0, 0 },
        { "TCP connect on a socket made before", tcp_connect, EACCES, 0 },
        { "TCP bind on a socket made before", tcp_bind, EACCES, 0 },
        { "TCP listen on a socket made before (a port of its own)", tcp_listen, EPERM, EPERM },
        { "TCP Fast Open: sendto(MSG_FASTOPEN) on a socket made before", tcp_fastopen, EPERM, EPERM },
        { "TCP Fast Open: sendmsg(MSG_FASTOPEN) on a socket made before", tcp_fastopen_sendmsg, EPERM, EPERM },
        { "connect a pathname unix socket (journald, D-Bus)", connect_path_socket, 0, 0 },
        { "connect an abstract unix socket", connect_abstract_socket, EPERM, 0 },
        { "kill(other, 0)", kill_other, EPERM, EPERM },
        { "kill(0, 0): the process group", kill_group, EPERM, EPERM },
        { "kill(-1, 0): everyone", kill_everyone, EPERM, EPERM },
        { "kill(getpid(), 0)", kill_self, 0, 0 },
        { "tgkill(self, self, 0)", tgkill_self, 0, 0 },
        { "tgkill(other, other, 0)", tgkill_other, EPERM, EPERM },
        { "rt_sigqueueinfo(other)", sigqueue_other, EPERM, EPERM },
        { "pidfd_open(other)", pidfd_other, EPERM, EPERM },
        { "ptrace(PTRACE_ATTACH, other)", ptrace_other, EPERM, EPERM },
        { "process_vm_readv(other)", vm_read_other, EPERM, EPERM },
        { "prlimit(other)", limits_other, EPERM, EPERM },
        { "getrlimit, prlimit(self)", limits_self, 0, 0 },
        { "sched_setaffinity(other)", affinity_other, EPERM, EPERM },
        { "setuid(0)", become_root, EPERM, EPERM },
        { "setgroups", set_groups, EPERM, EPERM },
        { "unshare(CLONE_NEWUSER)", new_user_ns, EPERM, EPERM },
        { "clone(CLONE_NEWNET)", clone_new_net, EPERM, EPERM },
        { "clone3: absent, so glibc uses clone()", clone3_anything, ENOSYS, ENOSYS },
        { "fork()", plain_fork, 0, 0 },
        { "mount", do_mount, EPERM, EPERM },
        { "io_uring_setup: absent", uring, ENOSYS, ENOSYS },
        { "personality", set_personality, EPERM, EPERM },
        { "ioctl(TIOCSTI)", tty_inject, EPERM, EPERM },
        { "ioctl(FIONREAD)", plain_ioctl, 0, 0 },
        { "fcntl(F_SETOWN, other)", setown_other, EPERM, EPERM },
        { "fcntl(F_SETOWN_EX, other)", setown_ex_other, EPERM, EPERM },
        { "ioctl(FIOSETOWN, other)", fiosetown_other, EPERM, EPERM },
        { "ioctl(SIOCSPGRP, other)", siocspgrp_other, EPERM, EPERM },
        { "shmat another's segment", shm_other, EPERM, EPERM },
        { "state: a file created mode 04755", create_set_uid, EPERM, EPERM },
        { "state: mknod a regular file mode 02755", mknod_set_gid, EPERM, EPERM },
        { "state: O_TMPFILE mode 04755", tmpfile_set_uid, EPERM, EPERM },
        { "open without O_CREAT, a stray set-uid bit in the mode argument", open_stray_mode, 0, 0 },
        { "openat2: absent (its mode cannot be read)", open_how, ENOSYS, ENOSYS },
        { "chmod a file of its own", chmod_own, EPERM, EPERM },
        { "chown a file of its own", chown_own, EPERM, EPERM },
        { "setxattr on a file of its own", setxattr_own, EPERM, EPERM },
        { "file_setattr on a file of its own", file_setattr_own, EPERM, EPERM },
        { "msgsnd to another's queue", msg_other, EPERM, EPERM },
        { "no_new_privs is set", no_new_privs, 0, 0 },
        { "read the kernel log", kernel_log, EPERM, EPERM },
        { "no capability left", no_capabilities, 0, 0 },
        { "not dumpable", not_dumpable, 0, 0 },
        { "open another confined process's /proc/PID/mem", proc_mem_of_another, EACCES, EACCES },
        { "read another user's file (mode 0600) in the state dir", read_foreign, EACCES, EACCES },
#ifdef __x86_64__
        { "an x32 syscall number kills", x32_syscall, KILLED, KILLED },
        { "an i386 syscall kills", i386_syscall, KILLED, KILLED },
#endif
};

struct trial {
        enum confine_mode mode;
        const struct check *check;
};

static void run_confined(void **state) {
        const struct trial *t = *state;
        int expected = t->mode == CONFINE_FULL ? t->check->full : t->check->syscalls, status;
        struct confine_paths p = {
                .config = config, .token = token, .state_dir = state_dir, .decision_log = log_path,
                .metrics_textfile = textfile,
        };

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct rlimit no_core = { 0, 0 };
                setrlimit(RLIMIT_CORE, &no_core);       /* SIGSYS would dump one */
                inet_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (confine_self(t->mode, &p) < 0)
                        _exit(CONFINE_FAILED);
                _exit(t->check->run() & 0xff);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (expected == KILLED) {
                if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
                        fail_msg("%s: expected to be killed by SIGSYS, got %s %d", t->check->what,
                                 WIFSIGNALED(status) ? "signal" : "exit", WIFSIGNALED(status) ? WTERMSIG(status) :
                                 WEXITSTATUS(status));
                return;
        }
        if (!WIFEXITED(status))
                fail_msg("%s: killed by signal %d", t->check->what, WTERMSIG(status));
        int got = WEXITSTATUS(status);
        if (got == CONFINE_FAILED)
                fail_msg("%s: confine_self(%s) failed (Landlock ABI %d)", t->check->what,
                         confine_mode_name(t->mode), confine_landlock_abi());
        if (got != expected)
                fail_msg("%s: expected %s, got %s", t->check->what, expected ? strerror(expected) : "success",
                         got ? strerror(got) : "success");
}

/* Every syscall the filter refuses outright, called with every argument -1 (nothing they could
 * do with that, should the filter fail: an invalid pointer, flag or descriptor), answers its
 * errno. The list is this test's own, not seccomp-filter.c's. */
static const struct { const char *name; long nr; int err; } denylist[] = {
#define D(name, err) { #name, SYS_##name, err }
        D(execve, EACCES), D(execveat, EACCES),
        D(ptrace, EPERM), D(process_vm_readv, EPERM), D(process_vm_writev, EPERM), D(kcmp, EPERM),
        D(pidfd_open, EPERM), D(pidfd_send_signal, EPERM), D(pidfd_getfd, EPERM), D(process_madvise, EPERM),
        D(kill, EPERM), D(tkill, EPERM), D(tgkill, EPERM), D(rt_sigqueueinfo, EPERM), D(rt_tgsigqueueinfo, EPERM),
        D(setuid, EPERM), D(setgid, EPERM), D(setreuid, EPERM), D(setregid, EPERM), D(setresuid, EPERM),
        D(setresgid, EPERM), D(setfsuid, EPERM), D(setfsgid, EPERM), D(setgroups, EPERM), D(capset, EPERM),
        D(clone, EPERM), D(unshare, EPERM), D(setns, EPERM), D(mount, EPERM), D(umount2, EPERM),
        D(pivot_root, EPERM), D(chroot, EPERM), D(fsopen, EPERM), D(fsconfig, EPERM), D(fsmount, EPERM),
        D(fspick, EPERM), D(move_mount, EPERM), D(open_tree, EPERM), D(mount_setattr, EPERM),
        D(clone3, ENOSYS), D(io_uring_setup, ENOSYS), D(io_uring_enter, ENOSYS), D(io_uring_register, ENOSYS),
        D(bpf, EPERM), D(perf_event_open, EPERM), D(userfaultfd, EPERM), D(keyctl, EPERM), D(add_key, EPERM),
        D(request_key, EPERM), D(init_module, EPERM), D(finit_module, EPERM), D(delete_module, EPERM),
        D(kexec_load, EPERM), D(kexec_file_load, EPERM), D(reboot, EPERM), D(swapon, EPERM), D(swapoff, EPERM),
        D(acct, EPERM), D(open_by_handle_at, EPERM), D(personality, EPERM),
        D(socket, EAFNOSUPPORT), D(socketpair, EAFNOSUPPORT),
        D(prlimit64, EPERM), D(sched_setaffinity, EPERM), D(sched_setscheduler, EPERM), D(sched_setparam, EPERM),
        D(sched_setattr, EPERM), D(migrate_pages, EPERM), D(move_pages, EPERM), D(get_robust_list, EPERM),
        D(setpriority, EPERM), D(ioprio_set, EPERM),
        D(shmget, EPERM), D(shmat, EPERM), D(shmctl, EPERM), D(msgget, EPERM), D(msgsnd, EPERM),
        D(msgrcv, EPERM), D(msgctl, EPERM), D(semget, EPERM), D(semop, EPERM), D(semtimedop, EPERM),
        D(semctl, EPERM),
#ifdef SYS_open                 /* the old ones, which aarch64 never had */
        D(open, EPERM), D(creat, EPERM), D(mknod, EPERM), D(chmod, EPERM), D(chown, EPERM), D(lchown, EPERM),
#endif
        D(openat, EPERM), D(mknodat, EPERM), D(openat2, ENOSYS), D(fchmod, EPERM), D(fchmodat, EPERM),
        D(fchmodat2, EPERM), D(fchown, EPERM), D(fchownat, EPERM), D(setxattr, EPERM),
        D(lsetxattr, EPERM), D(fsetxattr, EPERM), D(removexattr, EPERM), D(lremovexattr, EPERM),
        D(fremovexattr, EPERM), D(setxattrat, EPERM), D(removexattrat, EPERM), D(file_setattr, EPERM),
        D(fallocate, EOPNOTSUPP), D(listen, EPERM), D(syslog, EPERM),
#undef D
};

static void every_denied_syscall(void **state) {
        enum confine_mode mode = (enum confine_mode) (intptr_t) *state;
        struct confine_paths p = { .config = config, .state_dir = state_dir, .decision_log = log_path };
        char report[4096] = "";
        int fds[2], status;

        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char line[128];
                close(fds[0]);
                if (confine_self(mode, &p) < 0)
                        _exit(CONFINE_FAILED);
                for (size_t i = 0; i < sizeof(denylist) / sizeof(denylist[0]); i++) {
                        long r = syscall(denylist[i].nr, -1L, -1L, -1L, -1L, -1L, -1L);
                        int err = r < 0 ? errno : 0;
                        if (err != denylist[i].err) {
                                int n = snprintf(line, sizeof(line), "%s: %s; ", denylist[i].name,
                                                 err ? strerror(err) : "success");
                                if (write(fds[1], line, (size_t) n) != n)
                                        _exit(1);
                        }
                }
                _exit(0);
        }
        close(fds[1]);
        size_t len = 0;
        ssize_t n;
        while (len < sizeof(report) - 1 && (n = read(fds[0], report + len, sizeof(report) - 1 - len)) > 0)
                len += (size_t) n;
        report[len] = '\0';
        close(fds[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("the child ended with status %#x", status);
        if (len)
                fail_msg("%s: %s", confine_mode_name(mode), report);
}

#ifdef __x86_64__
/* ---- the filter itself, as the kernel holds it, run for every syscall number ----
 *
 * The parent reads the installed program back (PTRACE_SECCOMP_GET_FILTER: it needs
 * CAP_SYS_ADMIN) and runs it here for numbers 0..WALK_NR_MAX and the edges of the x32 range, each
 * with argument vectors that hit every comparison (and their 64-bit twins with upper bits set,
 * which the kernel truncates to the int the syscall takes). Each answer is compared with what
 * this table of the test's own says: an off-by-one in the search tree would let a syscall through. */
#define WALK_NR_MAX 1023

static uint32_t bpf_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *d, int *bad) {
        uint32_t a = 0;
        for (size_t pc = 0; pc < len; pc++) {
                const struct sock_filter *i = &prog[pc];
                switch (i->code) {
                case BPF_LD | BPF_W | BPF_ABS:
                        if (i->k > sizeof(*d) - 4 || i->k % 4) {
                                *bad = 1;
                                return 0;
                        }
                        memcpy(&a, (const char *) d + i->k, 4);
                        break;
                case BPF_JMP | BPF_JA: pc += i->k; break;
                case BPF_JMP | BPF_JEQ | BPF_K: pc += a == i->k ? i->jt : i->jf; break;
                case BPF_JMP | BPF_JGE | BPF_K: pc += a >= i->k ? i->jt : i->jf; break;
                case BPF_JMP | BPF_JSET | BPF_K: pc += a & i->k ? i->jt : i->jf; break;
                case BPF_RET | BPF_K: return i->k;
                default: *bad = 1; return 0;
                }
        }
        *bad = 1;               /* ran off the end */
        return 0;
}

#define ALLOW      SECCOMP_RET_ALLOW
#define KILL       SECCOMP_RET_KILL_PROCESS
#define ERR(e)     (SECCOMP_RET_ERRNO | (e))

/* What the filter must answer, from the README's list. */
static uint32_t intended(const struct seccomp_data *d, uint32_t self) {
        uint32_t a0 = (uint32_t) d->args[0], a1 = (uint32_t) d->args[1], a2 = (uint32_t) d->args[2],
                 a3 = (uint32_t) d->args[3], set_id = S_ISUID | S_ISGID;

        if (d->arch != AUDIT_ARCH_X86_64 || (uint32_t) d->nr >= 0x40000000)       /* x32, and -1 */
                return KILL;
        switch (d->nr) {
        case SYS_execve: case SYS_execveat:
                return ERR(EACCES);
        case SYS_socket: case SYS_socketpair:
                return a0 == AF_UNIX ? ALLOW : ERR(EAFNOSUPPORT);
        case SYS_kill: case SYS_tkill: case SYS_rt_sigqueueinfo:
                return a0 == self ? ALLOW : ERR(EPERM);
        case SYS_tgkill: case SYS_rt_tgsigqueueinfo:
                return a0 == self && a1 == self ? ALLOW : ERR(EPERM);
        case SYS_prlimit64: case SYS_sched_setaffinity: case SYS_sched_setscheduler: case SYS_sched_setparam:
        case SYS_sched_setattr: case SYS_migrate_pages: case SYS_move_pages: case SYS_get_robust_list:
                return a0 == self || a0 == 0 ? ALLOW : ERR(EPERM);
        case SYS_clone:
                return a0 & (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                             CLONE_NEWPID | CLONE_NEWNET) ? ERR(EPERM) : ALLOW;
        case SYS_ioctl:
                return a1 == TIOCSTI || a1 == TIOCLINUX || a1 == FIOSETOWN || a1 == SIOCSPGRP ? ERR(EPERM) : ALLOW;
        case SYS_fcntl:
                return a1 == F_SETOWN || a1 == F_SETOWN_EX ? ERR(EPERM) : ALLOW;
        case SYS_fallocate:
                return a1 & ~(uint32_t) FALLOC_FL_KEEP_SIZE ? ERR(EOPNOTSUPP) : ALLOW;
        case SYS_sendmsg:
                return a2 & MSG_FASTOPEN ? ERR(EPERM) : ALLOW;
        case SYS_sendto: case SYS_sendmmsg:
                return a3 & MSG_FASTOPEN ? ERR(EPERM) : ALLOW;
        case SYS_creat: case SYS_mknod:
                return a1 & set_id ? ERR(EPERM) : ALLOW;
        case SYS_mknodat:
                return a2 & set_id ? ERR(EPERM) : ALLOW;
        case SYS_open:
                return a1 & (O_CREAT | __O_TMPFILE) && a2 & set_id ? ERR(EPERM) : ALLOW;
        case SYS_openat:
                return a2 & (O_CREAT | __O_TMPFILE) && a3 & set_id ? ERR(EPERM) : ALLOW;
        }
        for (size_t i = 0; i < sizeof(denylist) / sizeof(denylist[0]); i++)
                if (denylist[i].nr == d->nr)
                        return ERR(denylist[i].err);
        return ALLOW;
}

static void filter_walk(void **state) {
        enum confine_mode mode = (enum confine_mode) (intptr_t) *state;
        struct confine_paths p = { .config = config, .state_dir = state_dir, .decision_log = log_path };
        static struct sock_filter prog[4096];
        int ready[2], status;
        char c;

        if (geteuid() != 0)
                fail_msg("reading the filter back (PTRACE_SECCOMP_GET_FILTER) needs root");
        assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(ready[0]);
                if (confine_self(mode, &p) < 0)
                        _exit(CONFINE_FAILED);
                if (write(ready[1], "x", 1) != 1)
                        _exit(1);
                for (;;)
                        pause();
        }
        close(ready[1]);
        assert_int_equal(read(ready[0], &c, 1), 1);
        close(ready[0]);
        assert_int_equal(ptrace(PTRACE_ATTACH, pid, 0, 0), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSTOPPED(status));
        long len = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0, NULL);
        if (len < 0)
                fail_msg("PTRACE_SECCOMP_GET_FILTER: %s", strerror(errno));
        assert_true(len > 0 && (size_t) len <= sizeof(prog) / sizeof(prog[0]));
        assert_int_equal(ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0, prog), len);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);

        const uint64_t high = 1ULL << 32;
        const uint64_t values[] = {
                0, 1, 0xffffffff, (uint32_t) pid, AF_UNIX, AF_INET, TIOCSTI, TIOCLINUX, FIOSETOWN, SIOCSPGRP,
                FIONREAD, F_SETOWN, F_SETOWN_EX, F_GETFL, S_ISUID, S_ISGID, 0644, FALLOC_FL_KEEP_SIZE,
                FALLOC_FL_PUNCH_HOLE, CLONE_NEWNET, CLONE_NEWUSER, SIGCHLD, MSG_FASTOPEN, MSG_NOSIGNAL, O_CREAT,
                __O_TMPFILE | S_ISUID, O_CREAT | S_ISGID,
        };
        size_t n_values = sizeof(values) / sizeof(values[0]), wrong = 0, n = 0;
        char report[2048] = "";
        uint32_t numbers[WALK_NR_MAX + 1 + 4];
        for (uint32_t nr = 0; nr <= WALK_NR_MAX; nr++)
                numbers[n++] = nr;
        numbers[n++] = 0x3fffffff, numbers[n++] = 0x40000000, numbers[n++] = 0x40000000 | SYS_getpid,
                numbers[n++] = 0xffffffff;
        for (size_t i = 0; i < n; i++)
                for (size_t v = 0; v < 2 * n_values + 1; v++) {
                        /* one value in every argument, also with upper bits set; or the pid
                         * first and another value after it (tgkill: its own group, another
                         * thread) */
                        struct seccomp_data d = { .nr = (int) numbers[i], .arch = AUDIT_ARCH_X86_64 };
                        uint64_t x = values[v % n_values] | (v >= n_values && v < 2 * n_values ? high : 0);
                        for (size_t k = 0; k < 6; k++)
                                d.args[k] = v == 2 * n_values ? (k == 0 ? (uint32_t) pid : values[i % n_values]) : x;
                        int bad = 0;
                        uint32_t got = bpf_run(prog, (size_t) len, &d, &bad), want = intended(&d, (uint32_t) pid);
                        if (bad)
                                fail_msg("the program for %u does not run: a bad instruction or no return", d.nr);
                        if (got != want && wrong++ < 8) {
                                size_t used = strlen(report);
                                snprintf(report + used, sizeof(report) - used, "nr %u arg %#llx: %#x, not %#x; ",
                                         d.nr, (unsigned long long) d.args[1], got, want);
                        }
                }
        struct seccomp_data i386 = { .nr = SYS_getpid, .arch = AUDIT_ARCH_I386 };
        int bad = 0;
        if (bpf_run(prog, (size_t) len, &i386, &bad) != KILL || bad)
                fail_msg("an i386 syscall is not killed");
        if (wrong)
                fail_msg("%zu answers differ: %s", wrong, report);
}
#endif

/* A file's rights given to a directory would hold for everything beneath it: a token path that
 * is a directory gets no rule, so a file in it stays unreadable. */
static void directory_where_a_file_belongs(void **unused) {
        (void) unused;
        char inside[160];
        struct confine_paths p = { .config = config, .token = textdir, .state_dir = state_dir,
                                   .decision_log = log_path };
        int status;

        snprintf(inside, sizeof(inside), "%s/readable", textdir);
        put(inside, "x\n");
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(confine_self(CONFINE_FULL, &p) < 0 ? CONFINE_FAILED : open_close(inside, O_RDONLY));
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), EACCES);
        unlink(inside);
}

/* A unit's SystemCallFilter=~@privileged refuses capset(): a process with no capability to give
 * up (the unit's user) still confines itself. */
static void capset_refused_around(void **unused) {
        (void) unused;
        struct confine_paths p = { .config = config, .state_dir = state_dir, .decision_log = log_path };
        int status;

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
                struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = { { 0, 0, 0 } };
                struct sock_filter outer[] = {
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_capset, 0, 1),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                };
                struct sock_fprog prog = { sizeof(outer) / sizeof(outer[0]), outer };
                if (syscall(SYS_capset, &h, none) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                        _exit(1);
                int r = confine_self(CONFINE_FULL, &p);
                _exit(r < 0 ? -r : 0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status))
                fail_msg("confine_self: %s", strerror(WEXITSTATUS(status)));
}

/* The metrics textfile's directory becomes writable beneath: "/" never, however it is spelled. */
static void textfile_in_root(void **unused) {
        (void) unused;
        static const char *const spellings[] = { "/./remediation.prom", "//remediation.prom", "/tmp/../remediation.prom" };
        int status;

        for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
                struct confine_paths p = { .config = config, .state_dir = state_dir, .decision_log = log_path,
                                           .metrics_textfile = spellings[i] };
                pid_t pid = fork();
                assert_true(pid >= 0);
                if (pid == 0)
                        _exit(confine_self(CONFINE_FULL, &p) < 0 ? CONFINE_FAILED : create_outside());
                assert_int_equal(waitpid(pid, &status, 0), pid);
                assert_true(WIFEXITED(status));
                if (WEXITSTATUS(status) != EACCES)
                        fail_msg("metrics_textfile %s: a file created outside: %s", spellings[i],
                                 WEXITSTATUS(status) ? strerror(WEXITSTATUS(status)) : "success");
        }
}

static void landlock_is_here(void **unused) {
        (void) unused;
        int abi = confine_landlock_abi();
        if (abi < CONFINE_LANDLOCK_ABI_MIN)
                fail_msg("Landlock ABI %d, --confine=full needs %d: the full checks cannot pass", abi,
                         CONFINE_LANDLOCK_ABI_MIN);
        assert_int_equal(confine_probe(CONFINE_FULL), 0);
        assert_int_equal(confine_probe(CONFINE_SYSCALLS), 0);
        assert_int_equal(confine_probe(CONFINE_OFF), 0);
}

static void mode_names(void **unused) {
        (void) unused;
        assert_int_equal(confine_mode_from_string("full"), CONFINE_FULL);
        assert_int_equal(confine_mode_from_string("syscalls"), CONFINE_SYSCALLS);
        assert_int_equal(confine_mode_from_string("off"), CONFINE_OFF);
        assert_int_equal(confine_mode_from_string("Full"), -EINVAL);
        assert_string_equal(confine_mode_name(CONFINE_SYSCALLS), "syscalls");
        assert_int_equal(confine_self(CONFINE_FULL, NULL), -EINVAL);
}

int main(void) {
        enum { N = sizeof(checks) / sizeof(checks[0]) };
        static struct trial trials[2 * N];
        static char names[2 * N][96];
        static struct CMUnitTest tests[2 * N + 9];
        size_t n = 0;

        tests[n++] = (struct CMUnitTest) cmocka_unit_test(landlock_is_here);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(mode_names);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(directory_where_a_file_belongs);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(textfile_in_root);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(capset_refused_around);
#ifdef __x86_64__
        tests[n++] = (struct CMUnitTest) { .name = "full: the filter, run for every syscall number, answers as intended",
                                           .test_func = filter_walk, .initial_state = (void *) (intptr_t) CONFINE_FULL };
        tests[n++] = (struct CMUnitTest) { .name = "syscalls: the filter, run for every syscall number, answers as intended",
                                           .test_func = filter_walk, .initial_state = (void *) (intptr_t) CONFINE_SYSCALLS };
#endif
        tests[n++] = (struct CMUnitTest) { .name = "full: every denied syscall answers its errno",
                                           .test_func = every_denied_syscall, .initial_state = (void *) (intptr_t) CONFINE_FULL };
        tests[n++] = (struct CMUnitTest) { .name = "syscalls: every denied syscall answers its errno",
                                           .test_func = every_denied_syscall, .initial_state = (void *) (intptr_t) CONFINE_SYSCALLS };
        for (size_t m = 0; m < 2; m++)
                for (size_t i = 0; i < N; i++) {
                        struct trial *t = &trials[m * N + i];
                        *t = (struct trial) { m == 0 ? CONFINE_FULL : CONFINE_SYSCALLS, &checks[i] };
                        snprintf(names[m * N + i], sizeof(names[0]), "%s: %s", confine_mode_name(t->mode),
                                 checks[i].what);
                        tests[n++] = (struct CMUnitTest) { .name = names[m * N + i], .test_func = run_confined,
                                                           .initial_state = t };
                }
        return _cmocka_run_group_tests("confine", tests, n, setup, teardown);
}
