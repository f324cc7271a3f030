# c360 gen as a user runs it: a small bank written twice is the same bytes;
# every file decodes with `c360 decode` under its topic; `c360 explain` reads
# the folder; usage errors exit 2.
source "$(dirname "$0")/lib.sh"

expect_exit() {
    local want=$1 rc=0
    shift
    "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want: $(cat "$WORK/err")"
}

expect_exit 0 "$C360" gen --help
grep -q '^usage: c360 gen --out DIR' "$WORK/out" || fail "gen --help shows no usage"
expect_exit 2 "$C360" gen
expect_exit 2 "$C360" gen --out "$WORK/x" --customers 0
grep -q -- "--customers: '0' is not a number from 1 to" "$WORK/err" || fail "--customers 0 accepted"
expect_exit 2 "$C360" gen --out "$WORK/x" --customers 12abc
expect_exit 2 "$C360" gen --out "$WORK/x" --seed -1
expect_exit 2 "$C360" gen --out "$WORK/x" --today 2026-02-30
grep -q -- '--today: ' "$WORK/err" || fail "bad --today not reported"
touch "$WORK/file"
expect_exit 1 "$C360" gen --out "$WORK/file" --customers 10
grep -q 'not a folder' "$WORK/err" || fail "a file as --out: $(cat "$WORK/err")"

expect_exit 0 "$C360" gen --customers 300 --seed 7 --out "$WORK/a"
grep -q '^c360 gen: 300 customers, seed 7, today 2026-11-20' "$WORK/err" ||
    fail "no summary: $(cat "$WORK/err")"
cp "$WORK/err" "$WORK/summary"
expect_exit 0 "$C360" gen --customers 300 --seed 7 --out "$WORK/b"
for f in "$WORK"/a/*.jsonl; do
    cmp -s "$f" "$WORK/b/$(basename "$f")" || fail "$(basename "$f") differs between two runs"
done
expect_exit 0 "$C360" gen --customers 300 --seed 8 --out "$WORK/c"
cmp -s "$WORK/a/c360.in.individual.jsonl" "$WORK/c/c360.in.individual.jsonl" &&
    fail "another seed gave the same people"
ls "$WORK/a"/*.tmp 2>/dev/null && fail "temporary files left behind"

# One file per input topic the generator feeds, named by its declaration,
# plus the truth; the counts on stderr are the lines in the files.
for t in individual financial-account financial-transaction external-financial-account \
    web-engagement; do
    f="$WORK/a/c360.in.$t.jsonl"
    [ -s "$f" ] || fail "no $f"
    want=$(wc -l <"$f")
    grep -q "^ *$want  $f\$" "$WORK/summary" || fail "summary does not say $want for $f"
    # The Avro topic's lines are JSON rows, as replay reads them.
    format=()
    [ "$t" = financial-transaction ] && format=(--format json)
    expect_exit 0 "$C360" decode --topic "$t" "${format[@]}" "$f"
    [ "$(wc -l <"$WORK/out")" -eq "$want" ] ||
        fail "$t: $(wc -l <"$WORK/out") records decoded from $want lines"
done
[ "$(wc -l <"$WORK/a/truth.jsonl")" -eq 29 ] || fail "truth has $(wc -l <"$WORK/a/truth.jsonl") lines"
grep -q '"case":"tenure-364","segment":"cross_sell_money_market","member":false,"next":{"date":"2026-11-21","member":true}' \
    "$WORK/a/truth.jsonl" || fail "tenure-364 truth: $(head -1 "$WORK/a/truth.jsonl")"

# With a key delimiter each message is its key, the delimiter and the same
# value, as kcat -K reads it: the global party id, the email of a visitor
# who is not logged in, or the Salesforce Id of a duplicate person without a
# party id; the truth stays as it is.
expect_exit 2 "$C360" gen --out "$WORK/k" --key-delimiter ''
expect_exit 0 "$C360" gen --customers 300 --seed 7 --out "$WORK/k" --key-delimiter '|'
for f in "$WORK"/a/c360.in.*.jsonl; do
    k="$WORK/k/$(basename "$f")"
    cmp -s <(cut -d'|' -f2- "$k") "$f" || fail "$(basename "$f"): keyed values differ"
    bad=$(cut -d'|' -f1 "$k" | grep -Evc '^(GP-[0-9]{8}|[^@|]+@[^@|]+|[0-9A-Za-z]{18})$' || true)
    [ "$bad" -eq 0 ] || fail "$(basename "$f"): $bad keys are no party id, email or record Id"
done
grep -q '^GP-00000001|{"ChangeEventHeader"' "$WORK/k/c360.in.individual.jsonl" ||
    fail "the first person is not keyed by party id"
cmp -s "$WORK/a/truth.jsonl" "$WORK/k/truth.jsonl" || fail "the truth got keys"

# explain reads the folder: the external accounts and visits of a threshold
# customer join their person account by global party id.
line=$(grep '"case":"adb-plus-external-10000.00"' "$WORK/a/truth.jsonl")
fsc=$(sed 's/.*"fscAccountId":"\([^"]*\)".*/\1/' <<<"$line")
gp=$(sed 's/.*"globalPartyId":"\([^"]*\)".*/\1/' <<<"$line")
expect_exit 0 "$C360" explain --in "$WORK/a" "fsc:$fsc"
grep -q "^  record s3:EXT-${gp#GP-}-1\$" "$WORK/out" || fail "explain: $(cat "$WORK/out")"
grep -q "^  edge   .*fsc:$fsc.*global-party-id  $gp\$" "$WORK/out" || fail "explain edges: $(cat "$WORK/out")"

# Another today moves every date with it.
expect_exit 0 "$C360" gen --customers 30 --today 2030-01-15 --out "$WORK/d"
grep -q '"next":{"date":"2030-01-16","member":true}' "$WORK/d/truth.jsonl" ||
    fail "--today not applied: $(head -1 "$WORK/d/truth.jsonl")"
expect_exit 0 "$C360" decode --topic financial-account "$WORK/d/c360.in.financial-account.jsonl"
grep -q '"balanceAsOf":"2030-01-14T23:59:59.000Z"' "$WORK/out" || fail "no balance as of yesterday"
grep -q '"occurredAt":"2030-01-15T0' "$WORK/out" || fail "no row loaded this morning"
grep -q '"occurredAt":"2030-01-1[6-9]' "$WORK/out" && fail "a row after today"
echo "PASS gen"
