#!/usr/bin/env python3
"""Apply against a provider with latency: infra's apply of N `test_fault`
objects whose every call waits L ms (`sleep_ms`, `read_ms`, `plan_ms`), set
against the critical path, ceil(N / parallelism) x L for independent
objects (flat) and N x L for a chain. Prints a Markdown table.

The apply is of a saved plan (`infra plan --out`, then `infra apply FILE`),
so what is timed is the apply alone: the plan's N x L of planning is
setup. Each object is named (`name`), so its planned value is whole and
apply calls no plan.

Usage: bench/latency.py [--infra BIN] [--latency-ms 20]
                        [--cases flat:1000:10,flat:1000:50,chain:200:10]
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile
import time


def config(shape, n, ms):
    """main.infra: N objects, each call L ms; a chain's each uses the last."""
    timing = f"  sleep_ms = {ms}\n  read_ms  = {ms}\n  plan_ms  = {ms}\n"
    if shape == "flat":
        return (f'resource "test_fault" "r" {{\n  count = {n}\n'
                f'  name  = "r-${{count.index}}"\n  input = count.index\n{timing}}}\n')
    out = []
    for i in range(n):
        value = "0" if i == 0 else f"test_fault.r{i - 1}.output"
        out.append(f'resource "test_fault" "r{i}" {{\n  name  = "r{i}"\n'
                   f'  input = {value}\n{timing}}}\n')
    return "".join(out)


def timed(argv, cwd, env):
    """Runs argv; returns (wall s, CPU s, exit code, output tail)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    return (wall, ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(status),
            out[-2000:].decode("utf-8", "replace"))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    default_bin = os.path.join(here, "..", "target", "profiling", "infra")
    ap.add_argument("--infra", default=os.environ.get("INFRA_BIN", default_bin))
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--cases", default="flat:1000:10,flat:1000:50,chain:200:10",
                    help="SHAPE:N:PARALLELISM,...")
    args = ap.parse_args()
    env = dict(os.environ, INFRA_TEST_PROVIDERS="1", NO_COLOR="1")
    ms = args.latency_ms
    rows = []
    for case in args.cases.split(","):
        shape, n, par = case.split(":")
        n, par = int(n), int(par)
        with tempfile.TemporaryDirectory(prefix="infra-latency-") as work:
            with open(os.path.join(work, "main.infra"), "w") as f:
                f.write(config(shape, n, ms))
            plan = timed([args.infra, "plan", "--no-color", "--out", "plan.bin"], work, env)
            if plan[2] != 0:
                sys.exit(f"plan failed ({case}):\n{plan[3]}")
            apply = timed([args.infra, "apply", "--no-color", f"--parallelism={par}",
                           "plan.bin"], work, env)
            if apply[2] != 0:
                sys.exit(f"apply failed ({case}):\n{apply[3]}")
        steps = math.ceil(n / par) if shape == "flat" else n
        path = steps * ms / 1000
        rows.append((shape, n, par, path, apply[0], apply[1], plan[0]))
        print(f"{case}: apply {apply[0]:.2f} s (CPU {apply[1]:.2f} s), "
              f"critical path {path:.2f} s", file=sys.stderr, flush=True)
    print(f"Apply behind a provider with {ms} ms of latency per call "
          f"(`bench/latency.py --latency-ms {ms} --cases {args.cases}`):\n")
    print("| shape | N | parallelism | critical path | apply wall | apply CPU "
          "| wall / critical path | plan (setup) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for shape, n, par, path, wall, cpu, plan in rows:
        print(f"| {shape} | {n} | {par} | {path:.2f} s | {wall:.2f} s | {cpu:.2f} s "
              f"| {wall / path:.3f} | {plan:.1f} s |")


if __name__ == "__main__":
    main()
