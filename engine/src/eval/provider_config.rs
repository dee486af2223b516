//! Provider configurations: each root-module `provider "NAME" { ... }`
//! block evaluated to an object (variables, locals and consts allowed),
//! keyed `NAME` or `NAME.ALIAS`, ready for `Provider::configure`.

use super::Session;
use crate::config::meta;
use crate::provider::ProviderConfig;
use infra_lang::eval::Evaluator;
use infra_lang::{Diagnostic, Value};

impl Session {
    /// Every `provider` block of the root module, in file order, its
    /// body evaluated when `used` says its configuration (`NAME`,
    /// `NAME.ALIAS`) is used: Terraform never evaluates the block of a
    /// provider configuration nothing uses (`PruneProviderTransformer`,
    /// see [`super::ProviderUse`]). The others have a null `config` and
    /// `used` false.
    ///
    /// # Errors
    /// Evaluation errors of any used block; an `alias` that is not a
    /// literal name.
    pub fn provider_configs(
        &self,
        used: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<ProviderConfig>, Vec<Diagnostic>> {
        let m = &self.root;
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for (src, b) in m.files.blocks_of("provider") {
            let Some(label) = b.labels.first() else {
                continue;
            };
            let name = label.value.clone();
            let mut ev = Evaluator::new(m, src);
            let alias = match b.body.attribute(meta::ALIAS) {
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
            let key = alias.map_or_else(|| name.clone(), |a| format!("{name}.{a}"));
            if !used(&key) {
                out.push(ProviderConfig {
                    key,
                    name,
                    config: Value::NULL,
                    used: false,
                    source: src.clone(),
                    span: label.span,
                });
                continue;
            }
            match m.body_object(&mut ev, src, &b.body, false) {
                Some(Value::Object(mut attrs)) => {
                    for arg in meta::PROVIDER_BLOCK_ARGS {
                        attrs.remove(*arg);
                    }
                    out.push(ProviderConfig {
                        key,
                        name,
                        config: Value::Object(attrs),
                        used: true,
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
