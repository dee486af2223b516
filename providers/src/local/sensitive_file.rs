//! `local_sensitive_file`: `local_file` whose `content` and
//! `content_base64` are sensitive (never shown in plans or output), and
//! whose file and directory permissions default to `0700`, as in
//! Terraform. The implementation is `local_file`'s (see `file.rs`).

use super::file::Flavor;

/// The resource type name.
pub const TYPE: &str = "local_sensitive_file";

/// Sensitive content, permissions `0700` by default.
pub const FLAVOR: Flavor = Flavor {
    type_name: TYPE,
    sensitive: true,
    default_permission: "0700",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::ResourceType;
    use crate::object::attrs;
    use infra_engine::provider::PlanRequest;
    use infra_lang::Value;
    use infra_lang::value::ValueMap;
    use std::sync::Arc;

    #[test]
    fn content_is_sensitive_and_defaults_are_0700() {
        let s = FLAVOR.schema();
        assert!(s.attributes["content"].sensitive);
        assert!(s.attributes["content_base64"].sensitive);
        assert!(!s.attributes["id"].sensitive);
        let mut m = ValueMap::new();
        m.insert("filename".to_string(), Value::string("a"));
        m.insert("content".to_string(), Value::string("secret"));
        let config = Value::Object(m);
        let p = FLAVOR
            .plan(
                &Arc::default(),
                &s,
                PlanRequest {
                    type_name: TYPE,
                    prior: None,
                    config: &config,
                    proposed: config.clone(),
                    prior_private: &[],
                },
            )
            .expect("plan");
        let m = attrs(&p.planned, TYPE).expect("object");
        assert_eq!(m["file_permission"], Value::string("0700"));
        assert_eq!(m["directory_permission"], Value::string("0700"));
        assert!(matches!(m["content"], Value::Sensitive(_)));
    }
}
