//! Loading a module for evaluation: its files (from a directory, or
//! embedded `std/NAME` modules), statically checked, and indexed by
//! declaration so the evaluator finds a block by name.

use crate::addr::ResourceMode;
use crate::config::decl::{
    self, CheckDecl, ModuleCallDecl, OutputDecl, ResourceDecl, VariableDecl,
};
use crate::config::{ParsedFile, check_module, load_dir};
use infra_lang::ast::{Attribute, Block, BodyItem};
use infra_lang::diagnostic::{Diagnostic, has_errors};
use infra_lang::{SourceFile, syntax};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a declaration is: file index, and item index in that file's body
/// (and, for a `data` block scoped to a `check` block, its index in that
/// block's body).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Item {
    pub file: usize,
    pub item: usize,
    pub nested: Option<usize>,
}

/// A local value: its `locals` block and the attribute's index in it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LocalItem {
    pub block: Item,
    pub attr: usize,
}

/// One module's files and declarations.
#[derive(Debug)]
pub struct ModuleFiles {
    /// `path.module`: the directory the files came from. Embedded
    /// `std/NAME` modules have none: theirs is the root module's, so
    /// relative paths in them work as in the root module.
    pub dir: PathBuf,
    /// The parsed files.
    pub files: Vec<ParsedFile>,
    pub(crate) variables: BTreeMap<String, Item>,
    pub(crate) consts: BTreeMap<String, Item>,
    pub(crate) locals: BTreeMap<String, LocalItem>,
    pub(crate) functions: BTreeMap<String, Item>,
    pub(crate) resources: BTreeMap<(String, String), Item>,
    pub(crate) data: BTreeMap<(String, String), Item>,
    pub(crate) modules: BTreeMap<String, Item>,
    pub(crate) outputs: BTreeMap<String, Item>,
    pub(crate) checks: BTreeMap<String, Item>,
    /// Data sources declared inside a `check` block (also in `data`):
    /// their failures are warnings.
    pub(crate) scoped_data: std::collections::BTreeSet<(String, String)>,
}

