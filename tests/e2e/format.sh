# Every C file is formatted with the project's .clang-format (CI checks it).
source "$(dirname "$0")/lib.sh"

command -v clang-format >/dev/null || fail "clang-format is not installed (apt-get install clang-format)"
cd "$SRC"
bad=()
while IFS= read -r -d '' f; do
    clang-format --dry-run --Werror "$f" 2>/dev/null || bad+=("$f")
done < <(find src include tests bench -name '*.[ch]' -print0 2>/dev/null)
[ "${#bad[@]}" -eq 0 ] || fail "not clang-formatted (run clang-format -i): ${bad[*]}"
echo "PASS format"
