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

/// An address that failed to parse: what was expected where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressError(pub String);

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AddressError {}

/// A reader over the text of an address.
struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn err(&self, what: &str) -> AddressError {
        AddressError(format!(
            "invalid address `{}`: expected {what} at position {}",
            self.text,
            self.pos + 1
        ))
    }

    fn ident(&mut self, what: &str) -> Result<String, AddressError> {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|(i, c)| !(c.is_alphanumeric() || *c == '_' || (*i > 0 && *c == '-')))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(self.err(what));
        }
        let s = rest[..len].to_string();
        self.pos += len;
        Ok(s)
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// `[0]` or `["key"]`, or nothing.
    fn key(&mut self) -> Result<Option<InstanceKey>, AddressError> {
        if !self.eat("[") {
            return Ok(None);
        }
        let rest = self.rest();
        let key = if rest.starts_with('"') {
            // A JSON string literal covers the language's escapes for keys.
            let mut de = serde_json::Deserializer::from_str(rest).into_iter::<String>();
            let s = match de.next() {
                Some(Ok(s)) => s,
                _ => return Err(self.err("a quoted key")),
            };
            self.pos += de.byte_offset();
            InstanceKey::Str(s)
        } else {
            let len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '-'))
                .unwrap_or(rest.len());
            let n = rest[..len]
                .parse::<i64>()
                .map_err(|_| self.err("an index or a quoted key"))?;
            self.pos += len;
            InstanceKey::Int(n)
        };
        if !self.eat("]") {
            return Err(self.err("`]`"));
        }
        Ok(Some(key))
    }
}

/// A `--target` / `--replace` pattern: a module instance, a whole resource
/// (every instance) or one instance:
/// `module.web`, `module.web["a"].local_file.page`, `random_id.x[0]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Module steps; a step without key matches every instance of it.
    pub module: Vec<(String, Option<InstanceKey>)>,
    /// The resource part: mode, type, name and optional key; `None` for a
    /// whole module.
    pub resource: Option<(ResourceMode, String, String, Option<InstanceKey>)>,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (name, key) in &self.module {
            if !first {
                f.write_str(".")?;
            }
            first = false;
            write!(f, "module.{name}")?;
            if let Some(k) = key {
                write!(f, "{k}")?;
            }
        }
        if let Some((mode, t, n, key)) = &self.resource {
            if !first {
                f.write_str(".")?;
            }
            if *mode == ResourceMode::Data {
                f.write_str("data.")?;
            }
            write!(f, "{t}.{n}")?;
            if let Some(k) = key {
                write!(f, "{k}")?;
            }
        }
        Ok(())
    }
}

impl Target {
    /// Parses an address as written on the command line.
    ///
    /// # Errors
    /// When `text` is not an address; the message says what was expected
    /// where.
    pub fn parse(text: &str) -> Result<Target, AddressError> {
        let mut r = Reader {
            text: text.trim(),
            pos: 0,
        };
        let mut module = Vec::new();
        loop {
            let save = r.pos;
            if r.eat("module.") {
                let name = r.ident("a module name")?;
                let key = r.key()?;
                module.push((name, key));
                if r.rest().is_empty() {
                    return Ok(Target {
                        module,
                        resource: None,
                    });
                }
                if !r.eat(".") {
                    return Err(r.err("`.`"));
                }
                continue;
            }
            r.pos = save;
            break;
        }
        let mode = if r.eat("data.") {
            ResourceMode::Data
        } else {
            ResourceMode::Managed
        };
        let type_name = r.ident("a resource type")?;
        if !r.eat(".") {
            return Err(r.err("`.` and a resource name"));
        }
        let name = r.ident("a resource name")?;
        let key = r.key()?;
        if !r.rest().is_empty() {
            return Err(r.err("the end of the address"));
        }
        Ok(Target {
            module,
            resource: Some((mode, type_name, name, key)),
        })
    }

    /// True when `addr` is this target or inside it.
    pub fn matches(&self, addr: &ResourceAddress) -> bool {
        if addr.module.0.len() < self.module.len() {
            return false;
        }
        for ((name, key), step) in self.module.iter().zip(&addr.module.0) {
            if *name != step.name || key.as_ref().is_some_and(|k| *k != step.key) {
                return false;
            }
        }
        match &self.resource {
            None => true,
            Some((mode, t, n, key)) => {
                addr.module.0.len() == self.module.len()
                    && *mode == addr.mode
                    && *t == addr.type_name
                    && *n == addr.name
                    && key.as_ref().is_none_or(|k| *k == addr.key)
            }
        }
    }
}

impl ResourceAddress {
    /// Parses the address of one resource instance:
    /// `module.web[0].aws_s3_object.page["index.html"]`; no key means the
    /// instance without one.
    ///
    /// # Errors
    /// When `text` is not a resource instance address (e.g. a module alone).
    pub fn parse(text: &str) -> Result<ResourceAddress, AddressError> {
        let t = Target::parse(text)?;
        let Some((mode, type_name, name, key)) = t.resource else {
            return Err(AddressError(format!(
                "`{text}` is a module, not a resource instance"
            )));
        };
        Ok(ResourceAddress {
            module: ModulePath(
                t.module
                    .into_iter()
                    .map(|(name, key)| ModuleStep {
                        name,
                        key: key.unwrap_or(InstanceKey::None),
                    })
                    .collect(),
            ),
            mode,
            type_name,
            name,
            key: key.unwrap_or(InstanceKey::None),
        })
    }

    /// `type.name` with module path, without the instance key: the
    /// resource this instance belongs to.
    pub fn resource_string(&self) -> String {
        let mut a = self.clone();
        a.key = InstanceKey::None;
        a.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in [
            "random_id.x",
            "random_id.x[3]",
            "data.local_file.motd",
            "module.web[\"a b\"].local_file.page[\"index.html\"]",
            "module.a.module.b[0].data.t.n[\"k\\\"q\"]",
        ] {
            let a = ResourceAddress::parse(text).expect(text);
            assert_eq!(a.to_string(), text);
        }
    }

    #[test]
    fn errors_say_where() {
        let e = ResourceAddress::parse("random_id").expect_err("not an address");
        assert!(e.0.contains("position 10"), "{e}");
        assert!(ResourceAddress::parse("module.web").is_err());
        assert!(ResourceAddress::parse("a.b[x]").is_err());
        assert!(ResourceAddress::parse("a.b[0").is_err());
        assert!(ResourceAddress::parse("a.b.c").is_err());
    }

    #[test]
    fn targets_match_instances_and_modules() {
        let inst = ResourceAddress::parse("module.web[\"a\"].local_file.page[1]").expect("addr");
        for (t, want) in [
            ("module.web", true),
            ("module.web[\"a\"]", true),
            ("module.web[\"b\"]", false),
            ("module.web.local_file.page", true),
            ("module.web[\"a\"].local_file.page[1]", true),
            ("module.web[\"a\"].local_file.page[0]", false),
            ("local_file.page", false),
        ] {
            assert_eq!(Target::parse(t).expect(t).matches(&inst), want, "{t}");
        }
    }
}
