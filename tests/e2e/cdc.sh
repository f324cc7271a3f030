# Salesforce CDC through `c360 run`: an UPDATE merges onto the record its
# CREATE left, gap events and updates of unknown records become re-sync
# requests on c360.out.resync-requests, and a broken event goes to c360.dlq
# while the events behind it in its partition are still decoded. kcat
# produces and reads.
source "$(dirname "$0")/lib.sh"

start_broker main --brokers 1
cases="$SRC/tests/data/salesforce-cdc/individual"
line_of() { sed -n "${2}p" "$cases/$1/value.jsonl"; }

# All in partition 0, in this order:
#   0 CREATE Jane   1 UPDATE Jane (merged)   2 not JSON   3 GAP_UPDATE Jane+John
#   4 UPDATE Jane (forgotten by the gap: re-sync)   5 DELETE Jane
{
    echo "GP-000184|$(line_of update-merges-onto-create 1)"
    echo "GP-000184|$(line_of update-merges-onto-create 2)"
    echo 'GP-000184|{"ChangeEventHeader": {"entityName": "Acc'
    echo "GP-000184|$(line_of gap-update-resyncs-and-forgets 2)"
    echo "GP-000184|$(line_of gap-update-resyncs-and-forgets 3)"
    echo "GP-000184|$(line_of delete-after-create 2)"
} >"$WORK/messages"
kcat -b "$BOOTSTRAP" -P -t c360.in.individual -p 0 -K'|' -l "$WORK/messages"

"$C360" run --bootstrap "$BOOTSTRAP" -X state.dir="$WORK/state" -X group.id=e2e-cdc -X log.level=debug \
    >"$WORK/run.out" 2>"$WORK/run.err" &
run_pid=$!
PIDS+=("$run_pid")
wait_until 30 grep -q 'record applied topic=c360.in.individual partition=0 offset=5' \
    "$WORK/run.err" || fail "the last event was not decoded: $(grep runtime "$WORK/run.err")"
grep -q 're-sync requested topic=c360.in.individual partition=0 offset=3 change=GAP_UPDATE records=2' \
    "$WORK/run.err" || fail "no re-sync for the gap: $(grep runtime "$WORK/run.err")"
grep -q 're-sync requested topic=c360.in.individual partition=0 offset=4 change=UPDATE records=1' \
    "$WORK/run.err" || fail "no re-sync for the update after the gap"

read_topic() { # read_topic TOPIC COUNT: the topic's records (key, value) into $WORK/TOPIC
    kcat -b "$BOOTSTRAP" -C -t "$1" -o beginning -e -q -f '%k|%s\n' >"$WORK/$1" 2>/dev/null ||
        return 1
    [ "$(wc -l <"$WORK/$1")" -ge "$2" ]
}
wait_until 30 read_topic c360.out.resync-requests 2 ||
    fail "expected 2 re-sync requests: $(cat "$WORK/c360.out.resync-requests")"
grep -q '^fsc|{"eventId":"0002c3a1-8f1e-4b7a-9d2e-00000000f001:1","orgId":"fsc","entityName":"Account","recordIds":\["0015f00002JUXA8AAP","0015f00002JUXB2AAP"\],"changeType":"GAP_UPDATE"' \
    "$WORK/c360.out.resync-requests" || fail "gap request: $(cat "$WORK/c360.out.resync-requests")"
grep -q '"changeType":"UPDATE","commitTimestamp":"2026-11-23T13:20:00.000Z"' \
    "$WORK/c360.out.resync-requests" || fail "update request missing"
wait_until 30 read_topic c360.dlq 1 || fail "expected a dead letter"
grep -qF '{"ChangeEventHeader": {"entityName": "Acc' "$WORK/c360.dlq" ||
    fail "dead letter lost its value: $(cat "$WORK/c360.dlq")"

stop "$run_pid" TERM || fail "run exited $? on SIGTERM"
grep -q 'records received=6 applied=5 dead_lettered=1 resyncs=2 .* messages_failed=0 messages_undelivered=0 dlq_delivered=1 .* identity_records=0 ' \
    "$WORK/run.err" || fail "counters: $(grep 'records received' "$WORK/run.err")"
for secret in Jane Doe jane.doe 'Mission Street' 123-45-6789; do
    grep -q "$secret" "$WORK/run.err" && fail "a record value reached the log: $secret"
done
echo "PASS cdc"
