//! Find references, rename and hover across module boundaries: a child
//! module's `variable` is set by the argument of that name in each
//! `module` block calling the child (a local `source = "./dir"`), and its
//! `output` is read as `module.NAME.OUTPUT` by the callers. The callers
//! are the modules of the workspace: every directory under the workspace
//! roots holding `.infra` files (bounded walk), and those of open files.

use crate::child_modules::{argument_at, child_dir, module_call_name, output_ref_at};
use crate::documents::{Documents, Module};
use crate::nodes::each_expr;
use crate::occurrences::{Occurrence, Symbol, at, occurrences};
use infra_engine::config::local_source_dir;
use infra_engine::provider::Providers;
use infra_lang::Span;
use infra_lang::ast::ExprKind;
use lsp_types::{Location, Range, TextEdit, Url};
use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Most directories walked under the workspace roots to find callers.
const MAX_DIRS: usize = 2_000;
/// Deepest directory walked under a workspace root.
const MAX_DEPTH: usize = 8;

/// A child module's input or output, seen from either side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `variable "NAME"` of the module in the directory.
    Variable(PathBuf, String),
    /// `output "NAME"` of the module in the directory.
    Output(PathBuf, String),
}

impl Target {
    fn dir(&self) -> &Path {
        match self {
            Target::Variable(d, _) | Target::Output(d, _) => d,
        }
    }

    fn name(&self) -> &str {
        match self {
            Target::Variable(_, n) | Target::Output(_, n) => n,
        }
    }

    /// The symbol it is inside its own module.
    pub fn symbol(&self) -> Symbol {
        match self {
            Target::Variable(_, n) => Symbol::Variable(n.clone()),
            Target::Output(_, n) => Symbol::Output(n.clone()),
        }
    }
}

/// The child variable or output at `offset` of file `file` of `module`,
/// with the range of the name there: a `variable`/`output` declaration or
/// a `var.NAME` reference (the module is the child), an argument of a
/// `module` block, or the `OUTPUT` of `module.NAME.OUTPUT`.
pub fn target_at(module: &Module, file: usize, offset: usize) -> Option<(Target, Range)> {
    if let Some((call, attr)) = argument_at(module, file, offset) {
        let dir = normalize(&child_dir(module, None, &call.labels.first()?.value)?);
        let range = module.range(file, attr.name.span)?;
        return Some((Target::Variable(dir, attr.name.name.clone()), range));
    }
    if let Some((call, out)) = output_ref_at(module, file, offset) {
        let dir = normalize(&child_dir(module, None, &call)?);
        let range = module.range(file, out.span)?;
        return Some((Target::Output(dir, out.name.clone()), range));
    }
    let all = occurrences(module);
    let o = at(&all, file, offset)?;
    let target = match &o.symbol {
        Symbol::Variable(n) => Target::Variable(module.dir.clone(), n.clone()),
        Symbol::Output(n) => Target::Output(module.dir.clone(), n.clone()),
        _ => return None,
    };
    Some((target, module.range(o.file, o.span)?))
}

/// One place the target's name is written.
struct Place {
    module: Arc<Module>,
    file: usize,
    span: Span,
    decl: bool,
    /// In a `moved` block: left alone by a rename.
    in_moved: bool,
}

impl Place {
    fn location(&self) -> Option<Location> {
        Some(Location::new(
            self.module.uri_of(self.file)?,
            self.module.range(self.file, self.span)?,
        ))
    }
}

