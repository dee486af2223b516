//! Small helpers shared by the Markdown reports (`infra drift --format
//! markdown`, `infra plan --format markdown`): code spans, table cells,
//! HTML escaping and fenced blocks that survive any text put inside them.

use std::fmt::Write;

/// `"1 object"`, `"2 objects"`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A Markdown code span for `s` (backticks inside handled).
pub fn code(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    if longest > 0 {
        format!("{ticks} {s} {ticks}")
    } else {
        format!("{ticks}{s}{ticks}")
    }
}

/// Text for a Markdown table cell: pipes escaped, one line.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// `s` escaped for HTML text or an attribute value.
pub fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A fenced code block around `body` (the fence longer than any backtick
/// run inside), `lang` naming its syntax (`diff`, or empty).
pub fn fenced(out: &mut String, lang: &str, body: &str) {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let end = if body.is_empty() || body.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    let _ = writeln!(out, "{fence}{lang}\n{body}{end}{fence}");
}
