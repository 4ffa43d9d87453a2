/* The confinement probe (tests/confine-nspawn.test): run as the ExecStart of
 * remediation-webhook@.service with the handler's own arguments, it confines itself exactly as the
 * handler does (the same options, the same paths from the same config, confine_self()), then tries
 * what a taken-over instance would: read, write and exec outside its paths, IP sockets, signals and
 * ptrace, privileges; and what the handler needs: its config, token, state, decision log, journal
 * and D-Bus. It answers the connection (stdout) with HTTP 200 and one line per check,
 * "NAME<TAB>ok" or "NAME<TAB>ERRNO-NAME". A test program: never installed. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "audit.h"
#include "confine.h"
#include "exec.h"
#include "identity.h"
#include "libsystemd.h"
#include "runtime.h"
#include "util.h"

#define PROBE_HEAD_MAX          8192    /* the request's head; its body is never read */
#define PROBE_READ_TIMEOUT_MS   5000
#define PROBE_ANSWER_MAX        16384
#define PROBE_PLAYBOOKS         "/usr/libexec/remediation-webhook/playbooks"
#define PROBE_HANDLER           "/usr/bin/remediation-webhook"
#define PROBE_SETUID_BINARY     "/usr/bin/su"

static char answer[PROBE_ANSWER_MAX];
static size_t answer_len;

static void line(const char *name, int err) {
        char errname[32];
        const char *e = err ? strerrorname_np(err) : "ok";
        if (!e) {
                snprintf(errname, sizeof(errname), "E%d", err);
                e = errname;
        }
        int n = snprintf(answer + answer_len, sizeof(answer) - answer_len, "%s\t%s\n", name, e);
        if (n > 0 && (size_t) n < sizeof(answer) - answer_len)
                answer_len += (size_t) n;
}

/* "NAME PATH" lines: the path is part of the name, so the test's expectations read as sentences. */
static void linef(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void linef(int err, const char *fmt, ...) {
        char name[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(name, sizeof(name), fmt, ap);
        va_end(ap);
        line(name, err);
}

static int try_read(const char *path) {
        char c;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return errno;
        int r = read(fd, &c, 1) < 0 ? errno : 0;
        close(fd);
        return r;
}

static int try_list(const char *path) {
        char buf[4096];
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno;
        int r = syscall(SYS_getdents64, fd, buf, sizeof(buf)) < 0 ? errno : 0;
        close(fd);
        return r;
}

/* Creates a new file (removed again when that worked). */
static int try_create(const char *dir) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/rw-confine-probe.%ld", dir, (long) getpid());
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                return errno;
        close(fd);
        unlink(path);
        return 0;
}

/* Opens an existing file for writing, writes nothing. */
static int try_write(const char *path, int flags) {
        int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | flags);
        if (fd < 0)
                return errno;
        int r = write(fd, "", 0) < 0 ? errno : 0;
        close(fd);
        return r;
}

/* fn in a child, so that what it might change (a namespace, an id, an exec) stays there; the
 * child's exit status is the errno (0: it worked). */
static int in_child(int (*fn)(const void *), const void *arg) {
        int status;
        pid_t pid = fork();
        if (pid < 0)
                return errno;
        if (pid == 0)
                _exit(fn(arg) & 0xff);
        if (waitpid(pid, &status, 0) < 0)
                return errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* execve in a child, its stdout on /dev/null (stdout is the connection); the errno comes back
 * over a close-on-exec pipe: nothing read means the exec happened. */
static int try_exec(const char *path, const char *arg) {
        int p[2], err = 0, status;
        if (pipe2(p, O_CLOEXEC) < 0)
                return errno;
        pid_t pid = fork();
        if (pid < 0)
                return errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, STDIN_FILENO);
                        dup2(null, STDOUT_FILENO);
                        dup2(null, STDERR_FILENO);
                }
                char *const argv[] = { (char *) path, (char *) arg, NULL };
                char *const envp[] = { NULL };
                execve(path, argv, envp);
                err = errno;
                (void) !write(p[1], &err, sizeof(err));
                _exit(127);
        }
        close(p[1]);
        if (read(p[0], &err, sizeof(err)) != sizeof(err))
                err = 0;
        close(p[0]);
        waitpid(pid, &status, 0);
        return err;
}

