//! Carrying out `moved` and `removed` blocks. Before anything is planned,
//! the prior state's objects at each `moved` block's `from` are moved to
//! its `to` (chains followed in order, blocks of child modules applied to
//! every instance of the module), so the planner finds them at their new
//! addresses; after evaluation, a `from` the configuration still declares
//! is an error. An object moved to another resource type is converted by
//! the target type's provider (MoveResourceState). `removed` blocks with
//! `destroy = false` turn the deletion of what they name into forgetting.

use super::Move;
use crate::addr::{InstanceKey, ModulePath, ModuleStep, ResourceAddress, ResourceMode, Target};
use crate::config::moves::{self, MoveStatement, Refactorings, RemoveStatement};
use crate::config::{self, ParsedFile};
use crate::eval::{EvaluatedInstance, ModuleFiles};
use crate::provider::{MoveRequest, Providers};
use crate::state::{ObjectMeta, State};
use infra_lang::ast::ExprKind;
use infra_lang::value::convert;
use infra_lang::{Diagnostic, SourceFile, Span};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::runtime::Handle;

/// The `moved` and `removed` blocks of one module of the configuration.
#[derive(Debug, Default)]
pub(crate) struct Declared {
    /// The module calls leading to the module from the root (`["web",
    /// "files"]` for `module.web.module.files`); its blocks apply to every
    /// instance of it.
    pub path: Vec<String>,
    /// Its blocks.
    pub stmts: Refactorings,
}

/// Child modules deeper than this are not searched for blocks (a module
/// calling itself is reported by evaluation).
const MAX_DEPTH: usize = 32;

/// The blocks of the root module (`root`) and of every child module whose
/// `source` is a literal (a relative path or `std/NAME`), root first.
/// Modules that fail to load are skipped: evaluation reports them.
pub(crate) fn collect(root: &ModuleFiles) -> Vec<Declared> {
    let mut out = Vec::new();
    walk(&root.dir, &root.files, Vec::new(), &mut out);
    out
}

fn walk(dir: &Path, files: &[ParsedFile], path: Vec<String>, out: &mut Vec<Declared>) {
    let (stmts, _) = moves::read(files);
    if !stmts.is_empty() {
        out.push(Declared {
            path: path.clone(),
            stmts,
        });
    }
    if path.len() >= MAX_DEPTH {
        return;
    }
    for f in files {
        for b in f.ast.body.blocks().filter(|b| b.kind.name == "module") {
            let (Some(label), Some(source)) =
                (b.labels.first(), config::decl::module_call(b).source)
            else {
                continue;
            };
            let ExprKind::Template(t) = &source.expr.kind else {
                continue; // a const: only known once evaluated
            };
            let Some(source) = t.as_literal() else {
                continue;
            };
            let Some((child_dir, child)) = child_files(dir, &source) else {
                continue;
            };
            let mut child_path = path.clone();
            child_path.push(label.value.clone());
            walk(&child_dir, &child, child_path, out);
        }
    }
}

/// Whether a module's text can hold anything [`walk`] looks for.
fn relevant(text: &str) -> bool {
    text.contains("moved") || text.contains("removed") || text.contains("module")
}

/// The parsed files of the module at `source` (relative to `dir`), when it
/// may hold `moved`, `removed` or `module` blocks.
fn child_files(dir: &Path, source: &str) -> Option<(PathBuf, Vec<ParsedFile>)> {
    let mut texts: Vec<(String, String)> = Vec::new();
    let child_dir = if let Some(name) = source.strip_prefix("std/") {
        for (file, text) in infra_stdlib::std_module(name)? {
            texts.push((format!("std/{name}/{file}"), (*text).to_string()));
        }
        PathBuf::from(source)
    } else if source.starts_with("./") || source.starts_with("../") {
        let child = dir.join(source);
        for p in config::module_files(&child).ok()? {
            let name = p
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            texts.push((name, std::fs::read_to_string(&p).ok()?));
        }
        child
    } else {
        return None;
    };
    if !texts.iter().any(|(_, t)| relevant(t)) {
        return None;
    }
    let mut files = Vec::with_capacity(texts.len());
    for (name, text) in texts {
        let source = SourceFile::new(name, text);
        files.push(ParsedFile {
            ast: config::parse_source(&source).file?,
            source,
        });
    }
    Some((child_dir, files))
}

