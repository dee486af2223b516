//! The root module's `import` blocks evaluated into targets: `for_each`
//! expanded, `to` turned into an instance address (its keys may use
//! `each.key` / `each.value`), `id` into a string known at plan. Mirrors
//! Terraform's `configs.Import` and the import target expansion of
//! `terraform plan` (`internal/terraform/node_resource_plan.go`).

use super::{ModuleFiles, Session, Shared};
use crate::addr::{InstanceKey, ModulePath, ModuleStep, ResourceAddress, ResourceMode};
use crate::config::decl;
use infra_lang::ast::{Expr, ExprKind};
use infra_lang::eval::Evaluator;
use infra_lang::{Diagnostic, SourceFile, Span, Type, Value};
use std::sync::Arc;

/// One import an `import` block asks for (one per `for_each` element).
#[derive(Clone, Debug)]
pub struct ImportTarget {
    /// The instance to import into.
    pub address: ResourceAddress,
    /// The object's id at the provider.
    pub id: String,
    /// The block's `provider = NAME.ALIAS` as written, when set.
    pub provider: Option<String>,
    /// The file of the block.
    pub source: Arc<SourceFile>,
    /// Where `to` is written (diagnostics point there).
    pub to_span: Span,
}

/// One step of a `to` address as written: a name or an index.
enum Step<'e> {
    Name(&'e str),
    Key(&'e Expr),
}

/// The steps of traversal `e` (`module.m["a"].local_file.f[each.key]`);
/// `None` when it is not a plain traversal.
fn steps(e: &Expr) -> Option<Vec<Step<'_>>> {
    match &e.kind {
        ExprKind::Variable(id) => Some(vec![Step::Name(&id.name)]),
        ExprKind::GetAttr { object, name } => {
            let mut s = steps(object)?;
            s.push(Step::Name(&name.name));
            Some(s)
        }
        ExprKind::Index {
            collection, key, ..
        } => {
            let mut s = steps(collection)?;
            s.push(Step::Key(key));
            Some(s)
        }
        _ => None,
    }
}

