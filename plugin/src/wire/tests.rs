//! Golden byte vectors (go-cty semantics, design §6) and round-trips.

use super::*;
use infra_lang::value::Number;
use std::collections::BTreeMap;

fn obj(attrs: &[(&str, Type)]) -> Type {
    Type::object(
        attrs
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect(),
    )
}

#[test]
fn unknown_is_fixext1_zero() {
    assert_eq!(
        encode(&Value::Unknown(Type::String), &Type::String).unwrap(),
        [0xd4, 0, 0]
    );
    assert_eq!(
        decode(&[0xd4, 0, 0], &[], &Type::String).unwrap(),
        Value::Unknown(Type::String)
    );
}
