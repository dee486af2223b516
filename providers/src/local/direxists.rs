//! Provider function `provider::local::direxists(path)`: whether a
//! directory exists at `path` (mirrors the `direxists` function of
//! Terraform's `hashicorp/local` provider, 2.5+).

use crate::framework::Function;
use infra_engine::provider::{FunctionError, FunctionParameter, FunctionSignature};
use infra_lang::{Type, Value};
use std::path::Path;

/// The function's name.
pub const NAME: &str = "direxists";

/// `direxists(path string) bool`: true for a directory, false when
/// nothing exists at `path`, an error naming the argument when something
/// else (a file) is there or the path cannot be examined. A relative path
/// is taken from the working directory of the process running the
/// provider, as hashicorp/local does; `~` is not expanded (use
/// `pathexpand`).
pub struct DirExists;

impl Function for DirExists {
    fn name(&self) -> &'static str {
        NAME
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: vec![FunctionParameter {
                name: "path".into(),
                ty: Type::String,
                allow_null: false,
                allow_unknown: false,
                description: "Relative or absolute path to check for the existence of a directory"
                    .into(),
            }],
            variadic: None,
            result: Type::Bool,
            description: "Determines whether a directory exists at a given path. An error when the path names a file.".into(),
            deprecated: None,
        }
    }

    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
        let refuse = |text: String| FunctionError {
            text,
            argument: Some(0),
        };
        let Some(path) = args.first().and_then(Value::as_str) else {
            return Err(refuse("path must be a string".into()));
        };
        match std::fs::metadata(Path::new(path)) {
            Ok(m) if m.is_dir() => Ok(Value::Bool(true)),
            Ok(_) => Err(refuse(format!(
                "Invalid file mode detected: {path:?} was found, but is not a directory"
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
            Err(e) => Err(refuse(format!("Error checking for directory: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(path: &str) -> Result<Value, FunctionError> {
        DirExists.call(vec![Value::string(path)])
    }

    #[test]
    fn a_directory_exists_a_missing_path_does_not_and_a_file_is_an_error() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let d = dir.path().display().to_string();
        assert_eq!(call(&d), Ok(Value::Bool(true)));
        assert_eq!(call(&format!("{d}/missing")), Ok(Value::Bool(false)));
        std::fs::write(dir.path().join("f"), "x").expect("write a file");
        let e = call(&format!("{d}/f")).expect_err("a file");
        assert_eq!(e.argument, Some(0));
        assert!(e.text.contains("is not a directory"), "{}", e.text);
    }
}
