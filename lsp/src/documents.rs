//! The documents the editor has open (keyed by URI, full or incremental
//! sync) and the modules they belong to: a module is the directory of an
//! open file, every `*.infra` file in it, the open text winning over the
//! one on disk.

use crate::position::Lines;
use infra_engine::config::{ParsedFile, load_dir_parsing};
use infra_lang::{Diagnostic, SourceFile, syntax};
use lsp_types::{TextDocumentContentChangeEvent, Url};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One open document: its text as the editor has it, and the version the
/// editor gave it.
#[derive(Debug)]
pub struct Document {
    /// The whole text.
    pub text: String,
    /// The editor's version number (grows with every change).
    pub version: i32,
    /// Line starts of `text`.
    pub lines: Lines,
}

/// One module as loaded from disk and the open documents.
#[derive(Debug)]
pub struct Module {
    /// Its directory.
    pub dir: PathBuf,
    /// The files that parsed.
    pub files: Vec<ParsedFile>,
    /// What loading found: unreadable files and syntax errors.
    pub load_diags: Vec<Diagnostic>,
    /// Line starts of each file of `files`.
    pub lines: Vec<Lines>,
}

impl Module {
    /// The path of a parsed file (loading names files relative to `dir`).
    pub fn path_of(&self, file: &ParsedFile) -> PathBuf {
        self.dir.join(file.source.path())
    }

    /// The index in `files` of the file at `path`, when it parsed.
    pub fn index_of(&self, path: &Path) -> Option<usize> {
        self.files.iter().position(|f| self.path_of(f) == path)
    }

    /// The range of `span` in file number `index`.
    pub fn range(&self, index: usize, span: infra_lang::Span) -> Option<lsp_types::Range> {
        let text = self.files.get(index)?.source.text();
        Some(self.lines.get(index)?.range(text, span))
    }

    /// The URI of file number `index`.
    pub fn uri_of(&self, index: usize) -> Option<Url> {
        let f = self.files.get(index)?;
        Url::from_file_path(self.path_of(f)).ok()
    }
}

/// Every open document, and the modules loaded for them (reloaded when a
/// document of theirs changes).
#[derive(Debug, Default)]
pub struct Documents {
    docs: HashMap<Url, Document>,
    /// Bumped on every change to any document or file on disk.
    generation: u64,
    modules: HashMap<PathBuf, (u64, Arc<Module>)>,
    /// For each file, the last loaded module in which it parsed: while a
    /// half-typed text does not parse, completion still knows its other
    /// declarations.
    last_good: HashMap<PathBuf, Arc<Module>>,
    /// The diagnostics of each module's last parse of each file (by the
    /// name loading gives it): a reload reparses only the files whose text
    /// changed, taking the others' trees from the module loaded before.
    parse_diags: HashMap<PathBuf, HashMap<String, Vec<Diagnostic>>>,
    /// How many files were parsed (not reused) so far.
    pub parsed: u64,
    /// Each open file's top-level items of its last clean parse, so an
    /// edit parses again only the items it changed
    /// (`syntax::parse_reusing`); dropped when the file is closed.
    items: HashMap<PathBuf, syntax::ItemCache>,
    /// How many top-level items were parsed (not reused) so far.
    pub items_parsed: u64,
}

impl Documents {
    /// Records an opened document.
    pub fn open(&mut self, uri: Url, text: String, version: i32) {
        let lines = Lines::new(&text);
        self.docs.insert(
            uri,
            Document {
                text,
                version,
                lines,
            },
        );
        self.generation += 1;
    }

    /// Applies the editor's changes, in order: a change without a range
    /// replaces the text, one with a range replaces that range.
    pub fn change(
        &mut self,
        uri: &Url,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) {
        let Some(doc) = self.docs.get_mut(uri) else {
            return;
        };
        for change in changes {
            match change.range {
                None => doc.text = change.text,
                Some(range) => {
                    let start = doc.lines.offset(&doc.text, range.start);
                    let end = doc.lines.offset(&doc.text, range.end).max(start);
                    doc.text.replace_range(start..end, &change.text);
                }
            }
            doc.lines = Lines::new(&doc.text);
        }
        doc.version = version;
        self.generation += 1;
    }

