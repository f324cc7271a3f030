# `c360 run` joins its consumer group on every input topic, receives what is
# there, shares partitions with a second instance, and leaves cleanly on
# SIGTERM/SIGINT — also when stopped before its first assignment.
source "$(dirname "$0")/lib.sh"

# The broker logs its group coordinator's view (kafka.debug=mock), so a clean
# leave is proven by the broker seeing LeaveGroup, not by the client's word.
start_broker main --brokers 1 -X kafka.debug=mock -X log.level=debug
for i in 1 2 3; do echo "gp-$i:{}"; done | kcat -b "$BOOTSTRAP" -P -t c360.in.external-financial-account -K:
echo "gp-9:{}" | kcat -b "$BOOTSTRAP" -P -t c360.in.web-engagement -K:

# The mock restarts a group's rebalance timer at session.timeout.ms - 1 s when
# membership changes (README, embedded broker limits): keep it short here.
run_c360() {
    local name=$1
    shift
    "$C360" run --bootstrap "$BOOTSTRAP" -X state.dir="$WORK/$name.state" -X group.id=e2e-run -X log.level=debug \
        -X kafka.session.timeout.ms=6000 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    local pid=$!
    PIDS+=("$pid")
    printf -v "${name}_PID" '%s' "$pid"
}

# One instance: every input with a decoder x 6 partitions, and the 4 records
# on them (undecodable here, so they also exercise the DLQ path).
declared=$(grep -l '"role": "input"' "$SRC"/topics/*.json | wc -l)
run_c360 a
wait_until 30 grep -q 'subscribed topics=' "$WORK/a.err" || fail "a: did not subscribe"
inputs=$((declared - $(grep -c 'topic not consumed' "$WORK/a.err")))
all=$((inputs * 6)) half=$((inputs * 3))
wait_until 30 grep -q "partitions assigned count=$all" "$WORK/a.err" ||
    fail "a: no assignment of $all partitions: $(grep -v rdkafka "$WORK/a.err")"
grep -q "subscribed topics=$inputs" "$WORK/a.err" ||
    fail "a: not subscribed to the $inputs decodable inputs"
wait_until 20 at_least 4 "$WORK/a.err" 'record received' || fail "a: records not received"
grep -q 'record received topic=c360.in.web-engagement' "$WORK/a.err" ||
    fail "a: web-engagement record not received"

# A second instance in the group: the range assignor splits the partitions.
run_c360 b
wait_until 40 grep -q "partitions assigned count=$half" "$WORK/b.err" ||
    fail "b: did not get half the partitions: $(grep runtime "$WORK/b.err")"
wait_until 20 grep -q "partitions assigned count=$half" "$WORK/a.err" ||
    fail "a: did not keep half the partitions"

# b leaves cleanly: the broker sees its LeaveGroup; a gets everything back.
b_member=$(grep -o "partitions assigned count=$half member=[^ ]*" "$WORK/b.err" | tail -n 1)
b_member=${b_member##*member=}
stop "$b_PID" TERM || fail "b exited $? on SIGTERM"
grep -q 'left group group=e2e-run' "$WORK/b.err" || fail "b: no 'left group'"
grep -q "Member $b_member is leaving group e2e-run" "$WORK/main.err" ||
    fail "the broker never saw b ($b_member) leave"
wait_until 40 at_least 2 "$WORK/a.err" "partitions assigned count=$all" ||
    fail "a: did not take back all partitions"

stop "$a_PID" TERM || fail "a exited $? on SIGTERM"
grep -q 'stopping signal=SIGTERM' "$WORK/a.err" || fail "a: stop not logged"
grep -q "partitions revoked count=$all" "$WORK/a.err" || fail "a: partitions not revoked on stop"
grep -q 'left group group=e2e-run' "$WORK/a.err" || fail "a: no 'left group'"
wait_until 10 at_least 2 "$WORK/main.err" 'is leaving group e2e-run' ||
    fail "the broker never saw a leave"

# librdkafka's own log comes through c360's logger, one record per line.
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z DEBUG rdkafka .* fac=MOCK client=c360-broker#producer-[0-9]+$' \
    "$WORK/main.err" || fail "no librdkafka record in c360's log format"
for log in main a b; do
    bad=$(grep -Evc '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z (DEBUG|INFO|WARN|ERROR) [a-z]+ ' \
        "$WORK/$log.err" || true)
    [ "$bad" -eq 0 ] || fail "$log: $bad log lines are not 'ts level module message'"
done

# Stopped before its first assignment (SIGINT right after it starts joining).
run_c360 c -X group.id=e2e-early
wait_until 20 grep -q 'joining group' "$WORK/c.err" || fail "c: did not start joining"
stop "$c_PID" INT || fail "c exited $? when stopped before assignment"
grep -q 'left group group=e2e-early' "$WORK/c.err" || fail "c: no 'left group'"
echo "PASS run_group"
