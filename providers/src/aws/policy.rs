//! Semantic comparison of JSON policy documents: two policies are the same
//! when they parse to the same JSON, ignoring whitespace, key order and
//! the difference between a one-element list and its element
//! (`"Action": "s3:GetObject"` vs `["s3:GetObject"]`, which AWS itself
//! treats as equal and may return either way).

use serde_json::Value as Json;

/// The normal form of a policy: keys sorted (serde_json's map is ordered),
/// one-element arrays replaced by their element. `None` when not JSON.
fn normal(text: &str) -> Option<Json> {
    serde_json::from_str::<Json>(text).ok().map(normalize)
}

fn normalize(v: Json) -> Json {
    match v {
        Json::Array(mut items) if items.len() == 1 => normalize(items.remove(0)),
        Json::Array(items) => Json::Array(items.into_iter().map(normalize).collect()),
        Json::Object(m) => Json::Object(m.into_iter().map(|(k, v)| (k, normalize(v))).collect()),
        other => other,
    }
}

/// True when `a` and `b` are the same policy document. Texts that are not
/// JSON are compared as text.
pub fn equivalent(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (normal(a), normal(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Why `text` is not a valid policy document (`None` when it parses as a
/// JSON object).
pub fn problem(text: &str) -> Option<String> {
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(_)) => None,
        Ok(_) => Some("a policy must be a JSON object".into()),
        Err(e) => Some(format!("not valid JSON: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_key_order_and_singletons_do_not_matter() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Principal":"*","Resource":"arn:aws:s3:::b/*"}]}"#;
        let b = "{\n  \"Statement\": [\n    {\n      \"Resource\": [\"arn:aws:s3:::b/*\"],\n      \"Principal\": \"*\",\n      \"Action\": [\"s3:GetObject\"],\n      \"Effect\": \"Allow\"\n    }\n  ],\n  \"Version\": \"2012-10-17\"\n}";
        assert!(equivalent(a, b));
    }

    #[test]
    fn a_different_action_is_a_different_policy() {
        let a = r#"{"Statement":[{"Action":"s3:GetObject"}]}"#;
        let b = r#"{"Statement":[{"Action":"s3:PutObject"}]}"#;
        assert!(!equivalent(a, b));
        assert!(!equivalent(a, "not json"));
    }

    #[test]
    fn problems_are_named() {
        assert!(problem("{}").is_none());
        assert!(problem("[1]").is_some());
        assert!(problem("{").is_some_and(|p| p.contains("not valid JSON")));
    }
}
