# Avro through `c360 run`: Snowflake rows written by a JDBC source connector
# with the AvroConverter (Schema Registry wire format, the table's columns)
# are read by their writer schema from a registry and mapped; a message with
# a wrong magic byte and one whose schema id the registry does not know go to
# c360.dlq with their original bytes, and the rows behind them in the
# partition are still decoded. kcat produces and reads.
source "$(dirname "$0")/lib.sh"
[ -n "${REGISTRY_STUB:-}" ] || { echo "REGISTRY_STUB not set" >&2; exit 77; }

start_broker main --brokers 1
writer="$SRC/tests/data/avro/financial-transaction/row-jdbc-full/writer.avsc"
mkfifo "$WORK/registry.in"
"$REGISTRY_STUB" "7=$writer" <"$WORK/registry.in" >"$WORK/registry.url" 2>"$WORK/registry.err" &
PIDS+=("$!")
exec 9>"$WORK/registry.in" # the stub runs until this closes
wait_until 10 grep -q '^http://' "$WORK/registry.url" || fail "registry stub did not start"
url=$(cat "$WORK/registry.url")

# One message per file, bytes from hex (rows 1-5, schema id 7 unless said).
n=0
for hex in \
    0000000007a2fe0a1654582d4532452d30303031020a4143432d31020e67702d313030310204303902065553440204445202d0c402020c504f53544544000282d7d484bf68 \
    0100000007a4fe0a1654582d4532452d30303032020a4143432d31020e67702d31303031020401f402065553440204445202d0c402020c504f53544544000284d7d484bf68 \
    0000000007a6fe0a1654582d4532452d30303033020a4143432d31020e67702d3130303102026302065553440204435202d0c402020c504f53544544000286d7d484bf68 \
    0000000063a8fe0a1654582d4532452d30303034020a4143432d31020e67702d3130303102026402065553440204445202d0c402020c504f53544544000288d7d484bf68 \
    0000000007aafe0a1654582d4532452d30303035020a4143432d31020e67702d3130303102020102065553440204445202d0c402020c504f5354454400028ad7d484bf68; do
    printf "$(sed 's/../\\x&/g' <<<"$hex")" >"$WORK/msg$n"
    n=$((n + 1))
done
# kcat sends each file as one message, in order.
kcat -b "$BOOTSTRAP" -P -t c360.in.financial-transaction -p 0 -k gp-1001 \
    "$WORK/msg0" "$WORK/msg1" "$WORK/msg2" "$WORK/msg3" "$WORK/msg4"

"$C360" run --bootstrap "$BOOTSTRAP" -X state.dir="$WORK/state" -X group.id=e2e-avro -X log.level=debug \
    -X "schema.registry.url=$url" -X schema.registry.retries=1 -X schema.registry.backoff.ms=10 \
    >"$WORK/run.out" 2>"$WORK/run.err" &
run_pid=$!
PIDS+=("$run_pid")
wait_until 30 grep -q 'record applied topic=c360.in.financial-transaction partition=0 offset=4' \
    "$WORK/run.err" || fail "the last row was not decoded: $(grep runtime "$WORK/run.err")"
for offset in 0 2; do
    grep -q "record applied topic=c360.in.financial-transaction partition=0 offset=$offset" \
        "$WORK/run.err" || fail "row at offset $offset not decoded"
done

read_dlq() {
    kcat -b "$BOOTSTRAP" -C -t c360.dlq -o beginning -e -q -f '%k|%h|%s\n--\n' \
        >"$WORK/dlq" 2>/dev/null || return 1
    [ "$(grep -c '^--$' "$WORK/dlq")" -ge 2 ]
}
wait_until 30 read_dlq || fail "expected 2 dead letters: $(cat "$WORK/dlq")"
for h in '__connect.errors.offset=1' 'wrong magic byte 0x01' '__connect.errors.offset=3' \
    'schema id 99 not found in the registry after 2 attempts' 'c360.errors.code=not found'; do
    grep -qF "$h" "$WORK/dlq" || fail "dead letters lack '$h': $(cat "$WORK/dlq")"
done
# The original bytes, byte for byte.
kcat -b "$BOOTSTRAP" -C -t c360.dlq -o 1 -c 1 -e -q -f '%s' >"$WORK/dlq1" 2>/dev/null
cmp -s "$WORK/dlq1" "$WORK/msg3" || fail "the dead letter's value is not the original message"

stop "$run_pid" TERM || fail "run exited $? on SIGTERM"
grep -q 'records received=5 applied=3 dead_lettered=2 .* dlq_delivered=2 ' "$WORK/run.err" ||
    fail "counters: $(grep 'records received' "$WORK/run.err")"
echo "PASS avro"
