# `c360 broker` with kcat as the outside client: it lists every declared
# topic, carries bytes, keys and headers exactly, and stops cleanly.
source "$(dirname "$0")/lib.sh"

start_broker main --brokers 3
[ "$(head -n 1 "$WORK/main.out")" = "$BOOTSTRAP" ] || fail "stdout does not show the bootstrap list"
[ "$(tr ',' '\n' <<<"$BOOTSTRAP" | grep -c '^127\.0\.0\.1:[0-9]\+$')" -eq 3 ] ||
    fail "expected 3 loopback brokers, got '$BOOTSTRAP'"

# Every declared topic, with its partition count, as kcat sees it.
kcat -b "$BOOTSTRAP" -L >"$WORK/metadata"
grep -q '^ 3 brokers:' "$WORK/metadata" || fail "kcat does not see 3 brokers"
declared=0
while read -r name role parts _; do
    [ "$name" = NAME ] && continue
    declared=$((declared + 1))
    grep -q "topic \"$name\" with $parts partitions:" "$WORK/metadata" ||
        fail "kcat does not list $name with $parts partitions"
done < <("$C360" topics list)
[ "$declared" -eq 17 ] || fail "expected 17 declared topics, saw $declared"

# Binary value (NULs, newlines), key and headers round-trip byte for byte.
head -c 65536 /dev/urandom >"$WORK/payload.bin"
kcat -b "$BOOTSTRAP" -P -t c360.in.individual -k 'party-42' -H 'source=fsc' -H 'trace=abc' \
    "$WORK/payload.bin"
kcat -b "$BOOTSTRAP" -C -t c360.in.individual -o beginning -c 1 -e -q -f '%s' >"$WORK/back.bin"
cmp "$WORK/payload.bin" "$WORK/back.bin" || fail "payload bytes differ after the round trip"
meta=$(kcat -b "$BOOTSTRAP" -C -t c360.in.individual -o beginning -c 1 -e -q -f '%k|%h')
[ "$meta" = "party-42|source=fsc,trace=abc" ] || fail "key/headers came back as '$meta'"

# Many keyed records in, the same records out.
for i in $(seq 1 500); do echo "gp-$i:{\"n\":$i}"; done >"$WORK/lines"
kcat -b "$BOOTSTRAP" -P -t c360.in.web-engagement -K: -l "$WORK/lines"
kcat -b "$BOOTSTRAP" -C -t c360.in.web-engagement -o beginning -e -q -f '%k:%s\n' |
    sort >"$WORK/lines.back"
sort "$WORK/lines" | cmp - "$WORK/lines.back" || fail "keyed records differ after the round trip"

# SIGTERM: exit 0, bootstrap file removed.
stop "$main_PID" TERM || fail "broker exited $? on SIGTERM"
[ ! -e "$WORK/main.bootstrap" ] || fail "bootstrap file left behind"
grep -q 'INFO broker stopping' "$WORK/main.err" || fail "no stop record in the log"

# SIGINT too, with a single broker.
start_broker one --brokers 1
[ "$(kcat -b "$BOOTSTRAP" -L | grep -c '^  broker ')" -eq 1 ] || fail "--brokers 1 not honoured"
stop "$one_PID" INT || fail "broker exited $? on SIGINT"
echo "PASS broker_kcat"
