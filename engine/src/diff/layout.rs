//! Value layout: how one value is printed in a plan or drift diff, as
//! lines with their nesting depth (objects and maps one `key = value` a
//! line with aligned keys, lists one element a line with a comma,
//! multi-line strings as `<<-EOT` heredocs, `(known after apply)`, a
//! redaction for sensitive values). Every renderer places these lines in
//! its own columns; mirrors Terraform's plan layout.

use infra_lang::Value;
use infra_lang::value::quote;

/// What a laid-out line is, which tells a printer where to put it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// The first line of a value or of an element (`key = ...` in an
    /// object, an element of a list): the human diff puts a marker
    /// before it.
    Entry,
    /// A closing `}` or `]` (with a comma inside a list).
    Close,
    /// A line of a heredoc's text, or its closing `EOT`.
    Heredoc,
}

/// One line of a laid-out value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Nesting depth below the value's first line (0 for it and for its
    /// closing bracket; 1 for the entries of an object, ...).
    pub depth: usize,
    /// The text, without indentation.
    pub text: String,
    /// What the line is.
    pub kind: LineKind,
}

impl Line {
    fn new(depth: usize, text: String, kind: LineKind) -> Line {
        Line { depth, text, kind }
    }
}

/// An attribute or object key as written in the configuration: bare when
/// it can be (letters, digits, `_`, `-`, not starting with a digit),
/// quoted otherwise.
pub fn key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !k.starts_with(|c: char| c.is_ascii_digit());
    if plain { k.to_string() } else { quote(k) }
}

/// A key as a diff prints it: a map's key always quoted, an object's
/// attribute name as [`key`] writes it (Terraform's map and object
/// renderers).
pub fn label(k: &str, map: bool) -> String {
    if map { quote(k) } else { key(k) }
}

/// `v` as lines (at least one): sensitive values as `redacted` (the human
/// plan says `(sensitive value)`, Markdown `(sensitive)`), unknowns as
/// `(known after apply)`, strings quoted, multi-line strings as heredocs,
/// objects and maps `{ key = value }` with keys aligned, lists, sets and
/// tuples `[ value, ]`; empty collections as `{}` and `[]`. A map's keys
/// are quoted and its objects followed by a comma, as Terraform prints
/// them.
pub fn lines(v: &Value, redacted: &str) -> Vec<Line> {
    let one = |s: String| vec![Line::new(0, s, LineKind::Entry)];
    match v {
        Value::Sensitive(_) => one(redacted.into()),
        Value::Unknown(_) => one("(known after apply)".into()),
        Value::Null(_) => one("null".into()),
        Value::String(s) if s.contains('\n') => {
            let mut out = one("<<-EOT".into());
            for l in s.strip_suffix('\n').unwrap_or(s).split('\n') {
                out.push(Line::new(1, l.to_string(), LineKind::Heredoc));
            }
            out.push(Line::new(0, "EOT".into(), LineKind::Heredoc));
            out
        }
        Value::String(s) => one(quote(s)),
        Value::Bool(b) => one(b.to_string()),
        Value::Number(n) => one(n.to_string()),
        Value::Object(m) | Value::Map(_, m) => {
            if m.is_empty() {
                return one("{}".into());
            }
            let map = matches!(v, Value::Map(..));
            let w = m.keys().map(|k| label(k, map).len()).max().unwrap_or(0);
            let mut out = one("{".into());
            for (k, x) in m {
                let mut item = lines(x, redacted);
                // Terraform's map renderer puts a comma after an object.
                if map
                    && matches!(x, Value::Object(_))
                    && let Some(last) = item.last_mut()
                {
                    last.text.push(',');
                }
                for (i, mut l) in item.into_iter().enumerate() {
                    if i == 0 {
                        l.text = format!("{:w$} = {}", label(k, map), l.text);
                    }
                    l.depth += 1;
                    out.push(l);
                }
            }
            out.push(Line::new(0, "}".into(), LineKind::Close));
            out
        }
        Value::List(_, xs) | Value::Set(_, xs) | Value::Tuple(xs) => {
            if xs.is_empty() {
                return one("[]".into());
            }
            let mut out = one("[".into());
            for x in xs {
                let mut item = lines(x, redacted);
                if let Some(last) = item.last_mut() {
                    last.text.push(',');
                }
                for mut l in item {
                    l.depth += 1;
                    out.push(l);
                }
            }
            out.push(Line::new(0, "]".into(), LineKind::Close));
            out
        }
    }
}

/// `v` as one text starting at column `indent` (the first line without
/// indentation, the others indented 4 columns a level): how the human
/// plan shows a value after `name = `.
pub fn text(v: &Value, redacted: &str, indent: usize) -> String {
    let mut out = String::new();
    for (i, l) in lines(v, redacted).into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(indent + 4 * l.depth));
        }
        out.push_str(&l.text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object_of(pairs)
    }

    #[test]
    fn keys_are_bare_when_they_can_be() {
        assert_eq!(key("tags"), "tags");
        assert_eq!(key("a.b"), "\"a.b\"");
        assert_eq!(key("1x"), "\"1x\"");
    }

    #[test]
    fn objects_align_keys_and_indent_nested_values() {
        let v = obj(&[
            ("a", Value::String("x".into())),
            ("long", Value::String("one\ntwo\n".into())),
            ("s", Value::Sensitive(Box::new(Value::int(1)))),
        ]);
        assert_eq!(
            text(&v, "(sensitive value)", 2),
            "{\n      a    = \"x\"\n      long = <<-EOT\n          one\n          two\n      EOT\n      s    = (sensitive value)\n  }"
        );
    }

    #[test]
    fn list_elements_end_with_commas_and_closes_are_marked() {
        let v = Value::Tuple(vec![obj(&[("a", Value::int(1))]), Value::Bool(true)]);
        let ls = lines(&v, "(sensitive)");
        let shape: Vec<(usize, &str, LineKind)> = ls
            .iter()
            .map(|l| (l.depth, l.text.as_str(), l.kind))
            .collect();
        assert_eq!(
            shape,
            vec![
                (0, "[", LineKind::Entry),
                (1, "{", LineKind::Entry),
                (2, "a = 1", LineKind::Entry),
                (1, "},", LineKind::Close),
                (1, "true,", LineKind::Entry),
                (0, "]", LineKind::Close),
            ]
        );
    }
}
