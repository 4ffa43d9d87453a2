# Shared by the shell tests: TAP-style results, a scratch directory, a config with the recording
# test executor, and requests built on the fly. Source it; it cleans up on exit.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
BIN="$ROOT/$BUILD/remediation-webhook"
FIXTURES="$ROOT/../shared/spec/fixtures"
[ -d "$FIXTURES" ] || FIXTURES="$ROOT/tests/fixtures"
TOKEN=s3cr3t-t0ken
# libfaketime preloaded directly ("@TIME": the clock starts there and runs on). The faketime
# wrapper would do the same, but leaves shared-memory files behind whenever it is killed.
FAKETIME_LIB=$(dpkg -L libfaketime 2>/dev/null | grep -m1 '/libfaketime\.so\.1$')
# at TIME COMMAND...: runs the command with its clock starting at TIME ("2025-12-24 10:00:00").
at() { local t=$1; shift; FAKETIME="@$t" LD_PRELOAD=$FAKETIME_LIB "$@"; }
# On tmpfs, as the state directory is in production (/run): fsync there costs nothing.
RW_TMP=$(mktemp -d /dev/shm/rw-test.XXXXXX)
RW_PIDS=()
RW_CLEANUP=()           # functions run once RW_PIDS are stopped
_rw_failed=0

# Stops what the test started and has not reaped yet: only our own children, so a PID that was
# reaped and reused by someone else is left alone.
rw_cleanup() {
        local p
        for p in "${RW_PIDS[@]}"; do
                [ "$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')" = "$$" ] && kill "$p" 2>/dev/null
        done
        for p in "${RW_PIDS[@]}"; do wait "$p" 2>/dev/null; done
        for p in "${RW_CLEANUP[@]}"; do "$p"; done
        rm -rf "$RW_TMP"
}
trap rw_cleanup EXIT

ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; _rw_failed=1; }
# check NAME COMMAND...: ok when the command succeeds (its output is discarded).
check()  { local n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else not_ok "$n"; fi; }
# same NAME EXPECTED ACTUAL
same()   { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi; }
finish() { exit $_rw_failed; }

# rw_config DIR [sed expressions...]: DIR/webhook-routing.yml = the reference routing with the test
# executor (recording into DIR), the token file beside it, an empty state dir.
rw_config() {
        local d=$1; shift
        mkdir -p "$d/state"
        local exe="$ROOT/tests/bin/test-executor"
        sed -e "s|\"/usr/libexec/remediation-webhook/apply-remediation\"|\"$exe\"\\n    - \"$d\"|" \
            -e '/^  playbook_units:/d' \
            "$@" "$ROOT/contrib/webhook-routing.yml" > "$d/webhook-routing.yml"
        echo "$TOKEN" > "$d/auth-token"
        : > "$d/runs"
}

# request METHOD PATH [BODY-FILE] [TOKEN]: a whole HTTP request on stdout.
request() {
        local method=$1 path=$2 body=${3:-} tok=${4-$TOKEN} len=0
        [ -n "$body" ] && len=$(wc -c < "$body")
        printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n' "$method" "$path"
        [ -n "$tok" ] && printf 'Authorization: Bearer %s\r\n' "$tok"
        [ -n "$body" ] && printf 'Content-Type: application/json\r\nContent-Length: %d\r\n' "$len"
        printf '\r\n'
        [ -n "$body" ] && cat "$body"
        return 0
}

# alert_body FILE ALERTNAME [label=value ...]: a one-alert Alertmanager payload.
alert_body() {
        local f=$1 name=$2; shift 2
        local labels="\"alertname\":\"$name\"" kv
        for kv in "$@"; do labels="$labels,\"${kv%%=*}\":\"${kv#*=}\""; done
        printf '{"receiver":"remediation-webhook","status":"firing","version":"4","alerts":[{"status":"firing","labels":{%s},"annotations":{},"fingerprint":"0123456789abcdef"}]}' \
                "$labels" > "$f"
}

# handle DIR [faketime-spec]: runs the binary on stdin with DIR's config, state and log.
handle() {
        local d=$1 at=${2:-}
        if [ -n "$at" ]; then
                FAKETIME="@$at" LD_PRELOAD=$FAKETIME_LIB "$BIN" --config "$d/webhook-routing.yml" \
                        --state-dir "$d/state" --decision-log "$d/decision-log.jsonl"
        else
                "$BIN" --config "$d/webhook-routing.yml" --state-dir "$d/state" \
                        --decision-log "$d/decision-log.jsonl"
        fi
}

# body_of: the body of an HTTP answer on stdin.
body_of() { sed '1,/^\r$/d'; }
status_of() { head -1 | cut -d' ' -f2; }
