/* libFuzzer harness for the decision-log reader: history_read() and history_rebuild().
 *
 * The input is the content of a decision-log file. It is read as the whole file, and again behind
 * more than two read blocks (64 KiB each) of older lines, so the backwards block scan and the cut of
 * a partial first line are exercised too (see LLVMFuzzerInitialize). The file is a memfd, opened by
 * its /proc/self/fd path. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "config.h"
#include "history.h"
#include "state.h"

#define NOW 1795834600                  /* just after the seed corpus' lines */
#define OLD_BYTES (70 * 1024)
#define UNDATED_BYTES (66 * 1024)

static const char config_text[] =
        "config:\n"
        "  rate_limit: {max_executions_per_hour: 5, max_executions_per_alert: 3, cooldown_minutes: 15}\n"
        "  idempotency: {window_minutes: 5, key_fields: [alertname, instance]}\n"
        "  security: {bind_address: 127.0.0.1, port: 9096}\n"
        "  circuit_breaker: {failure_threshold: 2, reset_timeout_minutes: 30}\n"
        "  confidence_threshold: 90\n"
        "  executor: [/bin/true, '{{.Playbook}}']\n"
        "  playbook_timeout_seconds: 300\n"
        "  response_deadline_seconds: 5\n"
        "routes:\n"
        "  - {alertname: SystemDiskSpaceCritical, playbook: disk-cleanup, confidence: 95}\n"
        "  - {alertname: ContainerNotRunning, playbook: self-healing-restart, confidence: 90}\n";

static struct config config;
static int log_fd = -1;
static char log_path[64];
static char *filler;
static size_t filler_len;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        struct config_error err;

        (void) argc;
        (void) argv;
        if (config_parse(config_text, sizeof(config_text) - 1, "fuzz.yml", &config, &err) < 0) {
                fprintf(stderr, "fuzz_history: built-in config: %d:%d: %s\n", err.line, err.column,
                        err.message);
                abort();
        }
        log_fd = memfd_create("fuzz-decision-log", MFD_CLOEXEC);
        if (log_fd < 0)
                abort();
        snprintf(log_path, sizeof(log_path), "/proc/self/fd/%d", log_fd);
        /* Old lines (before any window), then lines without a timestamp, each part longer than
         * history.c's 64 KiB read block: the backwards scan reads past the undated block, stops
         * in the old one (not at the start of the file) and cuts a partial first line. */
        static const char old[] = "{\"timestamp\":1000.000,\"alert\":\"Old\",\"action\":\"executed\","
                                  "\"playbook\":\"disk-cleanup\",\"result\":\"success\"}\n";
        static const char undated[] = "{\"alert\":\"NoTimestamp\",\"action\":\"executed\"}\n";
        filler = malloc(OLD_BYTES + UNDATED_BYTES + 2 * sizeof(old));
        if (!filler)
                abort();
        while (filler_len < OLD_BYTES) {
                memcpy(filler + filler_len, old, sizeof(old) - 1);
                filler_len += sizeof(old) - 1;
        }
        for (size_t n = 0; n < UNDATED_BYTES; n += sizeof(undated) - 1) {
                memcpy(filler + filler_len, undated, sizeof(undated) - 1);
                filler_len += sizeof(undated) - 1;
        }
        return 0;
}

static void put_file(const void *prefix, size_t prefix_len, const uint8_t *data, size_t size) {
        if (ftruncate(log_fd, 0) < 0)
                abort();
        if (prefix_len && pwrite(log_fd, prefix, prefix_len, 0) != (ssize_t) prefix_len)
                abort();
        if (size && pwrite(log_fd, data, size, (off_t) prefix_len) != (ssize_t) size)
                abort();
}

/* Touches every node, as the callers do with the values they look up. */
static size_t walk(const cJSON *j, unsigned depth) {
        size_t n = 1;
        if (depth > 10000)
                abort();
        if (j->string)
                n += strlen(j->string);
        if (cJSON_IsString(j) && j->valuestring)
                n += strlen(j->valuestring);
        for (const cJSON *c = j->child; c; c = c->next)
                n += walk(c, depth + 1);
        return n;
}

struct seen {
        int lines;
        size_t nodes;
};

static int on_line(const cJSON *line, void *data) {
        struct seen *s = data;
        if (!line)
                abort();
        s->lines++;
        s->nodes += walk(line, 0);
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(line, "timestamp");
        if (cJSON_IsNumber(ts))
                s->nodes += ts->valuedouble > 0;
        return 0;
}

static void read_log(int64_t since, size_t max_bytes) {
        struct seen seen = {};
        size_t skipped = 0;
        int r = history_read(log_path, since, max_bytes, on_line, &seen, &skipped);
        if (r >= 0 && r != seen.lines)
                abort();
}

static void rebuild(void) {
        struct state s = {};
        int r = history_rebuild(&config, log_path, NOW, &s);
        if (r >= 0) {
                char *text = state_format(&s);
                free(text);
        }
        state_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        put_file(NULL, 0, data, size);
        read_log(INT64_MIN, 0);
        read_log(NOW - 3600, 256);              /* a window that starts inside a line */
        rebuild();

        put_file(filler, filler_len, data, size);
        read_log(NOW - 3600, 0);
        rebuild();
        return 0;
}
