//! Ephemeral values (`variable "x" { ephemeral = true }`), followed
//! (and child modules' `ephemeral = true` outputs), followed
//! through each module's references without evaluating anything — the
//! root module's, then each local child module's, with its own ephemeral
//! variables (`module.NAME[KEY].OUT` and whole module objects included):
//! a value derived from an ephemeral variable (directly, or through
//! `local` values) may be used where it is not persisted (provider
//! blocks, locals, write-only attributes, conditions, ephemeral outputs
//! of child modules), and is `ephemeral::persisted` where it would be
//! written to state or a plan file: a resource's or data source's
//! argument that is not write-only, `count`/`for_each`, an output that is
//! not ephemeral. A root module's output may not be ephemeral
//! (`ephemeral::root-output`). Mirrors Terraform 1.10+'s
//! `validateResourceForbiddenEphemeralValues`, "Ephemeral output not
//! allowed" and the `count`/`for_each` checks (Terraform follows a value
//! mark; here a reference is followed instead).

use super::ParsedFile;
use super::meta;
use crate::provider::Providers;
use crate::provider::ResourceSchema;
use infra_lang::ast::{Block, Body, Expr, ExprKind};
use infra_lang::{Diagnostic, SourceFile};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// The names of the variables of `files` (one module) declared with the
/// literal `ephemeral = true`.
pub fn variables(files: &[ParsedFile]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in files {
        for b in f.ast.body.blocks() {
            if b.kind.name == "variable"
                && is_true(&b.body, meta::EPHEMERAL)
                && let Some(name) = b.labels.first()
            {
                out.insert(name.value.clone());
            }
        }
    }
    out
}

/// [`variables`] of the module in `dir` (unreadable files count as none):
/// the inputs a saved plan must not hold.
pub fn root_variables(dir: &Path) -> BTreeSet<String> {
    variables(&super::load_dir(dir).0)
}

fn is_true(body: &Body, name: &str) -> bool {
    body.attribute(name)
        .is_some_and(|a| matches!(a.expr.kind, ExprKind::Bool(true)))
}

/// Diagnostics for every ephemeral value of the root module `files` used
/// where it would be persisted (`dir` is the module's directory, where
/// its calls' relative sources are read); `providers` give the schemas that tell
/// write-only attributes (the arguments of a type without a known schema,
/// a plugin's at `validate`, are not checked).
pub fn check(files: &[ParsedFile], dir: &Path, providers: &Providers) -> Vec<Diagnostic> {
    let mut seen = BTreeSet::new();
    let mut diags = check_in(files, dir, providers, true, &mut seen);
    diags.extend(root_outputs(files));
    diags
}

/// Deepest chain of local child modules followed.
const MAX_DEPTH: usize = 32;

/// [`check`] of one module (`root`: the root module, whose outputs are
/// saved), then of each local child module that mentions `ephemeral`
/// (each directory once, `seen`), so a child's ephemeral variable used in
/// one of its own resources is refused as the root's would be.
fn check_in(
    files: &[ParsedFile],
    dir: &Path,
    providers: &Providers,
    root: bool,
    seen: &mut BTreeSet<std::path::PathBuf>,
) -> Vec<Diagnostic> {
    let children = children(files, dir);
    let mut diags = own(files, providers, root, &children);
    for child in children.values() {
        if seen.len() >= MAX_DEPTH || !child.mentions || !seen.insert(child.dir.clone()) {
            continue;
        }
        let (child_files, _) = super::load_dir(&child.dir);
        diags.extend(check_in(&child_files, &child.dir, providers, false, seen));
    }
    diags
}