    /// Forgets a closed document (its file on disk counts again).
    pub fn close(&mut self, uri: &Url) {
        self.docs.remove(uri);
        if let Ok(path) = uri.to_file_path() {
            self.items.remove(&path);
        }
        self.generation += 1;
    }

    /// Notes that files on disk changed.
    pub fn disk_changed(&mut self) {
        self.generation += 1;
    }

    /// The open document `uri`.
    pub fn get(&self, uri: &Url) -> Option<&Document> {
        self.docs.get(uri)
    }

    /// Every open document.
    pub fn iter(&self) -> impl Iterator<Item = (&Url, &Document)> {
        self.docs.iter()
    }

    /// The module (directory) of `uri`, when it is a file.
    pub fn module_dir(uri: &Url) -> Option<PathBuf> {
        let path = uri.to_file_path().ok()?;
        path.parent().map(Path::to_path_buf)
    }

    /// The module in `dir`, loaded now or reused when nothing changed since.
    pub fn module(&mut self, dir: &Path) -> Arc<Module> {
        if let Some((generation, m)) = self.modules.get(dir)
            && *generation == self.generation
        {
            return m.clone();
        }
        let open: BTreeMap<PathBuf, String> = self
            .docs
            .iter()
            .filter_map(|(uri, d)| {
                let path = uri.to_file_path().ok()?;
                (path.parent() == Some(dir)).then(|| (path, d.text.clone()))
            })
            .collect();
        let previous = self.modules.get(dir).map(|(_, m)| m.clone());
        let before = self.parse_diags.remove(dir).unwrap_or_default();
        let mut after = HashMap::new();
        let mut parsed = 0;
        let mut items_parsed = 0;
        let items = &mut self.items;
        let mut parse = |source: &Arc<SourceFile>| {
            let unchanged = previous
                .as_ref()
                .and_then(|m| {
                    m.files.iter().find(|f| {
                        f.source.path() == source.path() && f.source.text() == source.text()
                    })
                })
                .zip(before.get(source.path()));
            let parsed = match unchanged {
                Some((f, diagnostics)) => syntax::Parsed {
                    file: Some(f.ast.clone()),
                    diagnostics: diagnostics.clone(),
                },
                None if source.path().ends_with(".tf.json")
                    || !open.contains_key(&dir.join(source.path())) =>
                {
                    parsed += 1;
                    infra_engine::config::parse_source(source)
                }
                None => {
                    parsed += 1;
                    let cache = items.entry(dir.join(source.path())).or_default();
                    let (result, count) = syntax::parse_reusing(source, cache);
                    items_parsed += count as u64;
                    result
                }
            };
            after.insert(source.path().to_string(), parsed.diagnostics.clone());
            parsed
        };
        let (files, load_diags) = load_dir_parsing(dir, &open, &mut parse);
        self.parse_diags.insert(dir.to_path_buf(), after);
        self.parsed += parsed;
        self.items_parsed += items_parsed;
        let lines = files.iter().map(|f| Lines::new(f.source.text())).collect();
        let module = Arc::new(Module {
            dir: dir.to_path_buf(),
            files,
            load_diags,
            lines,
        });
        self.modules
            .insert(dir.to_path_buf(), (self.generation, module.clone()));
        for f in &module.files {
            self.last_good.insert(module.path_of(f), module.clone());
        }
        module
    }

    /// The last loaded module in which the file at `path` parsed, and its
    /// index there.
    pub fn last_good(&self, path: &Path) -> Option<(Arc<Module>, usize)> {
        let m = self.last_good.get(path)?;
        let i = m.index_of(path)?;
        Some((m.clone(), i))
    }

    /// The module of `uri` and the index of its file there (`None` when
    /// the file does not parse or is not a `.infra` file).
    pub fn module_of(&mut self, uri: &Url) -> Option<(Arc<Module>, Option<usize>)> {
        let path = uri.to_file_path().ok()?;
        let dir = path.parent()?.to_path_buf();
        let module = self.module(&dir);
        let index = module.index_of(&path);
        Some((module, index))
    }
}
