/* util.c's reading and growing helpers: a whole file read within a bound, from a regular file, a
 * pipe or whatever was opened; a file that is not regular refused without blocking; text and
 * arrays that grow. */
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

#include "util.h"

static char dir[] = "/tmp/test-util.XXXXXX";

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
                cmocka_unit_test(strbuf_grows),
                cmocka_unit_test(grow_array_doubles),
        };
        return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