/// The ephemeral values of one module used where they would be persisted.
fn own(
    files: &[ParsedFile],
    providers: &Providers,
    root: bool,
    children: &std::collections::BTreeMap<String, Child>,
) -> Vec<Diagnostic> {
    let vars = variables(files);
    let modules: BTreeSet<(String, String)> = children
        .iter()
        .flat_map(|(call, c)| c.outputs.iter().map(|o| (call.clone(), o.clone())))
        .collect();
    let mut diags = Vec::new();
    // Ephemeral locals: a fixpoint over local values referring to
    // ephemeral variables or locals.
    let mut locals = BTreeSet::new();
    loop {
        let before = locals.len();
        for f in files {
            for b in f.ast.body.blocks().filter(|b| b.kind.name == "locals") {
                for a in b.body.attributes() {
                    if !locals.contains(&a.name.name)
                        && refers(&a.expr, &vars, &locals, &modules).is_some()
                    {
                        locals.insert(a.name.name.clone());
                    }
                }
            }
        }
        if locals.len() == before {
            break;
        }
    }
    if vars.is_empty() && locals.is_empty() && modules.is_empty() {
        return diags;
    }
    let mut c = Checker {
        vars: &vars,
        locals: &locals,
        modules: &modules,
        diags: &mut diags,
    };
    for f in files {
        for b in f.ast.body.blocks() {
            match b.kind.name.as_str() {
                "resource" | "data" => c.resource(&f.source, b, providers),
                "module" => {
                    let child = b.labels.first().and_then(|n| children.get(&n.value));
                    c.module_call(&f.source, b, child);
                }
                "output" if !is_true(&b.body, meta::EPHEMERAL) => {
                    if let Some(a) = b.body.attribute(meta::VALUE) {
                        let help = if root {
                            "Use only non-ephemeral values in a root module's outputs."
                        } else {
                            "Declare the output with `ephemeral = true`, or set it to a non-ephemeral value."
                        };
                        c.persisted(&f.source, &a.expr, "this output value is not ephemeral, so it cannot be set to a value derived from an ephemeral value", help);
                    }
                }
                _ => {}
            }
        }
    }
    diags
}

/// `ephemeral::root-output` for each root module output declared
/// `ephemeral = true` (Terraform: "Ephemeral outputs are not allowed in
/// context of a root module").
fn root_outputs(files: &[ParsedFile]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for f in files {
        for b in f.ast.body.blocks().filter(|b| b.kind.name == "output") {
            if let Some(a) = b.body.attribute(meta::EPHEMERAL)
                && matches!(a.expr.kind, ExprKind::Bool(true))
            {
                diags.push(
                    Diagnostic::error(
                        "ephemeral::root-output",
                        "ephemeral outputs are not allowed in the root module",
                    )
                    .in_file(&f.source)
                    .primary(a.span, "a root module output is saved in the state")
                    .with_help("Remove `ephemeral = true`; only a child module's outputs may be ephemeral."),
                );
            }
        }
    }
    diags
}

/// What a child module (a module call's relative source) declares
/// ephemeral.
#[derive(Default)]
struct Child {
    /// Its directory.
    dir: std::path::PathBuf,
    /// Its files mention `ephemeral` (otherwise they were not read).
    mentions: bool,
    /// Its `ephemeral = true` variables.
    vars: BTreeSet<String>,
    /// Its `ephemeral = true` outputs.
    outputs: BTreeSet<String>,
}

/// The children of the module calls of `files` whose `source` is a
/// relative path under `dir`, by call name (read only when they mention
/// `ephemeral`; unreadable ones declare nothing ephemeral).
fn children(files: &[ParsedFile], dir: &Path) -> std::collections::BTreeMap<String, Child> {
    let mut out = std::collections::BTreeMap::new();
    for f in files {
        for b in f.ast.body.blocks().filter(|b| b.kind.name == "module") {
            let (Some(name), Some(child_dir)) = (b.labels.first(), super::local_source_dir(dir, b))
            else {
                continue;
            };
            let mut child = Child {
                dir: child_dir.clone(),
                ..Child::default()
            };
            if super::module_mentions(&child_dir, meta::EPHEMERAL.as_bytes()) {
                child.mentions = true;
                let (child_files, _) = super::load_dir(&child_dir);
                child.vars = variables(&child_files);
                for cf in &child_files {
                    for ob in cf.ast.body.blocks().filter(|b| b.kind.name == "output") {
                        if is_true(&ob.body, meta::EPHEMERAL)
                            && let Some(o) = ob.labels.first()
                        {
                            child.outputs.insert(o.value.clone());
                        }
                    }
                }
            }
            out.insert(name.value.clone(), child);
        }
    }
    out
}

struct Checker<'a> {
    vars: &'a BTreeSet<String>,
    locals: &'a BTreeSet<String>,
    modules: &'a BTreeSet<(String, String)>,
    diags: &'a mut Vec<Diagnostic>,
}

