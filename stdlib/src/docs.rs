//! The function reference (docs/functions.md), generated from the
//! signatures, summaries and examples in this crate so it cannot drift
//! from the code: the test suite fails when the file is out of date.

use crate::{builtins, lookup};
use std::fmt::Write as _;

/// The Markdown function reference: a table of contents by group, then
/// per function its signature, summary and examples with their results.
pub fn markdown_reference() -> String {
    let all = builtins();
    let mut groups: Vec<&str> = all.iter().map(|b| b.group).collect();
    groups.sort_unstable();
    groups.dedup();
    let mut out = String::new();
    out.push_str("# Built-in functions\n\n");
    out.push_str("<!-- Generated from the stdlib crate (stdlib/src/functions/*.rs); do not edit.\n     Regenerate with: INFRA_UPDATE_DOCS=1 cargo test -p infra-tests --test suite docs -->\n\n");
    let _ = writeln!(
        out,
        "{} functions with Terraform's names and behaviour. Every example below is evaluated by the test suite. \
         Try any of them with `infra eval 'EXPR'`; `try(...)` and `can(...)` are part of the language (see language.md).\n",
        all.len()
    );
    let _ = writeln!(
        out,
        "A function's result holds at most {} values (counting every element, attribute and map entry at any depth) and {} MiB of text; \
         a call that would build more fails with `function::too-large`, before building it. \
         `jsondecode` and `yamldecode` accept data nested at most {} levels deep.\n",
        crate::limits::MAX_ELEMENTS,
        crate::limits::MAX_STRING_BYTES >> 20,
        crate::limits::MAX_DEPTH
    );
    for g in &groups {
        let names: Vec<String> = all
            .iter()
            .filter(|b| b.group == *g)
            .map(|b| format!("[`{0}`](#{0})", b.name))
            .collect();
        let _ = writeln!(out, "- **{g}**: {}", names.join(", "));
    }
    for g in &groups {
        let _ = writeln!(out, "\n## {}{}\n", g[..1].to_uppercase(), &g[1..]);
        for b in all.iter().filter(|b| b.group == *g) {
            let params = lookup(b.name)
                .map(|s| s.params.join(", "))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "### {}\n\n`{}({params})`\n\n{}\n",
                b.name, b.name, b.summary
            );
            out.push_str("```\n");
            for ex in b.examples {
                let _ = writeln!(out, "> {}\n{}", ex.expr, ex.result);
            }
            out.push_str("```\n\n");
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
