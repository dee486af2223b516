//! Values printed in the language's own syntax, as `terraform console`
//! prints them: `tolist([...])`, `tomap({...})`, `(known after apply)`,
//! `(sensitive value)`.

use super::{Value, ValueMap};

/// `value` in the language's syntax, multi-line and indented by two spaces
/// per level. Sensitive values print as `(sensitive value)`, unknowns as
/// `(known after apply)`.
pub fn render(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out
}

/// A string literal with HCL escapes (`"`, `\`, newlines, tabs, and `${`
/// / `%{` doubled so the literal reads back as the same string).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_seq(out: &mut String, open: &str, close: &str, items: &[Value], level: usize) {
    if items.is_empty() {
        out.push_str(open);
        out.push_str(close);
        return;
    }
    out.push_str(open);
    out.push('\n');
    for item in items {
        indent(out, level + 1);
        write_value(out, item, level + 1);
        out.push_str(",\n");
    }
    indent(out, level);
    out.push_str(close);
}

fn write_map(out: &mut String, open: &str, close: &str, m: &ValueMap, level: usize) {
    if m.is_empty() {
        out.push_str(open);
        out.push_str(close);
        return;
    }
    out.push_str(open);
    out.push('\n');
    let width = m
        .keys()
        .map(|k| quote(k).chars().count())
        .max()
        .unwrap_or(0);
    for (k, v) in m {
        indent(out, level + 1);
        let key = quote(k);
        let pad = width - key.chars().count();
        out.push_str(&key);
        out.push_str(&" ".repeat(pad));
        out.push_str(" = ");
        write_value(out, v, level + 1);
        out.push('\n');
    }
    indent(out, level);
    out.push_str(close);
}

fn write_value(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Null(_) => out.push_str("null"),
        Value::Unknown(_) => out.push_str("(known after apply)"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&quote(s)),
        Value::List(_, items) => write_seq(out, "tolist([", "])", items, level),
        Value::Set(_, items) => write_seq(out, "toset([", "])", items, level),
        Value::Tuple(items) => write_seq(out, "[", "]", items, level),
        Value::Map(_, m) => write_map(out, "tomap({", "})", m, level),
        Value::Object(m) => write_map(out, "{", "}", m, level),
        Value::Sensitive(_) => out.push_str("(sensitive value)"),
    }
}