impl Session {
    /// The root module's `import` blocks, each expanded by its
    /// `for_each`, in the order written.
    ///
    /// # Errors
    /// `import::invalid-to` (not a managed resource instance address),
    /// `import::unknown-id` (`id` not known at plan), `import::invalid-id`
    /// (not a string), `for_each` errors as for resources, and the errors
    /// of what the expressions reference.
    pub fn import_targets(&self) -> Result<Vec<ImportTarget>, Vec<Diagnostic>> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for (src, b) in self.root.files.blocks_of("import") {
            let d = decl::import(b);
            let (Some(to), Some(id)) = (d.to, d.id) else {
                let missing = if d.to.is_none() { "to" } else { "id" };
                errors.push(
                    Diagnostic::error(
                        "import::missing-argument",
                        format!("an `import` block needs `{missing}`"),
                    )
                    .in_file(src)
                    .primary(b.kind.span, format!("no `{missing}`"))
                    .with_help("Write `to = TYPE.NAME` (the address to import into) and `id = \"...\"` (the object's id at its provider)."),
                );
                continue;
            };
            let expanded = match self.root.expand(src, None, d.for_each, "an `import` block") {
                Ok(e) => e,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            for (_, binding) in &expanded.keys {
                let mut ev = Evaluator::new(&self.root, src);
                if let Some((n, v)) = binding {
                    ev.bind(*n, v.clone());
                }
                let target = address(&mut ev, src, &to.expr).and_then(|address| {
                    Ok(ImportTarget {
                        address,
                        id: id_string(&mut ev, src, &id.expr)?,
                        provider: d.provider.map(|p| p.key(src)),
                        source: src.clone(),
                        to_span: to.expr.span,
                    })
                });
                match target {
                    Ok(t) => out.push(t),
                    Err(e) => errors.push(e),
                }
            }
        }
        errors.extend(
            self.shared
                .diags
                .take()
                .into_iter()
                .filter(|d| d.code != super::instance::UPSTREAM),
        );
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// `import::not-in-root-module` for each `import` block of a child
/// module (`path` not the root), once per block however many instances
/// the module has: as in Terraform, only the root module imports.
pub(crate) fn refuse_in_child(files: &ModuleFiles, path: &ModulePath, shared: &Shared) {
    if path.is_root() {
        return;
    }
    for (src, b) in files.blocks_of("import") {
        let d = Diagnostic::error(
            "import::not-in-root-module",
            "`import` blocks are allowed only in the root module",
        )
        .in_file(src)
        .primary(b.kind.span, "in a child module")
        .with_help("Move the block to the root module, with `to = module.NAME.TYPE.NAME`.");
        let mut diags = shared.diags.borrow_mut();
        let same = |x: &Diagnostic| {
            x.code == d.code && x.path() == d.path() && x.primary_span() == d.primary_span()
        };
        if !diags.iter().any(same) {
            diags.push(d);
        }
    }
}

/// The instance address `to` names, its keys evaluated with `ev`.
fn address(
    ev: &mut Evaluator<'_>,
    src: &Arc<SourceFile>,
    to: &Expr,
) -> Result<ResourceAddress, Diagnostic> {
    let invalid = |why: &str| {
        Diagnostic::error(
            "import::invalid-to",
            format!("`to` of an `import` block must be a managed resource instance address: {why}"),
        )
        .in_file(src)
        .primary(to.span, "not a resource instance address")
        .with_help(
            "Write it as in state: `local_file.f`, `random_id.x[\"a\"]`, `module.m.local_file.f`.",
        )
    };
    let steps = steps(to).ok_or_else(|| invalid("found an expression"))?;
    let mut key = |s: Option<&Step<'_>>| -> Result<Option<InstanceKey>, Diagnostic> {
        let Some(Step::Key(k)) = s else {
            return Ok(None);
        };
        let (v, _) = ev.eval(k)?.unmark();
        match &v {
            Value::String(s) => Ok(Some(InstanceKey::Str(s.clone()))),
            Value::Number(n) => n
                .as_i64()
                .map(|i| Some(InstanceKey::Int(i)))
                .ok_or_else(|| invalid("an index is not a whole number")),
            Value::Unknown(_) => Err(invalid("an instance key is not known until apply")),
            other => Err(invalid(&format!(
                "an instance key is {}, not a string or number",
                other.describe()
            ))),
        }
    };
    let mut module = Vec::new();
    let mut i = 0;
    while let (Some(Step::Name("module")), Some(Step::Name(name))) =
        (steps.get(i), steps.get(i + 1))
    {
        let k = key(steps.get(i + 2))?;
        i += if k.is_some() { 3 } else { 2 };
        module.push(ModuleStep {
            name: (*name).to_string(),
            key: k.unwrap_or(InstanceKey::None),
        });
    }
    if let Some(Step::Name("data")) = steps.get(i) {
        return Err(invalid("a data source cannot be imported"));
    }
    let (Some(Step::Name(type_name)), Some(Step::Name(name))) = (steps.get(i), steps.get(i + 1))
    else {
        return Err(invalid("it needs a resource type and a name"));
    };
    let k = key(steps.get(i + 2))?;
    let end = i + 2 + usize::from(k.is_some());
    if steps.len() != end {
        return Err(invalid("it continues after the instance"));
    }
    Ok(ResourceAddress {
        module: ModulePath(module),
        mode: ResourceMode::Managed,
        type_name: (*type_name).to_string(),
        name: (*name).to_string(),
        key: k.unwrap_or(InstanceKey::None),
    })
}

/// The value of `id`: a string known at plan.
fn id_string(
    ev: &mut Evaluator<'_>,
    src: &Arc<SourceFile>,
    id: &Expr,
) -> Result<String, Diagnostic> {
    let (v, _) = ev.eval(id)?.unmark_deep();
    if v.has_unknown() {
        return Err(Diagnostic::error(
            "import::unknown-id",
            "`id` of an `import` block depends on values known only after apply",
        )
        .in_file(src)
        .primary(id.span, "not known until apply")
        .with_help("The object to import must be known when planning: derive `id` from variables, consts, locals or literal text, not from resources still to be created."));
    }
    match infra_lang::value::convert(v.clone(), &Type::String) {
        Ok(Value::String(s)) if !s.is_empty() => Ok(s),
        _ => Err(Diagnostic::error(
            "import::invalid-id",
            format!(
                "`id` of an `import` block must be a non-empty string, got {}",
                v.describe()
            ),
        )
        .in_file(src)
        .primary(id.span, "not an id")),
    }
}