/// Every place `target` is written: in its own module (declaration and
/// `var.NAME` references), then in each calling module (the argument of
/// the `module` block, or `module.CALL.NAME` references).
fn places(docs: &mut Documents, roots: &[PathBuf], target: &Target) -> Vec<Place> {
    let child = docs.module(target.dir());
    let symbol = target.symbol();
    let mut out: Vec<Place> = occurrences(&child)
        .into_iter()
        .filter(|o: &Occurrence| o.symbol == symbol)
        .map(|o| Place {
            module: child.clone(),
            file: o.file,
            span: o.span,
            decl: o.decl,
            in_moved: o.in_moved,
        })
        .collect();
    let wanted = normalize(target.dir());
    for dir in workspace_dirs(docs, roots) {
        let m = docs.module(&dir);
        let mut calls = BTreeSet::new();
        for (fi, f) in m.files.iter().enumerate() {
            for b in f.ast.body.blocks().filter(|b| b.kind.name == "module") {
                let Some(label) = b.labels.first() else {
                    continue;
                };
                if local_source_dir(&m.dir, b).is_none_or(|d| normalize(&d) != wanted) {
                    continue;
                }
                calls.insert(label.value.clone());
                if let (Target::Variable(..), Some(a)) = (target, b.body.attribute(target.name())) {
                    out.push(Place {
                        module: m.clone(),
                        file: fi,
                        span: a.name.span,
                        decl: false,
                        in_moved: false,
                    });
                }
            }
        }
        if !matches!(target, Target::Output(..)) || calls.is_empty() {
            continue;
        }
        for (fi, f) in m.files.iter().enumerate() {
            each_expr(&f.ast.body, &mut |_, _, e| {
                if let ExprKind::GetAttr { object, name } = &e.kind
                    && name.name == target.name()
                    && module_call_name(object).is_some_and(|c| calls.contains(c))
                {
                    out.push(Place {
                        module: m.clone(),
                        file: fi,
                        span: name.span,
                        decl: false,
                        in_moved: false,
                    });
                }
            });
        }
    }
    out
}

/// Where `target` is written (`include_decl`: its declaration too).
pub fn references(
    docs: &mut Documents,
    roots: &[PathBuf],
    target: &Target,
    include_decl: bool,
) -> Vec<Location> {
    places(docs, roots, target)
        .iter()
        .filter(|p| include_decl || !p.decl)
        .filter_map(Place::location)
        .collect()
}

/// The edits renaming `target` to `new_name` on both sides of the module
/// boundary (references in `moved` blocks are history, left alone).
pub fn rename_edits(
    docs: &mut Documents,
    roots: &[PathBuf],
    target: &Target,
    new_name: &str,
) -> HashMap<Url, Vec<TextEdit>> {
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    for p in places(docs, roots, target) {
        if p.in_moved {
            continue;
        }
        if let Some(l) = p.location() {
            changes
                .entry(l.uri)
                .or_default()
                .push(TextEdit::new(l.range, new_name.to_string()));
        }
    }
    changes
}

/// Hover on a child's variable or output seen from a calling module (an
/// argument of the `module` block, or `module.NAME.OUTPUT`): the child's
/// declaration as a hover there shows it (type, default, value,
/// description, validations).
pub fn hover(
    docs: &mut Documents,
    providers: &Providers,
    module: &Module,
    file: usize,
    offset: usize,
) -> Option<String> {
    let (target, _) = target_at(module, file, offset)?;
    if target.dir() == normalize(&module.dir) {
        return None;
    }
    let child = docs.module(target.dir());
    let all = occurrences(&child);
    let symbol = target.symbol();
    let decl = all.iter().find(|o| o.decl && o.symbol == symbol)?;
    let shown = crate::hover::symbol_hover(&child, providers, &all, decl)?;
    let what = match target {
        Target::Variable(..) => "input variable",
        Target::Output(..) => "output",
    };
    Some(format!(
        "{what} of child module `{}`\n\n{shown}",
        target.dir().display()
    ))
}

/// The directories of the workspace's modules: those under the roots
/// holding `.infra` files (at most [`MAX_DIRS`] walked, [`MAX_DEPTH`]
/// deep, hidden directories skipped) and those of open documents.
fn workspace_dirs(docs: &Documents, roots: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut out: BTreeSet<PathBuf> = docs
        .iter()
        .filter_map(|(u, _)| Documents::module_dir(u))
        .collect();
    let mut walked = 0;
    let mut stack: Vec<(PathBuf, usize)> = roots.iter().map(|r| (r.clone(), 0)).collect();
    while let Some((dir, depth)) = stack.pop() {
        walked += 1;
        if walked > MAX_DIRS {
            break;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut has_infra = false;
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name();
            let name = name.to_string_lossy();
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                if depth < MAX_DEPTH && !name.starts_with('.') && name != "node_modules" {
                    stack.push((path, depth + 1));
                }
            } else if name.ends_with(".infra") {
                has_infra = true;
            }
        }
        if has_infra {
            out.insert(dir);
        }
    }
    out
}

/// `dir` with `.` and `..` resolved by the text (as the editor names
/// files: links are not followed).
fn normalize(dir: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in dir.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
