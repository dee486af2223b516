//! Provider diagnostics ⇄ infra diagnostics, for tfplugin5 and tfplugin6
//! alike (their `Diagnostic` and `AttributePath` messages have the same
//! fields): written once over the [`ProtoDiagnostic`] trait, which a macro
//! implements for both generated types.

use crate::proto::{tfplugin5, tfplugin6};
use infra_lang::value::PathStep;
use infra_lang::{Diagnostic, Severity};

/// The code of an error a plugin reported (the real system's refusal).
pub const ERROR_CODE: &str = "provider::error";
/// The code of a warning a plugin reported.
pub const WARNING_CODE: &str = "provider::warning";

/// One step of a protocol `AttributePath`, version-independent.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// `attribute_name`: `.name`.
    Attr(String),
    /// `element_key_string`: `["key"]` (a map key).
    Key(String),
    /// `element_key_int`: `[2]` (a list or tuple index).
    Index(i64),
}

/// A generated `Diagnostic` message of either protocol version.
pub trait ProtoDiagnostic: Sized {
    /// Severity (`true` = warning), summary, detail and the attribute path.
    fn parts(&self) -> (bool, &str, &str, Vec<Step>);
    /// The message from its parts; an empty `path` sends no attribute.
    fn from_parts(warning: bool, summary: String, detail: String, path: &[Step]) -> Self;
}

macro_rules! proto_diagnostic {
    ($p:ident) => {
        impl ProtoDiagnostic for $p::Diagnostic {
            fn parts(&self) -> (bool, &str, &str, Vec<Step>) {
                let steps = self.attribute.as_ref().map(Vec::from).unwrap_or_default();
                let warning = self.severity() == $p::diagnostic::Severity::Warning;
                (warning, &self.summary, &self.detail, steps)
            }

            fn from_parts(warning: bool, summary: String, detail: String, path: &[Step]) -> Self {
                use $p::attribute_path::{Step as PStep, step::Selector};
                let severity = if warning {
                    $p::diagnostic::Severity::Warning
                } else {
                    $p::diagnostic::Severity::Error
                };
                let attribute = (!path.is_empty()).then(|| $p::AttributePath {
                    steps: path
                        .iter()
                        .map(|s| PStep {
                            selector: Some(match s {
                                Step::Attr(n) => Selector::AttributeName(n.clone()),
                                Step::Key(k) => Selector::ElementKeyString(k.clone()),
                                Step::Index(i) => Selector::ElementKeyInt(*i),
                            }),
                        })
                        .collect(),
                });
                $p::Diagnostic {
                    severity: severity as i32,
                    summary,
                    detail,
                    attribute,
                }
            }
        }

        impl From<&$p::AttributePath> for Vec<Step> {
            fn from(a: &$p::AttributePath) -> Vec<Step> {
                use $p::attribute_path::step::Selector;
                a.steps
                    .iter()
                    .filter_map(|s| match s.selector.as_ref()? {
                        Selector::AttributeName(n) => Some(Step::Attr(n.clone())),
                        Selector::ElementKeyString(k) => Some(Step::Key(k.clone())),
                        Selector::ElementKeyInt(i) => Some(Step::Index(*i)),
                    })
                    .collect()
            }
        }
    };
}

proto_diagnostic!(tfplugin5);
proto_diagnostic!(tfplugin6);

/// The path in the language's syntax, without a leading dot:
/// `tags["env"]`, `rule[0].id`; empty for no steps.
pub fn render_path(path: &[Step]) -> String {
    infra_engine::provider::consistency::path_name(&to_path_steps(path))
}

/// The path as the language's [`PathStep`]s (a negative index, which no
/// provider sends, becomes a key).
pub fn to_path_steps(path: &[Step]) -> Vec<PathStep> {
    path.iter()
        .map(|s| match s {
            Step::Attr(n) => PathStep::Attr(n.clone()),
            Step::Key(k) => PathStep::Key(k.clone()),
            Step::Index(i) => {
                usize::try_from(*i).map_or_else(|_| PathStep::Key(i.to_string()), PathStep::Index)
            }
        })
        .collect()
}

/// An infra diagnostic from a plugin's: severity kept (INVALID counts as an
/// error), summary as the message with the attribute path appended
/// (`…: at tags["env"]`, since the engine does not carry paths yet), detail
/// as the help line. Mirrors Terraform's `convert.ProtoToDiagnostics`.
pub fn from_proto<D: ProtoDiagnostic>(d: &D) -> Diagnostic {
    let (warning, summary, detail, path) = d.parts();
    let mut message = summary.to_string();
    if !path.is_empty() {
        message.push_str(&format!(" (at {})", render_path(&path)));
    }
    let mut out = if warning {
        Diagnostic::warning(WARNING_CODE, message)
    } else {
        Diagnostic::error(ERROR_CODE, message)
    };
    if !detail.is_empty() {
        out = out.with_help(detail);
    }
    out
}

/// [`from_proto`] over a response's list.
pub fn from_proto_all<D: ProtoDiagnostic>(ds: &[D]) -> Vec<Diagnostic> {
    ds.iter().map(from_proto).collect()
}

/// A plugin diagnostic from an infra one (the server side): message as the
/// summary, help as the detail, no attribute path (infra diagnostics carry
/// spans, not paths).
pub fn to_proto<D: ProtoDiagnostic>(d: &Diagnostic) -> D {
    D::from_parts(
        d.severity == Severity::Warning,
        d.message.clone(),
        d.help.clone().unwrap_or_default(),
        &[],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_in_the_language_syntax() {
        let path = [
            Step::Attr("rule".into()),
            Step::Index(0),
            Step::Attr("id".into()),
        ];
        assert_eq!(render_path(&path), "rule[0].id");
        let path = [Step::Attr("tags".into()), Step::Key("env".into())];
        assert_eq!(render_path(&path), "tags[\"env\"]");
        assert_eq!(render_path(&[]), "");
    }

    #[test]
    fn provider_diagnostics_become_infra_diagnostics_and_back() {
        for warning in [false, true] {
            let proto: tfplugin5::Diagnostic = ProtoDiagnostic::from_parts(
                warning,
                "Invalid port".into(),
                "Ports are 1-65535.".into(),
                &[Step::Attr("rule".into()), Step::Index(2)],
            );
            let d = from_proto(&proto);
            assert_eq!(d.is_error(), !warning);
            assert_eq!(d.code, if warning { WARNING_CODE } else { ERROR_CODE });
            assert_eq!(d.message, "Invalid port (at rule[2])");
            assert_eq!(d.help.as_deref(), Some("Ports are 1-65535."));
            let back: tfplugin6::Diagnostic = to_proto(&d);
            let (w, summary, detail, path) = back.parts();
            assert_eq!(
                (w, summary, detail, path.len()),
                (warning, d.message.as_str(), "Ports are 1-65535.", 0)
            );
        }
        // INVALID severity counts as an error; no detail, no help.
        let d = from_proto(&tfplugin6::Diagnostic {
            summary: "x".into(),
            ..Default::default()
        });
        assert!(d.is_error() && d.help.is_none());
    }
}
