//! `moved` and `removed` blocks: reading their addresses into
//! [`MoveStatement`]s and [`RemoveStatement`]s, and the checks that need
//! only the configuration of one module (address shapes,
//! ambiguous or cyclic moves, removed objects still declared). The planner
//! carries the statements out on the prior state (`plan/moves.rs`).

use super::ParsedFile;
use super::index::Declarations;
use super::{decl, meta};
use crate::addr::{InstanceKey, ResourceMode, Target};
use infra_lang::ast::{Attribute, Block, Expr, ExprKind};
use infra_lang::diagnostic::{Diagnostic, has_errors};
use infra_lang::{SourceFile, Span};
use std::sync::Arc;

/// One `moved { from = ...  to = ... }` block, relative to the module
/// declaring it.
#[derive(Clone, Debug)]
pub struct MoveStatement {
    /// Where the objects were.
    pub from: Target,
    /// Where they are now.
    pub to: Target,
    /// The file of the block.
    pub source: Arc<SourceFile>,
    /// The span of the `moved` keyword.
    pub span: Span,
    /// The span of the `from` expression.
    pub from_span: Span,
    /// The span of the `to` expression.
    pub to_span: Span,
}

impl MoveStatement {
    /// True when both ends name whole resources or whole module calls (no
    /// instance key on either side): every instance moves, keeping its key.
    /// Otherwise the move is of one instance, a missing key meaning the
    /// instance without one (`a` → `a[0]` when `count` is added).
    pub fn is_whole(&self) -> bool {
        last_key(&self.from).is_none() && last_key(&self.to).is_none()
    }
}

/// The key written on the last step of an address (the resource's, or the
/// last module call's for a module address).
fn last_key(t: &Target) -> Option<&InstanceKey> {
    match &t.resource {
        Some((_, _, _, k)) => k.as_ref(),
        None => t.module.last().and_then(|(_, k)| k.as_ref()),
    }
}

/// One `removed { from = ... }` block, relative to the module declaring it.
#[derive(Clone, Debug)]
pub struct RemoveStatement {
    /// The resource or module call that was removed (no instance keys).
    pub from: Target,
    /// `lifecycle { destroy = ... }`: false keeps the objects and only
    /// forgets them; true (the default) destroys them.
    pub destroy: bool,
    /// The file of the block.
    pub source: Arc<SourceFile>,
    /// The span of the `removed` keyword.
    pub span: Span,
    /// The span of the `from` expression.
    pub from_span: Span,
}

/// The `moved` and `removed` blocks of one module.
#[derive(Clone, Debug, Default)]
pub struct Refactorings {
    /// `moved` blocks, in file order.
    pub moves: Vec<MoveStatement>,
    /// `removed` blocks, in file order.
    pub removes: Vec<RemoveStatement>,
}

impl Refactorings {
    /// True when the module has neither.
    pub fn is_empty(&self) -> bool {
        self.moves.is_empty() && self.removes.is_empty()
    }
}

/// One step of a reference: a name, or an index.
enum Step {
    Name(String),
    Key(InstanceKey),
}

/// The steps of a reference expression (`module.a["k"].t.n[0]`); `Err`
/// with the span of the first part that is not a name or a literal key.
fn steps(e: &Expr, out: &mut Vec<Step>) -> Result<(), Span> {
    match &e.kind {
        ExprKind::Variable(id) => out.push(Step::Name(id.name.clone())),
        ExprKind::GetAttr { object, name } => {
            steps(object, out)?;
            out.push(Step::Name(name.name.clone()));
        }
        ExprKind::Index {
            collection, key, ..
        } => {
            steps(collection, out)?;
            let k = match &key.kind {
                ExprKind::Number(n) => n.parse::<i64>().ok().map(InstanceKey::Int),
                ExprKind::Template(t) => t.as_literal().map(InstanceKey::Str),
                _ => None,
            };
            out.push(Step::Key(k.ok_or(key.span)?));
        }
        _ => return Err(e.span),
    }
    Ok(())
}

