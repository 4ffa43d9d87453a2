/* What the webhook handler and remediationctl share: the paths, the config, the program's own log
 * and the decision record. Only the top level logs: these functions are that top level's, split
 * out so both programs have the same one. step.h is the locked step on the state, batch.h a set
 * of alerts decided, run and recorded together. */
#pragma once
#include <limits.h>
#include <stdint.h>
#include "audit.h"
#include "config.h"
#include "confine.h"
#include "vocab.h"

#define DEFAULT_CONFIG        "/etc/remediation-webhook/webhook-routing.yml"
#define DEFAULT_STATE_DIR     "/run/remediation-webhook"
#define DEFAULT_DECISION_LOG  "/var/log/remediation-webhook/decision-log.jsonl"

struct runtime {
        const char *config_path, *state_dir, *decision_log;
        enum source source;
        struct config cfg;
        int cfg_error;                          /* 0 or -errno from config_load */
        int log_fd;                             /* the decision log, or -errno */
};

void rt_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads the config (a failure is logged and kept in cfg_error). */
void rt_init(struct runtime *rt, enum source source);
void rt_open_log(struct runtime *rt);

/* The file auth_token_file names: an absolute path as it is; a relative one in
 * $CREDENTIALS_DIRECTORY when it is there (LoadCredential=), else beside the config. The token
 * is read from this file alone, and it is the one a confined handler may read. 0 or
 * -ENAMETOOLONG. */
int rt_token_path(const struct config *cfg, char path[static PATH_MAX]);
/* What --confine leaves the handler of this runtime: its config, token (resolved into token),
 * state dir, decision log and metrics textfile. */
void rt_confine_paths(const struct runtime *rt, char token[static PATH_MAX], struct confine_paths *ret);
void rt_done(struct runtime *rt);

/* One line in the decision log and one journal entry. */
void rt_record(struct runtime *rt, const struct audit_record *rec);
/* The same for a verdict reached at at_ms. */
void rt_record_verdict(struct runtime *rt, const struct verdict *v, int64_t at_ms);
