#!/usr/bin/env bash
# A short, time-boxed fuzzing run of every target in fuzz/ (cargo-fuzz,
# libFuzzer), part of the test command (.ci/run). Each target starts from
# its committed corpus (fuzz/corpus/<target>/, read-only here: new inputs go
# to a temporary directory) with a fixed seed, and fails the run on a crash,
# a hang (-timeout) or a memory blow-up (-rss_limit_mb). A finding is
# written under fuzz/artifacts/<target>/; add it to the corpus once fixed,
# where the test suite replays it on every run.
#
#   ci/fuzz.sh [RUNS_PER_TARGET]   (default: a count per target that takes
#                                   10-30 s here; FUZZ_RUNS also works)
#
# A fixed seed and a fixed number of runs make the run deterministic: what
# passes on one machine passes on every machine with the same binary.
#
# Installs cargo-fuzz (pinned) on first use. The toolchain here is stable:
# RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z flags, and the targets are
# built without a sanitizer (the code is safe Rust: `unsafe_code = "deny"`),
# so libFuzzer's coverage guidance is what is used.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-${FUZZ_RUNS:-}}"
CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --quiet
fi
export RUSTC_BOOTSTRAP=1
targets=(parse fmt eval state)
declare -A default_runs=([parse]=20000 [fmt]=40000 [eval]=10000 [state]=200000)
cargo fuzz build --sanitizer none -O
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  n="${runs:-${default_runs[$t]}}"
  echo "fuzzing $t: $n runs"
  status=0
  cargo fuzz run --sanitizer none -O "$t" "$scratch/$t" "fuzz/corpus/$t" -- \
    -seed=1 -runs="$n" -timeout=10 -rss_limit_mb=3072 \
    -max_len=16384 -print_final_stats=1 >"$scratch/$t.log" 2>&1 || status=$?
  grep -E "^stat::(number_of_executed_units|new_units_added)" "$scratch/$t.log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$scratch/$t.log"
    echo "fuzz target $t failed (exit $status): the input is in fuzz/artifacts/$t/"
    exit 1
  fi
done
echo "fuzzing: no finding in any target"
