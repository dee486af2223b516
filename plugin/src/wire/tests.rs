//! Golden byte vectors (go-cty semantics, design §6) and round-trips.

use super::*;
use infra_lang::value::Number;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn obj(attrs: &[(&str, Type)]) -> Type {
    Type::object(
        attrs
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect(),
    )
}

fn list(t: Type) -> Type {
    Type::List(Box::new(t))
}

fn set(t: Type) -> Type {
    Type::Set(Box::new(t))
}

fn num(bytes: &[u8]) -> Value {
    decode(bytes, &[], &Type::Number).expect("should succeed")
}

#[test]
fn unknown_is_fixext1_type_zero() {
    assert_eq!(
        encode(&Value::Unknown(Type::String), &Type::String).expect("should succeed"),
        [0xd4, 0, 0]
    );
    assert_eq!(
        decode(&[0xd4, 0, 0], &[], &Type::String).expect("should succeed"),
        Value::Unknown(Type::String)
    );
}

#[test]
fn refined_unknown_and_any_ext_code_decode_as_unknown() {
    // ext8, length 3, code 12: {1: false} ("definitely not null").
    let refined = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2];
    assert_eq!(
        decode(&refined, &[], &Type::String).expect("should succeed"),
        Value::Unknown(Type::String)
    );
    // A string prefix refinement inside an object attribute.
    let t = obj(&[("a", Type::String)]);
    let bytes = [
        0x81, 0xa1, b'a', 0xc7, 0x05, 0x0c, 0x81, 0x02, 0xa2, b'a', b'b',
    ];
    assert_eq!(
        decode(&bytes, &[], &t).expect("should succeed"),
        Value::object_of(&[("a", Value::Unknown(Type::String))])
    );
    // Other codes and sizes.
    assert!(
        decode(&[0xd4, 0x05, 0x00], &[], &Type::Bool)
            .expect("should succeed")
            .is_unknown()
    );
    assert!(
        decode(&[0xd5, 0x07, 0, 0], &[], &Type::Number)
            .expect("should succeed")
            .is_unknown()
    );
}