/// What carrying out the `moved` blocks did.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Managed instances moved, in address order of `to`.
    pub moves: Vec<Move>,
    /// Where each moved instance (data sources too) went: stored address
    /// → new address.
    pub renamed: BTreeMap<ResourceAddress, ResourceAddress>,
    /// `moved::blocked` warnings: moves not made because an object was at
    /// the destination already.
    pub warnings: Vec<Diagnostic>,
    /// Moved instances whose resource type changed, by new address, with
    /// the file and span of the `moved` block that changed it: their
    /// objects still hold the old type's attributes until
    /// [`move_across_types`] converts them.
    pub retyped: BTreeMap<ResourceAddress, (Arc<SourceFile>, Span)>,
}

fn key_of(k: &Option<InstanceKey>) -> InstanceKey {
    k.clone().unwrap_or(InstanceKey::None)
}

/// True when the first `path.len()` module steps of `addr` are calls of
/// those names (any keys).
fn under(addr: &ResourceAddress, path: &[String]) -> bool {
    addr.module.0.len() >= path.len() && addr.module.0.iter().zip(path).all(|(s, n)| s.name == *n)
}

/// Where statement `s`, declared in a module `depth` calls deep, moves
/// `addr` (which is [`under`] that module); `None` when it does not apply.
fn relocate(addr: &ResourceAddress, depth: usize, s: &MoveStatement) -> Option<ResourceAddress> {
    let (prefix, rel) = addr.module.0.split_at(depth);
    let whole = s.is_whole();
    let (from, to) = (&s.from, &s.to);
    match (&from.resource, &to.resource) {
        (None, None) => {
            let n = from.module.len();
            if n == 0 || rel.len() < n {
                return None;
            }
            for (i, ((name, key), step)) in from.module.iter().zip(rel).enumerate() {
                if *name != step.name || (!(whole && i + 1 == n) && key_of(key) != step.key) {
                    return None;
                }
            }
            let carried = rel[n - 1].key.clone();
            let m = to.module.len();
            let mut steps = prefix.to_vec();
            for (i, (name, key)) in to.module.iter().enumerate() {
                steps.push(ModuleStep {
                    name: name.clone(),
                    key: if whole && i + 1 == m {
                        carried.clone()
                    } else {
                        key_of(key)
                    },
                });
            }
            steps.extend(rel[n..].iter().cloned());
            Some(ResourceAddress {
                module: ModulePath(steps),
                ..addr.clone()
            })
        }
        (Some((_, ft, fname, fkey)), Some((_, tt, tname, tkey))) => {
            if addr.mode != ResourceMode::Managed
                || rel.len() != from.module.len()
                || addr.type_name != *ft
                || addr.name != *fname
                || (!whole && key_of(fkey) != addr.key)
            {
                return None;
            }
            if !from
                .module
                .iter()
                .zip(rel)
                .all(|((name, key), step)| *name == step.name && key_of(key) == step.key)
            {
                return None;
            }
            let mut steps = prefix.to_vec();
            steps.extend(to.module.iter().map(|(name, key)| ModuleStep {
                name: name.clone(),
                key: key_of(key),
            }));
            Some(ResourceAddress {
                module: ModulePath(steps),
                mode: ResourceMode::Managed,
                type_name: tt.clone(),
                name: tname.clone(),
                key: if whole {
                    addr.key.clone()
                } else {
                    key_of(tkey)
                },
            })
        }
        _ => None,
    }
}

