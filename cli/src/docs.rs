//! Generates docs/cli.md, the CLI reference, from the clap definition that
//! parses the arguments: every command, argument, default and example
//! comes from `args.rs`, so the reference cannot drift from the binary (a
//! test regenerates it and compares).

use crate::args::Cli;
use clap::{Arg, ArgAction, Command, CommandFactory};
use std::fmt::Write;

/// The part of docs/cli.md written by hand: conventions every command
/// shares. Kept here so the whole file is generated.
const PREAMBLE: &str = r#"# CLI reference

Generated from the argument definitions of the `infra` binary
(`cli/src/args.rs`) by `cli/src/docs.rs`; regenerate with
`INFRA_UPDATE_DOCS=1 cargo test -p infra-tests --test suite docs`.

## Conventions

- **Exit codes.** `0` success, `1` an error (invalid configuration, a
  failed operation, bad arguments). Two commands add one:
  `plan --detailed-exitcode` exits `2` when there are changes (mirrors
  Terraform's `-detailed-exitcode`) and `drift` exits `2` when it found
  drift; `fmt --check` exits `3` when a file needs formatting (as
  `terraform fmt -check` does). Each command below repeats its codes.
- **Output.** Data and reports go to standard output, diagnostics and
  progress to standard error, so `infra plan --json > plan.json` is safe.
  Colour only when standard error is a terminal and `NO_COLOR` is unset;
  `--no-color` forces it off.
- **No prompts in automation.** A command that would ask (`apply`,
  `destroy` and `apply --refresh-only` without `--auto-approve`) refuses
  to run when standard input is not a terminal, instead of waiting.
- **Terraform spellings.** Single-dash long flags are accepted:
  `-chdir=DIR`, `-out=plan.bin`, `-auto-approve`, `-var 'a=b'`,
  `-detailed-exitcode`.
- **Working directory.** `--chdir DIR` (before or after the command)
  runs as if started in DIR: relative paths in the configuration and on
  the command line are taken from there.

## Environment

| variable | effect |
|---|---|
| `INFRA_IN_AUTOMATION` | set (non-empty) in CI: no "run `infra apply`" hints after a plan, no interactive `console`, output meant for logs (like Terraform's `TF_IN_AUTOMATION`) |
| `NO_COLOR` | set (non-empty): no colour |
| `INFRA_VAR_name` | value of variable `name` (see docs/variables.md) |
| `AWS_ENDPOINT_URL_S3`, `AWS_REGION`, `AWS_PROFILE`, `AWS_ACCESS_KEY_ID`, ... | the AWS provider's and S3 backend's defaults (docs/providers.md, docs/state.md) |
| `INFRA_AWS_MULTIPART_THRESHOLD` | bytes above which `aws_s3_object` uploads in parts (default 16 MiB) |
| `INFRA_LOG` | log to stderr: a level (`error`, `warn`, `info`, `debug`, `trace`) for infra's own events, including the log lines of provider plugins, or `target=level,…` directives; off by default |
| `TF_LOG` | as `INFRA_LOG` with a level, when `INFRA_LOG` is unset (any other value means `trace`, as in Terraform) |
| `INFRA_PROGRESS_INTERVAL` | seconds (e.g. `0.5`) between `Refreshing DONE/TOTAL…` lines on stderr while plan, apply or drift read objects, when stderr is not a terminal (default 10; a run whose refresh ends sooner prints none; on a terminal one line is updated in place instead) |
| `INFRA_PARSE_CACHE` | `off`: parse every configuration file, never reading or writing the parse cache. By default, in a directory that has a `.infra` directory, the syntax trees of files of 64 KiB or more are kept in `.infra/cache/parse/` (named by the SHA-256 of the text, for one build of `infra`, the 32 newest kept) and read back instead of parsing the same text again (docs/performance.md) |
| `TF_DISABLE_PLUGIN_TLS` | set (non-empty): connect to provider plugins without AutoMTLS, as Terraform does |

## Commands
"#;

/// The whole of docs/cli.md.
pub fn cli_reference() -> String {
    let mut root = Cli::command();
    root.build();
    let mut out = String::from(PREAMBLE);
    out.push('\n');
    let commands: Vec<&Command> = root
        .get_subcommands()
        .filter(|c| c.get_name() != "help")
        .collect();
    for c in &commands {
        let _ = writeln!(
            out,
            "- [`infra {}`](#infra-{}): {}",
            c.get_name(),
            c.get_name(),
            about(c)
        );
    }
    let globals: Vec<&Arg> = root.get_arguments().filter(|a| shown(a)).collect();
    out.push_str("\nOptions every command takes:\n\n");
    arg_table(&mut out, &globals);
    for c in commands {
        command(&mut out, c, &format!("infra {}", c.get_name()), 2);
    }
    out
}

/// The first line of a command's help.
fn about(c: &Command) -> String {
    c.get_about().map(|s| s.to_string()).unwrap_or_default()
}

/// Whether an argument belongs in the reference (not `--help`/`--version`
/// nor the globals repeated on every command).
fn shown(a: &Arg) -> bool {
    !a.is_hide_set()
        && !matches!(
            a.get_action(),
            ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
        )
}

fn command(out: &mut String, c: &Command, path: &str, depth: usize) {
    let hashes = "#".repeat(depth + 1);
    let _ = writeln!(out, "\n{hashes} {path}\n");
    let long = c
        .get_long_about()
        .or(c.get_about())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let mut example = None;
    for para in long.split("\n\n") {
        let para = para.trim();
        if let Some(e) = para.strip_prefix("Example: ") {
            example = Some(e.to_string());
            continue;
        }
        let _ = writeln!(out, "{}\n", para.replace('\n', " "));
    }
    let usage = c.clone().render_usage().to_string();
    let usage = usage.trim_start_matches("Usage: ").trim();
    let _ = writeln!(out, "```text\n{usage}\n```\n");
    let args: Vec<&Arg> = c
        .get_arguments()
        .filter(|a| shown(a) && !a.is_global_set())
        .collect();
    if !args.is_empty() {
        arg_table(out, &args);
    }
    if let Some(e) = example {
        let _ = writeln!(out, "Example:\n\n```sh\n{e}\n```");
    }
    for sub in c.get_subcommands().filter(|s| s.get_name() != "help") {
        command(out, sub, &format!("{path} {}", sub.get_name()), depth + 1);
    }
}

fn arg_table(out: &mut String, args: &[&Arg]) {
    out.push_str("| argument | meaning | default |\n|---|---|---|\n");
    for a in args {
        let value = a
            .get_value_names()
            .map(|v| {
                v.iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let takes_value = a.get_num_args().is_some_and(|n| n.takes_values())
            || matches!(a.get_action(), ArgAction::Set | ArgAction::Append);
        let name = match a.get_long() {
            Some(l) if takes_value => format!("`--{l} {value}`"),
            Some(l) => format!("`--{l}`"),
            None => format!("`{value}`"),
        };
        let help = a
            .get_long_help()
            .or(a.get_help())
            .map(|s| s.to_string())
            .unwrap_or_default()
            .replace('\n', " ")
            .replace('|', "\\|");
        // The possible values of an enum (not of a `true`/`false` switch).
        let possible: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|p| !p.is_hide_set())
            .map(|p| format!("`{}`", p.get_name()))
            .collect();
        let help = if takes_value && !possible.is_empty() && value != "BOOL" {
            format!(
                "{} One of {}.",
                help.trim_end().trim_end_matches('.'),
                possible.join(", ")
            )
        } else {
            help
        };
        let mut help = help.trim_end().to_string();
        if !help.is_empty() && !help.ends_with('.') {
            help.push('.');
        }
        let repeat = if matches!(a.get_action(), ArgAction::Append) && !help.contains("repeatable")
        {
            " Repeatable."
        } else {
            ""
        };
        // A plain flag's `false` default says nothing.
        let default: Vec<String> = if matches!(a.get_action(), ArgAction::SetTrue) {
            Vec::new()
        } else {
            a.get_default_values()
                .iter()
                .map(|v| format!("`{}`", v.to_string_lossy()))
                .collect()
        };
        let _ = writeln!(out, "| {name} | {help}{repeat} | {} |", default.join(", "));
    }
    out.push('\n');
}
