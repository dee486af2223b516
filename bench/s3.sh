#!/usr/bin/env bash
# S3 benchmark: wall time of `infra apply` creating N `aws_s3_object`s in
# one bucket against the local S3-compatible server (moto, started by
# ci/s3-test-server.sh), once per --parallelism value, each from empty
# state (a destroy in between). Shows whether the apply walker overlaps
# network calls: with P workers the time should drop well below P=1's.
#
# Usage: bench/s3.sh [N] [PARALLELISMS]   (defaults: 200 and 1,32)
# Prints a table: parallelism, apply wall time (s), objects per second.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
ps=${2:-1,32}
cargo build --profile profiling -q
bin="${CARGO_TARGET_DIR:-$PWD/target}/profiling/infra"
exec ci/s3-test-server.sh bash -c '
set -euo pipefail
n=$1; ps=$2; bin=$3
dir=$(mktemp -d /tmp/infra-s3-bench-XXXX)
trap "rm -rf $dir" EXIT
cat >"$dir/main.infra" <<EOT
provider "aws" {
  region           = "us-east-1"
  endpoint         = "$INFRA_TEST_S3_ENDPOINT"
  max_concurrency  = 64
}

resource "aws_s3_bucket" "b" {
  bucket        = "bench-objects"
  force_destroy = true
}

resource "aws_s3_object" "o" {
  count   = $n
  bucket  = aws_s3_bucket.b.bucket
  key     = "objects/\${count.index}.txt"
  content = "object \${count.index}\n"
}
EOT
printf "%-12s %-14s %s\n" parallelism "apply wall s" "objects/s"
IFS=, read -ra list <<<"$ps"
for p in "${list[@]}"; do
  "$bin" apply --auto-approve --chdir "$dir" --parallelism 1 --target aws_s3_bucket.b >/dev/null 2>&1
  start=$(date +%s.%N)
  "$bin" apply --auto-approve --chdir "$dir" --parallelism "$p" >/dev/null
  end=$(date +%s.%N)
  python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); print(f\"{sys.argv[3]:<12} {t:<14.2f} {int(sys.argv[4])/t:.0f}\")" "$start" "$end" "$p" "$n"
  "$bin" destroy --auto-approve --chdir "$dir" >/dev/null
done
' bench "$n" "$ps" "$bin"