/// `s`'s endpoint `t` in the module instance `prefix`, for messages.
fn in_module(prefix: &[ModuleStep], t: &Target) -> String {
    if prefix.is_empty() {
        t.to_string()
    } else {
        format!("{}.{t}", ModulePath(prefix.to_vec()))
    }
}

/// Statements in the order they must run: a statement whose `from` is
/// another's `to` (or inside it) after that one; otherwise as declared,
/// parents before children.
fn order(declared: &[Declared]) -> Vec<(&[String], &MoveStatement)> {
    let all: Vec<(&[String], &MoveStatement)> = declared
        .iter()
        .flat_map(|d| d.stmts.moves.iter().map(move |s| (d.path.as_slice(), s)))
        .collect();
    // Addresses from the root, for comparing statements of different
    // modules.
    let absolute: Vec<MoveStatement> = declared
        .iter()
        .flat_map(|d| {
            d.stmts.moves.iter().map(move |s| {
                let lift = |t: &Target| Target {
                    module: d
                        .path
                        .iter()
                        .map(|n| (n.clone(), None))
                        .chain(t.module.iter().cloned())
                        .collect(),
                    resource: t.resource.clone(),
                };
                MoveStatement {
                    from: lift(&s.from),
                    to: lift(&s.to),
                    ..s.clone()
                }
            })
        })
        .collect();
    let n = all.len();
    let after: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| j != i && moves::chains_after(&absolute[i], &absolute[j]))
                .collect()
        })
        .collect();
    let mut done = vec![false; n];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let next = (0..n)
            .find(|&i| !done[i] && after[i].iter().all(|&j| done[j]))
            // A cycle (an error of the configuration): as declared.
            .or_else(|| (0..n).find(|&i| !done[i]));
        let Some(i) = next else { break };
        done[i] = true;
        out.push(all[i]);
    }
    out
}

/// Moves the objects of `state` as the `moved` blocks of `declared` say.
/// A move whose destination already holds an object is not made (for a
/// whole resource or module, none of its instances move) and is reported
/// as a warning; the objects left behind are planned like any other.
pub(crate) fn carry_out(state: &mut State, declared: &[Declared]) -> Outcome {
    let mut out = Outcome::default();
    if declared.iter().all(|d| d.stmts.moves.is_empty()) {
        return out;
    }
    // New address → stored address.
    let mut origin: BTreeMap<ResourceAddress, ResourceAddress> = BTreeMap::new();
    for (names, s) in order(declared) {
        let depth = names.len();
        let path_of = |a: &ResourceAddress| a.module.0[..depth].to_vec();
        let mut groups: BTreeMap<Vec<ModuleStep>, Vec<(ResourceAddress, ResourceAddress)>> =
            BTreeMap::new();
        for addr in state.resources.keys() {
            if !under(addr, names) {
                continue;
            }
            if let Some(new) = relocate(addr, depth, s) {
                groups
                    .entry(path_of(addr))
                    .or_default()
                    .push((addr.clone(), new));
            }
        }
        for (prefix, pairs) in groups {
            let leaving: BTreeSet<&ResourceAddress> = pairs.iter().map(|(o, _)| o).collect();
            let taken: Vec<&(ResourceAddress, ResourceAddress)> = pairs
                .iter()
                .filter(|(_, n)| state.resources.contains_key(n) && !leaving.contains(n))
                .collect();
            if let Some((o, n)) = taken.first() {
                let message = if pairs.len() == 1 {
                    format!("`{o}` could not move to `{n}`: an object is already there")
                } else {
                    format!(
                        "the {} objects of `{}` could not move to `{}`: objects are already there (`{n}`{})",
                        pairs.len(),
                        in_module(&prefix, &s.from),
                        in_module(&prefix, &s.to),
                        if taken.len() > 1 {
                            format!(" and {} more", taken.len() - 1)
                        } else {
                            String::new()
                        }
                    )
                };
                out.warnings.push(
                    Diagnostic::warning("moved::blocked", message)
                        .in_file(&s.source)
                        .primary(s.span, "not carried out")
                        .with_help("Both addresses hold an object in state, so nothing moved: the object at the old address is planned like any other (destroyed when the configuration no longer has it). If that is not what you want, resolve the conflict with `infra state mv` or `infra state rm`, then plan again."),
                );
                continue;
            }
            let mut moving = Vec::with_capacity(pairs.len());
            for (o, n) in pairs {
                if let Some(inst) = state.resources.remove(&o) {
                    let first = origin.remove(&o).unwrap_or(o);
                    moving.push((first, n, inst));
                }
            }
            for (first, n, inst) in moving {
                state.resources.insert(n.clone(), inst);
                if first.type_name != n.type_name {
                    out.retyped.insert(n.clone(), (s.source.clone(), s.span));
                }
                origin.insert(n, first);
            }
        }
    }
    for (now, first) in origin {
        if first.type_name == now.type_name {
            out.retyped.remove(&now);
        }
        if now != first {
            out.renamed.insert(first, now);
        }
    }
    // Dependencies recorded in state follow the objects.
    if !out.renamed.is_empty() {
        for inst in state.resources.values_mut() {
            for d in &mut inst.dependencies {
                if let Some(n) = out.renamed.get(d) {
                    *d = n.clone();
                }
            }
        }
    }
    out.moves = out
        .renamed
        .iter()
        .filter(|(from, _)| from.mode == ResourceMode::Managed)
        .map(|(from, to)| Move {
            from: from.clone(),
            to: to.clone(),
        })
        .collect();
    out.moves.sort_by(|a, b| a.to.cmp(&b.to));
    out
}

