# The c360 command line: help, exit codes, configuration errors as a user
# meets them (unknown key, bad value, -X override, rejected kafka.* key).
source "$(dirname "$0")/lib.sh"

# expect_exit CODE CMD...: runs CMD, output to $WORK/out and $WORK/err.
expect_exit() {
    local want=$1 rc=0
    shift
    "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want: $(cat "$WORK/err")"
}

expect_exit 2 "$C360"
grep -q '^usage: c360 <command>' "$WORK/err" || fail "no usage without arguments"
expect_exit 0 "$C360" --help
cp "$WORK/out" "$WORK/help"
for cmd in broker run topics decode gen replay explain config version; do
    grep -q "^  $cmd " "$WORK/help" || fail "--help does not list $cmd"
    expect_exit 0 "$C360" "$cmd" --help
    grep -q "^usage: c360 $cmd" "$WORK/out" || fail "$cmd --help shows no usage"
done
expect_exit 2 "$C360" frobnicate
grep -q "unknown command 'frobnicate'" "$WORK/err" || fail "unknown command not named"
expect_exit 2 "$C360" run --no-such-option
expect_exit 2 "$C360" broker --brokers 0
expect_exit 2 "$C360" topics sideways

expect_exit 0 "$C360" version
grep -q '^c360 [0-9]' "$WORK/out" || fail "version missing"
grep -q '^librdkafka 2\.' "$WORK/out" || fail "librdkafka version missing"
grep -q '^libmicrohttpd [0-9]' "$WORK/out" || fail "libmicrohttpd version missing"

# Unknown key in a file: fails, naming file, line and key.
printf 'group.id=c360\n# comment\ngrup.id=x\n' >"$WORK/typo.properties"
expect_exit 2 "$C360" run -c "$WORK/typo.properties" -X state.dir="$WORK/state" --bootstrap 127.0.0.1:1
grep -q "typo.properties:3: grup.id: unknown configuration key (did you mean 'group.id'?)" \
    "$WORK/err" || fail "unknown key message: $(cat "$WORK/err")"

# Bad value: fails, naming key and value.
expect_exit 2 "$C360" config -X poll.timeout.ms=soon
grep -q "poll.timeout.ms: 'soon' is not an integer" "$WORK/err" || fail "bad value message"

# -X overrides the file; the effective configuration shows it; secrets masked.
printf 'group.id=from-file\nlog.level=warn\nkafka.sasl.password=hunter2\n' >"$WORK/ok.properties"
expect_exit 0 "$C360" config -c "$WORK/ok.properties" -X group.id=from-x
grep -q '^group.id=from-x$' "$WORK/out" || fail "-X did not override the file"
grep -q '^log.level=warn$' "$WORK/out" || fail "file value lost"
grep -q 'hunter2' "$WORK/out" && fail "a secret was printed"
grep -q '^kafka.sasl.password=\*\*\*\*\*\*\*\*$' "$WORK/out" || fail "secret not masked"

# A kafka.* key librdkafka rejects: fatal at start-up with librdkafka's words.
expect_exit 2 "$C360" run -X state.dir="$WORK/state" --bootstrap 127.0.0.1:1 -X kafka.no.such.thing=1
grep -q 'kafka.no.such.thing: librdkafka rejects it: No such configuration property' \
    "$WORK/err" || fail "rejected kafka key message: $(cat "$WORK/err")"
expect_exit 2 "$C360" broker -X kafka.acks=maybe
grep -q 'kafka.acks: librdkafka rejects it' "$WORK/err" || fail "broker accepted a bad kafka key"

# What c360 owns cannot be overridden through kafka.*.
expect_exit 2 "$C360" run -X state.dir="$WORK/state" --bootstrap 127.0.0.1:1 -X kafka.group.id=other
grep -q 'set the consumer group with group.id' "$WORK/err" || fail "kafka.group.id accepted"
expect_exit 2 "$C360" run -X state.dir="$WORK/state" --bootstrap 127.0.0.1:1 -X kafka.enable.auto.commit=true
grep -q 'c360 commits offsets itself' "$WORK/err" || fail "kafka.enable.auto.commit accepted"

