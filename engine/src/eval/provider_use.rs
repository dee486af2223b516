//! Which provider configurations a run uses, so that no other is
//! evaluated or configured. Terraform builds a graph node for every
//! provider configuration, connects each resource, data source and
//! `import` target of the configuration (in every module, whatever its
//! `count`) and each object of the state to the configuration that serves
//! it, and then `PruneProviderTransformer`
//! (`internal/terraform/transform_provider.go`) removes every provider
//! node nothing is connected to: such a provider is never configured
//! (ValidateProviderConfig, ConfigureProvider) and its `provider` block
//! is never evaluated, so a block that would fail does not matter. The
//! plugin is still started to read its schema (`loadschemas.LoadSchemas`
//! loads every provider of `required_providers`). Provider functions do
//! not count: Terraform calls them on an unconfigured instance of their
//! own (`BuiltinEvalContext.functionProvider`).
//!
//! The configuration is read as written, without evaluating it: module
//! calls are followed when their `source` is a literal relative path or a
//! `std/NAME` module; when a child cannot be read this way, every
//! configuration counts as used.

use super::ModuleFiles;
use crate::addr::ResourceMode;
use crate::config::module_providers::passed_providers;
use crate::config::{ParsedFile, decl, load_dir};
use crate::provider::Providers;
use crate::state::State;
use infra_lang::SourceFile;
use infra_lang::ast::ExprKind;
use infra_lang::diagnostic::has_errors;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module calls nested deeper than this are not followed (a module that
/// calls itself); the configuration then counts every provider as used.
const MAX_DEPTH: usize = 64;

/// The provider configurations (`aws`, `aws.west`: keys of the root
/// module's configurations) something uses, or all of them when that
/// could not be told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderUse {
    keys: Option<BTreeSet<String>>,
}

impl ProviderUse {
    /// Every configuration counts as used.
    pub fn all() -> ProviderUse {
        ProviderUse { keys: None }
    }

    /// The configurations the resources, data sources (those of `check`
    /// blocks included) and `import` blocks of the module `root` and of
    /// the child modules it calls use, as Terraform's `ProviderTransformer`
    /// connects them: a resource's `provider = NAME.ALIAS`, else the
    /// default configuration of its type's provider, passed through the
    /// module calls' `providers` maps (a default configuration not passed
    /// is the caller's).
    pub fn of_configuration(root: &ModuleFiles) -> ProviderUse {
        let mut keys = BTreeSet::new();
        let known = walk(&root.dir, &root.dir, &root.files, &Keys::Root, 0, &mut keys);
        ProviderUse {
            keys: known.then_some(keys),
        }
    }

    /// Adds configuration `key` (an object of the state, a planned change).
    pub fn add(&mut self, key: &str) {
        if let Some(keys) = &mut self.keys {
            keys.insert(key.to_string());
        }
    }

    /// Adds the configurations `state`'s objects and unfinished creates
    /// were made with: Terraform connects each object of the state to its
    /// provider configuration, in the configuration or not.
    pub fn add_state(&mut self, state: &State) {
        for key in state_keys(state) {
            self.add(&key);
        }
    }

    /// True when configuration `key` (`aws`, `aws.west`) is used.
    pub fn uses(&self, key: &str) -> bool {
        self.keys.as_ref().is_none_or(|k| k.contains(key))
    }
}

/// The provider configurations of `state`'s objects and unfinished
/// creates.
pub fn state_keys(state: &State) -> BTreeSet<String> {
    state
        .resources
        .values()
        .map(|i| i.provider.clone())
        .chain(state.pending.iter().map(|p| p.provider.clone()))
        .collect()
}

/// How a module's configuration keys map to the root module's.
enum Keys {
    /// The root module: every key is its own.
    Root,
    /// A child: what its call passed or it inherited.
    Child(BTreeMap<String, String>),
}

