//! `infra plan -generate-config-out=FILE`: a `resource` block for each
//! imported object that has none, written in `.infra` syntax to a new
//! file. Mirrors Terraform's `genconfig`: the arguments are the
//! attributes the configuration may set (required and optional ones, not
//! those only the provider computes) that the imported object has (null
//! ones left out); a sensitive one is written as `null # sensitive` for
//! the user to fill in; nested blocks are not written.

use crate::addr::ResourceAddress;
use crate::provider::ResourceSchema;
use infra_lang::value::{quote, render};
use infra_lang::{Diagnostic, Value};
use std::io::Write;
use std::path::Path;

/// The file's first lines, as Terraform writes them.
const HEADER: &str = "# __generated__ by infra\n# Please review these resources and move them into your main configuration files.\n";

/// `import::generate-exists` when `out` exists: the file must be new.
///
/// # Errors
/// That diagnostic.
pub(super) fn refuse_existing(out: &Path) -> Result<(), Vec<Diagnostic>> {
    if out.symlink_metadata().is_ok() {
        return Err(vec![exists(out)]);
    }
    Ok(())
}

fn exists(out: &Path) -> Diagnostic {
    Diagnostic::error(
        "import::generate-exists",
        format!("the file for generated configuration, {}, already exists", out.display()),
    )
    .with_help("infra writes generated configuration only into a new file: choose another name, or move what the file holds into your configuration and delete it.")
}

/// The `resource` block of the object `value` imported as `address` with
/// `id`: `# __generated__ by infra from "ID"` and the block.
pub(super) fn block(
    address: &ResourceAddress,
    id: &str,
    schema: &ResourceSchema,
    value: &Value,
) -> String {
    let mut args: Vec<(&str, String)> = Vec::new();
    let fields = match value.clone().unmark().0 {
        Value::Object(m) => m,
        _ => Default::default(),
    };
    for (name, a) in &schema.attributes {
        if !(a.required || a.optional) || a.write_only {
            continue;
        }
        let v = fields.get(name).cloned().unwrap_or(Value::NULL);
        if a.sensitive || v.is_sensitive_deep() {
            args.push((name, "null # sensitive".to_string()));
            continue;
        }
        if v.is_null() && !a.required {
            continue;
        }
        // Continuation lines of a multi-line value are indented by the block.
        let text = render(&v.unmark_deep().0).replace('\n', "\n  ");
        args.push((name, text));
    }
    let width = args.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = format!(
        "# __generated__ by infra from {}\nresource {} {} {{\n",
        quote(id),
        quote(&address.type_name),
        quote(&address.name)
    );
    for (name, text) in args {
        out.push_str(&format!("  {name:width$} = {text}\n"));
    }
    out.push_str("}\n");
    out
}

/// Writes `blocks` to the new file `out`, completely or not at all: a
/// temporary file next to it, then a hard link to `out`, which fails
/// when `out` exists.
///
/// # Errors
/// `import::generate-exists`; `import::generate-write` when the file
/// cannot be written.
pub(super) fn write(out: &Path, blocks: &[String]) -> Result<(), Vec<Diagnostic>> {
    let mut text = HEADER.to_string();
    for b in blocks {
        text.push('\n');
        text.push_str(b);
    }
    let failed = |e: std::io::Error| {
        vec![Diagnostic::error(
            "import::generate-write",
            format!(
                "cannot write generated configuration to {}: {e}",
                out.display()
            ),
        )]
    };
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(failed)?;
    tmp.write_all(text.as_bytes()).map_err(failed)?;
    tmp.as_file().sync_all().map_err(failed)?;
    match std::fs::hard_link(tmp.path(), out) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(vec![exists(out)]),
        Err(e) => Err(failed(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{InstanceKey, ModulePath, ResourceMode};
    use crate::provider::Attribute;
    use infra_lang::Type;

    #[test]
    fn a_block_has_the_settable_attributes_set_and_hides_secrets() {
        let schema = ResourceSchema::new(
            "t",
            vec![
                ("name", Attribute::required(Type::String, "n")),
                ("note", Attribute::optional(Type::String, "o")),
                (
                    "tags",
                    Attribute::optional(Type::Map(Box::new(Type::String)), "t"),
                ),
                ("token", Attribute::optional(Type::String, "s").sensitive()),
                ("id", Attribute::computed(Type::String, "i")),
            ],
        );
        let value = Value::object_of(&[
            ("name", Value::string("a \"b\" ${c}")),
            ("note", Value::NULL),
            ("tags", Value::object_of(&[("env", Value::string("dev"))])),
            ("token", Value::string("s3cr3t")),
            ("id", Value::string("x")),
        ]);
        let address = ResourceAddress {
            module: ModulePath::default(),
            mode: ResourceMode::Managed,
            type_name: "t_thing".into(),
            name: "a".into(),
            key: InstanceKey::None,
        };
        let text = block(&address, "x", &schema, &value);
        assert_eq!(
            text,
            "# __generated__ by infra from \"x\"\nresource \"t_thing\" \"a\" {\n  name  = \"a \\\"b\\\" $${c}\"\n  tags  = {\n    \"env\" = \"dev\"\n  }\n  token = null # sensitive\n}\n"
        );
        assert!(!text.contains("s3cr3t"));
    }

    #[test]
    fn the_file_must_be_new() {
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("gen.infra");
        write(&out, &["resource \"a\" \"b\" {\n}\n".to_string()]).expect("written");
        let text = std::fs::read_to_string(&out).expect("read");
        assert!(text.starts_with(HEADER), "{text}");
        assert_eq!(
            refuse_existing(&out).expect_err("exists")[0].code,
            "import::generate-exists"
        );
        assert_eq!(
            write(&out, &[]).expect_err("exists")[0].code,
            "import::generate-exists"
        );
        assert_eq!(std::fs::read_to_string(&out).expect("read"), text);
    }
}