# A topic naming a schema that is not in schemas.dir fails start-up.
mkdir "$WORK/schemas"
cp "$SRC"/schemas/*.avsc "$WORK/schemas/"
rm "$WORK/schemas/segment_change.avsc"
expect_exit 2 "$C360" broker -X schemas.dir="$WORK/schemas"
grep -q 'segment_change.avsc: topic c360.out.segment-changes names this schema' "$WORK/err" ||
    fail "missing schema not reported: $(cat "$WORK/err")"
echo '{"type": "record", "name": "Broken", "fields": [{"name": "x", "type": "nope"}]}' \
    >"$WORK/schemas/segment_change.avsc"
expect_exit 2 "$C360" run -X state.dir="$WORK/state" --bootstrap 127.0.0.1:1 -X schemas.dir="$WORK/schemas"
grep -q 'segment_change.avsc: avro-c rejects the schema' "$WORK/err" ||
    fail "broken schema not reported: $(cat "$WORK/err")"

# One-shot commands keep default signal handling: SIGTERM ends a long wait.
"$C360" topics verify --bootstrap 127.0.0.1:1 --timeout-ms 60000 >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 143 ] || fail "topics verify ignored SIGTERM (exit $rc)"

# run without a cluster address says what to set.
expect_exit 2 "$C360" run
grep -q 'kafka.bootstrap.servers is not set' "$WORK/err" || fail "missing bootstrap not explained"

# A broken topics folder fails start-up naming the file.
mkdir "$WORK/topics"
cp "$SRC"/topics/*.json "$WORK/topics/"
echo '{"id": "x"' >"$WORK/topics/zz-broken.json"
expect_exit 2 "$C360" broker -X topics.dir="$WORK/topics"
grep -q 'zz-broken.json' "$WORK/err" || fail "broken topic file not named"

# decode: canonical JSON per good line, 'line N: field: reason' per bad one, exit 2.
{
    tr -d '\n' <"$SRC/tests/data/canonical/financial-account/full/value.json"
    echo
    echo '{"eventId": "e-2", "changeType": "UPSERT"}'
    echo
    echo '{"truncated": '
} >"$WORK/messages.jsonl"
expect_exit 2 "$C360" decode --topic c360.in.financial-account --format canonical "$WORK/messages.jsonl"
[ "$(wc -l <"$WORK/out")" -eq 1 ] || fail "decode printed $(wc -l <"$WORK/out") records, expected 1"
grep -q '"balance":{"amount":"4210.17","currency":"USD"}' "$WORK/out" || fail "decode output wrong"
grep -q '^line 2: occurredAt: required field is missing$' "$WORK/err" || fail "line 2 not diagnosed"
grep -q '^line 4: the value is not JSON: ' "$WORK/err" || fail "line 4 not diagnosed"
head -n 1 "$WORK/messages.jsonl" >"$WORK/one.jsonl"
expect_exit 0 "$C360" decode --topic financial-account --format canonical <"$WORK/one.jsonl"
# The topic's own format and mapping: a Snowflake row through Kafka Connect.
tr -d '\n' <"$SRC/tests/data/connect-json/financial-account/full/value.json" >"$WORK/connect.jsonl"
echo >>"$WORK/connect.jsonl"
expect_exit 0 "$C360" decode --topic c360.in.financial-account "$WORK/connect.jsonl"
grep -q '"eventId":"c360.in.financial-account:0:0".*"accountType":"SAVINGS"' "$WORK/out" ||
    fail "connect-json decode: $(cat "$WORK/out")"
# Salesforce CDC: the update merges onto the create of the line before; an
# event of two records prints two lines.
cdc="$SRC/tests/data/salesforce-cdc/individual"
expect_exit 0 "$C360" decode --topic individual "$cdc/update-of-two-records/value.jsonl"
[ "$(wc -l <"$WORK/out")" -eq 4 ] || fail "CDC decode printed $(wc -l <"$WORK/out") lines, not 4"
diff "$WORK/out" "$cdc/update-of-two-records/expected.jsonl" >&2 || fail "CDC decode output differs"
# explain: an FSC person and an S3 external account share a global party id.
mkdir -p "$WORK/replay"
cp "$cdc/update-of-two-records/value.jsonl" "$WORK/replay/c360.in.individual.jsonl"
sed 's/"gp-1001"/"GP-000184"/' "$SRC/tests/data/json/external-financial-account/full/value.json" |
    tr -d '\n' >"$WORK/replay/c360.in.external-financial-account.jsonl"
echo >>"$WORK/replay/c360.in.external-financial-account.jsonl"
expect_exit 0 "$C360" explain --in "$WORK/replay" fsc:0015f00002JUXA8AAP
grep -q '^  record s3:EXT-55$' "$WORK/out" || fail "explain: $(cat "$WORK/out")"
grep -q '^  edge   s3:EXT-55 -- fsc:0015f00002JUXA8AAP  global-party-id  GP-000184$' "$WORK/out" ||
    fail "explain lacks the edge: $(cat "$WORK/out")"
id=$(sed -n 's/^profile //p' "$WORK/out")
expect_exit 0 "$C360" explain --in "$WORK/replay" "$id"
grep -q '^  record fsc:0015f00002JUXA8AAP$' "$WORK/out" || fail "explain by unified id"
expect_exit 1 "$C360" explain --in "$WORK/replay" fsc:nobody
expect_exit 2 "$C360" decode --topic c360.in.individual --format protobuf <"$WORK/one.jsonl"
grep -q "no decoder for 'protobuf' yet" "$WORK/err" || fail "missing decoder not said"
expect_exit 2 "$C360" decode --topic c360.out.unified-profile <"$WORK/one.jsonl"
grep -q "is not an input topic" "$WORK/err" || fail "output topic accepted by decode"

# The shipped example configuration loads.
expect_exit 0 "$C360" config -c "$SRC/config/c360.properties"
grep -q '^kafka.bootstrap.servers=localhost:9092$' "$WORK/out" || fail "example config not applied"

# The committed reference is what the table generates.
expect_exit 0 "$C360" config --reference
cmp -s "$WORK/out" "$SRC/config/REFERENCE.md" || fail "config/REFERENCE.md is stale"
echo "PASS cli"
