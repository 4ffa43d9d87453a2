#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "am-client.h"
#include "util.h"

#define AM_CONNECT_TIMEOUT_MS   2000            /* of the whole ask's time at most */
#define AM_AUTH_HEADER_MAX      (sizeof("Authorization: Bearer ") + AM_MAX_CREDENTIALS)

/* The answer as it arrives, refused past the bound (curl then ends the transfer). */
struct answer {
        char *p;
        size_t len;
        bool over;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *userdata) {
        struct answer *a = userdata;
        size_t n = size * nmemb;

        if (n > AM_MAX_ANSWER_BYTES - a->len) {
                a->over = true;
                return 0;
        }
        char *p = realloc(a->p, a->len + n + 1);
        if (!p)
                return 0;
        memcpy(p + a->len, data, n);
        a->p = p;
        a->len += n;
        a->p[a->len] = '\0';
        return n;
}

/* The token: one line of visible ASCII (what may follow "Bearer " in a header, and nothing that
 * could end it). Into buf (AM_MAX_CREDENTIALS + 1 bytes). */
static int read_credentials(const struct config *cfg, char *buf, char *err) {
        const char *name = cfg->alertmanager_credentials_file, *creds = getenv("CREDENTIALS_DIRECTORY");
        char path[4096];
        char *text = NULL;
        size_t len = 0, n;
        int r = -ENOENT;

        if (name[0] != '/' && creds && snprintf(path, sizeof(path), "%s/%s", creds, name) < (int) sizeof(path))
                r = read_file_bounded(AT_FDCWD, path, AM_MAX_CREDENTIALS, &text, &len);
        if (r < 0 && name[0] != '/') {
                const char *slash = strrchr(cfg->path, '/');
                int dirlen = slash ? (int) (slash - cfg->path) : 1;
                if (snprintf(path, sizeof(path), "%.*s/%s", dirlen, slash ? cfg->path : ".", name) < (int) sizeof(path))
                        r = read_file_bounded(AT_FDCWD, path, AM_MAX_CREDENTIALS, &text, &len);
        }
        if (name[0] == '/')
                r = read_file_bounded(AT_FDCWD, name, AM_MAX_CREDENTIALS, &text, &len);
        if (r < 0) {
                snprintf(err, AM_ERROR_TEXT, "alertmanager_credentials_file %s: %s", name,
                         r == -EFBIG ? "longer than a token may be" : strerror(-r));
                return r;
        }
        for (n = len; n > 0 && strchr(" \t\r\n", text[n - 1]); n--)
                ;
        bool visible = n > 0;
        for (size_t i = 0; i < n; i++)
                visible &= text[i] > 0x20 && text[i] < 0x7f;
        memcpy(buf, text, n);
        buf[n] = '\0';
        explicit_bzero(text, len);
        free(text);
        if (!visible) {
                explicit_bzero(buf, n);
                snprintf(err, AM_ERROR_TEXT, "alertmanager_credentials_file %s: expected one line, a bearer token "
                         "of visible ASCII characters", name);
                return -EINVAL;
        }
        return 0;
}

int am_client_open(struct am_client *c, const struct config *cfg, char *err) {
        static bool global_done;
        struct curl_slist *h = NULL, *more;
        size_t len;

        *c = (struct am_client) {};
        if (!cfg->alertmanager_url) {
                snprintf(err, AM_ERROR_TEXT, "no alertmanager_url in the config: nothing to ask");
                return -ENOENT;
        }
        len = strlen(cfg->alertmanager_url);
        while (len > 0 && cfg->alertmanager_url[len - 1] == '/')
                len--;
        if (len >= sizeof(c->base)) {
                snprintf(err, AM_ERROR_TEXT, "alertmanager_url is too long");
                return -EINVAL;
        }
        memcpy(c->base, cfg->alertmanager_url, len);
        c->base[len] = '\0';
        c->timeout_ms = cfg->alertmanager_timeout_seconds * 1000L;
        if (!global_done) {             /* once per process, before any handle */
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                        snprintf(err, AM_ERROR_TEXT, "libcurl could not be initialised");
                        return -EIO;
                }
                global_done = true;
        }
        if (!(h = curl_slist_append(NULL, "Accept: application/json")))
                goto oom;
        if (cfg->alertmanager_credentials_file) {
                char token[AM_MAX_CREDENTIALS + 1], header[AM_AUTH_HEADER_MAX];
                int r = read_credentials(cfg, token, err);
                if (r < 0) {
                        curl_slist_free_all(h);
                        return r;
                }
                snprintf(header, sizeof(header), "Authorization: Bearer %s", token);
                more = curl_slist_append(h, header);
                explicit_bzero(token, sizeof(token));
                explicit_bzero(header, sizeof(header));
                if (!more)
                        goto oom;
                h = more;
        }
        c->headers = h;
        if (!(c->curl = curl_easy_init()))
                goto oom;
        return 0;
