# docker/compose.yml is valid for docker-compose (no Docker engine runs here,
# so images are neither built nor started; README says so).
source "$(dirname "$0")/lib.sh"

if ! command -v docker-compose >/dev/null; then
    echo "SKIP: docker-compose is not installed"
    exit 77
fi
cd "$SRC/docker"
docker-compose -f compose.yml config -q || fail "docker-compose rejects docker/compose.yml"
services=$(docker-compose -f compose.yml config --services | sort | tr '\n' ' ')
[ "$services" = "c360 connect kafka schema-registry " ] || fail "services are '$services'"
# c360's own properties in the image must load (unknown keys would fail start-up).
sed -e 's|/usr/share/c360/topics|'"$SRC"'/topics|' -e 's|/usr/share/c360/schemas|'"$SRC"'/schemas|' \
    c360.properties >"$WORK/docker.properties"
"$C360" config -c "$WORK/docker.properties" >/dev/null || fail "docker/c360.properties does not load"
echo "PASS compose"
