/* remediationctl verify's HTTP client for Alertmanager's API (libcurl; remediationctl only: the
 * handler never links it). The URL comes from the routing file, never from a payload (an alert's
 * externalURL is the sender's to choose). No redirect is followed, no proxy from the environment
 * is used, only http and https are spoken, and an answer over AM_MAX_ANSWER_BYTES is refused. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "bounds.h"
#include "config.h"

struct am_client {
        void *curl;                     /* CURL * */
        void *headers;                  /* struct curl_slist *: Accept, and Authorization */
        char base[AM_MAX_URL + 1];      /* alertmanager_url without a trailing slash */
        long timeout_ms;
};

/* Ready to ask cfg's Alertmanager, with the bearer token of alertmanager_credentials_file when it
 * is set (a relative name is looked up in $CREDENTIALS_DIRECTORY, then beside the config file).
 * 0, or -errno with why in err (AM_ERROR_TEXT bytes). */
int am_client_open(struct am_client *c, const struct config *cfg, char *err);
void am_client_close(struct am_client *c);

/* GET base + path (path starts with '/', query included, already escaped). The body (malloc'd,
 * NUL-terminated) into *ret_body and *ret_len, the Date header of the answer (Alertmanager's
 * clock; -1 without one) into *ret_date_ms. 0, or -errno with why in err: -ETIMEDOUT,
 * -ECONNREFUSED, -EFBIG (over the bound), -EPROTO (any status but 200, a redirect too), -EIO. */
int am_client_get(struct am_client *c, const char *path, char **ret_body, size_t *ret_len,
                  int64_t *ret_date_ms, char *err);

/* The path and query asking for every alert named alertname that Alertmanager holds unresolved:
 * active, silenced, inhibited or not yet processed. Into buf (size bytes). 0, or -EINVAL when
 * alertname is not a Prometheus metric name (then nothing is asked) or does not fit. */
int am_alerts_path(char *buf, size_t size, const char *alertname);