/// Why an address expression was refused.
enum Refused {
    /// Not an address; the span of the offending part.
    Shape(Span),
    /// A data source.
    Data,
}

/// The address written as `e`: a module call (`module.a`, `module.a[0]`)
/// or a resource (`t.n`, `t.n["k"]`, `module.a.t.n`).
fn address(e: &Expr) -> Result<Target, Refused> {
    let mut s = Vec::new();
    steps(e, &mut s).map_err(Refused::Shape)?;
    let mut it = s.into_iter().peekable();
    let mut module = Vec::new();
    let shape = Refused::Shape(e.span);
    loop {
        match it.peek() {
            Some(Step::Name(n)) if n == "module" => {
                it.next();
                let Some(Step::Name(name)) = it.next() else {
                    return Err(shape);
                };
                let key = match it.peek() {
                    Some(Step::Key(_)) => match it.next() {
                        Some(Step::Key(k)) => Some(k),
                        _ => None,
                    },
                    _ => None,
                };
                module.push((name, key));
            }
            _ => break,
        }
    }
    let Some(first) = it.next() else {
        return if module.is_empty() {
            Err(shape)
        } else {
            Ok(Target {
                module,
                resource: None,
            })
        };
    };
    let Step::Name(type_name) = first else {
        return Err(shape);
    };
    if type_name == "data" {
        return Err(Refused::Data);
    }
    let Some(Step::Name(name)) = it.next() else {
        return Err(shape);
    };
    let key = match it.next() {
        None => None,
        Some(Step::Key(k)) => Some(k),
        Some(Step::Name(_)) => return Err(shape),
    };
    if it.next().is_some() {
        return Err(shape);
    }
    Ok(Target {
        module,
        resource: Some((ResourceMode::Managed, type_name, name, key)),
    })
}

fn missing(src: &Arc<SourceFile>, b: &Block, arg: &str, example: &str) -> Diagnostic {
    Diagnostic::error(
        "block::missing-argument",
        format!("a `{}` block needs `{arg}`", b.kind.name),
    )
    .in_file(src)
    .primary(b.kind.span, format!("no `{arg}`"))
    .with_help(format!("Add `{arg} = {example}`."))
}

/// The `from` or `to` of a `moved` block: `attr`, the argument named
/// `arg`.
fn move_end(
    src: &Arc<SourceFile>,
    b: &Block,
    attr: Option<&Attribute>,
    arg: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Target, Span)> {
    let Some(a) = attr else {
        diags.push(missing(src, b, arg, "infra_data.new"));
        return None;
    };
    match address(&a.expr) {
        Ok(t) => Some((t, a.expr.span)),
        Err(Refused::Shape(span)) => {
            diags.push(
                Diagnostic::error(
                    "moved::invalid-address",
                    format!("`{arg}` must be the address of a resource, a resource instance or a module call"),
                )
                .in_file(src)
                .primary(span, "not part of an address")
                .with_help("Write it like `infra_data.old`, `infra_data.old[0]`, `infra_data.old[\"key\"]`, `module.old` or `module.old.infra_data.x`, with literal keys."),
            );
            None
        }
        Err(Refused::Data) => {
            diags.push(
                Diagnostic::error("moved::data-source", "data sources cannot be moved")
                    .in_file(src)
                    .primary(a.expr.span, "a data source")
                    .with_help("A data source holds no object to keep: rename its `data` block and delete this `moved` block."),
            );
            None
        }
    }
}

