# `c360 topics list|verify|create`: verification finds missing and different
# topics; create against the embedded broker says it cannot, at once.
source "$(dirname "$0")/lib.sh"

# A broker started from a folder that lacks one topic and has another with
# fewer partitions than declared.
mkdir "$WORK/partial"
cp "$SRC"/topics/*.json "$WORK/partial/"
rm "$WORK/partial/unified-profile.json"
sed -i 's/"partitions": 6/"partitions": 2/' "$WORK/partial/segment-changes.json"
start_broker partial --brokers 1 -X topics.dir="$WORK/partial"

rc=0
"$C360" topics verify --bootstrap "$BOOTSTRAP" >"$WORK/verify.out" || rc=$?
[ "$rc" -eq 1 ] || fail "verify exited $rc on a cluster that differs"
grep -q '^MISSING  c360.out.unified-profile ' "$WORK/verify.out" || fail "missing topic not reported"
grep -q '^DIFFERS  c360.out.segment-changes .*partitions=2 (declared 6)' "$WORK/verify.out" ||
    fail "partition difference not reported"
grep -q '^15 of 17 declared topics as declared' "$WORK/verify.out" || fail "summary wrong"

rc=0
start=$SECONDS
"$C360" topics create --bootstrap "$BOOTSTRAP" 2>"$WORK/create.err" || rc=$?
[ "$rc" -eq 1 ] || fail "create exited $rc against the embedded broker"
[ $((SECONDS - start)) -lt 5 ] || fail "create took $((SECONDS - start)) s instead of failing at once"
grep -q 'embedded broker' "$WORK/create.err" || fail "create does not say why: $(cat "$WORK/create.err")"

# Against a broker with every declared topic: verify and create both succeed.
start_broker full --brokers 1
"$C360" topics verify --bootstrap "$BOOTSTRAP" >"$WORK/verify2.out" || fail "verify of a full broker failed"
grep -q '^17 of 17 declared topics as declared' "$WORK/verify2.out" || fail "full summary wrong"
grep -q 'cleanup.policy not checked' "$WORK/verify2.out" || fail "unchecked cleanup.policy not said"
"$C360" topics create --bootstrap "$BOOTSTRAP" >/dev/null || fail "create with nothing missing failed"

# No cluster at all: a bounded wait and a clear error.
rc=0
"$C360" topics verify --bootstrap 127.0.0.1:1 --timeout-ms 2000 2>"$WORK/down.err" || rc=$?
[ "$rc" -eq 1 ] || fail "verify against nothing exited $rc"
grep -q 'cannot read cluster metadata' "$WORK/down.err" || fail "no clear error: $(cat "$WORK/down.err")"

# list needs no cluster.
[ "$("$C360" topics list | tail -n +2 | wc -l)" -eq 17 ] || fail "list does not show 17 topics"
echo "PASS topics_admin"