impl Checker<'_> {
    /// A module call's arguments: an ephemeral value only into an
    /// ephemeral variable of a child read from a relative path (Terraform:
    /// "The input variable ... does not accept ephemeral values").
    fn module_call(&mut self, source: &Arc<SourceFile>, b: &Block, child: Option<&Child>) {
        for a in b.body.attributes() {
            let name = a.name.name.as_str();
            if name == meta::COUNT || name == meta::FOR_EACH {
                self.persisted(
                    source,
                    &a.expr,
                    &format!("the `{name}` value is derived from an ephemeral value, which cannot be kept between plan and apply"),
                    "Use only non-ephemeral values here.",
                );
                continue;
            }
            let Some(child) = child else { continue };
            if meta::MODULE_ARGS.contains(&name) || child.vars.contains(name) {
                continue;
            }
            self.persisted(
                source,
                &a.expr,
                &format!("the module's variable `{name}` is not ephemeral, so it does not accept ephemeral values"),
                "Declare the variable with `ephemeral = true` in the module, or pass a non-ephemeral value.",
            );
        }
    }

    fn resource(&mut self, source: &Arc<SourceFile>, b: &Block, providers: &Providers) {
        let data = b.kind.name == "data";
        let schema = b
            .labels
            .first()
            .and_then(|t| providers.schema(&t.value, data));
        for name in [meta::COUNT, meta::FOR_EACH] {
            if let Some(a) = b.body.attribute(name) {
                self.persisted(
                    source,
                    &a.expr,
                    &format!("the `{name}` value is derived from an ephemeral value, which cannot be kept between plan and apply"),
                    "Use only non-ephemeral values here.",
                );
            }
        }
        // A plugin's schema is known only at plan: its arguments are
        // checked then.
        if schema.is_some() {
            self.body(source, &b.body, schema, true);
        }
    }

    /// The arguments of `body` (a resource's, or one of its nested
    /// blocks') against `schema`.
    fn body(
        &mut self,
        source: &Arc<SourceFile>,
        body: &Body,
        schema: Option<&ResourceSchema>,
        top: bool,
    ) {
        for a in body.attributes() {
            let name = a.name.name.as_str();
            if top && meta::RESOURCE_ARGS.contains(&name) {
                continue;
            }
            let attr = schema.and_then(|s| s.attributes.get(name));
            if attr.is_some_and(|a| a.write_only) {
                continue;
            }
            self.persisted(
                source,
                &a.expr,
                &format!("ephemeral values are not valid for `{name}`, because it is not a write-only attribute and must be persisted to state"),
                "Use the value in a write-only attribute (such as `password_wo`), a provider block or a local value only.",
            );
        }
        for nb in body.blocks() {
            let name = nb.kind.name.as_str();
            if top && meta::RESOURCE_BLOCKS.contains(&name) {
                continue;
            }
            let inner = schema.and_then(|s| s.blocks.get(name)).map(|n| &n.block);
            self.body(source, &nb.body, inner, false);
        }
    }

    fn persisted(&mut self, source: &Arc<SourceFile>, e: &Expr, message: &str, help: &str) {
        if let Some(what) = refers(e, self.vars, self.locals, self.modules) {
            self.diags.push(
                Diagnostic::error("ephemeral::persisted", message.to_string())
                    .in_file(source)
                    .primary(e.span, format!("derived from the ephemeral `{what}`"))
                    .with_help(help.to_string()),
            );
        }
    }
}

/// The first reference in `e` to an ephemeral variable (`var.NAME`),
/// local value (`local.NAME`) or child module output
/// (`module.CALL.OUTPUT`), as written.
fn refers(
    e: &Expr,
    vars: &BTreeSet<String>,
    locals: &BTreeSet<String>,
    modules: &BTreeSet<(String, String)>,
) -> Option<String> {
    // `module.NAME.OUT`, through instance keys and splats
    // (`module.NAME[KEY].OUT`, `module.NAME[*].OUT`), or a whole module
    // object (`module.NAME`, `module.NAME[KEY]`) holding an ephemeral
    // output. Only the keys inside such a chain are looked into further.
    if let Some((call, out)) = module_ref(e) {
        let hit = match out {
            Some(o) => modules.contains(&(call.to_string(), o.to_string())),
            None => modules.iter().any(|(c, _)| c == call),
        };
        if hit {
            return Some(match out {
                Some(o) => format!("module.{call}.{o}"),
                None => format!("module.{call}"),
            });
        }
        let mut keys = Vec::new();
        chain_keys(e, &mut keys);
        return keys
            .into_iter()
            .find_map(|k| refers(k, vars, locals, modules));
    }
    if let ExprKind::GetAttr { object, name } = &e.kind
        && let ExprKind::Variable(root) = &object.kind
    {
        let hit = match root.name.as_str() {
            "var" => vars.contains(&name.name),
            "local" => locals.contains(&name.name),
            _ => false,
        };
        if hit {
            return Some(format!("{}.{}", root.name, name.name));
        }
    }
    let mut found = None;
    e.for_each_child(&mut |c| {
        if found.is_none() {
            found = refers(c, vars, locals, modules);
        }
    });
    found
}