fn read_move(
    src: &Arc<SourceFile>,
    b: &Block,
    diags: &mut Vec<Diagnostic>,
) -> Option<MoveStatement> {
    let d = decl::moved(b);
    let from = move_end(src, b, d.from, meta::FROM, diags);
    let to = move_end(src, b, d.to, meta::TO, diags);
    let ((from, from_span), (to, to_span)) = (from?, to?);
    // A move to another resource type is allowed here; carrying it out
    // needs the target provider's MoveResourceState (`plan/moves.rs`).
    match (&from.resource, &to.resource) {
        (Some(_), None) | (None, Some(_)) => {
            diags.push(
                Diagnostic::error(
                    "moved::kind-mismatch",
                    "`from` and `to` must both be resources or both be module calls",
                )
                .in_file(src)
                .primary(to_span, if to.resource.is_some() { "a resource" } else { "a module call" })
                .secondary(from_span, if from.resource.is_some() { "a resource" } else { "a module call" })
                .with_help("To move a resource into or out of a module, name it in both: `from = infra_data.x` and `to = module.m.infra_data.x`."),
            );
            return None;
        }
        _ => {}
    }
    let stmt = MoveStatement {
        from,
        to,
        source: src.clone(),
        span: b.kind.span,
        from_span,
        to_span,
    };
    if same_end(&stmt.from, &stmt.to) {
        diags.push(
            Diagnostic::error(
                "moved::redundant",
                format!("this block moves `{}` to itself", stmt.from),
            )
            .in_file(src)
            .primary(to_span, "the same address as `from`")
            .with_help("Delete this block: a move to the same address does nothing."),
        );
        return None;
    }
    Some(stmt)
}

/// Equal addresses, a missing key meaning the instance without one.
fn same_end(a: &Target, b: &Target) -> bool {
    let key = |k: &Option<InstanceKey>| k.clone().unwrap_or(InstanceKey::None);
    a.module.len() == b.module.len()
        && a.module
            .iter()
            .zip(&b.module)
            .all(|((an, ak), (bn, bk))| an == bn && key(ak) == key(bk))
        && match (&a.resource, &b.resource) {
            (None, None) => true,
            (Some((_, at, an, ak)), Some((_, bt, bn, bk))) => {
                at == bt && an == bn && key(ak) == key(bk)
            }
            _ => false,
        }
}

fn read_remove(
    src: &Arc<SourceFile>,
    b: &Block,
    diags: &mut Vec<Diagnostic>,
) -> Option<RemoveStatement> {
    let d = decl::removed(b);
    let mut destroy = true;
    for lc in &d.lifecycles {
        for a in lc.body.attributes() {
            if a.name.name != meta::DESTROY {
                diags.push(
                    Diagnostic::error(
                        "block::unknown-argument",
                        format!(
                            "unknown argument `{}` in a `removed` block's `lifecycle`",
                            a.name.name
                        ),
                    )
                    .in_file(src)
                    .primary(a.name.span, "not expected here")
                    .with_help("A `removed` block's `lifecycle` accepts only `destroy`."),
                );
                continue;
            }
            match a.expr.kind {
                ExprKind::Bool(v) => destroy = v,
                _ => diags.push(
                    Diagnostic::error("removed::invalid-destroy", "`destroy` must be `true` or `false`")
                        .in_file(src)
                        .primary(a.expr.span, "not a literal bool")
                        .with_help("Write `destroy = false` to keep the objects and only forget them, or `destroy = true` to destroy them."),
                ),
            }
        }
    }
    let Some(a) = d.from else {
        diags.push(missing(src, b, meta::FROM, "infra_data.old"));
        return None;
    };
    let from = match address(&a.expr) {
        Ok(t) if last_key(&t).is_none() && t.module.iter().all(|(_, k)| k.is_none()) => t,
        Ok(_) | Err(Refused::Shape(_)) | Err(Refused::Data) => {
            diags.push(
                Diagnostic::error(
                    "removed::invalid-address",
                    "`from` must be the address of a resource or a module call, without instance keys",
                )
                .in_file(src)
                .primary(a.expr.span, "not a resource or module call")
                .with_help("Write `from = infra_data.old` or `from = module.old`: a `removed` block applies to every instance."),
            );
            return None;
        }
    };
    Some(RemoveStatement {
        from,
        destroy,
        source: src.clone(),
        span: b.kind.span,
        from_span: a.expr.span,
    })
}

