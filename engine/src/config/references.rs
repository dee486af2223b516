//! Reference and call checks: every `var.`, `local.`, `const.`, resource,
//! `data.` and `module.` reference must name a declaration; `each` and
//! `count` only where `for_each`/`count` is set; function calls must name a
//! built-in or user function and pass an accepted number of arguments
//! (provider functions are checked with the providers' schemas:
//! `provider_functions.rs`);
//! consts may depend only on consts.

use super::ParsedFile;
use super::index::Declarations;
use super::{decl, meta};
use crate::addr::ResourceMode;
use infra_lang::ast::{Block, Body, BodyItem, Expr, ExprKind, Ident, TemplatePart};
use infra_lang::diagnostic::{Diagnostic, did_you_mean};
use infra_lang::{SourceFile, Span};
use std::sync::Arc;

/// What kind of expression is being checked, which decides what it may
/// reference.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Anything declared.
    Normal,
    /// Only consts and functions (const blocks, backend, variable defaults).
    Const,
    /// A function's result: parameters, locals, variables, consts.
    Function,
}

/// A "did you mean" for an undeclared `TYPE.NAME` among `keys`: a close
/// name of the same type first; a different type only when the name matches
/// and the type is at most two edits away (a typo in the type itself), so
/// `aws_region.current` is never answered with `aws_caller_identity.current`.
fn suggest_address<'k>(
    keys: impl Iterator<Item = &'k String>,
    ty: &str,
    name: &str,
) -> Option<&'k str> {
    let mut keys: Vec<&str> = keys.map(String::as_str).collect();
    keys.sort_unstable();
    let split = |k: &'k str| k.split_once('.').unwrap_or((k, ""));
    let wanted = format!("{ty}.{name}");
    let same_type = keys.iter().copied().filter(|k| split(k).0 == ty);
    did_you_mean(&wanted, same_type).or_else(|| {
        keys.iter().copied().find(|k| {
            let (t, n) = split(k);
            n == name && t != ty && strsim::levenshtein(t, ty) <= 2
        })
    })
}

/// Terraform functions left out on purpose, with the reason shown to users.
const ABSENT_ON_PURPOSE: &[(&str, &str)] = &[
    (
        "timestamp",
        "Plans are deterministic: a value that changes on every run would show a diff on every plan. Pass the time in as a variable.",
    ),
    (
        "uuid",
        "Plans are deterministic: a random value would change on every plan. Use the `random_uuid` resource, or `uuidv5` for a stable one.",
    ),
    (
        "bcrypt",
        "Its output is random on every call, so it would change on every plan. Hash the secret outside the configuration.",
    ),
];

struct Ctx<'a, 'd> {
    src: &'a Arc<SourceFile>,
    decls: &'a Declarations,
    mode: Mode,
    /// `for_each` is set on the enclosing block.
    each: bool,
    /// `count` is set on the enclosing block.
    count: bool,
    /// What the const restriction is about (see [`What::describe`]).
    what: What<'a>,
    /// Names in scope: for-expression variables, dynamic iterators,
    /// function parameters.
    scope: Vec<String>,
    diags: &'d mut Vec<Diagnostic>,
}

