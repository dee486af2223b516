//! Data source `local_file`: reads a file on the local machine, giving its
//! `content` (text; invalid UTF-8 replaced by U+FFFD), `content_base64`
//! (exact bytes) and checksums. The data source `local_sensitive_file`
//! (see `sensitive_file_data.rs`) shares this code.

use super::file::Written;
use super::{checksum_attributes, sensitive_if, set_checksums};
use crate::framework::DataSource;
use crate::object::{Attrs, attrs, blocking, finish, set, string};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use infra_engine::provider::{Attribute, Failure, ResourceSchema, error};
use infra_lang::{Type, Value};
use std::sync::Arc;

/// The data source type name.
pub const TYPE: &str = "local_file";

/// A `local_*` file data source: its type name, and whether `content`
/// and `content_base64` are sensitive.
pub struct FileData {
    /// The data source type name.
    pub type_name: &'static str,
    /// The content is sensitive.
    pub sensitive: bool,
}

/// Data source `local_file`.
pub const DATA: FileData = FileData {
    type_name: TYPE,
    sensitive: false,
};

#[async_trait]
impl DataSource<Arc<Written>> for FileData {
    fn name(&self) -> &'static str {
        self.type_name
    }

    /// The schema of a `local_*` file data source: `filename` (required), and
    /// computed `content`, `content_base64` (sensitive when `sensitive`) and
    /// checksums.
    fn schema(&self) -> ResourceSchema {
        let content = Attribute::computed(Type::String, "The content of the file, as text.");
        let content_base64 = Attribute::computed(
            Type::String,
            "The content of the file, base64-encoded: use it for binary files.",
        );
        let mut attributes = vec![
            (
                "filename",
                Attribute::required(Type::String, "The path of the file to read."),
            ),
            ("content", sensitive_if(self.sensitive, content)),
            (
                "content_base64",
                sensitive_if(self.sensitive, content_base64),
            ),
        ];
        attributes.extend(checksum_attributes());
        let description = if self.sensitive {
            "Reads a file on the local machine; its content is never shown."
        } else {
            "Reads a file on the local machine."
        };
        ResourceSchema::new(description, attributes)
    }

    /// Reads the file named by `filename` in `config`.
    ///
    /// # Errors
    /// When `filename` is not set or the file cannot be read:
    /// "data `local_file`: cannot read `/etc/motd`: No such file or directory".
    async fn read(
        &self,
        _written: &Arc<Written>,
        schema: &ResourceSchema,
        config: Value,
    ) -> Result<Value, Failure> {
        let type_name = self.type_name;
        let m: &Attrs = attrs(&config, type_name)?;
        let Some(filename) = string(m, "filename").map(str::to_string) else {
            return Err(error(format!(
                "data `{type_name}` needs `filename` to be set"
            )));
        };
        let what = format!("data `{type_name}`");
        let (bytes, filename) = blocking(&what.clone(), move || match std::fs::read(&filename) {
            Ok(b) => Ok((b, filename)),
            Err(e) => Err(error(format!("{what}: cannot read `{filename}`: {e}"))),
        })
        .await?;
        let mut out = Attrs::new();
        out.insert("filename".into(), Value::String(filename));
        set(
            &mut out,
            "content_base64",
            Value::String(STANDARD.encode(&bytes)),
        );
        set_checksums(&mut out, &bytes);
        let content = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        set(&mut out, "content", Value::String(content));
        Ok(finish(schema, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::value::ValueMap;

    fn config(filename: &str) -> Value {
        let mut m = ValueMap::new();
        m.insert("filename".to_string(), Value::string(filename));
        Value::Object(m)
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    }

    #[test]
    fn reads_content_and_checksums() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("motd");
        std::fs::write(&path, "hello").expect("write");
        let v = rt()
            .block_on(DATA.read(
                &Arc::default(),
                &DATA.schema(),
                config(&path.to_string_lossy()),
            ))
            .expect("read");
        let m = attrs(&v, TYPE).expect("object");
        assert_eq!(m["content"], Value::string("hello"));
        assert_eq!(m["content_base64"], Value::string("aGVsbG8="));
        assert_eq!(
            m["id"],
            Value::string("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
        );
        assert_eq!(m.len(), DATA.schema().attributes.len());
    }

    #[test]
    fn missing_file_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nope");
        let err = rt()
            .block_on(DATA.read(
                &Arc::default(),
                &DATA.schema(),
                config(&path.to_string_lossy()),
            ))
            .expect_err("missing");
        assert!(err[0].message.contains("cannot read"), "{}", err[0].message);
    }
}
