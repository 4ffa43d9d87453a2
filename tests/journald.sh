# Sourced by tests that read the journal: uses the running journald, or starts the real one and
# stops it (by PID) on exit. Fails loudly when neither works.
JOURNALD_PID=
journald_up() {
        if [ -S /run/systemd/journal/socket ] && systemd-cat true 2>/dev/null &&
           journalctl -n 0 >/dev/null 2>&1 && [ -z "${FORCE_OWN_JOURNALD:-}" ]; then
                return 0
        fi
        rm -f /run/systemd/journal/socket
        /lib/systemd/systemd-journald &
        JOURNALD_PID=$!
        RW_PIDS+=("$JOURNALD_PID")
        RW_CLEANUP+=(journald_files_remove)
        local i
        for i in $(seq 100); do
                [ -S /run/systemd/journal/socket ] && return 0
                sleep 0.05
        done
        echo "not ok - journald did not come up"
        return 1
}
# What a stopped journald leaves in /run/systemd/journal: a later test, or the handler in the
# bench, would take the stale socket for a running journald.
journald_files_remove() {
        rm -rf /run/systemd/journal/socket /run/systemd/journal/stdout /run/systemd/journal/dev-log \
               /run/systemd/journal/io.systemd.journal /run/systemd/journal/streams \
               /run/systemd/journal/kernel-seqnum /run/systemd/journal/synced
}
# journal_sync: make what was sent readable.
journal_sync() { journalctl --sync 2>/dev/null || sleep 0.5; }