/// What a const-only expression belongs to; described only when a
/// diagnostic needs it (checks run on every block, errors are rare).
#[derive(Clone, Copy)]
enum What<'a> {
    Nothing,
    Const(&'a str),
    Backend,
    Default(&'a str),
    Source(&'a str),
}

impl What<'_> {
    /// E.g. "const `env`", "the source of module `net`".
    fn describe(self) -> String {
        match self {
            What::Nothing => String::new(),
            What::Const(l) => format!("const `{l}`"),
            What::Backend => "the backend configuration".to_string(),
            What::Default(l) => format!("the default of variable `{l}`"),
            What::Source(l) => format!("the source of module `{l}`"),
        }
    }
}

enum Step<'e> {
    Attr(&'e Ident),
    Index(&'e Expr),
}

/// Unwinds `a.b[c].d` into its root and steps; `None` when the chain does
/// not start at a bare name.
fn chain(e: &Expr) -> Option<(&Ident, Vec<Step<'_>>)> {
    let mut steps = Vec::new();
    let mut cur = e;
    loop {
        match &cur.kind {
            ExprKind::GetAttr { object, name } => {
                steps.push(Step::Attr(name));
                cur = object;
            }
            ExprKind::Index {
                collection, key, ..
            } => {
                steps.push(Step::Index(key));
                cur = collection;
            }
            ExprKind::Variable(id) => {
                steps.reverse();
                return Some((id, steps));
            }
            _ => return None,
        }
    }
}

fn attr_name<'e>(steps: &[Step<'e>], i: usize) -> Option<&'e Ident> {
    match steps.get(i) {
        Some(Step::Attr(id)) => Some(id),
        _ => None,
    }
}

impl Ctx<'_, '_> {
    fn err(&mut self, code: &'static str, message: String, span: Span, label: &str, help: String) {
        self.diags.push(
            Diagnostic::error(code, message)
                .in_file(self.src)
                .primary(span, label)
                .with_help(help),
        );
    }