/// Reads the `moved` and `removed` blocks of one module's files. Blocks
/// with malformed or contradictory addresses are left out, with their
/// diagnostics.
pub fn read(files: &[ParsedFile]) -> (Refactorings, Vec<Diagnostic>) {
    let mut out = Refactorings::default();
    let mut diags = Vec::new();
    for f in files {
        for b in f.ast.body.blocks() {
            if !b.labels.is_empty() {
                continue; // reported as block::label-count
            }
            match b.kind.name.as_str() {
                "moved" => out.moves.extend(read_move(&f.source, b, &mut diags)),
                "removed" => out.removes.extend(read_remove(&f.source, b, &mut diags)),
                _ => {}
            }
        }
    }
    (out, diags)
}

/// Where another statement is, for a message: `main.infra:12`.
fn place(src: &Arc<SourceFile>, span: Span) -> String {
    format!("{}:{}", src.path(), src.line_col(span.start).line)
}

/// "The other statement" as a secondary label when it is in the same file,
/// else named in the help.
fn point_at_other(
    d: Diagnostic,
    this: &MoveStatement,
    other: &MoveStatement,
    help: &str,
) -> Diagnostic {
    if Arc::ptr_eq(&this.source, &other.source) {
        d.secondary(other.span, "the other `moved` block")
            .with_help(help.to_string())
    } else {
        d.with_help(format!(
            "{help} The other `moved` block is at {}.",
            place(&other.source, other.span)
        ))
    }
}

/// True when statement `later` must run after `earlier`: its `from` is
/// where `earlier` moves things to, or inside it (a module).
pub fn chains_after(later: &MoveStatement, earlier: &MoveStatement) -> bool {
    let (f, t) = (&later.from, &earlier.to);
    if same_end(f, t) {
        return true;
    }
    if t.resource.is_some() || f.module.len() < t.module.len() {
        return false;
    }
    if f.module.len() == t.module.len() && f.resource.is_none() {
        return false;
    }
    let n = t.module.len();
    let key = |k: &Option<InstanceKey>| k.clone().unwrap_or(InstanceKey::None);
    f.module[..n]
        .iter()
        .zip(&t.module)
        .enumerate()
        .all(|(i, ((fname, fkey), (tname, tkey)))| {
            // A whole module call (no key on the last step) holds every
            // instance.
            fname == tname && ((i + 1 == n && tkey.is_none()) || key(fkey) == key(tkey))
        })
}

/// Checks among the `moved` blocks of one module (two destinations for
/// one source, two sources for one destination, cycles) and the objects
/// `moved` or `removed` blocks say are gone but the module still declares.
pub(crate) fn check(files: &[ParsedFile], decls: &Declarations, diags: &mut Vec<Diagnostic>) {
    let (r, mut found) = read(files);
    for (i, s) in r.moves.iter().enumerate() {
        for prev in &r.moves[..i] {
            if same_end(&prev.from, &s.from) && !same_end(&prev.to, &s.to) {
                let d = Diagnostic::error(
                    "moved::ambiguous",
                    format!("`{}` is moved to both `{}` and `{}`", s.from, prev.to, s.to),
                )
                .in_file(&s.source)
                .primary(s.from_span, "moved again here");
                found.push(point_at_other(
                    d,
                    s,
                    prev,
                    "An object can move to one place only: delete one of the two blocks.",
                ));
                break;
            }
            if same_end(&prev.to, &s.to) && !same_end(&prev.from, &s.from) {
                let d = Diagnostic::error(
                    "moved::ambiguous",
                    format!(
                        "both `{}` and `{}` are moved to `{}`",
                        prev.from, s.from, s.to
                    ),
                )
                .in_file(&s.source)
                .primary(s.to_span, "a second source for this address");
                found.push(point_at_other(d, s, prev, "An address can receive the objects of one source only: delete one of the two blocks."));
                break;
            }
        }
        if s.is_whole() {
            let site = match (&s.from.resource, s.from.module.as_slice()) {
                (Some((_, t, n, _)), []) => decls.resources.get(&format!("{t}.{n}")),
                (None, [(name, _)]) => decls.modules.get(name),
                _ => None,
            };
            if let Some(site) = site {
                found.push(still_declared(s, &site.source, site.span));
            }
        }
    }
    if !has_errors(&found) {
        found.extend(cycles(&r.moves));
    }
    for s in &r.removes {
        let site = match (&s.from.resource, s.from.module.as_slice()) {
            (Some((_, t, n, _)), []) => decls.resources.get(&format!("{t}.{n}")),
            (None, [(name, _)]) => decls.modules.get(name),
            _ => None,
        };
        if let Some(site) = site {
            let mut d = Diagnostic::error(
                "removed::still-declared",
                format!(
                    "`{}` is removed, but the configuration still declares it",
                    s.from
                ),
            )
            .in_file(&s.source)
            .primary(s.from_span, "still declared");
            let help = "Delete its block (the `removed` block takes its place), or delete the `removed` block to keep managing it.";
            d = if Arc::ptr_eq(&site.source, &s.source) {
                d.secondary(site.span, "declared here").with_help(help)
            } else {
                d.with_help(format!(
                    "{help} It is declared at {}.",
                    place(&site.source, site.span)
                ))
            };
            found.push(d);
        }
    }
    diags.extend(found);
}

