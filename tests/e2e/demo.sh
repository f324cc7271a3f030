# `c360 demo` on a small bank: one process publishes it to its embedded
# broker, processes it and reads the outputs back; the summary adds up (every
# record published is processed, every output delivered, the segment counts
# read back from Kafka match the changes the processor produced); usage
# errors exit 2.
source "$(dirname "$0")/lib.sh"

rc=0
"$C360" demo --customers 0 >/dev/null 2>"$WORK/err" || rc=$?
[ "$rc" -eq 2 ] || fail "--customers 0 exited $rc"
rc=0
"$C360" demo --today 2026-13-01 >/dev/null 2>"$WORK/err" || rc=$?
[ "$rc" -eq 2 ] || fail "a bad --today exited $rc"

"$C360" demo --customers 200 --seed 5 >"$WORK/out" 2>"$WORK/err" ||
    fail "demo exited $?: $(cat "$WORK/err")"
grep -q '^c360 demo: done in ' "$WORK/out" || fail "no summary: $(cat "$WORK/out")"
line=$(grep '^  records ' "$WORK/out")
published=$(sed 's/^ *records *\([0-9,]*\) published.*/\1/' <<<"$line")
processed=$(sed 's/.* published, \([0-9,]*\) processed.*/\1/' <<<"$line")
[ -n "$published" ] && [ "$published" != 0 ] && [ "$published" = "$processed" ] ||
    fail "published and processed differ: $line"
grep -q '^  outputs  *[0-9,]* delivered$' "$WORK/out" || fail "outputs: $(grep outputs "$WORK/out")"
changes=$(sed -n 's/.*segment-changes \([0-9,]*\),.*/\1/p' "$WORK/out" | tr -d ,)
read_back=$(($(sed -n 's/.*members (\([0-9,]*\) ENTER, \([0-9,]*\) EXIT)/\1 + \2/p' \
    "$WORK/out" | tr -d , | paste -sd+)))
[ "$changes" -gt 0 ] && [ "$changes" -eq "$read_back" ] ||
    fail "$changes segment changes produced, $read_back read back: $(cat "$WORK/out")"
grep -q "^  CSR insight for 0015f" "$WORK/out" || fail "no CSR message shown: $(cat "$WORK/out")"
grep -q '^  offsets     committed [1-9]' "$WORK/out" || fail "no offsets committed"
# The log (stderr, warnings and up by default) is quiet, and carries no
# customer data either way.
[ ! -s "$WORK/err" ] || fail "the demo logged: $(head -5 "$WORK/err")"
echo "PASS demo"
