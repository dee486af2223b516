#!/usr/bin/env python3
"""The issue 23 table from tf_bench.py records: per case and step, Terraform
and infra side by side (median wall seconds, CPU in brackets), the ratio,
and the target it is held to (apply >= 500x, plans >= 100x, peak memory >=
10x, flat 10,000 no-change plan < 0.5 s). A Terraform apply too long to run
routinely is set against its recorded time (`--recorded SHAPE:N:SECONDS`).

Usage: engine_summary.py RESULTS.jsonl [--tag TAG] [--recorded flat:5000:1252]
"""
import argparse
import json
import statistics
from collections import defaultdict

STEPS = [("apply_p10", "apply, parallelism 10", 500),
         ("plan_refresh", "no-change plan with refresh", 100),
         ("plan_norefresh", "plan --refresh=false", 100),
         ("plan_change", "one-change plan", 100)]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path")
    ap.add_argument("--tag")
    ap.add_argument("--recorded", action="append", default=[])
    args = ap.parse_args()
    runs = defaultdict(list)
    for line in open(args.path):
        if not line.strip():
            continue
        r = json.loads(line)
        if r.get("ok") and (not args.tag or r.get("tag") == args.tag):
            runs[(r["engine"], r["shape"], r["n"], r["step"])].append(r)

    def med(engine, shape, n, step, key):
        rs = runs.get((engine, shape, n, step))
        if not rs:
            return None
        return statistics.median(key(r) for r in rs)

    recorded = {}
    for spec in args.recorded:
        shape, n, secs = spec.split(":")
        recorded[(shape, int(n))] = float(secs)
    cases = sorted({(s, n) for (e, s, n, st) in runs if e == "infra" and st != "startup"},
                   key=lambda c: ({"flat": 0, "chain": 1}.get(c[0], 2), c[1]))
    print("| case | step | Terraform 1.15.5 | infra (CPU) | ratio | target |")
    print("|---|---|---:|---:|---:|---|")
    for shape, n in cases:
        for step, what, target in STEPS:
            wall = med("infra", shape, n, step, lambda r: r["wall_s"])
            if wall is None:
                continue
            cpu = med("infra", shape, n, step, lambda r: r["user_s"] + r["sys_s"])
            tf = med("terraform", shape, n, step, lambda r: r["wall_s"])
            note = ""
            if tf is None and step == "apply_p10" and (shape, n) in recorded:
                tf, note = recorded[(shape, n)], " (recorded)"
            if tf is None:
                goal = "under 0.5 s" if (shape, n, step) == ("flat", 10000, "plan_refresh") \
                    else ""
                met = "" if not goal else (" met" if wall < 0.5 else " MISSED")
                print(f"| {shape} {n:,} | {what} | – | {wall:.2f} s ({cpu:.2f}) | – "
                      f"| {goal}{met} |")
                continue
            ratio = tf / wall if wall else float("inf")
            met = "met" if ratio >= target else "MISSED"
            print(f"| {shape} {n:,} | {what} | {tf:.2f} s{note} | {wall:.2f} s ({cpu:.2f}) "
                  f"| {ratio:,.0f}× | ≥ {target}× {met} |")
        tf_rss = [r["maxrss_kb"] for (e, s, nn, st), rs in runs.items()
                  if e == "terraform" and (s, nn) == (shape, n) and st != "init" for r in rs]
        infra_rss = [r["maxrss_kb"] for (e, s, nn, st), rs in runs.items()
                     if e == "infra" and (s, nn) == (shape, n) and st != "init" for r in rs]
        if tf_rss and infra_rss:
            ratio = max(tf_rss) / max(infra_rss)
            met = "met" if ratio >= 10 else "MISSED"
            print(f"| {shape} {n:,} | peak memory (largest step) | {max(tf_rss) / 1024:.0f} MiB "
                  f"| {max(infra_rss) / 1024:.0f} MiB | {ratio:.1f}× | ≥ 10× {met} |")


if __name__ == "__main__":
    main()