#[test]
fn numbers_as_cty_writes_them() {
    let enc = |n: Number| encode(&Value::Number(n), &Type::Number).expect("should succeed");
    assert_eq!(enc(Number::Int(1)), [0x01]);
    assert_eq!(enc(Number::Int(-1)), [0xff]);
    assert_eq!(enc(Number::Int(300)), [0xcd, 0x01, 0x2c]);
    assert_eq!(
        enc(Number::Float(1.5)),
        [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]
    );
    // A whole float is written as an int, as cty does for exact int64s.
    assert_eq!(
        enc(Number::Float(1e15)),
        enc(Number::Int(1_000_000_000_000_000))
    );
    // Every width reads back.
    assert_eq!(
        num(&[0xca, 0x3f, 0xc0, 0, 0]),
        Value::Number(Number::Float(1.5))
    );
    assert_eq!(num(&[0xd0, 0x80]), Value::int(-128));
    assert_eq!(num(&[0xd1, 0xff, 0x00]), Value::int(-256));
    assert_eq!(
        num(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        Value::Number(Number::parse("18446744073709551615").expect("number"))
    );
    // Beyond float64: the decimal text as a string, read exactly.
    let mut big = vec![0xb7];
    big.extend_from_slice(b"12345678901234567890123");
    let n = Number::parse("12345678901234567890123").expect("number");
    assert_eq!(num(&big), Value::Number(n.clone()));
    // and written back as cty writes it.
    assert_eq!(
        encode(&Value::Number(n), &Type::Number).expect("should succeed"),
        big
    );
    let err = decode(&[0xa1, b'x'], &[], &Type::Number).expect_err("should fail");
    assert!(err.message.contains("not a decimal number"), "{err}");
}

#[test]
fn dynamic_values_carry_their_type() {
    let bytes = [
        0x92, 0xc4, 0x08, b'"', b's', b't', b'r', b'i', b'n', b'g', b'"', 0xa1, b'x',
    ];
    assert_eq!(
        encode(&Value::string("x"), &Type::Any).expect("should succeed"),
        bytes
    );
    assert_eq!(
        decode(&bytes, &[], &Type::Any).expect("should succeed"),
        Value::string("x")
    );
    // Untyped null and unknown are not wrapped; a typed null is.
    assert_eq!(
        encode(&Value::NULL, &Type::Any).expect("should succeed"),
        [0xc0]
    );
    assert_eq!(
        encode(&Value::unknown(), &Type::Any).expect("should succeed"),
        [0xd4, 0, 0]
    );
    assert_eq!(
        decode(&[0xc0], &[], &Type::Any).expect("should succeed"),
        Value::Null(Type::Any)
    );
    let typed_null = encode(&Value::Null(Type::Bool), &Type::Any).expect("should succeed");
    assert_eq!(
        typed_null,
        [0x92, 0xc4, 0x06, b'"', b'b', b'o', b'o', b'l', b'"', 0xc0]
    );
}

#[test]
fn objects_have_every_attribute_in_any_order() {
    let t = obj(&[("a", Type::String), ("b", Type::Number)]);
    let v = Value::object_of(&[("a", Value::string("x"))]);
    let bytes = encode(&v, &t).expect("should succeed");
    assert_eq!(bytes, [0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0]);
    // Order on the wire does not matter; a missing attribute is null.
    let back = decode(&[0x81, 0xa1, b'b', 0x05], &[], &t).expect("should succeed");
    assert_eq!(
        back,
        Value::object_of(&[("a", Value::Null(Type::String)), ("b", Value::int(5))])
    );
    let err = decode(&[0x81, 0xa1, b'z', 0x05], &[], &t).expect_err("should fail");
    assert_eq!(
        err.to_string(),
        "at .z: an attribute the type does not have"
    );
}

#[test]
fn null_and_empty_list_differ() {
    let t = list(obj(&[("port", Type::Number)]));
    assert_eq!(
        decode(&[0xc0], &[], &t).expect("should succeed"),
        Value::Null(t.clone())
    );
    assert_eq!(
        decode(&[0x90], &[], &t).expect("should succeed"),
        Value::List(obj(&[("port", Type::Number)]), Vec::new())
    );
}

#[test]
fn set_keeps_unknown_elements_apart() {
    let t = set(Type::String);
    let v = decode(&[0x92, 0xd4, 0, 0, 0xd4, 0, 0], &[], &t).expect("should succeed");
    assert_eq!(v.as_sequence().map(<[Value]>::len), Some(2));
    // Known duplicates merge.
    let v = decode(&[0x92, 0xa1, b'a', 0xa1, b'a'], &[], &t).expect("should succeed");
    assert_eq!(v, Value::Set(Type::String, vec![Value::string("a")]));
}

#[test]
fn empty_dynamic_value_is_null_and_json_is_the_fallback() {
    assert_eq!(
        decode(&[], &[], &Type::String).expect("should succeed"),
        Value::Null(Type::String)
    );
    assert_eq!(
        decode(&[], br#""x""#, &Type::String).expect("should succeed"),
        Value::string("x")
    );
}

#[test]
fn sensitive_marks_are_stripped_and_never_quoted() {
    let v = Value::Sensitive(Box::new(Value::string("x")));
    assert_eq!(
        encode(&v, &Type::String).expect("should succeed"),
        [0xa1, b'x']
    );
    let secret = Value::Sensitive(Box::new(Value::Map(
        Type::Number,
        ValueMap::from([("hunter2".to_string(), Value::int(42))]),
    )));
    let t = Type::Map(Box::new(Type::String));
    for err in [
        encode(&secret, &t).expect_err("should fail"),
        encode_json(&secret, &t).expect_err("should fail"),
    ] {
        let text = err.to_string();
        assert!(!text.contains("hunter2") && !text.contains("42"), "{text}");
        assert!(text.contains("expected string"), "{text}");
    }
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    for bytes in [
        &[0xdd, 0xff, 0xff, 0xff, 0xff][..], // array32 of 4 billion
        &[0xdb, 0xff, 0xff, 0xff, 0xff],     // str32 past the end
        &[0x92, 0x01],                       // truncated
        &[0xc1],                             // reserved
        &[0xc7, 0xff, 0x0c],                 // ext body past the end
        &[0x01, 0x02],                       // trailing bytes
    ] {
        assert!(
            decode(bytes, &[], &list(Type::Number)).is_err(),
            "{bytes:?}"
        );
    }
    // Dynamic inside dynamic nests only as deep as the limit.
    let mut deep = Vec::new();
    for _ in 0..300 {
        deep.extend_from_slice(&[0x92, 0xc4, 0x09]);
        deep.extend_from_slice(b"\"dynamic\"");
    }
    deep.push(0xc0);
    let err = decode(&deep, &[], &Type::Any).expect_err("should fail");
    assert!(err.message.contains("nest deeper"), "{err}");
}

#[test]
fn type_json_round_trips_and_ignores_optional_attributes() {
    for json in [
        r#""string""#,
        r#""dynamic""#,
        r#"["list","number"]"#,
        r#"["set",["map","bool"]]"#,
        r#"["tuple",["string",["object",{"a":"dynamic"}]]]"#,
        r#"["object",{"a":"string","b":["list","number"]}]"#,
    ] {
        let t = type_from_json(json.as_bytes()).expect("should succeed");
        assert_eq!(
            String::from_utf8(type_to_json(&t)).expect("should succeed"),
            json
        );
    }
    let with_optional =
        type_from_json(br#"["object",{"a":"string"},["a"]]"#).expect("should succeed");
    assert_eq!(with_optional, obj(&[("a", Type::String)]));
    assert!(type_from_json(br#"["list"]"#).is_err());
    assert!(type_from_json(br#""strin""#).is_err());
}

#[test]
fn json_dynamic_values_and_unknowns() {
    let v = decode_json(br#"{"type":["list","string"],"value":["a"]}"#, &Type::Any)
        .expect("should succeed");
    assert_eq!(v, Value::List(Type::String, vec![Value::string("a")]));
    assert_eq!(
        encode_json(&Value::string("x"), &Type::Any).expect("should succeed"),
        br#"{"type":"string","value":"x"}"#
    );
    let err = encode_json(&Value::Unknown(Type::String), &Type::String).expect_err("should fail");
    assert!(err.message.contains("unknown"), "{err}");
    // A number of any precision.
    assert!(decode_json(b"1e400", &Type::Number).is_err());
    assert_eq!(
        decode_json(b"2.5", &Type::Number).expect("should succeed"),
        Value::Number(Number::Float(2.5))
    );
}

// ------------------------------------------------------------ round trips

fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::String),
        Just(Type::Number),
        Just(Type::Bool),
        Just(Type::Any),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| Type::List(Box::new(t))),
            inner.clone().prop_map(|t| Type::Set(Box::new(t))),
            inner.clone().prop_map(|t| Type::Map(Box::new(t))),
            prop::collection::vec(inner.clone(), 0..3).prop_map(Type::Tuple),
            prop::collection::btree_map("[a-d]", inner, 0..4).prop_map(Type::object),
        ]
    })
}

/// A value of `ty`; `unknowns` allows unknowns (not in JSON), and JSON
/// gets floats that print exactly (serde_json parses floats best-effort).
fn arb_value(ty: &Type, unknowns: bool) -> BoxedStrategy<Value> {
    let null = Just(Value::Null(ty.clone()));
    let special = if unknowns {
        prop_oneof![null, Just(Value::Unknown(ty.clone()))].boxed()
    } else {
        null.boxed()
    };
    let known: BoxedStrategy<Value> = match ty {
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number if unknowns => prop_oneof![
            any::<i64>().prop_map(Value::int),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                // -0.0 goes out as the integer 0, as in cty.
                .prop_map(|f| Value::Number(Number::Float(if f == 0.0 { 0.0 } else { f }))),
        ]
        .boxed(),
        Type::Number => prop_oneof![
            any::<i64>().prop_map(Value::int),
            (-1000i32..1000).prop_map(|i| Value::Number(Number::Float(f64::from(i) / 8.0))),
        ]
        .boxed(),
        Type::Any => prop_oneof![
            Just(Type::String),
            Just(Type::Number),
            Just(Type::Bool),
            Just(list(Type::String)),
        ]
        .prop_flat_map(move |t| arb_value(&t, unknowns))
        .boxed(),
        Type::List(t) => {
            let t2 = (**t).clone();
            prop::collection::vec(arb_value(t, unknowns), 0..3)
                .prop_map(move |items| Value::List(t2.clone(), items))
                .boxed()
        }
        Type::Set(t) => {
            let t2 = (**t).clone();
            prop::collection::vec(arb_value(t, unknowns), 0..3)
                .prop_map(move |items| set_of(t2.clone(), items))
                .boxed()
        }
        Type::Map(t) => {
            let t2 = (**t).clone();
            prop::collection::btree_map("[a-z]{0,3}", arb_value(t, unknowns), 0..3)
                .prop_map(move |m| Value::Map(t2.clone(), ValueMap::from(m)))
                .boxed()
        }
        Type::Tuple(ts) => ts
            .iter()
            .map(|t| arb_value(t, unknowns))
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object(o) => {
            let names: Vec<String> = o.attrs.keys().cloned().collect();
            o.attrs
                .values()
                .map(|t| arb_value(t, unknowns))
                .collect::<Vec<_>>()
                .prop_map(move |vals| Value::Object(names.iter().cloned().zip(vals).collect()))
                .boxed()
        }
    };
    prop_oneof![1 => special, 4 => known].boxed()
}

proptest! {
    #[test]
    fn msgpack_round_trip(
        (ty, v) in arb_type().prop_flat_map(|t| (Just(t.clone()), arb_value(&t, true)))
    ) {
        let bytes = encode(&v, &ty).expect("should succeed");
        prop_assert_eq!(decode(&bytes, &[], &ty).expect("should succeed"), v);
    }

    #[test]
    fn json_round_trip(
        (ty, v) in arb_type().prop_flat_map(|t| (Just(t.clone()), arb_value(&t, false)))
    ) {
        let bytes = encode_json(&v, &ty).expect("should succeed");
        prop_assert_eq!(decode_json(&bytes, &ty).expect("should succeed"), v);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(
        ty in arb_type(),
        bytes in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let _ = decode(&bytes, &[], &ty);
        let _ = decode(&[], &bytes, &ty);
    }
}

proptest! {
    /// Type JSON written straight to bytes is exactly `Type::to_json`'s
    /// compact text, and reads back as the same type.
    #[test]
    fn type_json_bytes_are_to_json_text(
        ty in arb_type(),
        odd in "[\"\\\\a-z\u{e9}\u{1}]{1,4}",
    ) {
        let ty = Type::object(BTreeMap::from([(odd, ty.clone()), ("x".into(), ty)]));
        let bytes = ctytype::to_bytes(&ty);
        prop_assert_eq!(String::from_utf8_lossy(&bytes), ty.to_json().to_string());
        prop_assert_eq!(ctytype::from_bytes(&bytes).ok(), Some(ty));
    }
}