static int try_socket(int domain, int type, int protocol) {
        int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}

static int try_connect_tcp(uint16_t port) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return errno;
        int r = connect(fd, (struct sockaddr *) &a, sizeof(a)) < 0 ? errno : 0;
        close(fd);
        return r;
}

/* No capability in any set, the bounding and ambient sets included: asked right after
 * identity_become() and again once confined, independently of the code under test. */
static int no_capabilities(void) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};

        if (syscall(SYS_capget, &h, d) < 0)
                return errno;
        for (int i = 0; i < 2; i++)
                if (d[i].effective || d[i].permitted || d[i].inheritable)
                        return EPERM;
        for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
                if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 ||
                    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
                        return EPERM;
        return 0;
}

/* Exactly the user's ids, real, effective and saved, and no supplementary group. */
static int only_the_user(uid_t uid, gid_t gid) {
        uid_t ru, eu, su;
        gid_t rg, eg, sg, g[1];

        if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
                return errno;
        return ru == uid && eu == uid && su == uid && rg == gid && eg == gid && sg == gid &&
               getgroups(1, g) == 0 ? 0 : EPERM;
}

static int do_setuid(const void *arg) { (void) arg; return setuid(0) < 0 ? errno : 0; }
static int do_setgid(const void *arg) { (void) arg; return setgid(0) < 0 ? errno : 0; }
static int do_unshare_user(const void *arg) { (void) arg; return unshare(CLONE_NEWUSER) < 0 ? errno : 0; }
static int do_unshare_mount(const void *arg) { (void) arg; return unshare(CLONE_NEWNS) < 0 ? errno : 0; }
static int do_mount(const void *arg) {
        return mount("none", arg, "tmpfs", 0, NULL) < 0 ? errno : 0;
}
static int do_capset(const void *arg) {
        (void) arg;
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};
        d[0].effective = d[0].permitted = 1u << CAP_SETUID;
        return syscall(SYS_capset, &h, d) < 0 ? errno : 0;
}
static int do_chroot(const void *arg) { (void) arg; return chroot("/") < 0 ? errno : 0; }

/* kill, ptrace and process_vm_readv of PID; a successful attach is undone. */
static void try_other_process(const char *who, pid_t pid) {
        static char probe_byte = 'x';
        char c;
        struct iovec local = { &c, 1 }, remote = { &probe_byte, 1 };
        int status;

        linef(kill(pid, 0) < 0 ? errno : 0, "kill %s", who);
        linef(kill(pid, SIGCONT) < 0 ? errno : 0, "kill -CONT %s", who);
        if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0) {
                linef(errno, "ptrace attach %s", who);
        } else {
                linef(0, "ptrace attach %s", who);
                waitpid(pid, &status, __WALL);
                ptrace(PTRACE_DETACH, pid, NULL, NULL);
        }
        linef(process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0 ? errno : 0, "process_vm_readv %s", who);
}

/* A child of our own, waiting for the pipe to close: the same user, our descendant. */
static void try_child(void) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) {
                line("fork a child", errno);
                return;
        }
        pid_t pid = fork();
        if (pid < 0) {
                line("fork a child", errno);
                return;
        }
        if (pid == 0) {
                char c;
                close(p[1]);
                (void) !read(p[0], &c, 1);
                _exit(0);
        }
        close(p[0]);
        line("fork a child", 0);
        try_other_process("own child", pid);
        close(p[1]);
        waitpid(pid, NULL, 0);
}

