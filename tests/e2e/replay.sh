# c360 replay on a generated bank: the threshold customers end up members
# exactly as the generator's truth says (truth.jsonl is written by
# construction, not by the engine); a day passing fires the timers that
# flip the memberships truth says flip tomorrow, with no input of theirs; two
# runs give the same bytes; a bad line goes to the dead-letter file and the
# rest still runs.
source "$(dirname "$0")/lib.sh"
require jq jq

"$C360" gen --customers 60 --seed 3 --out "$WORK/bank" 2>/dev/null
"$C360" replay --in "$WORK/bank" --out "$WORK/a" 2>"$WORK/err" || fail "replay: $(cat "$WORK/err")"
grep -q '^c360 replay: [0-9]* records applied, 0 refused' "$WORK/err" ||
    fail "no summary: $(cat "$WORK/err")"

# Members at the end: the compacted segment-membership topic, as
# "segment globalPartyId" lines.
members() {
    jq -rs 'reduce .[] as $o ({}; .[$o.key] = $o.value) | .[] | select(. != null)
            | .segment as $s | .globalPartyIds[] | "\($s) \(.)"' \
        "$1/c360.out.segment-membership.jsonl" | sort
}
# Truth as the same lines, for members; "when" picks the member flag now or
# on the next day.
truth_members() {
    jq -r --arg when "$1" 'select(if $when == "now" then .member
            else (if .next.date == "2026-11-21" then .next.member else .member end) end)
            | "\(.segment) \(.globalPartyId)"' "$WORK/bank/truth.jsonl" | sort
}
# Only the (segment, party) pairs truth speaks of: other customers are random.
jq -r '"\(.segment) \(.globalPartyId)"' "$WORK/bank/truth.jsonl" | sort -u >"$WORK/pairs"
only_truth() { grep -x -F -f "$WORK/pairs" || true; }

[ "$(wc -l <"$WORK/bank/truth.jsonl")" -ge 25 ] || fail "too few threshold cases"
diff <(members "$WORK/a" | only_truth) <(truth_members now) >"$WORK/diff" ||
    fail "members differ from truth (< engine, > truth): $(cat "$WORK/diff")"
[ -s "$WORK/a/c360.out.activation.csr-insight.jsonl" ] || fail "no CSR messages"
grep -q 'Suggest a Money Market account.' "$WORK/a/c360.out.activation.csr-insight.jsonl" ||
    fail "no cross-sell message"

# Same inputs, same bytes.
"$C360" replay --in "$WORK/bank" --out "$WORK/b" 2>/dev/null
for f in "$WORK"/a/*.jsonl; do
    cmp -s "$f" "$WORK/b/$(basename "$f")" || fail "$(basename "$f") differs between two runs"
done

# The next day: one page view of a stranger moves the event clock, and the
# timers of the threshold customers that time alone changes fire.
cp -r "$WORK/bank" "$WORK/next"
echo '{"engagement_id":"ENG-X","global_party_id":"GP-99999999","session_id":"S-X","event_time":"2026-11-21T12:00:00.000Z","page_url":"https://www.bank.example/","subject":"home","duration_seconds":10}' \
    >>"$WORK/next/c360.in.web-engagement.jsonl"
"$C360" replay --in "$WORK/next" --out "$WORK/n" 2>/dev/null
diff <(members "$WORK/n" | only_truth) <(truth_members next) >"$WORK/diff" ||
    fail "members the next day differ from truth (< engine, > truth): $(cat "$WORK/diff")"
flips=$(jq -r 'select(.next.date == "2026-11-21") | .globalPartyId' "$WORK/bank/truth.jsonl" | wc -l)
[ "$flips" -ge 2 ] || fail "truth has no case that changes tomorrow"
timers=$(grep -c '"cause":"TIMER"' "$WORK/n/c360.out.segment-changes.jsonl" || true)
[ "$timers" -ge "$flips" ] || fail "$timers timer-caused changes for $flips cases that change tomorrow"

# A line that cannot be decoded goes to the dead-letter file with the reason;
# everything else still runs.
cp -r "$WORK/bank" "$WORK/bad"
echo '{"engagement_id": 12,' >>"$WORK/bad/c360.in.web-engagement.jsonl"
"$C360" replay --in "$WORK/bad" --out "$WORK/d" 2>"$WORK/err" || fail "replay with a bad line failed"
grep -q '1 refused' "$WORK/err" || fail "the bad line was not refused: $(cat "$WORK/err")"
[ "$(wc -l <"$WORK/d/c360.dlq.jsonl")" -eq 1 ] || fail "no dead letter"
grep -q '__connect.errors.exception.message' "$WORK/d/c360.dlq.jsonl" || fail "no reason given"
cmp -s "$WORK/a/c360.out.segment-membership.jsonl" "$WORK/d/c360.out.segment-membership.jsonl" ||
    fail "a bad line changed the other outputs"

# Usage errors exit 2.
rc=0
"$C360" replay --in "$WORK/bank" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "replay without --out exited $rc"
echo "PASS replay"