    fn with_scope<R>(&mut self, names: &[&Ident], f: impl FnOnce(&mut Self) -> R) -> R {
        let before = self.scope.len();
        self.scope.extend(names.iter().map(|n| n.name.clone()));
        let r = f(self);
        self.scope.truncate(before);
        r
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::GetAttr { .. } | ExprKind::Index { .. } | ExprKind::Variable(_) => {
                match chain(e) {
                    Some((root, steps)) => {
                        self.reference(root, &steps, e.span);
                        for s in &steps {
                            if let Step::Index(k) = s {
                                self.expr(k);
                            }
                        }
                    }
                    None => e.for_each_child(&mut |c| self.expr(c)),
                }
            }
            ExprKind::Object(items) => {
                for item in items {
                    // A bare name as a key is a literal string, not a reference.
                    if !matches!(item.key.kind, ExprKind::Variable(_)) {
                        self.expr(&item.key);
                    }
                    self.expr(&item.value);
                }
            }
            ExprKind::For(fe) => {
                self.expr(&fe.collection);
                let mut vars: Vec<&Ident> = vec![&fe.value_var];
                vars.extend(fe.key_var.as_ref());
                self.with_scope(&vars, |c| {
                    if let Some(k) = &fe.key_expr {
                        c.expr(k);
                    }
                    c.expr(&fe.value_expr);
                    if let Some(cond) = &fe.condition {
                        c.expr(cond);
                    }
                });
            }
            ExprKind::Template(t) => self.template_parts(&t.parts),
            ExprKind::FunctionCall {
                name,
                args,
                expand_final,
            } => {
                self.call(name, args.len(), *expand_final, e.span);
                for a in args {
                    self.expr(a);
                }
            }
            _ => e.for_each_child(&mut |c| self.expr(c)),
        }
    }

    fn template_parts(&mut self, parts: &[TemplatePart]) {
        for p in parts {
            match p {
                TemplatePart::Literal { .. } => {}
                TemplatePart::Interpolation { expr, .. } => self.expr(expr),
                TemplatePart::If {
                    condition,
                    then_parts,
                    else_parts,
                    ..
                } => {
                    self.expr(condition);
                    self.template_parts(then_parts);
                    self.template_parts(else_parts);
                }
                TemplatePart::For {
                    key_var,
                    value_var,
                    collection,
                    body,
                    ..
                } => {
                    self.expr(collection);
                    let mut vars: Vec<&Ident> = vec![value_var];
                    vars.extend(key_var.as_ref());
                    self.with_scope(&vars, |c| c.template_parts(body));
                }
            }
        }
    }

    fn call(&mut self, name: &Ident, nargs: usize, expand: bool, span: Span) {
        let decls = self.decls;
        if name.name.starts_with(crate::provider::functions::PREFIX) {
            // Checked against the providers' schemas (`provider_functions.rs`).
            return;
        }
        if let Some(why) = ABSENT_ON_PURPOSE
            .iter()
            .find(|(n, _)| *n == name.name)
            .map(|(_, w)| *w)
        {
            self.err(
                "function::unknown",
                format!("`{}` is not available in infra", name.name),
                name.span,
                "deliberately absent",
                why.to_string(),
            );
            return;
        }
        let (arity, what) = if let Some(f) = decls.functions.get(&name.name) {
            let n = f.params.len();
            (
                infra_stdlib::Arity {
                    min: n,
                    max: Some(n),
                },
                "function",
            )
        } else if let Some(sig) = infra_stdlib::lookup(&name.name) {
            (sig.arity, "built-in function")
        } else {
            let mut candidates: Vec<&str> = decls.functions.keys().map(String::as_str).collect();
            candidates.sort_unstable();
            for builtin in infra_stdlib::names() {
                candidates.push(builtin);
            }
            let help = match did_you_mean(&name.name, candidates.iter().copied()) {
                Some(s) => format!("Did you mean `{s}`?"),
                None => format!(
                    "Declare it with `function \"{}\" {{ params = {{ ... }} result = ... }}`, or use a built-in function.",
                    name.name
                ),
            };
            self.err(
                "function::unknown",
                format!("call to unknown function `{}`", name.name),
                name.span,
                "no function with this name",
                help,
            );
            return;
        };
        if !expand && !arity.accepts(nargs) {
            self.err(
                "function::arity",
                format!(
                    "{what} `{}` takes {}, but {nargs} {} given",
                    name.name,
                    arity.describe(),
                    if nargs == 1 { "was" } else { "were" }
                ),
                span,
                &format!("{nargs} argument{}", if nargs == 1 { "" } else { "s" }),
                match infra_stdlib::lookup(&name.name) {
                    Some(sig) if what == "built-in function" => {
                        format!("Signature: {}({}).", sig.name, sig.params.join(", "))
                    }
                    _ => match decls.functions.get(&name.name) {
                        Some(f) => format!("Signature: {}({}).", name.name, f.params.join(", ")),
                        None => String::new(),
                    },
                },
            );
        }
    }

    fn undeclared(
        &mut self,
        what: &str,
        shown: &str,
        name: &str,
        candidates: Vec<&str>,
        span: Span,
        declare: String,
    ) {
        let help = match did_you_mean(name, candidates.iter().copied()) {
            Some(s) => format!("Did you mean `{}`?", shown.replace(name, s)),
            None => declare,
        };
        self.err(
            "reference::undeclared",
            format!("reference to undeclared {what} `{shown}`"),
            span,
            &format!("no {what} with this name"),
            help,
        );
    }

    fn not_constant(&mut self, shown: &str, span: Span) {
        let what = self.what.describe();
        self.err(
            "const::not-constant",
            format!("{what} depends on `{shown}`, which is not known before providers run"),
            span,
            "not a constant",
            "Consts, backends, module sources and variable defaults may use only literals, other `const.` values and functions.".into(),
        );
    }

    fn reference(&mut self, root: &Ident, steps: &[Step<'_>], span: Span) {
        let name = root.name.as_str();
        if self.scope.iter().any(|s| s == name) {
            return;
        }
        let decls = self.decls;
        let first = attr_name(steps, 0);
        match name {
            "var" | "local" | "const" | "module" => {
                let Some(id) = first else {
                    self.err(
                        "reference::invalid",
                        format!("`{name}` must be followed by a name"),
                        span,
                        "incomplete reference",
                        format!("Write `{name}.NAME`."),
                    );
                    return;
                };
                let shown = || format!("{name}.{}", id.name);
                if self.mode == Mode::Const && name != "const" {
                    self.not_constant(&shown(), span);
                    return;
                }
                if self.mode == Mode::Function && name == "module" {
                    self.impure(&shown(), span);
                    return;
                }
                let declarations = match name {
                    "var" => &decls.variables,
                    "local" => &decls.locals,
                    "const" => &decls.consts,
                    _ => &decls.modules,
                };
                if declarations.contains_key(&id.name) {
                    return;
                }
                let (what, declare) = match name {
                    "var" => (
                        "variable",
                        format!("Declare it with `variable \"{}\" {{}}`.", id.name),
                    ),
                    "local" => (
                        "local value",
                        format!("Declare it in a `locals {{ {} = ... }}` block.", id.name),
                    ),
                    "const" => (
                        "const",
                        format!(
                            "Declare it with `const \"{}\" {{ default = ... }}`.",
                            id.name
                        ),
                    ),
                    _ => (
                        "module",
                        format!(
                            "Declare it with `module \"{}\" {{ source = ... }}`.",
                            id.name
                        ),
                    ),
                };
                let mut keys: Vec<&str> = declarations.keys().map(String::as_str).collect();
                keys.sort_unstable();
                let span = root.span.to(id.span);
                self.undeclared(what, &shown(), &id.name, keys, span, declare);
            }
            "data" => {
                let (Some(t), Some(n)) = (first, attr_name(steps, 1)) else {
                    self.err(
                        "reference::invalid",
                        "`data` must be followed by a type and a name".into(),
                        span,
                        "incomplete reference",
                        "Write `data.TYPE.NAME.ATTRIBUTE`.".into(),
                    );
                    return;
                };
                let key = format!("{}.{}", t.name, n.name);
                let shown = format!("data.{key}");
                if self.mode == Mode::Const {
                    self.not_constant(&shown, span);
                } else if self.mode == Mode::Function {
                    self.impure(&shown, span);
                } else if !decls.data.contains_key(&key) {
                    let suggestion = suggest_address(decls.data.keys(), &t.name, &n.name);
                    let help = match suggestion {
                        Some(s) => format!("Did you mean `data.{s}`?"),
                        None => format!(
                            "Declare it with `data \"{}\" \"{}\" {{ ... }}`.",
                            t.name, n.name
                        ),
                    };
                    self.err(
                        "reference::undeclared",
                        format!("reference to undeclared data source `{shown}`"),
                        root.span.to(n.span),
                        "no data source with this name",
                        help,
                    );
                }
            }
            "each" => {
                if !self.each {
                    self.err(
                        "meta::each-outside-for-each",
                        "`each` is only available in a block that sets `for_each`".into(),
                        span,
                        "no `for_each` here",
                        "Add `for_each = ...` to the enclosing resource, data or module block, or remove the `each` reference.".into(),
                    );
                } else if let Some(id) = first
                    && id.name != "key"
                    && id.name != "value"
                {
                    self.err(
                        "reference::invalid",
                        format!("`each` has only `key` and `value`, not `{}`", id.name),
                        id.span,
                        "unknown attribute",
                        "Use `each.key` or `each.value`.".into(),
                    );
                }
            }
            "count" => {
                if !self.count {
                    self.err(
                        "meta::count-outside-count",
                        "`count.index` is only available in a block that sets `count`".into(),
                        span,
                        "no `count` here",
                        "Add `count = N` to the enclosing block, or remove the `count` reference."
                            .into(),
                    );
                } else if first.is_some_and(|id| id.name != "index") {
                    self.err(
                        "reference::invalid",
                        "`count` has only `index`".into(),
                        span,
                        "unknown attribute",
                        "Use `count.index`.".into(),
                    );
                }
            }
            "path" => {
                if let Some(id) = first
                    && !matches!(id.name.as_str(), "module" | "root" | "cwd")
                {
                    let help = match did_you_mean(&id.name, ["module", "root", "cwd"]) {
                        Some(s) => format!("Did you mean `path.{s}`?"),
                        None => "Use `path.module`, `path.root` or `path.cwd`.".into(),
                    };
                    self.err(
                        "reference::invalid",
                        format!("`path.{}` does not exist", id.name),
                        span,
                        "unknown path",
                        help,
                    );
                }
            }
            "self" | "terraform" | "infra" => {}
            _ => self.resource_reference(root, first, span),
        }
    }

    fn impure(&mut self, shown: &str, span: Span) {
        self.err(
            "function::impure",
            format!("a function result cannot depend on `{shown}`"),
            span,
            "not allowed in a function",
            "Functions are pure: they may use their parameters, locals, variables, consts and other functions. Pass the value in as a parameter.".into(),
        );
    }

    fn resource_reference(&mut self, root: &Ident, name: Option<&Ident>, span: Span) {
        let decls = self.decls;
        let Some(n) = name else {
            let help = if self.mode == Mode::Function {
                let params: Vec<&str> = self.scope.iter().map(String::as_str).collect();
                match did_you_mean(&root.name, params.iter().copied()) {
                    Some(s) => format!("Did you mean the parameter `{s}`?"),
                    None => {
                        "Inside a function, parameters are referenced by their bare name.".into()
                    }
                }
            } else if decls.variables.contains_key(&root.name) {
                format!("Did you mean `var.{}`?", root.name)
            } else if decls.locals.contains_key(&root.name) {
                format!("Did you mean `local.{}`?", root.name)
            } else if decls.consts.contains_key(&root.name) {
                format!("Did you mean `const.{}`?", root.name)
            } else {
                "References start with var., local., const., data., module., or a resource type."
                    .into()
            };
            self.err(
                "reference::unknown-name",
                format!("unknown name `{}`", root.name),
                root.span,
                "not declared",
                help,
            );
            return;
        };
        let key = format!("{}.{}", root.name, n.name);
        if self.mode == Mode::Const {
            self.not_constant(&key, span);
            return;
        }
        if self.mode == Mode::Function {
            self.impure(&key, span);
            return;
        }
        if !decls.resources.contains_key(&key) {
            let suggestion = suggest_address(decls.resources.keys(), &root.name, &n.name);
            let help = match suggestion {
                Some(s) => format!("Did you mean `{s}`?"),
                None => format!(
                    "Declare it with `resource \"{}\" \"{}\" {{ ... }}`.",
                    root.name, n.name
                ),
            };
            self.err(
                "reference::undeclared",
                format!("reference to undeclared resource `{key}`"),
                root.span.to(n.span),
                "no resource with this name",
                help,
            );
        }
    }

    fn body(&mut self, body: &Body, skip: &[&str]) {
        for item in &body.items {
            match item {
                BodyItem::Attribute(a) => {
                    if !skip.contains(&a.name.name.as_str()) {
                        self.expr(&a.expr);
                    }
                }
                BodyItem::Block(b) => self.nested_block(b),
            }
        }
    }

    fn nested_block(&mut self, b: &Block) {
        match b.kind.name.as_str() {
            meta::LIFECYCLE => self.body(&b.body, &[meta::IGNORE_CHANGES]),
            meta::DYNAMIC => {
                let iterator = b
                    .body
                    .attribute("iterator")
                    .and_then(|a| match &a.expr.kind {
                        ExprKind::Variable(id) => Some(id.clone()),
                        _ => None,
                    })
                    .or_else(|| {
                        b.labels.first().map(|l| Ident {
                            name: l.value.clone(),
                            span: l.span,
                        })
                    });
                if let Some(fe) = b.body.attribute(meta::FOR_EACH) {
                    self.expr(&fe.expr);
                }
                let names: Vec<&Ident> = iterator.iter().collect();
                self.with_scope(&names, |c| {
                    for inner in b.body.blocks() {
                        c.nested_block(inner);
                    }
                    c.body_attrs_except(&b.body, &[meta::FOR_EACH, "iterator"]);
                });
            }
            _ => self.body(&b.body, &[]),
        }
    }

    fn body_attrs_except(&mut self, body: &Body, skip: &[&str]) {
        for a in body.attributes() {
            if !skip.contains(&a.name.name.as_str()) {
                self.expr(&a.expr);
            }
        }
    }
}