/// Converts the objects that `moved` blocks moved to another resource
/// type ([`Outcome::retyped`]), as Terraform's cross-type moves do: the
/// target type's provider is asked (MoveResourceState) for the object of
/// the new type, given the stored JSON, schema version and private bytes
/// of the old one and the old provider's address (`sources`: local name →
/// source address); the instance then belongs to the target type's
/// provider, with its schema version. Each move is found by the new
/// address of `moves` (stored address → new).
///
/// # Errors
/// `moved::type-mismatch` at the `moved` block when the target provider
/// cannot move objects across types (every provider but a plugin
/// advertising `move_resource_state`) or the object has deposed objects;
/// the provider's own errors, prefixed with the move.
pub(crate) fn move_across_types(
    state: &mut State,
    moved: &Outcome,
    providers: &Providers,
    sources: &BTreeMap<String, String>,
    rt: &Handle,
) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    for (from, to) in &moved.renamed {
        let Some((source, span)) = moved.retyped.get(to) else {
            continue;
        };
        let Some(inst) = state.resources.get_mut(to) else {
            continue;
        };
        let refuse = |why: String| {
            Diagnostic::error(
                "moved::type-mismatch",
                format!("`{from}` cannot move to `{to}`: {why}"),
            )
            .in_file(source)
            .primary(*span, "changes the resource type")
            .with_help("Only a provider that supports MoveResourceState (a Terraform provider advertising it) can turn an object of one type into another. Otherwise forget the old object with a `removed` block and `destroy = false`, then `infra import` it as the new type.")
        };
        let Some((key, target)) = providers.resolve(&to.type_name, None) else {
            errors.push(refuse(format!(
                "no provider has the type `{}`",
                to.type_name
            )));
            continue;
        };
        if !target.moves_across_types() {
            errors.push(refuse(format!(
                "provider `{key}` does not support moving objects across resource types"
            )));
            continue;
        }
        if !inst.deposed.is_empty() {
            errors.push(refuse(
                "it has deposed objects still to delete; apply first".into(),
            ));
            continue;
        }
        let local = inst.provider.split('.').next().unwrap_or(&inst.provider);
        let request = MoveRequest {
            source_provider: sources
                .get(local)
                .cloned()
                .unwrap_or_else(|| format!("registry.terraform.io/hashicorp/{local}")),
            source_type: from.type_name.clone(),
            source_version: inst.meta.schema_version,
            source_state: crate::state::codec::encode(&inst.value)
                .json
                .to_string()
                .into_bytes(),
            source_private: inst.meta.private.clone(),
            target_type: to.type_name.clone(),
        };
        let p = target.clone();
        match rt.block_on(async move { p.move_state(request).await }) {
            Ok(stored) => {
                let schema = target.schema().resources.get(&to.type_name);
                let value = match schema {
                    Some(s) => {
                        let v =
                            convert(stored.value.clone(), &s.object_type()).unwrap_or(stored.value);
                        crate::plan::mark_schema_sensitive(s, v)
                    }
                    None => stored.value,
                };
                inst.value = value;
                inst.provider = key.to_string();
                inst.meta = ObjectMeta {
                    schema_version: schema.map_or(0, |s| s.stored_version()),
                    private: stored.private,
                    ..inst.meta.clone()
                };
            }
            Err(d) => errors.extend(d.into_iter().map(|d| {
                let d = Diagnostic {
                    message: format!("moving `{from}` to `{to}`: {}", d.message),
                    ..d
                };
                if d.source.is_none() {
                    d.in_file(source).primary(*span, "this move")
                } else {
                    d
                }
            })),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// `moved::still-declared` for each `moved` block whose `from` names an
/// instance the configuration still has (found after evaluation, when the
/// instances are known), and `removed::still-declared` likewise.
pub(crate) fn still_declared(
    declared: &[Declared],
    instances: &[EvaluatedInstance],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for d in declared {
        let depth = d.path.len();
        for s in &d.stmts.moves {
            let hit = instances.iter().find(|i| {
                i.address.mode == ResourceMode::Managed
                    && under(&i.address, &d.path)
                    && relocate(&i.address, depth, s).is_some()
            });
            if let Some(i) = hit {
                out.push(moves::still_declared(s, &i.source, i.span));
            }
        }
        for r in &d.stmts.removes {
            let hit = instances.iter().find(|i| {
                i.address.mode == ResourceMode::Managed
                    && under(&i.address, &d.path)
                    && removes(&i.address, depth, r)
            });
            if let Some(i) = hit {
                out.push(
                    Diagnostic::error(
                        "removed::still-declared",
                        format!(
                            "`{}` is removed, but the configuration still declares it",
                            r.from
                        ),
                    )
                    .in_file(&r.source)
                    .primary(r.from_span, "still declared")
                    .with_help(format!(
                        "Delete its block (the `removed` block takes its place), or delete the `removed` block to keep managing it. It is declared at {}:{}.",
                        i.source.path(),
                        i.source.line_col(i.span.start).line
                    )),
                );
            }
        }
    }
    out
}

/// True when `r`, declared in a module `depth` calls deep, names `addr`.
fn removes(addr: &ResourceAddress, depth: usize, r: &RemoveStatement) -> bool {
    let rel = &addr.module.0[depth..];
    let names_match = |n: usize| {
        rel.len() >= n
            && r.from
                .module
                .iter()
                .zip(rel)
                .all(|((name, _), step)| *name == step.name)
    };
    match &r.from.resource {
        None => names_match(r.from.module.len()),
        Some((_, t, n, _)) => {
            rel.len() == r.from.module.len()
                && names_match(rel.len())
                && addr.type_name == *t
                && addr.name == *n
        }
    }
}

/// The `removed` block that names `addr` (a parent module's first), if any.
pub(crate) fn removal<'a>(
    declared: &'a [Declared],
    addr: &ResourceAddress,
) -> Option<&'a RemoveStatement> {
    declared.iter().find_map(|d| {
        if !under(addr, &d.path) {
            return None;
        }
        d.stmts
            .removes
            .iter()
            .find(|r| removes(addr, d.path.len(), r))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::InstanceState;
    use infra_lang::Value;

    fn stmt(text: &str) -> Declared {
        let source = SourceFile::new("m.infra", text.to_string());
        let file = infra_lang::syntax::parse(&source).file.expect("parses");
        let (stmts, diags) = moves::read(&[ParsedFile { source, ast: file }]);
        assert!(diags.is_empty(), "{diags:?}");
        Declared {
            path: Vec::new(),
            stmts,
        }
    }

    fn state(addrs: &[&str]) -> State {
        let mut s = State::default();
        for a in addrs {
            s.resources.insert(
                ResourceAddress::parse(a).expect("address"),
                InstanceState {
                    value: Value::String((*a).to_string()),
                    provider: "infra".into(),
                    dependencies: Vec::new(),
                    create_before_destroy: false,
                    deposed: Default::default(),
                    meta: Default::default(),
                    deposed_meta: Default::default(),
                },
            );
        }
        s
    }

    /// The addresses in `s`, sorted as text.
    fn listed(s: &State) -> Vec<String> {
        let mut v: Vec<String> = s.resources.keys().map(ToString::to_string).collect();
        v.sort();
        v
    }

    #[test]
    fn whole_resources_instances_and_modules_move() {
        let d = stmt(
            "moved {\n  from = t.a\n  to   = t.b\n}\nmoved {\n  from = t.c\n  to   = t.c[0]\n}\nmoved {\n  from = module.old\n  to   = module.new\n}\nmoved {\n  from = t.k[\"x\"]\n  to   = t.k[\"y\"]\n}\n",
        );
        let mut s = state(&[
            "t.a[0]",
            "t.a[1]",
            "t.c",
            "module.old[\"p\"].t.x",
            "t.k[\"x\"]",
            "t.k[\"z\"]",
        ]);
        let out = carry_out(&mut s, std::slice::from_ref(&d));
        assert_eq!(
            listed(&s),
            [
                "module.new[\"p\"].t.x",
                "t.b[0]",
                "t.b[1]",
                "t.c[0]",
                "t.k[\"y\"]",
                "t.k[\"z\"]"
            ]
        );
        assert_eq!(out.moves.len(), 5);
        assert!(out.warnings.is_empty());
    }

    #[test]
    fn chains_are_followed_whatever_the_order_written() {
        let d = stmt(
            "moved {\n  from = t.b\n  to   = t.c\n}\nmoved {\n  from = t.a\n  to   = t.b\n}\n",
        );
        let mut s = state(&["t.a"]);
        let out = carry_out(&mut s, std::slice::from_ref(&d));
        assert_eq!(listed(&s), ["t.c"]);
        assert_eq!(out.moves[0].from.to_string(), "t.a");
        assert_eq!(out.moves[0].to.to_string(), "t.c");
    }

    #[test]
    fn an_occupied_destination_blocks_the_move() {
        let d = stmt("moved {\n  from = t.a\n  to   = t.b\n}\n");
        let mut s = state(&["t.a", "t.b"]);
        let out = carry_out(&mut s, std::slice::from_ref(&d));
        assert_eq!(listed(&s), ["t.a", "t.b"]);
        assert!(out.moves.is_empty());
        assert_eq!(out.warnings[0].code, "moved::blocked");
    }

    #[test]
    fn child_module_blocks_apply_to_every_instance() {
        let mut d = stmt("moved {\n  from = t.a\n  to   = t.b\n}\n");
        d.path = vec!["web".into()];
        let mut s = state(&["module.web[0].t.a", "module.web[1].t.a", "t.a"]);
        carry_out(&mut s, std::slice::from_ref(&d));
        assert_eq!(
            listed(&s),
            ["module.web[0].t.b", "module.web[1].t.b", "t.a"]
        );
    }
}
