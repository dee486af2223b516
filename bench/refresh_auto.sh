#!/usr/bin/env bash
# Incremental refresh measured (docs/performance.md, "Incremental refresh"):
# N `test_fault` objects whose every read waits READ_MS (the test provider's
# injected latency), applied once; then a plan after changing one object's
# configuration, with `--refresh=auto` and with `--refresh=all`, and a
# no-change plan with each. Prints a table of wall times (best of RUNS).
#
#   bench/refresh_auto.sh [INFRA_BINARY] [N] [READ_MS] [RUNS]
#
# Defaults: target/release/infra if built, else target/debug/infra; 1000
# objects; 20 ms; 3 runs. Label debug-build numbers as such.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
infra="${1:-}"
if [[ -z "$infra" ]]; then
  if [[ -x "$here/target/release/infra" ]]; then infra="$here/target/release/infra"; else infra="$here/target/debug/infra"; fi
fi
infra="$(cd "$(dirname "$infra")" && pwd)/$(basename "$infra")"
n="${2:-1000}"
read_ms="${3:-20}"
runs="${4:-3}"
export INFRA_TEST_PROVIDERS=1 NO_COLOR=1
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
write_config() { # $1: the input of object 0
  {
    echo "resource \"test_fault\" \"r\" {"
    echo "  count   = $n"
    echo "  read_ms = $read_ms"
    echo "  input   = count.index == 0 ? \"$1\" : \"same\""
    echo "}"
  } > "$dir/main.infra"
}
best() { # the best wall time in seconds of "$@" over $runs runs
  local best=""
  for _ in $(seq "$runs"); do
    local s e t
    s=$(date +%s.%N)
    (cd "$dir" && "$infra" "$@" > /dev/null 2>&1)
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    if [[ -z "$best" ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
  done
  printf '%.3f' "$best"
}
write_config same
(cd "$dir" && "$infra" apply --auto-approve > /dev/null 2>&1)
echo "| plan ($n objects, ${read_ms} ms per read, parallelism 10) | wall (s) |"
echo "|---|---|"
echo "| no change, --refresh=all | $(best plan --refresh=all) |"
echo "| no change, --refresh=auto | $(best plan --refresh=auto) |"
echo "| no change, --refresh=false | $(best plan --refresh=false) |"
write_config changed
echo "| one change, --refresh=all | $(best plan --refresh=all) |"
echo "| one change, --refresh=auto | $(best plan --refresh=auto) |"
echo "| one change, --refresh=auto --refresh-budget=0 | $(best plan --refresh=auto --refresh-budget=0) |"
echo "| one change, --refresh=false | $(best plan --refresh=false) |"
(cd "$dir" && "$infra" plan --refresh=auto | grep '^Refreshed' | sed 's/^/auto said: /') || true
