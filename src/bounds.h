/* Named limits on everything a client, a config file or a playbook controls. */
#pragma once

/* HTTP request (http.c) */
#define HTTP_MAX_HEADER_BYTES   8192            /* request line + headers */
#define HTTP_MAX_HEADERS        64
#define HTTP_MAX_PATH           256
#define HTTP_MAX_AUTH           512             /* Authorization header value */
#define HTTP_DEFAULT_MAX_BODY   (1024 * 1024)   /* config: max_body_bytes */
#define HTTP_DEFAULT_READ_TIMEOUT_SEC 10        /* config: read_timeout_seconds */
#define HTTP_DISCARD_MS         1000            /* reading a refused request's body, after the answer */
#define HTTP_WRITE_TIMEOUT_MS   10000           /* the whole answer, then the client is dropped */

/* Alertmanager payload (payload.c) */
#define PAYLOAD_MAX_ALERTS      1000
#define PAYLOAD_MAX_LABELS      64              /* per alert, labels and annotations each */
#define PAYLOAD_MAX_NAME        128             /* label or annotation name, bytes */
#define PAYLOAD_MAX_VALUE       4096            /* label or annotation value, bytes */
#define PAYLOAD_MAX_JSON_DEPTH  8
#define PAYLOAD_INVALID_REASON  160             /* why one alert is invalid, bytes */
#define PAYLOAD_MAX_QUOTED_NAME 64              /* a longer label name is not named in `invalid` */

/* Config (config.c) */
#define CONFIG_MAX_FILE_BYTES   (1024 * 1024)
#define CONFIG_MAX_ROUTES       256
#define CONFIG_MAX_LIST         32              /* key_fields, override_labels, executor, parameters */
#define CONFIG_MAX_OVERRIDES    256

/* Playbook arguments (params.c) */
#define PARAM_MAX_VALUE         256             /* one substituted value, bytes */
#define EXEC_MAX_ARGS           (2 * CONFIG_MAX_LIST)
#define EXEC_MAX_ARG_BYTES      1024            /* one expanded argument */

/* Execution (exec.c) */
#define EXEC_CAPTURE_BYTES      4096            /* stdout and stderr each; the rest is drained */
#define EXEC_KILL_GRACE_SEC     10              /* SIGTERM, then SIGKILL this much later */
#define EXEC_ID_BYTES           48              /* a run's id: decision ms-pid-index */
#define EXEC_UNIT_BYTES         256             /* a unit name or a bus object path (systemd: 255) */
#define EXEC_UNIT_POLL_MS       50              /* how often a running unit's state is read */

/* State (state.c, state-json.c, store.c, runtime.c) */
#define STATE_LOCK_TIMEOUT_MS   5000            /* then 503: Alertmanager retries */
#define STATE_OUTCOME_LOCK_TIMEOUT_MS 60000     /* the playbook has run: wait longer to record it */
#define STATE_MAX_FILE_BYTES    (4 * 1024 * 1024)
#define STATE_MAX_IDEMPOTENCY_KEYS 4096         /* oldest evicted first; rate limits still hold */
#define STATE_MAX_FAILURES      1000000         /* a breaker's count saturates here */
#define STATE_MAX_SERIES        255             /* a counter's series, bytes (metrics.c builds them in 256) */
#define STATE_MAX_SERIES_LABELS 8               /* labels of one series; metrics.c uses 2 at most */
#define STATE_MAX_PAUSES        (CONFIG_MAX_ROUTES + 1) /* one per playbook, and one for all */

/* Approvals (pending escalations, remediationctl approve) */
#define APPROVAL_DEFAULT_MINUTES 60             /* config: a route's approval_minutes */
#define APPROVAL_MAX_PENDING    64              /* held at once; then an escalation stays one */
#define APPROVAL_LABELS_BYTES   4096            /* an alert's labels held for its approval, in all */
#define APPROVAL_ID_BYTES       32              /* "CREATED-N", with its NUL */
#define APPROVAL_KEEP_SEC       3600            /* a closed or expired one is kept this long after
                                                 * its expiry, to say why it cannot be approved */

/* Verdicts (verify.c): an ended execution awaits one until its alert resolves or its window ends */
#define VERIFY_DEFAULT_MINUTES  10              /* config: a route's verify_minutes (0: none) */
#define VERIFY_MAX_AWAITING     1024            /* held at once; the oldest is dropped unjudged */

/* Active verdicts (remediationctl verify, am-client.c): Alertmanager's API asked about them */
#define VERIFY_AM_MAX_ATTEMPTS  5               /* asks after the window without a usable answer,
                                                 * one per run (the timer's: a minute apart), then
                                                 * the verdict is `unknown`: more than a restarted
                                                 * Alertmanager's minimum uptime (2 min) */
#define VERIFY_AM_GRACE_SEC     600             /* with alertmanager_url, a locked step judges an
                                                 * execution only this long after its window (the
                                                 * verifier judges it before): time for the attempts */
#define AM_DEFAULT_MIN_UPTIME_SEC 120          /* config: alertmanager_min_uptime_seconds. Alertmanager
                                                 * keeps alerts in memory only: after a restart they
                                                 * are back once Prometheus re-sends them (its
                                                 * resend_delay, 1 min) */
#define AM_DEFAULT_TIMEOUT_SEC  5               /* config: alertmanager_timeout_seconds (the whole ask) */
#define AM_MAX_ANSWER_BYTES     (4 * 1024 * 1024)       /* one answer of /api/v2/alerts; more is refused */
#define AM_MAX_ALERTS           20000           /* alerts in one answer */
#define AM_MAX_URL              512             /* config: alertmanager_url, bytes */
#define AM_MAX_CREDENTIALS      1024            /* the credentials file, bytes */
#define AM_ERROR_TEXT           256             /* why an ask failed, for the log and the output */

/* Replay (remediationctl replay) */
#define REPLAY_MAX_EVENTS       200000          /* decision-log lines held at once: a window's */

/* Pauses (remediationctl pause) */
#define PAUSE_MAX_SEC           (30 * 86400)    /* --for at most; a reboot restores pauses this old */
#define PAUSE_NOTE_MAX          128             /* --reason TEXT, bytes: the gate's reason holds it */

/* Operator output (remediationctl) */
#define TERM_TEXT_MAX           8192            /* one escaped field of a text table; longer is cut */

/* Audit (audit.c) */
#define AUDIT_OUTPUT_CHARS      500             /* stdout/stderr in the decision log (seed) */
/* One decision-log line, bytes: the parameters and the argv (EXEC_MAX_ARGS arguments of at most
 * EXEC_MAX_ARG_BYTES each, at most 6 bytes a byte when escaped), the labels (PAYLOAD_MAX_LABELS
 * names and values of at most PAYLOAD_MAX_NAME and AUDIT_TEXT_CHARS characters, 6 bytes each when
 * escaped), and 16 KiB for the rest. */
#define AUDIT_LINE_MAX          (2 * 6 * EXEC_MAX_ARGS * EXEC_MAX_ARG_BYTES + \
                                 6 * PAYLOAD_MAX_LABELS * (PAYLOAD_MAX_NAME + AUDIT_TEXT_CHARS) + 16384)
#define AUDIT_TEXT_CHARS        256             /* any other untrusted string in the log */
#define JOURNAL_ENTRY_MAX       32768           /* one journal entry (a datagram); ours stay under 16 KiB */
#define JOURNAL_MAX_FIELDS      32              /* of one entry; ours have at most 18 */
