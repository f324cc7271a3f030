# `c360 run` on the engine through the embedded broker, with kcat on both
# ends: a generated bank published by kcat, the processor on the event clock,
# and the outputs read back by kcat. The threshold customers of the bank are
# segment members exactly as its truth says (truth.jsonl is written by
# construction, not by the engine), with their ENTER changes and activation
# records; a poison message goes to c360.dlq while the records behind it in
# its partition are still applied; and the offsets are stored with the state:
# the processor restarted on its state store consumes nothing and produces
# nothing.
#
# The people (Salesforce person accounts) are published and applied first,
# as a CRM's customers exist before their accounts' balances flow. (The
# engine also tells the advisor of a member whose person record arrives
# after the balances; tests/unit/engine checks that order.)
source "$(dirname "$0")/lib.sh"
require jq jq

start_broker main --brokers 1
# 60 customers: about 2 MB of inputs and 3 MB of outputs over 6 partitions,
# far below the embedded broker's 5 MiB per partition.
"$C360" gen --customers 60 --seed 3 --out "$WORK/bank" --key-delimiter '|' 2>/dev/null
# The transactions' topic is declared Avro (Kafka Connect with the registry);
# gen writes its rows as the JSON its mapping reads, so a copy of topics/ says so.
cp -r "$SRC/topics" "$WORK/topics"
sed -i 's/"format": "avro"/"format": "json"/' "$WORK/topics/financial-transaction.json"

publish() { # publish TOPIC FILE
    kcat -b "$BOOTSTRAP" -X partitioner=murmur2_random -P -t "$1" -K'|' -l "$2"
}
# The poison goes between two halves of the web engagements, keyed like the
# first record behind it, so records of its partition come after it.
web="$WORK/bank/c360.in.web-engagement.jsonl"
half=$(($(wc -l <"$web") / 2))
head -n "$half" "$web" >"$WORK/web1"
tail -n +"$((half + 1))" "$web" >"$WORK/web2"
poison_key=$(head -n 1 "$WORK/web2" | cut -d'|' -f1)
echo "$poison_key|{\"engagement_id\": 12," >"$WORK/poison"
run_c360() { # run_c360 NAME [STATE]: a processor in group e2e-engine, logs in $WORK/NAME.err,
    # state in $WORK/STATE.state (default NAME)
    "$C360" run --bootstrap "$BOOTSTRAP" -X state.dir="$WORK/${2:-$1}.state" -X group.id=e2e-engine -X clock=event \
        -X topics.dir="$WORK/topics" -X log.level=debug -X commit.interval.ms=200 \
        -X kafka.session.timeout.ms=6000 >"$WORK/$1.out" 2>"$WORK/$1.err" &
    RUN_PID=$!
    PIDS+=("$RUN_PID")
}
people="$WORK/bank/c360.in.individual.jsonl"
publish c360.in.individual "$people"
run_c360 first
wait_until 60 at_least "$(wc -l <"$people")" "$WORK/first.err" 'DEBUG runtime record received' ||
    fail "people: $(grep_count "$WORK/first.err" 'record received') of $(wc -l <"$people")"
total=$((1 + $(wc -l <"$people")))
for f in "$WORK"/bank/c360.in.*.jsonl; do
    topic=$(basename "$f" .jsonl)
    [ "$topic" = c360.in.web-engagement ] || [ "$topic" = c360.in.individual ] && continue
    publish "$topic" "$f"
    total=$((total + $(wc -l <"$f")))
done
publish c360.in.web-engagement "$WORK/web1"
publish c360.in.web-engagement "$WORK/poison"
publish c360.in.web-engagement "$WORK/web2"
total=$((total + $(wc -l <"$web")))
wait_until 60 at_least "$total" "$WORK/first.err" 'DEBUG runtime record received' ||
    fail "$(grep_count "$WORK/first.err" 'record received') of $total records received"

