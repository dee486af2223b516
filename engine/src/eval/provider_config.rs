//! Provider configurations: each root-module `provider "NAME" { ... }`
//! block evaluated to an object (variables, locals and consts allowed),
//! keyed `NAME` or `NAME.ALIAS`, ready for `Provider::configure`.

use super::Session;
use infra_lang::eval::Evaluator;
use infra_lang::{Diagnostic, SourceFile, Span, Value};
use std::sync::Arc;

/// One evaluated `provider` block.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    /// `aws`, or `aws.west` for `alias = "west"`: what a resource's
    /// `provider = aws.west` names and what state records.
    pub key: String,
    /// The provider's name, the block's label: `aws`.
    pub name: String,
    /// The block's arguments and nested blocks as an object, without
    /// `alias` and `version`.
    pub config: Value,
    /// The file of the block.
    pub source: Arc<SourceFile>,
    /// The block's label.
    pub span: Span,
}

/// Arguments of a `provider` block that are not the provider's own.
const PROVIDER_META: &[&str] = &["alias", "version"];

impl Session {
    /// Every `provider` block of the root module, evaluated, in file
    /// order.
    ///
    /// # Errors
    /// Evaluation errors of any block; an `alias` that is not a literal
    /// name.
    pub fn provider_configs(&self) -> Result<Vec<ProviderConfig>, Vec<Diagnostic>> {
        let m = &self.root;
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for (src, b) in m.files.blocks_of("provider") {
            let Some(label) = b.labels.first() else {
                continue;
            };
            let name = label.value.clone();
            let mut ev = Evaluator::new(m, src);
            let alias = match b.body.attribute("alias") {
                Some(a) => match ev.eval(&a.expr).map(Value::unmark) {
                    Ok((Value::String(s), _)) if !s.is_empty() => Some(s.to_string()),
                    Ok((other, marked)) => {
                        errors.push(
                            Diagnostic::error(
                                "provider::bad-alias",
                                format!("the `alias` of provider `{name}` must be a name, got {}", other.describe_as(marked)),
                            )
                            .in_file(src)
                            .primary(a.expr.span, "not a name")
                            .with_help("Write e.g. `alias = \"west\"` and use it as `provider = aws.west`."),
                        );
                        continue;
                    }
                    Err(d) => {
                        errors.push(d);
                        continue;
                    }
                },
                None => None,
            };
            match m.body_object(&mut ev, src, &b.body, false) {
                Some(Value::Object(mut attrs)) => {
                    for meta in PROVIDER_META {
                        attrs.remove(*meta);
                    }
                    out.push(ProviderConfig {
                        key: alias.map_or_else(|| name.clone(), |a| format!("{name}.{a}")),
                        name,
                        config: Value::Object(attrs),
                        source: src.clone(),
                        span: label.span,
                    });
                }
                _ => errors.extend(self.shared.diags.take()),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}
