# A message that cannot be decoded goes to c360.dlq with its original key,
# value and headers plus the __connect.errors.* headers, and the good messages
# around it in the same partition are still decoded. kcat produces and reads.
source "$(dirname "$0")/lib.sh"

start_broker main --brokers 1
value_of() { tr -d '\n' <"$SRC/tests/data/connect-json/financial-account/$1/value.json"; }

# good, bad (not JSON), bad (unknown account type), good — all in partition 0.
{
    echo "ACC-1|$(value_of full)"
    echo 'ACC-2|{"schema": {"type": "struct", "fields": []}, "payload": {'
    echo "ACC-3|$(value_of err-unknown-account-type)"
    echo "ACC-4|$(value_of closed)"
} >"$WORK/messages"
kcat -b "$BOOTSTRAP" -P -t c360.in.financial-account -p 0 -K'|' -H trace=t-1 -l "$WORK/messages"

"$C360" run --bootstrap "$BOOTSTRAP" -X state.dir="$WORK/state" -X group.id=e2e-dlq -X log.level=debug \
    >"$WORK/run.out" 2>"$WORK/run.err" &
run_pid=$!
PIDS+=("$run_pid")
wait_until 30 at_least 2 "$WORK/run.err" 'record applied topic=c360.in.financial-account' ||
    fail "good records not decoded: $(grep runtime "$WORK/run.err")"
grep -q 'record applied topic=c360.in.financial-account partition=0 offset=3' "$WORK/run.err" ||
    fail "the record behind the bad ones was not decoded"

# The dead letters, as an outside client sees them. They are produced
# asynchronously, so read until both are there (delivery takes a moment).
read_dlq() {
    kcat -b "$BOOTSTRAP" -C -t c360.dlq -o beginning -e -q -f '%k\n%h\n%s\n--\n' \
        >"$WORK/dlq" 2>/dev/null || return 1
    [ "$(grep -c '^--$' "$WORK/dlq")" -ge 2 ]
}
wait_until 30 read_dlq || fail "expected 2 dead letters: $(cat "$WORK/dlq")"
[ "$(grep -c '^--$' "$WORK/dlq")" -eq 2 ] || fail "more than 2 dead letters: $(cat "$WORK/dlq")"
grep -q '^ACC-2$' "$WORK/dlq" || fail "dead letter lost its key"
grep -qF '{"schema": {"type": "struct", "fields": []}, "payload": {' "$WORK/dlq" ||
    fail "dead letter lost its original value"
for h in 'trace=t-1' '__connect.errors.topic=c360.in.financial-account' \
    '__connect.errors.partition=0' '__connect.errors.offset=1' \
    '__connect.errors.exception.class.name=c360.InvalidRecord' \
    '__connect.errors.offset=2' 'c360.errors.field=accountType' \
    "__connect.errors.exception.message=accountType: 'Brokerage Plus' of ACCOUNT_TYPE"; do
    grep -qF "$h" "$WORK/dlq" || fail "dead letters lack header $h: $(cat "$WORK/dlq")"
done

stop "$run_pid" TERM || fail "run exited $? on SIGTERM"
grep -q 'records received=4 applied=2 dead_lettered=2 .* messages_failed=0 messages_undelivered=0 dlq_delivered=2 ' \
    "$WORK/run.err" || fail "counters: $(grep 'records received' "$WORK/run.err")"
# Logs name the field, never the customer's values.
grep -q 'Brokerage Plus' "$WORK/run.err" && fail "a record value reached the log"
echo "PASS dlq"
