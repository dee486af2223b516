#!/usr/bin/env python3
"""Terraform's plan steps on a configuration too large for its apply to be
timed in a routine run (flat 5,000: 1,252 s), in tf_bench.py's record format.

The state Terraform plans against is made by infra, which applies the same
main.tf (`terraform_data`) and gives the state back in Terraform's format
(`infra state pull --format terraform`); Terraform then finds nothing to
change, as after its own apply. Times `init`, `plan_refresh`,
`plan_norefresh` and `plan_change` as tf_bench.py does (its apply is set
against the recorded figure by engine_summary.py).

Usage: tf_plans_only.py SHAPE N --infra BIN --out FILE.jsonl [--tag TAG]
"""
import argparse
import datetime as _dt
import json
import os
import shutil
import subprocess
import sys
import tempfile

SHARED = os.environ.get(
    "INFRA_SHARED",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
sys.path.insert(0, SHARED)
import tf_bench  # noqa: E402
import tf_gen  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shape")
    ap.add_argument("n", type=int)
    ap.add_argument("--infra", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tag", default="")
    ap.add_argument("--step-timeout", type=float, default=1200.0)
    args = ap.parse_args()
    tf = [tf_bench.default_python(), os.path.join(SHARED, "tf_cli.py")]
    env = dict(os.environ, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    work = tempfile.mkdtemp(prefix=f"tfplans-{args.shape}-{args.n}-")
    cfg = os.path.join(work, "empty.tfrc")
    open(cfg, "w").close()
    env["TF_CLI_CONFIG_FILE"] = cfg
    log = os.path.join(work, "bench.log")
    meta = {"run_id": _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
            "tag": args.tag, "host_cpus": os.cpu_count(), "engine": "terraform",
            "shape": args.shape, "n": args.n, "rep": 0}
    out = open(args.out, "a")

    def emit(rec):
        rec = dict(meta, **rec, loadavg=os.getloadavg()[0])
        out.write(json.dumps(rec) + "\n")
        out.flush()
        print(f"{'terraform':>10} {args.shape:>5} n={args.n:<6} {rec['step']:<14} "
              f"wall={rec['wall_s']:8.2f}s"
              + ("" if rec["ok"] else "  <-- FAILED"), flush=True)

    try:
        tf_gen.main([args.shape, str(args.n), work])
        made = subprocess.run([args.infra, "apply", "--auto-approve", "--no-color"], cwd=work,
                              env=env, capture_output=True, text=True)
        if made.returncode != 0:
            sys.exit(f"infra could not make the state:\n{made.stderr[-3000:]}")
        with open(os.path.join(work, "terraform.tfstate"), "w") as f:
            subprocess.run([args.infra, "state", "pull", "--format", "terraform"], cwd=work,
                           env=env, stdout=f, check=True)
        shutil.rmtree(os.path.join(work, ".infra"))
        k = tf_bench.mutate_index("mid", args.n)
        steps = [("init", ["init", "-input=false", "-no-color"], (0,)),
                 ("plan_refresh", ["plan", "-input=false", "-no-color",
                                   "-detailed-exitcode"], (0,)),
                 ("plan_norefresh", ["plan", "-refresh=false", "-input=false", "-no-color",
                                     "-detailed-exitcode"], (0,)),
                 ("plan_change", ["plan", "-input=false", "-no-color",
                                  "-detailed-exitcode"], (2,))]
        for step, tfargs, want in steps:
            if step == "plan_change":
                tf_gen.main([args.shape, str(args.n), work, "--mutate", str(k)])
            r = tf_bench.measure(tf + tfargs, work, env, log, args.step_timeout)
            ok = r["rc"] in want and not r["timed_out"]
            emit(dict(step=step, ok=ok, **r, argv=" ".join(tfargs), mutate_index=k))
            if not ok:
                sys.exit(f"terraform {step} failed; log: {log}")
        shutil.rmtree(work, ignore_errors=True)
    finally:
        out.close()


if __name__ == "__main__":
    main()
