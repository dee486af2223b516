//! Data source `local_sensitive_file`: the `local_file` data source (see
//! `file_data.rs`) with sensitive `content` and `content_base64`.

use super::file_data::FileData;

/// The data source type name.
pub const TYPE: &str = "local_sensitive_file";

/// Data source `local_sensitive_file`.
pub const DATA: FileData = FileData {
    type_name: TYPE,
    sensitive: true,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::DataSource;

    #[test]
    fn content_is_sensitive() {
        let s = DATA.schema();
        assert!(s.attributes["content"].sensitive);
        assert!(s.attributes["content_base64"].sensitive);
        assert!(s.attributes["filename"].required);
    }
}