oom:
        c->headers = h;
        am_client_close(c);
        snprintf(err, AM_ERROR_TEXT, "out of memory");
        return -ENOMEM;
}

void am_client_close(struct am_client *c) {
        /* The copy of the token that the header list holds goes with it. */
        for (struct curl_slist *h = c->headers; h; h = h->next)
                explicit_bzero(h->data, strlen(h->data));
        curl_slist_free_all(c->headers);
        if (c->curl)
                curl_easy_cleanup(c->curl);
        *c = (struct am_client) {};
}

int am_alerts_path(char *buf, size_t size, const char *alertname) {
        size_t n = strlen(alertname);

        /* A metric name needs no quoting in a matcher, nor escaping in a URL but the quotes. */
        if (n == 0 || n > 256 || char_is(alertname[0], CHAR_DIGIT) ||
            span_class(alertname, CHAR_LETTER | CHAR_DIGIT | CHAR_COLON) != n)
                return -EINVAL;
        int w = snprintf(buf, size, "/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true"
                         "&filter=alertname%%3D%%22%s%%22", alertname);
        return w < 0 || (size_t) w >= size ? -EINVAL : 0;
}

int am_client_get(struct am_client *c, const char *path, char **ret_body, size_t *ret_len,
                  int64_t *ret_date_ms, char *err) {
        char url[AM_MAX_URL + 512], curl_err[CURL_ERROR_SIZE] = "";
        struct answer a = {};
        struct curl_header *date = NULL;
        CURL *curl = c->curl;
        long status = 0;
        int r = 0;

        if (snprintf(url, sizeof(url), "%s%s", c->base, path) >= (int) sizeof(url)) {
                snprintf(err, AM_ERROR_TEXT, "URL too long");
                return -EINVAL;
        }
        curl_easy_reset(curl);
        if (curl_easy_setopt(curl, CURLOPT_URL, url) != CURLE_OK ||
            curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
            curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
            curl_easy_setopt(curl, CURLOPT_NOPROXY, "*") != CURLE_OK ||
            curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
            curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                             c->timeout_ms < AM_CONNECT_TIMEOUT_MS ? c->timeout_ms : (long) AM_CONNECT_TIMEOUT_MS) != CURLE_OK ||
            curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, c->timeout_ms) != CURLE_OK ||
            curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) AM_MAX_ANSWER_BYTES) != CURLE_OK ||
            curl_easy_setopt(curl, CURLOPT_HTTPHEADER, (struct curl_slist *) c->headers) != CURLE_OK ||
            curl_easy_setopt(curl, CURLOPT_USERAGENT, "remediationctl") != CURLE_OK ||
            curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
            curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a) != CURLE_OK ||
            curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err) != CURLE_OK) {
                snprintf(err, AM_ERROR_TEXT, "libcurl refused an option");
                return -EIO;
        }
        CURLcode cr = curl_easy_perform(curl);
        (void) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (a.over || cr == CURLE_FILESIZE_EXCEEDED) {
                snprintf(err, AM_ERROR_TEXT, "answer larger than %d bytes: refused", AM_MAX_ANSWER_BYTES);
                r = -EFBIG;
        } else if (cr != CURLE_OK) {
                snprintf(err, AM_ERROR_TEXT, "%s", curl_err[0] ? curl_err : curl_easy_strerror(cr));
                r = cr == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : cr == CURLE_COULDNT_CONNECT ? -ECONNREFUSED : -EIO;
        } else if (status != 200) {
                snprintf(err, AM_ERROR_TEXT, "HTTP status %ld%s", status,
                         status >= 300 && status < 400 ? " (a redirect: not followed)" : "");
                r = -EPROTO;
        }
        *ret_date_ms = -1;
        if (r == 0 && curl_easy_header(curl, "Date", 0, CURLH_HEADER, -1, &date) == CURLHE_OK) {
                time_t t = curl_getdate(date->value, NULL);
                *ret_date_ms = t > 0 ? (int64_t) t * 1000 : -1;
        }
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
        if (r < 0) {
                free(a.p);
                return r;
        }
        if (!a.p && !(a.p = strdup(""))) {
                snprintf(err, AM_ERROR_TEXT, "out of memory");
                return -ENOMEM;
        }
        *ret_body = a.p;
        *ret_len = a.len;
        return 0;
}