impl Keys {
    /// The root configuration `local` stands for; `None` for an alias the
    /// module was not passed (an error evaluation reports).
    fn resolve(&self, local: &str) -> Option<String> {
        match self {
            Keys::Root => Some(local.to_string()),
            Keys::Child(m) => m
                .get(local)
                .cloned()
                .or_else(|| (!local.contains('.')).then(|| local.to_string())),
        }
    }

    /// A child's keys: this module's default configurations (inherited),
    /// then each entry of the call's `providers` map resolved here.
    fn child(&self, passed: &[crate::config::module_providers::PassedProvider]) -> Keys {
        let mut out: BTreeMap<String, String> = match self {
            Keys::Root => BTreeMap::new(),
            Keys::Child(m) => m
                .iter()
                .filter(|(k, _)| !k.contains('.'))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        for p in passed {
            if let Some(root) = self.resolve(&p.value) {
                out.insert(p.key.clone(), root);
            }
        }
        Keys::Child(out)
    }
}

/// Adds to `out` the configurations the module of `files` (in `dir`;
/// `root_dir` stands in for embedded modules) and its children use.
/// False when a child could not be read as written.
fn walk(
    root_dir: &Path,
    dir: &Path,
    files: &[ParsedFile],
    keys: &Keys,
    depth: usize,
    out: &mut BTreeSet<String>,
) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let mut add = |local: String| {
        if let Some(root) = keys.resolve(&local) {
            out.insert(root);
        }
    };
    let mut children = Vec::new();
    for f in files {
        let src = &f.source;
        for b in f.ast.body.blocks() {
            match b.kind.name.as_str() {
                "resource" | "data" => add(resource_key(src, b)),
                "check" => {
                    for nb in b.body.blocks().filter(|nb| nb.kind.name == "data") {
                        add(resource_key(src, nb));
                    }
                }
                "import" if matches!(keys, Keys::Root) => {
                    let d = decl::import(b);
                    let key = match (d.provider, d.to) {
                        (Some(p), _) => Some(p.key(src)),
                        (None, Some(to)) => import_type(src.slice(to.expr.span))
                            .map(|t| Providers::provider_name(&t).to_string()),
                        (None, None) => None,
                    };
                    if let Some(key) = key {
                        add(key);
                    }
                }
                "module" => children.push((src, b)),
                _ => {}
            }
        }
    }
    for (src, b) in children {
        let d = decl::module_call(b);
        let Ok(passed) = passed_providers(src, d.providers) else {
            return false;
        };
        let Some(source) = d.source.and_then(|s| match &s.expr.kind {
            ExprKind::Template(t) => t.as_literal(),
            _ => None,
        }) else {
            return false;
        };
        // `clean`: read from disk without a diagnostic, so the evaluation's
        // load of the same files may take these trees.
        let (child_dir, child_files, clean) = if let Some(name) = source.strip_prefix("std/") {
            match super::load_std_module(name, root_dir) {
                Ok(m) => (root_dir.to_path_buf(), m.files, false),
                Err(_) => return false,
            }
        } else if let Some(child_dir) = crate::config::local_source_dir(dir, b) {
            let (files, diags) = load_dir(&child_dir);
            if has_errors(&diags) || !child_dir.is_dir() {
                return false;
            }
            (child_dir, files, diags.is_empty())
        } else {
            return false;
        };
        let child_keys = keys.child(&passed);
        let known = walk(
            root_dir,
            &child_dir,
            &child_files,
            &child_keys,
            depth + 1,
            out,
        );
        if clean {
            // The evaluation loads this module next: it takes these trees.
            crate::config::kept::keep(child_files);
        }
        if !known {
            return false;
        }
    }
    true
}

/// The configuration key a `resource`/`data` block uses as written:
/// `provider = NAME.ALIAS`, else its type's provider name.
fn resource_key(src: &SourceFile, b: &infra_lang::ast::Block) -> String {
    let d = decl::resource(ResourceMode::Managed, b);
    match d.provider {
        Some(p) => p.key(src),
        None => Providers::provider_name(d.type_name).to_string(),
    }
}

