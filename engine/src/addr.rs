//! Addresses of resources, data sources and module instances, printed in
//! the language's syntax: `aws_s3_bucket.logs`, `local_file.page["a"]`,
//! `module.web[0].data.aws_s3_object.index`.

use infra_lang::value::quote;
use std::fmt;

/// The key of one instance of a resource or module made by `count`
/// (`[0]`) or `for_each` (`["a"]`); `None` when it has neither.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstanceKey {
    /// Neither `count` nor `for_each`.
    None,
    /// `count`: the index, from 0.
    Int(i64),
    /// `for_each`: the map key or set element.
    Str(String),
}

impl fmt::Display for InstanceKey {
    /// `""`, `[3]` or `["a"]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", quote(s)),
        }
    }
}

/// A step of a module path: `module.NAME[KEY]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleStep {
    /// The module call's name.
    pub name: String,
    /// Which instance of it.
    pub key: InstanceKey,
}

/// The path of a module instance from the root: empty for the root.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModulePath(pub Vec<ModuleStep>);

impl ModulePath {
    /// The path of child `name[key]` of this module.
    pub fn child(&self, name: &str, key: InstanceKey) -> ModulePath {
        let mut steps = self.0.clone();
        steps.push(ModuleStep {
            name: name.to_string(),
            key,
        });
        ModulePath(steps)
    }

    /// True for the root module.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ModulePath {
    /// `module.a["x"].module.b`, or nothing for the root.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{}{}", step.name, step.key)?;
        }
        Ok(())
    }
}

/// Managed resource or data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceMode {
    /// `resource "TYPE" "NAME"`
    Managed,
    /// `data "TYPE" "NAME"`
    Data,
}

/// The address of one resource instance:
/// `module.web["a"].aws_s3_object.page["index.html"]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceAddress {
    /// The module instance it belongs to.
    pub module: ModulePath,
    /// Managed or data.
    pub mode: ResourceMode,
    /// Resource type, e.g. `aws_s3_bucket`.
    pub type_name: String,
    /// The name given in the block's second label.
    pub name: String,
    /// The instance key.
    pub key: InstanceKey,
}

impl fmt::Display for ResourceAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        if self.mode == ResourceMode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}{}", self.type_name, self.name, self.key)
    }
}