read_topic() { # read_topic TOPIC: every message as kcat's JSON envelope, into $WORK/TOPIC
    kcat -b "$BOOTSTRAP" -C -t "$1" -o beginning -e -q -J >"$WORK/$1" 2>/dev/null
}
# Members at the end: the last value per key of the compacted membership
# topic, as "segment globalPartyId" lines.
members() {
    read_topic c360.out.segment-membership || return 1
    jq -rs 'reduce .[] as $m ({}; .[$m.key] = $m.payload) | .[] | select(. != null)
            | fromjson | .segment as $s | .globalPartyIds[] | "\($s) \(.)"' \
        "$WORK/c360.out.segment-membership" | sort
}
# Every case, the Kafka-order-sensitive ones included: a real-estate visit
# whose first page lies 25 minutes before the 30-day window and whose last is
# exactly at its start makes one visit however its pages arrive (the
# insights keep a visit a day past the window, src/insights/visit.c).
grep -q '"case":"visit-last-event-at-window-start"' "$WORK/bank/truth.jsonl" ||
    fail "no visit-last-event-at-window-start case"
truth() { cat "$WORK/bank/truth.jsonl"; }
truth | jq -r 'select(.member) | "\(.segment) \(.globalPartyId)"' | sort >"$WORK/truth-members"
# Only the (segment, party) pairs truth speaks of: other customers are random.
truth | jq -r '"\(.segment) \(.globalPartyId)"' | sort -u >"$WORK/pairs"
[ "$(wc -l <"$WORK/pairs")" -ge 25 ] || fail "too few threshold cases"
[ "$(wc -l <"$WORK/truth-members")" -ge 5 ] || fail "truth has too few members"
same_as_truth() {
    members | { grep -x -F -f "$WORK/pairs" || true; } >"$WORK/engine-members" &&
        cmp -s "$WORK/engine-members" "$WORK/truth-members"
}
wait_until 60 same_as_truth ||
    fail "members differ from truth (< engine, > truth): $(diff "$WORK/engine-members" \
        "$WORK/truth-members")"

# Every member entered with a change of its own, got a Marketing Cloud row
# keyed by its profile and a CSR message to the FSC account truth gives it.
uid_members() { # "segment unifiedId globalPartyId" of the truth members
    jq -rs --rawfile t "$WORK/truth-members" '($t | split("\n")) as $pairs
        | reduce .[] as $m ({}; .[$m.key] = $m.payload) | .[] | select(. != null) | fromjson
        | .segment as $s | .unifiedId as $u | .globalPartyIds[] as $g
        | select("\($s) \($g)" | IN($pairs[])) | "\($s) \($u) \($g)"' \
        "$WORK/c360.out.segment-membership" | sort -u
}
uid_members >"$WORK/members-uid-gp"
cut -d' ' -f1,2 "$WORK/members-uid-gp" | sort -u >"$WORK/uids"
[ "$(wc -l <"$WORK/uids")" -ge 5 ] || fail "no unified ids for the members: $(cat "$WORK/uids")"
read_topic c360.out.segment-changes
read_topic c360.out.activation.marketing
read_topic c360.out.activation.csr-insight
jq -r '.payload | fromjson | select(.action == "ENTER") | "\(.segment) \(.unifiedId)"' \
    "$WORK/c360.out.segment-changes" | sort -u >"$WORK/entered"
jq -r '.key as $k | .payload | fromjson | select(.action == "ADD" and .contactKey == $k)
    | "\(.segment) \(.unifiedId)"' "$WORK/c360.out.activation.marketing" | sort -u >"$WORK/marketing"
for f in entered marketing; do
    missing=$(comm -23 "$WORK/uids" "$WORK/$f")
    [ -z "$missing" ] || fail "members without a record in $f: $missing"
done
jq -r '.key as $k | .payload | fromjson | select(.subjectId == $k)
    | "\(.segment) \(.unifiedId) \(.subjectId)"' "$WORK/c360.out.activation.csr-insight" |
    sort -u >"$WORK/csr"
# "segment unifiedId fscAccountId" as truth has it, for the members.
jq -r '"\(.segment) \(.globalPartyId) \(.fscAccountId)"' "$WORK/bank/truth.jsonl" |
    sort -u >"$WORK/truth-fsc"
awk 'NR == FNR { fsc[$1 " " $2] = $3; next } { print $1, $2, fsc[$1 " " $3] }' \
    "$WORK/truth-fsc" "$WORK/members-uid-gp" | sort -u >"$WORK/expected-csr"
missing=$(comm -23 "$WORK/expected-csr" "$WORK/csr")
[ -z "$missing" ] || fail "members without their CSR message: $missing"
grep -q 'Suggest a Money Market account.' "$WORK/c360.out.activation.csr-insight" ||
    fail "no cross-sell message"

