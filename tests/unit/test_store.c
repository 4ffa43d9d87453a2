/* store.c and history.c against what may be found in the state directory and the decision log:
 * a reader that creates nothing, a FIFO or symlink where state.json should be, a FIFO or a hard
 * link where the temporary file goes, a log read from its very first line. */
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
#include <unistd.h>
#include <cmocka.h>

#include "history.h"
#include "store.h"
#include "util.h"

static char dir[] = "/tmp/test-store.XXXXXX";

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

/* A fresh directory of the test's; its path. */
static const char *sub(const char *name) {
        static char path[128];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
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

        assert_int_equal(store_open_read(sub("fifo"), &st), 0);
        assert_int_equal(mkfifoat(st.dir_fd, "state.json", 0600), 0);
        assert_int_equal(store_load(&st, &s), -EBADMSG);
        assert_int_equal(store_quarantine(&st, 1), 0);
        assert_int_equal(store_load(&st, &s), -ENOENT);
        store_close(&st);

        assert_int_equal(store_open_read(sub("symlink"), &st), 0);
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

int main(void) {
        alarm(60);      /* a FIFO that blocks after all fails the test instead of hanging it */
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(reading_creates_nothing),
                cmocka_unit_test(state_json_not_a_regular_file),
                cmocka_unit_test(tmp_name_taken),
                cmocka_unit_test(history_from_the_first_line),
        };
        return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
