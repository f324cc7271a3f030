# Shared helpers of the end-to-end tests. Each test is run by ctest as
#   bash tests/e2e/<name>.sh <path to c360> <source dir>
# Exit 0 = pass, 77 = skipped (a tool is missing), anything else = fail.
set -euo pipefail

C360=$1
SRC=$2
WORK=$(mktemp -d /tmp/c360-e2e-XXXXXX)
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if [ -n "${C360_E2E_KEEP:-}" ]; then
        echo "kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Tools the tests need are installed by the README's test command; say how
# to get one rather than skip silently.
require() {
    command -v "$1" >/dev/null || fail "$1 is not installed (apt-get install $2)"
}

# wait_until SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
wait_until() {
    local secs=$1
    shift
    local end=$((SECONDS + secs))
    until "$@"; do
        [ "$SECONDS" -ge "$end" ] && return 1
        sleep 0.1
    done
}

# grep_count FILE PATTERN: number of matching lines (0 if none or no file).
grep_count() {
    grep -c -- "$2" "$1" 2>/dev/null || true
}

# at_least N FILE PATTERN: FILE has N or more lines matching PATTERN.
at_least() {
    [ "$(grep_count "$2" "$3")" -ge "$1" ]
}

# start_broker NAME [c360 broker options]: starts `c360 broker` in the
# background; sets BOOTSTRAP and <NAME>_PID.
start_broker() {
    local name=$1
    shift
    "$C360" broker --bootstrap-file "$WORK/$name.bootstrap" "$@" \
        >"$WORK/$name.out" 2>"$WORK/$name.err" &
    local pid=$!
    PIDS+=("$pid")
    printf -v "${name}_PID" '%s' "$pid"
    wait_until 20 test -s "$WORK/$name.bootstrap" ||
        fail "broker $name did not start: $(cat "$WORK/$name.err")"
    BOOTSTRAP=$(cat "$WORK/$name.bootstrap")
}

# stop PID SIGNAL: sends SIGNAL and returns the process's exit code.
stop() {
    local rc=0
    kill -"$2" "$1"
    wait "$1" || rc=$?
    return "$rc"
}

require kcat kcat
