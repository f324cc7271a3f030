# Broker faults survived by `c360 run` (DESIGN.md §6, §8): while the
# processor works through a generated bank on a 3-broker embedded cluster,
# `c360 broker --control` makes produce, fetch, commit and heartbeat
# requests fail and takes a broker down and brings it back. Nothing is lost:
# every record is applied or dead-lettered, the threshold customers are
# segment members exactly as the bank's truth says, each member has its
# ENTER, and the processor stops cleanly.
source "$(dirname "$0")/lib.sh"
require jq jq

touch "$WORK/control"
start_broker main --brokers 3 --control "$WORK/control"
fault() { # fault LINE: applied by the broker within 100 ms
    echo "$*" >>"$WORK/control"
    wait_until 10 grep -q "fault applied control=\"$*\"" "$WORK/main.err" ||
        fail "the broker did not apply '$*': $(grep control "$WORK/main.err" | tail -n 2)"
}

"$C360" gen --customers 80 --seed 5 --out "$WORK/bank" --key-delimiter '|' 2>/dev/null
cp -r "$SRC/topics" "$WORK/topics"
sed -i 's/"format": "avro"/"format": "json"/' "$WORK/topics/financial-transaction.json"
total=0
for f in "$WORK"/bank/c360.in.*.jsonl; do
    total=$((total + $(wc -l <"$f")))
done
kcat -b "$BOOTSTRAP" -X partitioner=murmur2_random -P -t c360.in.individual -K'|' \
    -l "$WORK/bank/c360.in.individual.jsonl"

"$C360" run --bootstrap "$BOOTSTRAP" -X state.dir="$WORK/state" -X group.id=e2e-faults \
    -X clock=event -X topics.dir="$WORK/topics" -X log.level=debug -X batch.records=50 \
    -X kafka.session.timeout.ms=6000 -X state.sync=false >"$WORK/run.out" 2>"$WORK/run.err" &
run_pid=$!
PIDS+=("$run_pid")
applied() {
    echo $(($(grep_count "$WORK/run.err" 'DEBUG runtime record applied') +
        $(grep_count "$WORK/run.err" 'record sent to the dead-letter topic')))
}
applied_ge() { [ "$(applied)" -ge "$1" ]; }
wait_until 60 grep -q 'partitions assigned' "$WORK/run.err" || fail "no assignment"

# Requests fail while the rest of the bank is published and processed.
fault errors Produce 4 NOT_LEADER_FOR_PARTITION REQUEST_TIMED_OUT
fault errors Fetch 3 NOT_LEADER_FOR_PARTITION
fault errors OffsetCommit 2 REQUEST_TIMED_OUT
fault errors Heartbeat 2 NOT_COORDINATOR
for f in "$WORK"/bank/c360.in.*.jsonl; do
    [ "$(basename "$f" .jsonl)" = c360.in.individual ] && continue
    kcat -b "$BOOTSTRAP" -X partitioner=murmur2_random -P -t "$(basename "$f" .jsonl)" -K'|' -l "$f"
done
# A broker down for three seconds mid-stream, then up again.
wait_until 60 applied_ge $((total / 3)) || fail "stalled at $(applied) of $total"
fault down 2
sleep 3
fault up 2
wait_until 120 applied_ge "$total" || fail "applied $(applied) of $total records"

# Members as truth says, each with its ENTER.
members() {
    kcat -b "$BOOTSTRAP" -C -t c360.out.segment-membership -o beginning -e -q -J 2>/dev/null |
        jq -rs 'reduce .[] as $m ({}; .[$m.key] = $m.payload) | .[] | select(. != null)
                | fromjson | .segment as $s | .globalPartyIds[] | "\($s) \(.)"' | sort
}
jq -r 'select(.member) | "\(.segment) \(.globalPartyId)"' "$WORK/bank/truth.jsonl" |
    sort >"$WORK/truth-members"
jq -r '"\(.segment) \(.globalPartyId)"' "$WORK/bank/truth.jsonl" | sort -u >"$WORK/pairs"
same_as_truth() {
    members | { grep -x -F -f "$WORK/pairs" || true; } >"$WORK/members" &&
        cmp -s "$WORK/members" "$WORK/truth-members"
}
wait_until 60 same_as_truth ||
    fail "members differ from truth: $(diff "$WORK/members" "$WORK/truth-members")"
kcat -b "$BOOTSTRAP" -C -t c360.out.segment-membership -o beginning -e -q -J 2>/dev/null |
    jq -rs 'reduce .[] as $m ({}; .[$m.key] = $m.payload) | .[] | select(. != null)
            | fromjson | "\(.segment) \(.unifiedId)"' | sort -u >"$WORK/member-uids"
kcat -b "$BOOTSTRAP" -C -t c360.out.segment-changes -o beginning -e -q -J 2>/dev/null |
    jq -r '.payload | fromjson | select(.action == "ENTER") | "\(.segment) \(.unifiedId)"' |
    sort -u >"$WORK/entered"
missing=$(comm -23 "$WORK/member-uids" "$WORK/entered")
[ -z "$missing" ] || fail "members without an ENTER: $missing"
[ "$(grep_count "$WORK/main.err" 'fault applied')" -eq 6 ] || fail "not every fault was applied"
stop "$run_pid" TERM || fail "the processor exited $? after the faults"
grep -q 'left group group=e2e-faults' "$WORK/run.err" || fail "no clean leave"
echo "PASS faults ($total records)"