/* The process the test started as the handler's user, its pid in STATE/probe-victim.pid. */
static void try_victim(const char *state_dir) {
        char path[4096], *text = NULL;
        size_t len = 0;
        uint64_t pid;
        snprintf(path, sizeof(path), "%s/probe-victim.pid", state_dir);
        if (read_file_bounded(AT_FDCWD, path, 32, &text, &len) < 0 ||
            parse_uint_range(text, strcspn(text, "\n"), 2, INT32_MAX, &pid) < 0) {
                line("victim pid", ENOENT);
                free(text);
                return;
        }
        free(text);
        try_other_process("same user's process", (pid_t) pid);
}

static int try_state(const char *dir) {
        char tmp[4096], dst[4096];
        snprintf(tmp, sizeof(tmp), "%s/probe.%ld.tmp", dir, (long) getpid());
        snprintf(dst, sizeof(dst), "%s/probe.%ld", dir, (long) getpid());
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                return errno;
        int r = write(fd, "x", 1) != 1 ? errno : 0;
        close(fd);
        if (!r && rename(tmp, dst) < 0)
                r = errno;
        if (unlink(r ? tmp : dst) < 0 && !r)
                r = errno;
        return r;
}

/* As the handler opens it (created when absent), writing nothing. */
static int try_log(const char *path) {
        int fd = audit_open_log(path);
        if (fd < 0)
                return -fd;
        int r = write(fd, "", 0) < 0 ? errno : 0;
        close(fd);
        return r;
}

static int try_journal(void) {
        static const char msg[] = "MESSAGE=remediation-webhook confinement probe\nPRIORITY=6\n";
        struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "/run/systemd/journal/socket" };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return errno;
        int r = sendto(fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *) &a, sizeof(a)) < 0 ? errno : 0;
        close(fd);
        return r;
}

/* What the unit executor does first: the system bus through libsystemd (dlopen'ed), Hello
 * included, then one method call. */
static int try_dbus(void) {
        const char *why = NULL;
        const struct libsystemd *sd = libsystemd(&why);
        sd_bus *bus = NULL;
        sd_bus_message *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        if (!sd)
                return ELIBACC;
        int r = sd->bus_open_system(&bus);
        if (r >= 0)
                r = sd->bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", "GetId", &err, &reply, "");
        sd->bus_message_unref(reply);
        sd->bus_error_free(&err);
        sd->bus_flush_close_unref(bus);
        return r < 0 ? -r : 0;
}

static int try_io_uring(void) {
        struct io_uring_params params = {};
        int fd = syscall(__NR_io_uring_setup, 1, &params);
        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}

/* The request's head, so that the client is not answered before it has sent it. */
static void read_head(void) {
        char buf[PROBE_HEAD_MAX];
        size_t len = 0;
        int64_t deadline = now_monotonic_ms() + PROBE_READ_TIMEOUT_MS;
        while (len < sizeof(buf)) {
                struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
                int64_t left = deadline - now_monotonic_ms();
                if (left <= 0 || poll(&p, 1, (int) left) <= 0)
                        return;
                ssize_t n = read(STDIN_FILENO, buf + len, sizeof(buf) - len);
                if (n <= 0)
                        return;
                len += (size_t) n;
                if (memmem(buf, len, "\r\n\r\n", 4))
                        return;
        }
}

static void respond(void) {
        char head[256];
        int n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n", answer_len);
        write_all(STDOUT_FILENO, head, (size_t) n);
        write_all(STDOUT_FILENO, answer, answer_len);
}

/* The connection itself, once answered and closed by the client: fd 0 disconnected (AF_UNSPEC) and
 * connected to 127.0.0.2:9, a loopback address the socket unit's IPAddressAllow= leaves out, so
 * that nothing leaves the host if nothing stops it (then ECONNREFUSED; ETIMEDOUT: its packets were
 * dropped). The connection is gone by then: the answer goes to stderr, the journal. */