/// Checks every expression of every top-level block in `files`.
pub(crate) fn check(files: &[ParsedFile], decls: &Declarations, diags: &mut Vec<Diagnostic>) {
    for f in files {
        for b in f.ast.body.blocks() {
            let label = b.labels.first().map(|l| l.value.as_str()).unwrap_or("");
            let mut ctx = Ctx {
                src: &f.source,
                decls,
                mode: Mode::Normal,
                each: false,
                count: false,
                what: What::Nothing,
                scope: Vec::new(),
                diags,
            };
            match b.kind.name.as_str() {
                kind @ ("resource" | "data" | "module") => {
                    // Only a module's `source` is a meta-argument (a const
                    // expression); a resource's `source` is an ordinary
                    // argument (e.g. `aws_s3_object`'s file) and may use
                    // `each.`, locals and resources.
                    let (count, for_each, source) = match kind {
                        "module" => {
                            let d = decl::module_call(b);
                            (d.count, d.for_each, d.source)
                        }
                        _ => {
                            let d = decl::resource(ResourceMode::Managed, b);
                            (d.count, d.for_each, None)
                        }
                    };
                    for a in [for_each, count].into_iter().flatten() {
                        ctx.expr(&a.expr);
                    }
                    if let Some(src) = source {
                        ctx.mode = Mode::Const;
                        ctx.what = What::Source(label);
                        ctx.expr(&src.expr);
                        ctx.mode = Mode::Normal;
                    }
                    ctx.each = for_each.is_some();
                    ctx.count = count.is_some();
                    // Checked above (`count`, `for_each`, `source`), or
                    // provider configurations rather than values.
                    let skip: &[&str] = if source.is_some() {
                        &[
                            meta::FOR_EACH,
                            meta::COUNT,
                            meta::PROVIDER,
                            meta::PROVIDERS,
                            meta::SOURCE,
                        ]
                    } else {
                        &[meta::FOR_EACH, meta::COUNT, meta::PROVIDER, meta::PROVIDERS]
                    };
                    ctx.body(&b.body, skip);
                }
                "const" => {
                    ctx.mode = Mode::Const;
                    ctx.what = What::Const(label);
                    ctx.body(&b.body, &[meta::TYPE]);
                }
                "backend" => {
                    ctx.mode = Mode::Const;
                    ctx.what = What::Backend;
                    ctx.body(&b.body, &[]);
                }
                "variable" => {
                    if let Some(d) = decl::variable(b).default {
                        ctx.mode = Mode::Const;
                        ctx.what = What::Default(label);
                        ctx.expr(&d.expr);
                        ctx.mode = Mode::Normal;
                    }
                    for v in b.body.blocks() {
                        ctx.body(&v.body, &[]);
                    }
                }
                "function" => {
                    ctx.mode = Mode::Function;
                    let fd = decls.functions.get(label);
                    if let Some(fd) = fd {
                        ctx.scope = fd.params.clone();
                    }
                    if let Some(r) = b.body.attribute("result")
                        && fd.is_none_or(|f| f.params_ok)
                    {
                        ctx.expr(&r.expr);
                    }
                }
                "import" => {
                    let for_each = decl::import(b).for_each;
                    if let Some(fe) = for_each {
                        ctx.expr(&fe.expr);
                    }
                    ctx.each = for_each.is_some();
                    // `to` names the address to import into; it may be a
                    // resource that is not written yet (config generation).
                    // `provider` names a provider configuration.
                    ctx.body(&b.body, &[meta::FOR_EACH, meta::TO, meta::PROVIDER]);
                }
                "moved" | "removed" => {}
                "terraform" | "infra" => {}
                _ => ctx.body(&b.body, &[]),
            }
            let is_type = |t: &str| {
                decls
                    .resources
                    .keys()
                    .any(|k| k.split_once('.').is_some_and(|(ty, _)| ty == t))
            };
            super::conditions::check(&f.source, b, &is_type, diags);
        }
    }
}