/// The module call a traversal starts from and the output it reads
/// (`None`: the whole module object): `module.NAME.OUT`,
/// `module.NAME[KEY].OUT`, `module.NAME[*].OUT`, `module.NAME`,
/// `module.NAME[KEY]`.
fn module_ref(e: &Expr) -> Option<(&str, Option<&str>)> {
    match &e.kind {
        ExprKind::GetAttr { object, name } => match call_base(object) {
            Some(call) => Some((call, Some(name.name.as_str()))),
            None => match &object.kind {
                ExprKind::Variable(root) if root.name == "module" => {
                    Some((name.name.as_str(), None))
                }
                _ => None,
            },
        },
        ExprKind::Splat { source, each, .. } => {
            let call = call_base(source)?;
            match &each.kind {
                ExprKind::GetAttr { object, name }
                    if matches!(object.kind, ExprKind::SplatItem) =>
                {
                    Some((call, Some(name.name.as_str())))
                }
                _ => Some((call, None)),
            }
        }
        ExprKind::Index { .. } => call_base(e).map(|c| (c, None)),
        _ => None,
    }
}

/// The call name of `module.NAME` or `module.NAME[KEY]...`.
fn call_base(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::GetAttr { object, name } => match &object.kind {
            ExprKind::Variable(root) if root.name == "module" => Some(name.name.as_str()),
            _ => None,
        },
        ExprKind::Index { collection, .. } => call_base(collection),
        _ => None,
    }
}

/// The index keys of a module traversal chain (the only parts of it that
/// can hold other references).
fn chain_keys<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match &e.kind {
        ExprKind::GetAttr { object, .. } => chain_keys(object, out),
        ExprKind::Splat { source, .. } => chain_keys(source, out),
        ExprKind::Index {
            collection, key, ..
        } => {
            out.push(key);
            chain_keys(collection, out);
        }
        _ => {}
    }
}

/// [`check`] as a plan's gate: its errors, or nothing.
///
/// # Errors
/// Every `ephemeral::*` error of the root module `files`.
pub fn refuse(
    files: &[ParsedFile],
    dir: &Path,
    providers: &Providers,
) -> Result<(), Vec<Diagnostic>> {
    let diags = check(files, dir, providers);
    if diags.is_empty() { Ok(()) } else { Err(diags) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::syntax;

    fn codes(text: &str) -> Vec<&'static str> {
        let source = SourceFile::new("t.infra", text.to_string());
        let ast = syntax::parse(&source).file.expect("parses");
        check(
            &[ParsedFile { source, ast }],
            Path::new("/nonexistent"),
            &Providers::default(),
        )
        .iter()
        .map(|d| d.code)
        .collect()
    }

    #[test]
    fn ephemeral_values_are_followed_through_locals_into_outputs() {
        let text = r#"
variable "t" {
  ephemeral = true
}
variable "plain" {}
locals {
  a = "x${var.t}"
  b = [local.a]
  c = var.plain
}
output "b" {
  value = local.b[0]
}
output "c" {
  value = local.c
}
"#;
        assert_eq!(codes(text), ["ephemeral::persisted"]);
    }

    #[test]
    fn root_outputs_may_not_be_ephemeral_and_unmarked_modules_pass() {
        assert_eq!(
            codes("output \"o\" {\n  value     = 1\n  ephemeral = true\n}\n"),
            ["ephemeral::root-output"]
        );
        assert!(codes("variable \"v\" {}\noutput \"o\" {\n  value = var.v\n}\n").is_empty());
    }
}