impl ModuleFiles {
    /// Indexes already-parsed files of the module in `dir`.
    pub fn new(dir: PathBuf, files: Vec<ParsedFile>) -> ModuleFiles {
        let mut m = ModuleFiles {
            dir,
            files,
            variables: BTreeMap::new(),
            consts: BTreeMap::new(),
            locals: BTreeMap::new(),
            functions: BTreeMap::new(),
            resources: BTreeMap::new(),
            data: BTreeMap::new(),
            modules: BTreeMap::new(),
            outputs: BTreeMap::new(),
            checks: BTreeMap::new(),
            scoped_data: std::collections::BTreeSet::new(),
        };
        for (fi, f) in m.files.iter().enumerate() {
            for (ii, it) in f.ast.body.items.iter().enumerate() {
                let BodyItem::Block(b) = it else { continue };
                let at = Item {
                    file: fi,
                    item: ii,
                    nested: None,
                };
                let label = |i: usize| b.labels.get(i).map(|l| l.value.clone());
                // Duplicates were reported by the static checks; the first wins.
                match (b.kind.name.as_str(), label(0), label(1)) {
                    ("variable", Some(n), _) => {
                        m.variables.entry(n).or_insert(at);
                    }
                    ("const", Some(n), _) => {
                        m.consts.entry(n).or_insert(at);
                    }
                    ("function", Some(n), _) => {
                        m.functions.entry(n).or_insert(at);
                    }
                    ("resource", Some(t), Some(n)) => {
                        m.resources.entry((t, n)).or_insert(at);
                    }
                    ("data", Some(t), Some(n)) => {
                        m.data.entry((t, n)).or_insert(at);
                    }
                    ("module", Some(n), _) => {
                        m.modules.entry(n).or_insert(at);
                    }
                    ("output", Some(n), _) => {
                        m.outputs.entry(n).or_insert(at);
                    }
                    ("check", Some(n), _) => {
                        m.checks.entry(n).or_insert(at);
                        for (ni, nb) in b.body.items.iter().enumerate() {
                            if let BodyItem::Block(d) = nb
                                && d.kind.name == "data"
                                && let [t, n] = &d.labels[..]
                            {
                                let key = (t.value.clone(), n.value.clone());
                                m.scoped_data.insert(key.clone());
                                m.data.entry(key).or_insert(Item {
                                    nested: Some(ni),
                                    ..at
                                });
                            }
                        }
                    }
                    ("locals", _, _) => {
                        for (ai, bi) in b.body.items.iter().enumerate() {
                            if let BodyItem::Attribute(a) = bi {
                                m.locals.entry(a.name.name.clone()).or_insert(LocalItem {
                                    block: at,
                                    attr: ai,
                                });
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        m
    }

    /// The block at `at` and its file.
    pub(crate) fn block(&self, at: Item) -> Option<(&Arc<SourceFile>, &Block)> {
        let f = self.files.get(at.file)?;
        let BodyItem::Block(b) = f.ast.body.items.get(at.item)? else {
            return None;
        };
        match at.nested {
            None => Some((&f.source, b)),
            Some(i) => match b.body.items.get(i)? {
                BodyItem::Block(n) => Some((&f.source, n)),
                BodyItem::Attribute(_) => None,
            },
        }
    }

    /// The declaration of resource (or data source) `type_name.name` and
    /// its file.
    pub(crate) fn resource(
        &self,
        mode: ResourceMode,
        type_name: &str,
        name: &str,
    ) -> Option<(&Arc<SourceFile>, ResourceDecl<'_>)> {
        let table = match mode {
            ResourceMode::Managed => &self.resources,
            ResourceMode::Data => &self.data,
        };
        let at = table.get(&(type_name.to_string(), name.to_string()))?;
        let (src, b) = self.block(*at)?;
        Some((src, decl::resource(mode, b)))
    }

    /// The declaration of module call `name` and its file.
    pub(crate) fn module_call(&self, name: &str) -> Option<(&Arc<SourceFile>, ModuleCallDecl<'_>)> {
        let (src, b) = self.block(*self.modules.get(name)?)?;
        Some((src, decl::module_call(b)))
    }

    /// The declaration of variable `name` and its file.
    pub(crate) fn variable(&self, name: &str) -> Option<(&Arc<SourceFile>, VariableDecl<'_>)> {
        let (src, b) = self.block(*self.variables.get(name)?)?;
        Some((src, decl::variable(b)))
    }

    /// The declaration of output `name` and its file.
    pub(crate) fn output(&self, name: &str) -> Option<(&Arc<SourceFile>, OutputDecl<'_>)> {
        let (src, b) = self.block(*self.outputs.get(name)?)?;
        Some((src, decl::output(b)))
    }

    /// The declaration of check `name` and its file.
    pub(crate) fn check(&self, name: &str) -> Option<(&Arc<SourceFile>, CheckDecl<'_>)> {
        let (src, b) = self.block(*self.checks.get(name)?)?;
        Some((src, decl::check(b)))
    }

    /// The attribute of local `at` and its file.
    pub(crate) fn local(&self, at: LocalItem) -> Option<(&Arc<SourceFile>, &Attribute)> {
        let (src, b) = self.block(at.block)?;
        match b.body.items.get(at.attr)? {
            BodyItem::Attribute(a) => Some((src, a)),
            BodyItem::Block(_) => None,
        }
    }

    /// Every block of kind `kind` (e.g. `"provider"`), in file order.
    pub fn blocks_of<'a>(
        &'a self,
        kind: &'a str,
    ) -> impl Iterator<Item = (&'a Arc<SourceFile>, &'a Block)> + 'a {
        self.files.iter().flat_map(move |f| {
            f.ast
                .body
                .blocks()
                .filter(move |b| b.kind.name == kind)
                .map(move |b| (&f.source, b))
        })
    }
}

/// Loads, parses and statically checks the module in `dir`.
///
/// # Errors
/// Every syntax and static-check error of the module.
pub fn load_module(dir: &Path) -> Result<ModuleFiles, Vec<Diagnostic>> {
    let (files, mut diags) = load_dir(dir);
    if !has_errors(&diags) {
        diags.extend(check_module(&files));
    }
    if !has_errors(&diags) {
        diags.extend(crate::config::module_providers::check(dir, &files));
    }
    if has_errors(&diags) {
        return Err(diags);
    }
    Ok(ModuleFiles::new(dir.to_path_buf(), files))
}

/// Loads the embedded module `std/NAME`. Its files are not on disk, so
/// `root` (the root module's directory) stands in for its directory:
/// `path.module` and the base of relative paths given to file functions,
/// as they are in the root module (`fileset("${path.root}/site", "**")`
/// lists the root's `site/`).
///
/// # Errors
/// `module::unknown-std` when there is no such module; parse errors (a bug
/// in the embedded module) otherwise.
pub fn load_std_module(name: &str, root: &Path) -> Result<ModuleFiles, Vec<Diagnostic>> {
    let Some(sources) = infra_stdlib::std_module(name) else {
        let names: Vec<&str> = infra_stdlib::std_module_names().collect();
        return Err(vec![
            Diagnostic::error(
                "module::unknown-std",
                format!("there is no standard module `std/{name}`"),
            )
            .with_help(format!(
                "Standard modules: {}.",
                names
                    .iter()
                    .map(|n| format!("std/{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ]);
    };
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for (file, text) in sources {
        let source = SourceFile::new(format!("std/{name}/{file}"), *text);
        let parsed = syntax::parse(&source);
        diags.extend(parsed.diagnostics);
        if let Some(ast) = parsed.file {
            files.push(ParsedFile { source, ast });
        }
    }
    if !has_errors(&diags) {
        diags.extend(check_module(&files));
    }
    if has_errors(&diags) {
        return Err(diags);
    }
    Ok(ModuleFiles::new(root.to_path_buf(), files))
}