# The poison: in c360.dlq with its position, and the records behind it in its
# partition were applied.
read_topic c360.dlq
[ "$(jq -s length "$WORK/c360.dlq")" -eq 1 ] || fail "dead letters: $(cat "$WORK/c360.dlq")"
header() { # header NAME: the dead letter's header NAME (kcat lists them name, value, …)
    jq -r --arg h "$1" '.headers as $a | [range(0; $a | length; 2) | select($a[.] == $h)
        | $a[. + 1]] | first' "$WORK/c360.dlq"
}
[ "$(header __connect.errors.topic)" = c360.in.web-engagement ] || fail "dlq topic header"
[ "$(jq -r .key "$WORK/c360.dlq")" = "$poison_key" ] || fail "dead letter lost its key"
partition=$(header __connect.errors.partition) offset=$(header __connect.errors.offset)
[ "$(jq -r .payload "$WORK/c360.dlq")" = '{"engagement_id": 12,' ] || fail "dead letter's value"
behind=$(kcat -b "$BOOTSTRAP" -C -t c360.in.web-engagement -p "$partition" -o $((offset + 1)) \
    -e -q -f '%o\n' 2>/dev/null | wc -l)
[ "$behind" -ge 1 ] || fail "nothing behind the poison in partition $partition"
for o in $(seq $((offset + 1)) $((offset + behind))); do
    grep -q "record applied topic=c360.in.web-engagement partition=$partition offset=$o\$" \
        "$WORK/first.err" || fail "record $partition:$o behind the poison was not applied"
done

# A clean stop: everything delivered and committed.
wait_until 10 grep -q 'DEBUG runtime offsets committed' "$WORK/first.err" ||
    fail "no offsets committed"
stop "$RUN_PID" TERM || fail "run exited $? on SIGTERM"
grep -q "records received=$total applied=$((total - 1)) dead_lettered=1 .* messages_failed=0 messages_undelivered=0 dlq_delivered=1 commits=[1-9]" \
    "$WORK/first.err" || fail "counters: $(grep 'records received' "$WORK/first.err")"
grep -q 'partitions revoked .* undelivered=0 uncommitted=0' "$WORK/first.err" ||
    fail "not all committed on stop: $(grep 'partitions revoked' "$WORK/first.err")"

# The processor restarted on its state store starts from the offsets stored
# with its state: it receives nothing and the output topics hold what they
# held.
outputs() {
    local t
    for t in identity-links identity-changes unified-profile segment-membership \
        segment-changes activation.marketing activation.csr-insight; do
        echo "$t $(kcat -b "$BOOTSTRAP" -C -t "c360.out.$t" -o beginning -e -q -f '.\n' \
            2>/dev/null | wc -l)"
    done
}
outputs >"$WORK/before"
grep -q 'unified-profile [1-9]' "$WORK/before" || fail "no profiles: $(cat "$WORK/before")"
run_c360 second first
wait_until 30 grep -q 'partitions assigned count=' "$WORK/second.err" ||
    fail "second: no assignment: $(grep runtime "$WORK/second.err")"
sleep 2 # more than the fetch and commit intervals
stop "$RUN_PID" TERM || fail "second run exited $? on SIGTERM"
grep -q 'records received=0 applied=0 dead_lettered=0 resyncs=0 outputs=0 ' "$WORK/second.err" ||
    fail "second: $(grep 'records received' "$WORK/second.err")"
grep -q 'state loaded dir=.* partitions=[1-9]' "$WORK/second.err" ||
    fail "second: state not loaded: $(grep 'state loaded' "$WORK/second.err")"
outputs >"$WORK/after"
diff "$WORK/before" "$WORK/after" >"$WORK/diff" || fail "outputs changed: $(cat "$WORK/diff")"

# Logs name fields and positions, never the customers' values.
name=$(jq -r '.payload | fromjson | .firstName' "$WORK/c360.out.activation.marketing" | head -n 1)
email=$(jq -r '.payload | fromjson | .email' "$WORK/c360.out.activation.marketing" | head -n 1)
for secret in "$name" "$email" "$poison_key"; do
    [ -n "$secret" ] && grep -qF "$secret" "$WORK/first.err" && fail "a record value reached the log"
done
echo "PASS engine_kcat"