#define RECONNECT_WAIT_MS 2000
static void try_reconnect_connection(void) {
        struct sockaddr unspec = { .sa_family = AF_UNSPEC };
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(0x7f000002) };
        char c;
        int r = 0;

        (void) shutdown(STDOUT_FILENO, SHUT_WR);
        while (read(STDIN_FILENO, &c, 1) > 0)   /* until the client hung up */
                ;
        /* Non-blocking: a SYN dropped on its way out would otherwise be retried for minutes. */
        if (connect(STDIN_FILENO, &unspec, sizeof(unspec)) < 0 ||
            fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK) < 0)
                r = errno;
        else if (connect(STDIN_FILENO, (struct sockaddr *) &a, sizeof(a)) < 0 && (r = errno) == EINPROGRESS) {
                struct pollfd p = { .fd = STDIN_FILENO, .events = POLLOUT };
                socklen_t len = sizeof(r);
                if (poll(&p, 1, RECONNECT_WAIT_MS) == 0)
                        r = ETIMEDOUT;          /* no answer, not even a refusal, from loopback: dropped */
                else if (getsockopt(STDIN_FILENO, SOL_SOCKET, SO_ERROR, &r, &len) < 0)
                        r = errno;
        }
        fprintf(stderr, "confine-probe: reconnect the connection to 127.0.0.2:9\t%s\n", r ? strerrorname_np(r) : "ok");
}

