# Crash safety of `c360 run` (DESIGN.md §6): a generated bank is published
# with kcat to two embedded brokers. On one, a processor runs uninterrupted.
# On the other, a processor is killed with SIGKILL at several points
# mid-stream and restarted on the same state directory each time. In the end
# both have the same segment members, the same profiles (the same records
# joined into one), the same number of golden profiles; every member has its
# ENTER and Marketing Cloud row, and the threshold customers that the bank's
# truth says are members their CSR message; and an output emitted twice (the
# batch in flight when the processor died is re-run exactly) carries the
# same eventId and the same value.
#
# Unified ids are compared through the records and parties they hold, not
# as numbers: a consumer reads several partitions in an order Kafka does not
# fix, and ids are given in arrival order.
source "$(dirname "$0")/lib.sh"
require jq jq

start_broker ref --brokers 1
REF=$BOOTSTRAP
touch "$WORK/crash.control"
start_broker crash --brokers 1 --control "$WORK/crash.control"
CRASH=$BOOTSTRAP

# 120 customers: about 4 MB of inputs over 6 partitions, and the outputs
# emitted again after each kill, stay below the broker's 5 MiB per partition.
"$C360" gen --customers 120 --seed 11 --out "$WORK/bank" --key-delimiter '|' 2>/dev/null
cp -r "$SRC/topics" "$WORK/topics"
sed -i 's/"format": "avro"/"format": "json"/' "$WORK/topics/financial-transaction.json"
total=0
for f in "$WORK"/bank/c360.in.*.jsonl; do
    total=$((total + $(wc -l <"$f")))
done
publish_all() { # publish_all BOOTSTRAP: people first, as in engine_kcat.sh
    local b=$1 f
    kcat -b "$b" -X partitioner=murmur2_random -P -t c360.in.individual -K'|' \
        -l "$WORK/bank/c360.in.individual.jsonl"
    for f in "$WORK"/bank/c360.in.*.jsonl; do
        [ "$(basename "$f" .jsonl)" = c360.in.individual ] && continue
        kcat -b "$b" -X partitioner=murmur2_random -P -t "$(basename "$f" .jsonl)" -K'|' -l "$f"
    done
}
publish_all "$REF"
publish_all "$CRASH"

run_c360() { # run_c360 NAME BOOTSTRAP STATE [options]: logs in $WORK/NAME.err
    local name=$1 b=$2 state=$3
    shift 3
    "$C360" run --bootstrap "$b" -X state.dir="$state" -X group.id=e2e-crash -X clock=event \
        -X topics.dir="$WORK/topics" -X log.level=debug -X commit.interval.ms=200 \
        -X kafka.session.timeout.ms=6000 -X state.sync=false "$@" \
        >"$WORK/$name.out" 2>"$WORK/$name.err" &
    RUN_PID=$!
    PIDS+=("$RUN_PID")
}
applied() { # applied NAME: records this run applied or dead-lettered
    echo $(($(grep_count "$WORK/$1.err" 'DEBUG runtime record applied') +
        $(grep_count "$WORK/$1.err" 'record sent to the dead-letter topic')))
}
done_with() { # done_with NAME N: the run has applied N records
    [ "$(applied "$1")" -ge "$2" ]
}

# The uninterrupted run.
run_c360 ref "$REF" "$WORK/ref.state"
ref_pid=$RUN_PID
wait_until 120 done_with ref "$total" || fail "ref applied $(applied ref) of $total records"
stop "$ref_pid" TERM || fail "ref exited $? on SIGTERM"

# The run killed three times: small batches, so a kill finds one in flight.
# A kill falls inside a batch (between storing it and committing it) most
# of the time, and the restart after it re-runs that batch; more kills follow
# the first three until one has. Unthrottled, the processor applies the
# whole bank in well under a second, so the broker answers every request
# 25 ms late from here on: a batch then waits for its outputs most of the
# time, and the run is slow enough for the kills to land mid-stream.
echo "rtt 1 25" >>"$WORK/crash.control"
wait_until 10 grep -q 'fault applied control="rtt 1 25"' "$WORK/crash.err" ||
    fail "the broker did not slow down: $(grep control "$WORK/crash.err" | tail -n 2)"
slow=(-X batch.records=100)
kills=0 final_pid=
rerun() { grep -q 're-running it exactly' "$WORK"/crash*.err; }
for at in 600 800 700 200 200 200; do
    run_c360 "crash$kills" "$CRASH" "$WORK/crash.state" "${slow[@]}"
    pid=$RUN_PID
    wait_until 30 grep -q 'joining group' "$WORK/crash$kills.err" ||
        fail "crash$kills did not load its state: $(tail -n 3 "$WORK/crash$kills.err")"
    if [ "$kills" -ge 3 ] && rerun; then
        final_pid=$pid
        break
    fi
    wait_until 60 done_with "crash$kills" "$at" ||
        fail "crash$kills applied $(applied "crash$kills") of $at records"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    kills=$((kills + 1))
done
grep -q 'state loaded dir=.* partitions=[1-9]' "$WORK/crash1.err" ||
    fail "the restarted processor did not load its state: $(grep 'state loaded' "$WORK/crash1.err")"
if [ -z "$final_pid" ]; then
    run_c360 "crash$kills" "$CRASH" "$WORK/crash.state" "${slow[@]}"
    final_pid=$RUN_PID
fi

