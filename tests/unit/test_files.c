/* Files the handler reads and writes: util.c's bounded whole-file read from a regular file, a pipe
 * or whatever was opened, refusing what is not a regular file without blocking; store.c and
 * history.c against what may be found in the state directory and the decision log (a reader that
 * creates nothing, a FIFO or symlink at state.json, a FIFO or hard link at the temporary name, a
 * log read from its very first line); and util.c's growing text and arrays. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "history.h"
#include "store.h"
#include "util.h"

static char dir[] = "/tmp/test-files.XXXXXX";

static int make_dir(void **unused) {
        (void) unused;
        return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **unused) {
        (void) unused;
        char cmd[64];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static const char *at(const char *name) {
        static char path[128];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return path;
}

static void put_file(const char *name, const char *text, size_t len) {
        int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, text, len), 0);
        close(fd);
}

static void regular_file_within_and_beyond_the_bound(void **unused) {
        (void) unused;
        char *text = (char *) "untouched";
        size_t len = 7;

        put_file("ten", "0123456789", 10);
        assert_int_equal(read_file_bounded(AT_FDCWD, at("ten"), 9, &text, &len), -EFBIG);
        assert_string_equal(text, "untouched");
        assert_int_equal(len, 7);
        assert_int_equal(read_file_bounded(AT_FDCWD, at("ten"), 10, &text, &len), 0);
        assert_int_equal(len, 10);
        assert_string_equal(text, "0123456789");
        free(text);

        put_file("empty", "", 0);
        assert_int_equal(read_file_bounded(AT_FDCWD, at("empty"), 0, &text, NULL), 0);
        assert_string_equal(text, "");
        free(text);
}

/* A pipe says nothing of its size: the buffer grows in steps, and the bound still holds. */
static void pipe_in_steps(void **unused) {
        (void) unused;
        static char big[100000];
        int p[2];
        char *text = NULL;
        size_t len;

        for (size_t i = 0; i < sizeof(big); i++)
                big[i] = (char) ('a' + i % 26);
        for (int round = 0; round < 2; round++) {
                assert_int_equal(pipe2(p, O_CLOEXEC), 0);
                pid_t pid = fork();
                assert_true(pid >= 0);
                if (pid == 0) {
                        close(p[0]);
                        _exit(write_all(p[1], big, sizeof(big)) == 0 ? 0 : 1);
                }
                close(p[1]);
                if (round == 0) {
                        assert_int_equal(read_fd_bounded(p[0], sizeof(big), &text, &len), 0);
                        assert_int_equal(len, sizeof(big));
                        assert_memory_equal(text, big, sizeof(big));
                        assert_int_equal(text[len], '\0');
                        free(text);
                } else
                        assert_int_equal(read_fd_bounded(p[0], sizeof(big) - 1, &text, &len), -EFBIG);
                close(p[0]);
                waitpid(pid, NULL, 0);
        }
}

/* A FIFO with no writer would block open(2) and read(2): refused at once. */
static void only_regular_files(void **unused) {
        (void) unused;
        char *text = NULL;

        assert_int_equal(mkfifo(at("fifo"), 0600), 0);
        assert_int_equal(open_regular(AT_FDCWD, at("fifo")), -EBADFD);
        assert_int_equal(read_file_bounded(AT_FDCWD, at("fifo"), 100, &text, NULL), -EBADFD);
        assert_null(text);
        assert_int_equal(mkdir(at("sub"), 0700), 0);
        assert_int_equal(open_regular(AT_FDCWD, at("sub")), -EISDIR);
        assert_int_equal(symlink("ten", at("link")), 0);
        assert_int_equal(open_regular(AT_FDCWD, at("link")), -ELOOP);
        assert_int_equal(open_regular(AT_FDCWD, at("none")), -ENOENT);
        put_file("plain", "x", 1);
        int fd = open_regular(AT_FDCWD, at("plain"));
        assert_true(fd >= 0);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        close(fd);
}

/* A fresh directory of the test's; its path. */
static const char *sub(const char *name) {
        const char *path = at(name);
        assert_int_equal(mkdir(path, 0700), 0);
        return path;
}