/// The resource type of an `import` block's `to` address as written
/// (`module.m.aws_s3_bucket.b["k"]` → `aws_s3_bucket`): the second-last
/// dot-separated part once the index brackets are removed.
fn import_type(text: &str) -> Option<String> {
    let mut plain = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if depth == 0 && !c.is_whitespace() => plain.push(c),
            _ => {}
        }
    }
    let parts: Vec<&str> = plain.split('.').collect();
    let n = parts.len();
    (n >= 2).then(|| parts[n - 2].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module directory with `files` (name, text) written into it.
    fn module(dir: &Path, files: &[(&str, &str)]) {
        std::fs::create_dir_all(dir).expect("module directory");
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("module file");
        }
    }

    fn used(dir: &Path) -> ProviderUse {
        let files = crate::eval::load_module(dir).expect("the module loads");
        ProviderUse::of_configuration(&files)
    }

    #[test]
    fn resources_data_sources_checks_and_imports_use_their_configurations() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        module(
            tmp.path(),
            &[(
                "main.infra",
                "provider \"aws\" {\n  alias = \"west\"\n}\n\nresource \"random_id\" \"a\" {\n  byte_length = 2\n}\n\ndata \"aws_s3_bucket\" \"b\" {\n  provider = aws.west\n  bucket   = \"x\"\n}\n\ncheck \"c\" {\n  data \"local_file\" \"f\" {\n    filename = \"f\"\n  }\n  assert {\n    condition     = data.local_file.f.filename != \"\"\n    error_message = \"no\"\n  }\n}\n\nimport {\n  to = infra_data.d[\"k\"]\n  id = \"x\"\n}\n",
            )],
        );
        let u = used(tmp.path());
        for key in ["random", "aws.west", "local", "infra"] {
            assert!(u.uses(key), "{key} in {u:?}");
        }
        assert!(!u.uses("aws"), "{u:?}");
        assert!(!u.uses("test"), "{u:?}");
    }

    #[test]
    fn child_modules_use_what_their_calls_pass_or_they_inherit() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        module(
            tmp.path(),
            &[(
                "main.infra",
                "provider \"aws\" {\n  alias = \"usw2\"\n}\n\nmodule \"net\" {\n  source    = \"./net\"\n  count     = 0\n  providers = { aws.west = aws.usw2 }\n}\n",
            )],
        );
        module(
            &tmp.path().join("net"),
            &[(
                "main.infra",
                "terraform {\n  required_providers {\n    aws = {\n      source                = \"hashicorp/aws\"\n      configuration_aliases = [aws.west]\n    }\n  }\n}\n\ndata \"aws_s3_bucket\" \"b\" {\n  provider = aws.west\n  bucket   = \"x\"\n}\n\nresource \"random_id\" \"r\" {\n  byte_length = 2\n}\n",
            )],
        );
        let mut u = used(tmp.path());
        assert!(u.uses("aws.usw2"), "{u:?}");
        assert!(u.uses("random"), "{u:?}");
        assert!(!u.uses("aws"), "{u:?}");
        assert!(!u.uses("aws.west"), "{u:?}");
        u.add("aws");
        assert!(u.uses("aws"));
    }

    #[test]
    fn a_child_that_cannot_be_read_as_written_makes_every_configuration_used() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        module(
            tmp.path(),
            &[(
                "main.infra",
                "const \"where\" {\n  default = \"./net\"\n}\n\nmodule \"net\" {\n  source = const.where\n}\n",
            )],
        );
        module(&tmp.path().join("net"), &[("main.infra", "")]);
        let u = used(tmp.path());
        assert_eq!(u, ProviderUse::all());
        assert!(u.uses("anything"));
    }

    #[test]
    fn import_types_are_read_from_the_address_as_written() {
        assert_eq!(
            import_type("aws_s3_bucket.b").as_deref(),
            Some("aws_s3_bucket")
        );
        assert_eq!(
            import_type("module.m[\"a.b\"].aws_s3_bucket.b[each.key]").as_deref(),
            Some("aws_s3_bucket")
        );
        assert_eq!(import_type("nothing"), None);
    }
}
