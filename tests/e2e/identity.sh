# Identity resolution in `c360 run`: an FSC person (Salesforce CDC) and an
# S3 external account with the same global party id become one profile (the
# account joins through its party, party:<globalPartyId>), a second person
# stays apart; c360.out.identity-links holds each record's profile with its
# rule and evidence, c360.out.identity-changes the LINKs; deleting the person
# in Salesforce tombstones its link. kcat produces and reads.
source "$(dirname "$0")/lib.sh"

start_broker main --brokers 1
cdc="$SRC/tests/data/salesforce-cdc/individual"
line_of() { sed -n "${2}p" "$cdc/$1/value.jsonl"; }
{
    echo "GP-000184|$(line_of update-of-two-records 1)"   # Jane, GP-000184
    echo "GP-000291|$(line_of update-of-two-records 2)"   # John, GP-000291
} >"$WORK/people"
kcat -b "$BOOTSTRAP" -P -t c360.in.individual -p 0 -K'|' -l "$WORK/people"
sed 's/"gp-1001"/"GP-000184"/' "$SRC/tests/data/json/external-financial-account/full/value.json" |
    tr -d '\n' | sed 's/^/GP-000184|/' >"$WORK/external"
echo >>"$WORK/external"
kcat -b "$BOOTSTRAP" -P -t c360.in.external-financial-account -p 0 -K'|' -l "$WORK/external"

"$C360" run --bootstrap "$BOOTSTRAP" -X state.dir="$WORK/state" -X group.id=e2e-identity -X log.level=debug \
    >"$WORK/run.out" 2>"$WORK/run.err" &
run_pid=$!
PIDS+=("$run_pid")

read_links() {
    kcat -b "$BOOTSTRAP" -C -t c360.out.identity-links -o beginning -e -q -f '%k|%s\n' \
        >"$WORK/links" 2>/dev/null || return 1
    [ "$(wc -l <"$WORK/links")" -ge "$1" ]
}
wait_until 30 read_links 3 || fail "expected 3 identity links: $(cat "$WORK/links")"
uid_of() { grep "^$1|" "$WORK/links" | tail -n 1 | sed 's/.*"unifiedId":"\([^"]*\)".*/\1/'; }
jane=$(uid_of fsc:0015f00002JUXA8AAP) ext=$(uid_of party:GP-000184) john=$(uid_of fsc:0015f00002JUXB2AAP)
[ -n "$jane" ] && [ "$jane" = "$ext" ] || fail "Jane ($jane) and her external account ($ext) apart"
[ "$john" != "$jane" ] || fail "John joined Jane's profile"
grep -q '"rule":"global-party-id".*"matchedOn":\[{"field":"globalPartyId","value":"GP-000184"' \
    "$WORK/links" || fail "no global-party-id evidence: $(cat "$WORK/links")"
kcat -b "$BOOTSTRAP" -C -t c360.out.identity-changes -o beginning -e -q -f '%k|%s\n' \
    >"$WORK/changes" 2>/dev/null
[ "$(grep -c '"type":"LINK"' "$WORK/changes")" -eq 3 ] || fail "changes: $(cat "$WORK/changes")"
grep -q "^$jane|" "$WORK/changes" || fail "changes not keyed by unified id"

# Jane deleted in Salesforce: her link becomes a tombstone.
echo "GP-000184|$(line_of delete-after-create 2)" >"$WORK/delete"
kcat -b "$BOOTSTRAP" -P -t c360.in.individual -p 0 -K'|' -l "$WORK/delete"
read_tombstone() {
    kcat -b "$BOOTSTRAP" -C -t c360.out.identity-links -o beginning -e -q -f '%k|%S\n' \
        >"$WORK/links2" 2>/dev/null || return 1
    grep -q '^fsc:0015f00002JUXA8AAP|-1$' "$WORK/links2"
}
wait_until 30 read_tombstone || fail "no tombstone for the deleted record: $(cat "$WORK/links2")"

stop "$run_pid" TERM || fail "run exited $? on SIGTERM"
grep -q 'identity_records=2 identity_capped_keys=0 ' "$WORK/run.err" ||
    fail "counters: $(grep 'records received' "$WORK/run.err")"
for secret in Jane jane.doe 'Mission Street' GP-000184; do
    grep -q "$secret" "$WORK/run.err" && fail "a record value reached the log: $secret"
done
echo "PASS identity"
