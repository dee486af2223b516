//! The sensitive parts of values, to scrub from diagnostics written by
//! code that sees values without their marks (providers): the last line of
//! defence behind messages built with [`super::Value::describe_as`].

use super::{Value, quote};
use crate::diagnostic::Diagnostic;

/// What a scrubbed secret is replaced with.
pub const REDACTED: &str = "(sensitive value)";

/// Secrets shorter than this are replaced only where they appear quoted
/// (`"ab"`): a bare `ab` would match ordinary words of the message.
const MIN_BARE: usize = 4;

/// The texts a message could show of the sensitive parts of some values:
/// strings and numbers under a sensitive mark, and keys of sensitive maps
/// and objects.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    /// Longest first, so a secret containing another is replaced whole.
    texts: Vec<String>,
}

impl Secrets {
    /// The secrets of every value in `values`.
    pub fn of<'a>(values: impl IntoIterator<Item = &'a Value>) -> Secrets {
        let mut texts = Vec::new();
        for v in values {
            collect(v, false, &mut texts);
        }
        texts.retain(|t| !t.is_empty());
        texts.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        texts.dedup();
        Secrets { texts }
    }

    /// True when there is nothing to scrub.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// `text` with every secret replaced by [`REDACTED`]: quoted ones
    /// (`"s3cr3t"`, as values are quoted in messages) of any length, bare
    /// ones of 4 characters or more.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for t in &self.texts {
            for quoted in [quote(t), format!("{t:?}")] {
                if out.contains(&quoted) {
                    out = out.replace(&quoted, REDACTED);
                }
            }
            if t.chars().count() >= MIN_BARE && out.contains(t.as_str()) {
                out = out.replace(t.as_str(), REDACTED);
            }
        }
        out
    }

    /// `d` with its message, help and labels scrubbed (see
    /// [`Secrets::scrub`]).
    pub fn scrub_diagnostic(&self, mut d: Diagnostic) -> Diagnostic {
        if self.is_empty() {
            return d;
        }
        d.message = self.scrub(&d.message);
        d.help = d.help.map(|h| self.scrub(&h));
        for l in &mut d.labels {
            l.message = l.message.take().map(|m| self.scrub(&m));
        }
        d
    }

    /// Every diagnostic of `diags` scrubbed.
    pub fn scrub_all(&self, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
        diags
            .into_iter()
            .map(|d| self.scrub_diagnostic(d))
            .collect()
    }
}

fn collect(v: &Value, sensitive: bool, out: &mut Vec<String>) {
    match v {
        Value::Sensitive(inner) => collect(inner, true, out),
        Value::String(s) if sensitive => out.push(s.clone()),
        Value::Number(n) if sensitive => out.push(n.to_string()),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            for i in items {
                collect(i, sensitive, out);
            }
        }
        Value::Map(_, m) | Value::Object(m) => {
            for (k, i) in m {
                if sensitive {
                    out.push(k.clone());
                }
                collect(i, sensitive, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::ValueMap;

    #[test]
    fn secrets_are_replaced_where_they_show_and_nothing_else_is() {
        let m: ValueMap = [("k3yS3cr3t".to_string(), Value::int(12345))].into();
        let secrets = Secrets::of(&[
            Value::string("hunter2").mark_if(true),
            Value::string("public"),
            Value::Object(m).mark_if(true),
            Value::string("ab").mark_if(true),
        ]);
        let d = Diagnostic::error(
            "provider::error",
            "bad \"hunter2\", not public; about \"ab\"",
        )
        .with_help("k3yS3cr3t = 12345 in a tab");
        let d = secrets.scrub_diagnostic(d);
        assert_eq!(
            d.message,
            "bad (sensitive value), not public; about (sensitive value)"
        );
        assert_eq!(
            d.help.as_deref(),
            Some("(sensitive value) = (sensitive value) in a tab")
        );
    }
}
