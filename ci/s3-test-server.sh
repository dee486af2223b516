#!/usr/bin/env bash
# Runs CMD... with a local S3-compatible server (moto) on 127.0.0.1.
#
# Installs moto into a git-ignored venv (.s3-test-server/venv) the first
# time, starts `moto_server -H 127.0.0.1 -p 0`, reads the port it got from
# its " * Running on http://127.0.0.1:PORT" line, waits until `GET /`
# answers, exports INFRA_TEST_S3_ENDPOINT, AWS_ENDPOINT_URL_S3 (and the
# same endpoint for KMS, SSM and Secrets Manager, which moto serves on the
# same port) and dummy credentials, runs CMD, and stops the server when CMD ends (whatever its
# exit status, which becomes this script's).
#
# moto is pinned to 5.1.22: 5.2.x answers GetBucketVersioning with an XML
# root aws-sdk-s3 rejects (see docs/testing.md, "The local S3-compatible server").
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: ci/s3-test-server.sh CMD [ARGS...]" >&2
  exit 64
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.s3-test-server"
venv="$dir/venv"
# The extras pull in what each service needs (KMS needs only moto's core).
moto_spec='moto[s3,ssm,secretsmanager]==5.1.22'
if [ ! -x "$venv/bin/moto_server" ] || ! grep -qsxF "$moto_spec" "$dir/installed"; then
  echo "s3-test-server: installing $moto_spec into $venv" >&2
  mkdir -p "$dir"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    # Debian ships venv separately.
    if command -v apt-get >/dev/null 2>&1; then
      sudo_cmd=""
      [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
      $sudo_cmd apt-get update -q >&2 || true
      $sudo_cmd apt-get install -y -q python3-venv >&2
    fi
    rm -rf "$venv"
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check "$moto_spec" flask flask-cors >&2
  echo "$moto_spec" >"$dir/installed"
fi

log="$(mktemp)"
"$venv/bin/moto_server" -H 127.0.0.1 -p 0 >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT INT TERM

port=""
for _ in $(seq 1 300); do
  port="$(sed -n 's#.*Running on http://127\.0\.0\.1:\([0-9][0-9]*\).*#\1#p' "$log" | head -n1)"
  [ -n "$port" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "s3-test-server: moto_server exited:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "s3-test-server: moto_server printed no port within 30 s:" >&2
  cat "$log" >&2
  exit 1
fi
endpoint="http://127.0.0.1:$port"
ready=""
for _ in $(seq 1 300); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$endpoint/" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "s3-test-server: $endpoint/ did not answer within 30 s" >&2
  exit 1
fi
echo "s3-test-server: moto listening on $endpoint" >&2

export INFRA_TEST_S3_ENDPOINT="$endpoint"
export AWS_ENDPOINT_URL_S3="$endpoint"
export AWS_ENDPOINT_URL_KMS="$endpoint"
export AWS_ENDPOINT_URL_SSM="$endpoint"
export AWS_ENDPOINT_URL_SECRETS_MANAGER="$endpoint"
export AWS_ACCESS_KEY_ID="testing"
export AWS_SECRET_ACCESS_KEY="testing"
export AWS_REGION="us-east-1"
export AWS_DEFAULT_REGION="us-east-1"
status=0
"$@" || status=$?
exit "$status"