# The compacted topics' last value per key, as "key<TAB>value" lines.
latest() { # latest BOOTSTRAP TOPIC
    kcat -b "$1" -C -t "$2" -o beginning -e -q -J 2>/dev/null |
        jq -rs 'reduce .[] as $m ({}; .[$m.key] = $m.payload) | to_entries[]
                | select(.value != null) | "\(.key)\t\(.value)"'
}
# "segment globalPartyId" of every member.
members() {
    latest "$1" c360.out.segment-membership | cut -f2 |
        jq -r '.segment as $s | .globalPartyIds[] | "\($s) \(.)"' | sort
}
# Each profile as its sorted record keys, one profile per line.
profiles() {
    latest "$1" c360.out.identity-links | cut -f2 |
        jq -rs 'group_by(.unifiedId) | map(map(.recordKey) | sort | join(",")) | .[]' | sort
}
converged() {
    members "$CRASH" >"$WORK/crash-members" && profiles "$CRASH" >"$WORK/crash-profiles" &&
        cmp -s "$WORK/crash-members" "$WORK/ref-members" &&
        cmp -s "$WORK/crash-profiles" "$WORK/ref-profiles"
}
members "$REF" >"$WORK/ref-members"
profiles "$REF" >"$WORK/ref-profiles"
[ "$(wc -l <"$WORK/ref-members")" -ge 5 ] || fail "too few members to compare"
wait_until 60 converged ||
    fail "after $kills kills the state differs from an uninterrupted run: members $(diff \
        "$WORK/crash-members" "$WORK/ref-members" | head -n 5) profiles $(diff \
        "$WORK/crash-profiles" "$WORK/ref-profiles" | head -n 5)"
wait_until 30 rerun || fail "no restart after $kills kills found a batch in flight to re-run"
[ "$(latest "$CRASH" c360.out.unified-profile | wc -l)" -eq \
    "$(latest "$REF" c360.out.unified-profile | wc -l)" ] || fail "golden profiles differ in number"
# explain reads the live processor's store: the records of a profile, as
# the identity links say.
group=$(awk -F, 'NF >= 3 { print; exit }' "$WORK/crash-profiles")
[ -n "$group" ] || fail "no profile of three records or more"
"$C360" explain --state "$WORK/crash.state" -X topics.dir="$WORK/topics" "${group%%,*}" \
    >"$WORK/explain" || fail "explain --state failed: $(cat "$WORK/explain")"
explained=$(awk '$1 == "record" { print $2 }' "$WORK/explain" | LC_ALL=C sort | paste -sd, -)
[ "$explained" = "$group" ] || fail "explain --state shows $explained, the links say $group"
grep -q '^  edge ' "$WORK/explain" || fail "explain --state shows no edge"
stop "$final_pid" TERM || fail "the last run exited $? on SIGTERM"

# An output sent twice is the same event: same eventId, same value.
for topic in c360.out.segment-changes c360.out.activation.marketing \
    c360.out.activation.csr-insight c360.out.identity-changes; do
    kcat -b "$CRASH" -C -t "$topic" -o beginning -e -q -J 2>/dev/null >"$WORK/$topic"
    bad=$(jq -rs 'map(.payload | fromjson) | group_by(.eventId)
                  | map(select(map(tojson) | unique | length > 1)) | length' "$WORK/$topic")
    [ "$bad" -eq 0 ] || fail "$topic: $bad eventIds carry different values"
done
[ "$(jq -s length "$WORK/c360.out.segment-changes")" -gt \
    "$(jq -rs 'map(.payload | fromjson | .eventId) | unique | length' \
        "$WORK/c360.out.segment-changes")" ] ||
    echo "note: no segment change was emitted twice (the kills fell between batches)"

# Every member has its ENTER and Marketing Cloud row.
latest "$CRASH" c360.out.segment-membership | cut -f2 |
    jq -r '"\(.segment) \(.unifiedId)"' | sort -u >"$WORK/member-uids"
jq -r '.payload | fromjson | select(.action == "ENTER") | "\(.segment) \(.unifiedId)"' \
    "$WORK/c360.out.segment-changes" | sort -u >"$WORK/entered"
jq -r '.payload | fromjson | select(.action == "ADD") | "\(.segment) \(.unifiedId)"' \
    "$WORK/c360.out.activation.marketing" | sort -u >"$WORK/marketing"
for f in entered marketing; do
    missing=$(comm -23 "$WORK/member-uids" "$WORK/$f")
    [ -z "$missing" ] || fail "members without a record in $f: $missing"
done
# The threshold customers that truth says are members got their CSR
# message. (Which others were told differs from run to run: a customer may be
# a member for a while, depending on the order records arrive in.)
csr_parties() { # csr_parties BOOTSTRAP: "segment fscAccountId" of every CSR message
    kcat -b "$1" -C -t c360.out.activation.csr-insight -o beginning -e -q -J 2>/dev/null |
        jq -r '.payload | fromjson | "\(.segment) \(.subjectId)"' | sort -u
}
jq -r 'select(.member) | "\(.segment) \(.fscAccountId)"' "$WORK/bank/truth.jsonl" |
    sort -u >"$WORK/truth-csr"
[ "$(wc -l <"$WORK/truth-csr")" -ge 3 ] || fail "truth has too few members"
missing=$(comm -23 "$WORK/truth-csr" <(csr_parties "$CRASH"))
[ -z "$missing" ] || fail "members without their CSR message: $missing"
echo "PASS crash ($kills kills, $total records)"