int main(int argc, char **argv) {
        static const struct option longopts[] = {
                { "config", required_argument, NULL, 'c' },
                { "state-dir", required_argument, NULL, 's' },
                { "decision-log", required_argument, NULL, 'l' },
                { "confine", required_argument, NULL, 'C' },
                { "user", required_argument, NULL, 'u' },
                {}
        };
        static struct runtime rt;
        const char *mode_name = "off", *user = NULL;
        char token[PATH_MAX] = "", cfgdir[4096], statedir[4096], logdir[4096], path[4096 + 64];
        int c, mode;

        rt.config_path = DEFAULT_CONFIG;
        rt.state_dir = DEFAULT_STATE_DIR;
        rt.decision_log = DEFAULT_DECISION_LOG;
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
                switch (c) {
                case 'c': rt.config_path = optarg; break;
                case 's': rt.state_dir = optarg; break;
                case 'l': rt.decision_log = optarg; break;
                case 'C': mode_name = optarg; break;
                case 'u': user = optarg; break;
                default: return 2;
                }
        }
        if ((mode = confine_mode_from_string(mode_name)) < 0)
                return 2;
        signal(SIGPIPE, SIG_IGN);
        struct passwd *pw = user ? getpwnam(user) : NULL;       /* before Landlock hides /etc/passwd */
        uid_t pw_uid = pw ? pw->pw_uid : 0;
        gid_t pw_gid = pw ? pw->pw_gid : 0;
        int become = user ? identity_become(user) : 0;  /* main()'s order: the user, the config */
        /* What identity_become() left, before confine_self() gives up whatever might remain. */
        int ids = pw ? only_the_user(pw_uid, pw_gid) : ENOENT;
        int not_root = getuid() && geteuid() && getgid() && getegid() ? 0 : EPERM;
        int caps = no_capabilities();
        rt_init(&rt, SOURCE_WEBHOOK);
        snprintf(cfgdir, sizeof(cfgdir), "%s", rt.config_path);
        snprintf(statedir, sizeof(statedir), "%s", rt.state_dir);
        snprintf(logdir, sizeof(logdir), "%s", rt.decision_log);
        dirname(cfgdir);
        dirname(statedir);
        dirname(logdir);

        /* ---- confined as the handler is: main()'s paths, main()'s call ---- */
        struct confine_paths paths;
        rt_confine_paths(&rt, token, &paths);
        int r = confine_self((enum confine_mode) mode, &paths);
        linef(-become, "user %s", user ? user : "(unit's)");
        linef(-r, "confine %s", confine_mode_name((enum confine_mode) mode));
        linef(0, "landlock abi %d", confine_landlock_abi());
        linef(0, "no_new_privs %d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
        line("its uid, gid and groups are the user's alone", ids);
        line("not root", not_root);
        line("no capability, empty bounding set", caps);
        line("no capability once confined", no_capabilities());
        read_head();

        /* ---- what the handler needs ---- */
        line("read the config", try_read(rt.config_path));
        line("read the token", paths.token ? try_read(paths.token) : ENOENT);
        line("write the state directory", try_state(rt.state_dir));
        line("append to the decision log", try_log(rt.decision_log));
        line("open /dev/null", try_write("/dev/null", 0));
        line("journal socket", try_journal());
        line("D-Bus hello", try_dbus());
        line("unix socket", try_socket(AF_UNIX, SOCK_STREAM, 0));
        line("signal itself", kill(getpid(), 0) < 0 ? errno : 0);

        /* ---- reading beyond ---- */
        line("read /etc/shadow", try_read("/etc/shadow"));
        line("read /etc/passwd", try_read("/etc/passwd"));
        line("list /root", try_list("/root"));
        line("list /home", try_list("/home"));
        line("read /proc/1/environ", try_read("/proc/1/environ"));
        snprintf(path, sizeof(path), "%s/probe-secret", cfgdir);
        line("read another file beside the config", try_read(path));
        line("list the config's directory", try_list(cfgdir));
        line("list the state directory's parent", try_list(statedir));
        line("list the playbooks", try_list(PROBE_PLAYBOOKS));
        line("read a playbook", try_read(PROBE_PLAYBOOKS "/service-restart"));

        /* ---- writing beyond ---- */
        line("create in /tmp", try_create("/tmp"));
        line("create in /var/tmp", try_create("/var/tmp"));
        line("create in /dev/shm", try_create("/dev/shm"));
        line("create beside the decision log", try_create(logdir));
        line("create beside the config", try_create(cfgdir));
        line("write the config", try_write(rt.config_path, O_APPEND));
        line("write the token", paths.token ? try_write(paths.token, O_APPEND) : ENOENT);
        line("write another file beside the config", try_write(path, O_APPEND));

        /* ---- exec ---- */
        line("exec /bin/sh", try_exec("/bin/sh", "-c:"));
        line("exec the handler", try_exec(PROBE_HANDLER, "--help"));
        line("exec a setuid binary", try_exec(PROBE_SETUID_BINARY, "--version"));

        /* ---- the network ---- */
        line("socket AF_INET TCP", try_socket(AF_INET, SOCK_STREAM, 0));
        line("socket AF_INET UDP", try_socket(AF_INET, SOCK_DGRAM, 0));
        line("socket AF_INET6 TCP", try_socket(AF_INET6, SOCK_STREAM, 0));
        line("socket AF_INET6 UDP", try_socket(AF_INET6, SOCK_DGRAM, 0));
        line("socket AF_NETLINK", try_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
        line("socket AF_PACKET", try_socket(AF_PACKET, SOCK_RAW, 0));
        line("connect 127.0.0.1:9096", try_connect_tcp(9096));

        /* ---- other processes ---- */
        line("kill pid 1", kill(1, 0) < 0 ? errno : 0);
        try_child();
        try_victim(rt.state_dir);

        /* ---- privileges ---- */
        line("setuid 0", in_child(do_setuid, NULL));
        line("setgid 0", in_child(do_setgid, NULL));
        line("capset CAP_SETUID", in_child(do_capset, NULL));
        line("unshare user namespace", in_child(do_unshare_user, NULL));
        line("unshare mount namespace", in_child(do_unshare_mount, NULL));
        line("mount tmpfs", in_child(do_mount, rt.state_dir));
        line("chroot", in_child(do_chroot, NULL));
        line("io_uring_setup", try_io_uring());

        respond();
        try_reconnect_connection();
        rt_done(&rt);
        return 0;
}