static bool exists(int dfd, const char *name) {
        struct stat sb;
        return fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

static void reading_creates_nothing(void **unused) {
        (void) unused;
        const char *d = sub("read");
        struct store st;
        struct state s;

        assert_int_equal(store_open_read(d, &st), 0);
        assert_int_equal(store_load(&st, &s), -ENOENT);
        assert_false(exists(st.dir_fd, "lock"));
        store_close(&st);

        assert_int_equal(store_open(d, &st), 0);        /* the first writer creates the lock */
        assert_true(exists(st.dir_fd, "lock"));
        store_close(&st);
}

/* What is not a regular file is corrupt (to be moved aside), and found so without blocking. */
static void state_json_not_a_regular_file(void **unused) {
        (void) unused;
        struct store st;
        struct state s;

        assert_int_equal(store_open_read(sub("state-fifo"), &st), 0);
        assert_int_equal(mkfifoat(st.dir_fd, "state.json", 0600), 0);
        assert_int_equal(store_load(&st, &s), -EBADMSG);
        assert_int_equal(store_quarantine(&st, 1), 0);
        assert_int_equal(store_load(&st, &s), -ENOENT);
        store_close(&st);

        assert_int_equal(store_open_read(sub("state-symlink"), &st), 0);
        assert_int_equal(symlinkat("/etc/passwd", st.dir_fd, "state.json"), 0);
        assert_int_equal(store_load(&st, &s), -EBADMSG);
        store_close(&st);
}

/* The temporary name is unlinked before it is created: a FIFO there cannot block the writer, and
 * a hard link there cannot have its target written. */
static void tmp_name_taken(void **unused) {
        (void) unused;
        struct store st;
        struct state s = {}, back;
        char victim[160], *text = NULL;

        assert_int_equal(state_add_exec(&s, 1766570400, "SystemDiskSpaceCritical", "disk-cleanup"), 0);
        assert_int_equal(store_open(sub("tmp-fifo"), &st), 0);
        assert_int_equal(mkfifoat(st.dir_fd, "state.json.tmp", 0600), 0);
        assert_int_equal(store_save(&st, &s), 0);
        assert_int_equal(store_load(&st, &back), 0);
        assert_int_equal(back.n_execs, 1);
        state_free(&back);
        store_close(&st);

        snprintf(victim, sizeof(victim), "%s/victim", dir);
        int fd = open(victim, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, "precious", 8), 0);
        close(fd);
        assert_int_equal(store_open(sub("tmp-link"), &st), 0);
        assert_int_equal(linkat(AT_FDCWD, victim, st.dir_fd, "state.json.tmp", 0), 0);
        assert_int_equal(store_save(&st, &s), 0);
        assert_int_equal(read_file_bounded(AT_FDCWD, victim, 100, &text, NULL), 0);
        assert_string_equal(text, "precious");
        free(text);
        assert_int_equal(store_load(&st, &back), 0);
        assert_int_equal(back.n_execs, 1);
        state_free(&back);
        store_close(&st);
        state_free(&s);
}

static int count_line(const cJSON *line, void *data) {
        (void) line;
        ++*(int *) data;
        return 0;
}

/* A log shorter than a block: its first line is the file's first, read from offset 0. */
static void history_from_the_first_line(void **unused) {
        (void) unused;
        static const char log[] = "{\"timestamp\":100,\"alert\":\"A\"}\n"
                                  "{\"timestamp\":200,\"alert\":\"B\"}\n"
                                  "{\"timestamp\":300,\"alert\":\"C\"}\n";
        char path[160];
        size_t skipped = 99;
        int n = 0;

        snprintf(path, sizeof(path), "%s/log", sub("history"));
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, log, sizeof(log) - 1), 0);
        close(fd);
        assert_int_equal(history_read(path, 0, 1 << 20, count_line, &n, &skipped), 3);
        assert_int_equal(n, 3);
        assert_int_equal(skipped, 0);
        n = 0;
        assert_int_equal(history_read(path, 250, 1 << 20, count_line, &n, NULL), 1);
        assert_int_equal(n, 1);

        snprintf(path, sizeof(path), "%s/history/fifo", dir);
        assert_int_equal(mkfifo(path, 0600), 0);
        assert_int_equal(history_read(path, 0, 1 << 20, count_line, &n, NULL), -EBADFD);
}

static void strbuf_grows(void **unused) {
        (void) unused;
        struct strbuf b = {};
        char *text;

        text = strbuf_steal(&b);
        assert_string_equal(text, "");
        free(text);
        for (int i = 0; i < 1000; i++)
                strbuf_printf(&b, "%d,", i);
        strbuf_add(&b, "end", 3);
        text = strbuf_steal(&b);
        assert_non_null(text);
        assert_int_equal(strncmp(text, "0,1,2,", 6), 0);
        assert_int_equal(strlen(text), 3890 + 3);
        assert_string_equal(text + 3890, "end");
        assert_null(b.p);
        free(text);

        strbuf_add(&b, "x", 1);
        assert_false(strbuf_reserve(&b, SIZE_MAX / 2));
        strbuf_add(&b, "y", 1);                         /* dropped: the buffer has failed */
        assert_null(strbuf_steal(&b));
}

static void grow_array_doubles(void **unused) {
        (void) unused;
        int *a = NULL;

        for (size_t n = 0; n < 1000; n++) {
                assert_non_null(GROW(a, n));
                a[n] = (int) n;
        }
        for (size_t n = 0; n < 1000; n++)
                assert_int_equal(a[n], (int) n);
        free(a);
        assert_null(grow_array(NULL, (size_t) 1 << 62, 8));     /* no overflow into a small size */
}

int main(void) {
        alarm(60);      /* a FIFO that blocks after all fails the test instead of hanging it */
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(regular_file_within_and_beyond_the_bound),
                cmocka_unit_test(pipe_in_steps),
                cmocka_unit_test(only_regular_files),
                cmocka_unit_test(reading_creates_nothing),
                cmocka_unit_test(state_json_not_a_regular_file),
                cmocka_unit_test(tmp_name_taken),
                cmocka_unit_test(history_from_the_first_line),
                cmocka_unit_test(strbuf_grows),
                cmocka_unit_test(grow_array_doubles),
        };
        return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
