# `c360 run` with its HTTP endpoint (-X http.port): /readyz turns 200 once
# the group assigns partitions, /metrics counts the records kcat publishes
# (in the Prometheus text format, per topic, with no customer data),
# /healthz says the loop is alive, other paths are 404 and other methods
# 405; on SIGTERM the port closes and the processor exits 0.
source "$(dirname "$0")/lib.sh"
require curl curl

start_broker main --brokers 1
"$C360" gen --customers 3 --seed 3 --out "$WORK/bank" --key-delimiter '|' 2>/dev/null
people="$WORK/bank/c360.in.individual.jsonl"
accounts="$WORK/bank/c360.in.financial-account.jsonl"
[ "$(wc -l <"$people")" -ge 3 ] && [ "$(wc -l <"$accounts")" -ge 10 ] || fail "gen wrote too little"

# curl URL-PATH [options]: the endpoint's answer, whatever the proxy settings.
get() {
    local path=$1
    shift
    curl -s --noproxy '*' -m 5 "$@" "http://127.0.0.1:$PORT$path"
}
status() { get "$1" -o /dev/null -w '%{http_code}' "${@:2}"; }

# A port nobody uses: a random one, another if it was taken meanwhile.
for attempt in 1 2 3 4 5; do
    PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    "$C360" run --bootstrap "$BOOTSTRAP" -X state.dir="$WORK/state" -X group.id=e2e-http -X clock=event \
        -X http.port="$PORT" -X kafka.session.timeout.ms=6000 -X log.level=debug \
        >"$WORK/run.out" 2>"$WORK/run.err" &
    RUN_PID=$!
    PIDS+=("$RUN_PID")
    wait_until 20 grep -q -e 'serving metrics and health' -e 'cannot serve' "$WORK/run.err" ||
        fail "no endpoint: $(grep -v rdkafka "$WORK/run.err")"
    grep -q 'serving metrics and health bind=127.0.0.1 port='"$PORT" "$WORK/run.err" && break
    grep -q 'Address already in use' "$WORK/run.err" || fail "$(grep 'cannot serve' "$WORK/run.err")"
    wait "$RUN_PID" || true
done
grep -q "port=$PORT" "$WORK/run.err" || fail "no free port in 5 attempts"

# Alive once the loop has made its first step; ready only once partitions
# are assigned (the embedded broker's first rebalance takes seconds, so it
# is not ready yet).
alive() { [ "$(status /healthz)" = 200 ]; }
wait_until 10 alive || fail "/healthz: $(get /healthz)"
[ "$(get /readyz)" = "not ready: no partitions assigned" ] || fail "/readyz early: $(get /readyz)"
[ "$(status /readyz)" = 503 ] || fail "/readyz early is not 503"
ready() { [ "$(status /readyz)" = 200 ]; }
wait_until 30 ready || fail "never ready: $(get /readyz)"
grep -q 'partitions assigned count=' "$WORK/run.err" || fail "ready before any assignment"

publish() { # publish TOPIC FILE
    kcat -b "$BOOTSTRAP" -X partitioner=murmur2_random -P -t "$1" -K'|' -l "$2"
}
publish c360.in.individual "$people"
publish c360.in.financial-account "$accounts"
n_people=$(wc -l <"$people") n_accounts=$(wc -l <"$accounts")
counted() {
    get /metrics >"$WORK/metrics" &&
        grep -qx "c360_events_in_total{topic=\"c360.in.individual\"} $n_people" "$WORK/metrics" &&
        grep -qx "c360_events_in_total{topic=\"c360.in.financial-account\"} $n_accounts" \
            "$WORK/metrics"
}
wait_until 30 counted || fail "events in: $(grep events_in "$WORK/metrics")"
# Every record the log says was received is counted, no more.
[ "$(grep_count "$WORK/run.err" 'DEBUG runtime record received')" -eq $((n_people + n_accounts)) ] ||
    fail "log and metrics disagree"

# The exposition: its content type, a HELP and TYPE per family, outputs
# delivered and profiles held, the batches timed, and the lag of the
# partitions read (all of them consumed by now).
type=$(get /metrics -o /dev/null -w '%{content_type}')
[ "$type" = "text/plain; version=0.0.4; charset=utf-8" ] || fail "content type: $type"
grep -qx '# TYPE c360_batch_latency_seconds histogram' "$WORK/metrics" || fail "no histogram"
# Outputs count once their delivery reports come back.
delivered() {
    get /metrics >"$WORK/metrics" &&
        grep -qx 'c360_events_out_total{topic="c360.out.unified-profile"} [1-9][0-9]*' \
            "$WORK/metrics"
}
wait_until 20 delivered || fail "no profiles delivered: $(grep events_out "$WORK/metrics")"
grep -qx 'c360_profiles [1-9][0-9]*' "$WORK/metrics" || fail "no profiles held"
grep -qx 'c360_batch_latency_seconds_count [1-9][0-9]*' "$WORK/metrics" || fail "no batch timed"
grep -qx 'c360_assigned_partitions [1-9][0-9]*' "$WORK/metrics" || fail "no partitions"
caught_up() {
    get /metrics >"$WORK/metrics" &&
        grep -q '^c360_consumer_lag{topic="c360.in.financial-account",partition="[0-9]*"} 0$' \
            "$WORK/metrics" &&
        ! grep -q '^c360_consumer_lag{.*} [1-9]' "$WORK/metrics"
}
wait_until 20 caught_up || fail "lag: $(grep consumer_lag "$WORK/metrics")"
# Every sample line is a c360_ metric of the family described above it.
awk '/^# TYPE / { family = $3; next } /^#/ { next }
     index($0, family) != 1 || index($0, "c360_") != 1 { print; bad = 1 } END { exit bad }' \
    "$WORK/metrics" || fail "a sample outside its family"
# Names and labels, never customers: no key or value of a record shows.
for key in $(cut -d'|' -f1 "$people" "$accounts" | sort -u); do
    grep -qF "$key" "$WORK/metrics" && fail "a record key ($key) is in /metrics"
done

[ "$(status /nope)" = 404 ] || fail "/nope is not 404"
[ "$(status /metrics -X POST -d x=1)" = 405 ] || fail "POST is not 405"
[ "$(status /healthz -I)" = 200 ] || fail "HEAD /healthz is not 200"

stop "$RUN_PID" TERM || fail "run exited $? on SIGTERM"
grep -q 'left group group=e2e-http' "$WORK/run.err" || fail "no clean leave"
status /healthz >/dev/null && fail "still serving after exit"
echo "PASS http"
