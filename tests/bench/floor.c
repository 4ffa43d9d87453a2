/* The floor: the cheapest inetd-style responder. Reads one HTTP request on fd 0 (up to the blank
 * line, then Content-Length bytes of body), writes a fixed 200 on fd 1, exits.
 *
 * Built twice by tests/bench/run: plain (floor-a), and with -DWITH_LIBS linked against libsystemd,
 * cJSON and libyaml (floor-b), calling one trivial function of each so that the libraries are
 * loaded and relocated: the price of exec + dynamic loading of the handler's libraries alone. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#ifdef WITH_LIBS
#include <cjson/cJSON.h>
#include <systemd/sd-id128.h>
#include <yaml.h>
#endif

#define REQ_MAX 65536

static char req[REQ_MAX];

int main(void) {
        size_t have = 0, need = 0;
        char *end = NULL;

#ifdef WITH_LIBS
        char id[SD_ID128_STRING_MAX];
        volatile size_t sink = strlen(cJSON_Version()) + strlen(yaml_get_version_string()) +
                               strlen(sd_id128_to_string(SD_ID128_NULL, id));
        (void) sink;
#endif
        /* Bounded: at most REQ_MAX bytes, and read() returns 0 at EOF. */
        while (have < sizeof(req) - 1) {
                ssize_t n = read(0, req + have, sizeof(req) - 1 - have);
                if (n <= 0)
                        break;
                have += (size_t) n;
                req[have] = '\0';
                if (!end && (end = strstr(req, "\r\n\r\n"))) {
                        size_t head = (size_t) (end - req) + 4;
                        for (char *p = strstr(req, "\r\n"); p && p < end; p = strstr(p, "\r\n")) {
                                p += 2;
                                if (strncasecmp(p, "Content-Length:", 15) == 0)
                                        need = strtoul(p + 15, NULL, 10);
                        }
                        need += head;
                }
                if (end && have >= need)
                        break;
        }
        static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                     "Content-Length: 15\r\nConnection: close\r\n\r\n"
                                     "{\"status\":\"ok\"}";
        return write(1, answer, sizeof(answer) - 1) == (ssize_t) sizeof(answer) - 1 ? 0 : 1;
}
