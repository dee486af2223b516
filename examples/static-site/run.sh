#!/usr/bin/env bash
# The main job, end to end, on this example:
#
#   0. build infra (release) and, unless AWS_ENDPOINT_URL_S3 is already
#      set, start a local S3-compatible server (ci/s3-test-server.sh: moto
#      on 127.0.0.1, installed into a git-ignored venv on first use);
#   1. bootstrap/ creates the state bucket; infra init opens the S3 state
#      infra plan -out        the plan, also as a PR comment (out/plan.md)
#   2. infra apply PLANFILE   buckets, objects, inventory
#   3. infra plan             must find nothing to do (exit 0)
#   4. someone edits the site bucket's tags and deletes a page with another
#      S3 client; infra drift finds it (exit 2, out/drift.md, out/drift.json)
#   5. infra apply            puts the configuration back
#   6. infra destroy          removes everything (unless --keep)
#
# Usage: examples/static-site/run.sh [--keep]
#   --keep   skip the destroy and keep the local server running until
#            Ctrl-C, printing the environment to use infra against it.
# Environment:
#   INFRA=PATH           use this infra binary instead of building one
#   INFRA_EXAMPLE_DIR    run on this copy of the example (default: here)
#   INFRA_S3_PYTHON      a Python with boto3 for step 4 (default: the
#                        local server's venv)
# It never talks to AWS itself: without AWS_ENDPOINT_URL_S3 it starts the
# local server and points every S3 call there.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
keep=""
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h | --help)
      sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "run.sh: unknown argument $arg (try --help)" >&2
      exit 64
      ;;
  esac
done

if [ -z "${INFRA:-}" ]; then
  echo "==> building infra (cargo build --release; a few minutes the first time)"
  (cd "$root" && cargo build --release -p infra-cli)
  # Where cargo puts it: CARGO_TARGET_DIR when set, else target/ in the repo.
  target_dir="${CARGO_TARGET_DIR:-$root/target}"
  case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
  export INFRA="$target_dir/release/infra"
fi
if [ -z "${AWS_ENDPOINT_URL_S3:-}" ]; then
  exec "$root/ci/s3-test-server.sh" "$0" "$@"
fi

dir="${INFRA_EXAMPLE_DIR:-$here}"
python="${INFRA_S3_PYTHON:-$root/.s3-test-server/venv/bin/python}"
export INFRA_IN_AUTOMATION=1
mkdir -p "$dir/out"

step() { printf '\n==> %s\n' "$*"; }
infra() {
  case "${1:-}" in
    -chdir=*) "$INFRA" "$@" ;;
    *) "$INFRA" -chdir="$dir" "$@" ;;
  esac
}
expect() { # expect CODE COMMAND...: run it, fail unless it exits with CODE
  local want="$1" got=0
  shift
  "$@" || got=$?
  if [ "$got" -ne "$want" ]; then
    echo "run.sh: '$*' exited with $got, expected $want" >&2
    exit 1
  fi
}

echo "S3 endpoint: $AWS_ENDPOINT_URL_S3"
step "1. the state bucket (bootstrap/), infra init, infra plan"
expect 0 infra -chdir="$dir/bootstrap" apply --auto-approve
expect 0 infra init
echo
echo "infra plan -out out/plan.bin   (Markdown for a PR comment: out/plan.md)"
expect 2 infra plan -out out/plan.bin --detailed-exitcode
infra plan --format markdown >"$dir/out/plan.md"

step "2. infra apply out/plan.bin"
expect 0 infra apply out/plan.bin

step "3. infra plan   (expect: No changes.)"
expect 0 infra plan --detailed-exitcode

site_bucket="$(infra output --raw site_bucket)"
step "4. someone changes the site by hand; infra drift"
if [ -x "$python" ] && "$python" -c 'import boto3' 2>/dev/null; then
  "$python" - "$site_bucket" <<'PY'
import sys, boto3
bucket = sys.argv[1]
s3 = boto3.client("s3", region_name="us-east-1")
s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [
    {"Key": "project", "Value": "acme-site"},
    {"Key": "env", "Value": "dev"},
    {"Key": "owner", "Value": "someone-by-hand"},
]})
s3.delete_object(Bucket=bucket, Key="docs/getting-started.html")
print(f"changed the tags of {bucket} and deleted docs/getting-started.html")
PY
  expect 2 infra drift
  expect 2 infra drift --format markdown >"$dir/out/drift.md"
  expect 2 infra drift --json >"$dir/out/drift.json"
else
  echo "(skipped: no Python with boto3 at $python to play the other S3 client)"
  expect 0 infra drift
fi

step "5. infra apply   (puts the configuration back)"
expect 0 infra apply --auto-approve
expect 0 infra plan --detailed-exitcode >/dev/null
echo "Plan after the repair: No changes."

step "outputs"
infra output
infra output --json >"$dir/out/outputs.json"
infra state pull >"$dir/out/state.json"
cp "$dir/out/inventory-dev.json" "$dir/out/inventory-dev.applied.json"

if [ -n "$keep" ]; then
  cat <<EOF

Kept. The local S3 server stays up until Ctrl-C. In another terminal:

    export AWS_ENDPOINT_URL_S3=$AWS_ENDPOINT_URL_S3 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
    $INFRA -chdir=$dir plan

(the server keeps everything in memory: when it stops, the buckets are
gone and the next plan creates them again.)
EOF
  trap 'exit 0' INT TERM
  while true; do sleep 3600; done
fi

step "6. infra destroy"
expect 0 infra destroy --auto-approve

cat <<EOF

Done: planned, applied, re-planned (no changes), drifted, repaired and
destroyed. Where to look:
  $dir/out/plan.md        the first plan as a pull-request comment
  $dir/out/drift.md       the drift report (also drift.json)
  $dir/out/outputs.json   the outputs after the apply
  $dir/out/inventory-dev.applied.json   the inventory the apply wrote
                          (infra destroy removed the original)
  $dir/out/state.json     the state after the apply (it lives in the
                          state bucket: static-site/dev.infrastate)
Next: edit site/index.html or main.infra and run this again, or read
docs/getting-started.md.
EOF