/// The `moved::still-declared` error of `s`, whose `from` is declared at
/// `span` of `src`.
pub fn still_declared(s: &MoveStatement, src: &Arc<SourceFile>, span: Span) -> Diagnostic {
    let d = Diagnostic::error(
        "moved::still-declared",
        format!(
            "`{}` is moved to `{}`, but the configuration still declares it",
            s.from, s.to
        ),
    )
    .in_file(&s.source)
    .primary(s.from_span, "still declared");
    let help = format!(
        "Rename its block so that it declares `{}` (the move's `to`), or delete this `moved` block.",
        s.to
    );
    if Arc::ptr_eq(src, &s.source) {
        d.secondary(span, "declared here").with_help(help)
    } else {
        d.with_help(format!("{help} It is declared at {}.", place(src, span)))
    }
}

/// `moved::cycle` for every chain of moves that comes back to where it
/// started.
fn cycles(moves: &[MoveStatement]) -> Vec<Diagnostic> {
    let n = moves.len();
    let next: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| j != i && chains_after(&moves[j], &moves[i]))
                .collect()
        })
        .collect();
    // Colour-marking depth-first search; each cycle reported once, at the
    // statement it was entered by.
    let mut state = vec![0u8; n];
    let mut out = Vec::new();
    fn visit(
        i: usize,
        next: &[Vec<usize>],
        state: &mut [u8],
        stack: &mut Vec<usize>,
        found: &mut Vec<Vec<usize>>,
    ) {
        state[i] = 1;
        stack.push(i);
        for &j in &next[i] {
            if state[j] == 1 {
                if let Some(pos) = stack.iter().position(|&s| s == j) {
                    found.push(stack[pos..].to_vec());
                }
            } else if state[j] == 0 {
                visit(j, next, state, stack, found);
            }
        }
        stack.pop();
        state[i] = 2;
    }
    let mut found = Vec::new();
    for i in 0..n {
        if state[i] == 0 {
            visit(i, &next, &mut state, &mut Vec::new(), &mut found);
        }
    }
    for cycle in found {
        let first = &moves[cycle[0]];
        let mut path: Vec<String> = cycle
            .iter()
            .map(|&i| format!("`{}`", moves[i].from))
            .collect();
        path.push(format!("`{}`", first.from));
        let mut d = Diagnostic::error(
            "moved::cycle",
            format!("these `moved` blocks form a cycle: {}", path.join(" → ")),
        )
        .in_file(&first.source)
        .primary(first.span, "the cycle starts here");
        for &i in &cycle[1..] {
            if Arc::ptr_eq(&moves[i].source, &first.source) {
                d = d.secondary(moves[i].span, "part of the cycle");
            }
        }
        out.push(d.with_help(
            "A chain of moves must end at an address no `moved` block moves from, normally one the configuration declares: delete the block that leads back.",
        ));
    }
    out
}
