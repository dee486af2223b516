//! Reading and building resource objects: attribute look-ups that see
//! through sensitive marks, typed getters with clear errors, and `finish`,
//! which completes a state object to its schema (every attribute present,
//! sensitive ones marked). Shared by every provider in this crate.

use infra_engine::provider::{Failure, PlanRequest, PlannedState, ResourceSchema, error};
use infra_lang::value::Number;
use infra_lang::value::ValueMap;
use infra_lang::{Diagnostic, Type, Value};

/// The attributes of a resource object, by name.
pub type Attrs = ValueMap;

/// What `get` gives for an attribute that is not there.
static NULL: Value = Value::Null(Type::Any);

/// The diagnostic code of every `validate` error in this crate.
pub const INVALID: &str = "provider::invalid-argument";

/// An error diagnostic for `Provider::validate`, code
/// [`INVALID`] (`provider::invalid-argument`).
pub fn invalid(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(INVALID, message)
}

/// `v` without any sensitive marks at its top.
pub fn peel(v: &Value) -> &Value {
    match v {
        Value::Sensitive(inner) => peel(inner),
        v => v,
    }
}

/// The attributes of object `v` (seen through sensitive marks).
///
/// # Errors
/// When `v` is not an object: "`<what>`: expected an object, got ...".
pub fn attrs<'a>(v: &'a Value, what: &str) -> Result<&'a Attrs, Failure> {
    match peel(v) {
        Value::Object(m) => Ok(m),
        other => Err(error(format!(
            "`{what}`: expected an object, got {}",
            other.describe()
        ))),
    }
}

/// The attributes of object `v`, taken by value (top-level sensitive marks
/// dropped: `finish` puts the schema's marks back).
///
/// # Errors
/// When `v` is not an object.
pub fn into_attrs(v: Value, what: &str) -> Result<Attrs, Failure> {
    match v.unmark().0 {
        Value::Object(m) => Ok(m),
        other => Err(error(format!(
            "`{what}`: expected an object, got {}",
            other.describe()
        ))),
    }
}

/// Attribute `name` of `m`, sensitive marks peeled off; null when absent.
pub fn get<'a>(m: &'a Attrs, name: &str) -> &'a Value {
    m.get(name).map_or(&NULL, peel)
}

/// True when attribute `name` is unknown (known only after apply).
pub fn is_unknown(m: &Attrs, name: &str) -> bool {
    get(m, name).is_unknown()
}

/// Attribute `name` as a known string; `None` when null, unknown or not a
/// string.
pub fn string<'a>(m: &'a Attrs, name: &str) -> Option<&'a str> {
    get(m, name).as_str()
}

/// Attribute `name` as a known bool; `None` when null, unknown or not a
/// bool.
pub fn boolean(m: &Attrs, name: &str) -> Option<bool> {
    match get(m, name) {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// Attribute `name` as a whole number: `Ok(None)` when null or unknown.
///
/// # Errors
/// When it is a fraction or not a number: "`<name>` of `<what>` must be a
/// whole number, got ...".
pub fn integer(m: &Attrs, name: &str, what: &str) -> Result<Option<i64>, Diagnostic> {
    match get(m, name) {
        Value::Null(_) | Value::Unknown(_) => Ok(None),
        Value::Number(n) => match n.as_i64() {
            Some(i) if n.is_integer() => Ok(Some(i)),
            _ => Err(invalid(format!(
                "`{name}` of `{what}` must be a whole number, got {n}"
            ))),
        },
        other => Err(invalid(format!(
            "`{name}` of `{what}` must be a whole number, got {}",
            other.describe()
        ))),
    }
}

/// A whole-number value.
pub fn int(i: i64) -> Value {
    Value::Number(Number::Int(i))
}

/// A string unknown until apply.
pub fn unknown_string() -> Value {
    Value::Unknown(Type::String)
}

/// Completes `m` to the object `schema` describes: attributes it lacks
/// are added as nulls of their type, sensitive attributes are marked,
/// attributes the schema does not have are dropped.
pub fn finish(schema: &ResourceSchema, mut m: Attrs) -> Value {
    if m.len() != schema.attributes.len() || schema.attributes.keys().any(|k| !m.contains_key(k)) {
        m.retain(|k, _| schema.attributes.contains_key(k));
        for (name, attr) in &schema.attributes {
            if !m.contains_key(name) {
                m.insert(name.clone(), Value::Null(attr.ty.clone()));
            }
        }
    }
    for (name, attr) in &schema.attributes {
        if attr.sensitive
            && let Some(v) = m.get_mut(name)
            && !matches!(v, Value::Sensitive(_))
        {
            let inner = std::mem::replace(v, Value::Null(Type::Any));
            *v = inner.mark_if(true);
        }
    }
    Value::Object(m)
}

/// Sets `name` in `m` (replacing what was there).
pub fn set(m: &mut Attrs, name: &str, v: Value) {
    match m.get_mut(name) {
        Some(slot) => *slot = v,
        None => {
            m.insert(name.to_string(), v);
        }
    }
}

/// The arguments that give a file's or object's content; exactly one must
/// be set (`local_file`, `aws_s3_object`).
pub const CONTENT_ARGS: [&str; 3] = ["content", "content_base64", "source"];

/// Checks the content arguments of `what` (e.g. `local_file`): exactly one
/// of [`CONTENT_ARGS`], and `content_base64` valid base64. `source_help`
/// says what `source` does for this type ("copy a file").
pub fn check_content_args(what: &str, m: &Attrs, source_help: &str) -> Vec<Diagnostic> {
    use base64::Engine;
    let mut out = Vec::new();
    let given: Vec<&str> = CONTENT_ARGS
        .into_iter()
        .filter(|n| !get(m, n).is_null())
        .collect();
    match given.as_slice() {
        [] => out.push(
            invalid(format!(
                "`{what}` needs one of `content`, `content_base64` or `source`"
            ))
            .with_help(format!(
                "Set `content` for text, `content_base64` for binary data, or `source` to {source_help}."
            )),
        ),
        [_] => {}
        several => out.push(invalid(format!(
            "`{what}` takes only one of `content`, `content_base64` and `source`, got `{}`",
            several.join("` and `")
        ))),
    }
    if let Some(b) = string(m, "content_base64")
        && let Err(e) = base64::engine::general_purpose::STANDARD.decode(b)
    {
        out.push(
            invalid(format!(
                "`content_base64` of `{what}` is not valid base64: {e}"
            ))
            .with_help("Encode the bytes with `base64encode(...)` or `filebase64(...)`."),
        );
    }
    out
}

/// Turns the errors among `diags` into a [`Failure`], if any.
///
/// # Errors
/// `diags` itself when it holds an error.
pub fn check(diags: Vec<Diagnostic>) -> Result<(), Failure> {
    if diags.iter().any(Diagnostic::is_error) {
        Err(diags)
    } else {
        Ok(())
    }
}

/// True when `a` and `b` are the same value, ignoring sensitive marks,
/// the types of nulls and of collection elements (state read back from a
/// file and configuration may differ there). An unknown is never the same
/// as anything.
pub fn same(a: &Value, b: &Value) -> bool {
    let (a, b) = (peel(a), peel(b));
    match (a, b) {
        (Value::Null(_), Value::Null(_)) => true,
        (Value::Unknown(_), _) | (_, Value::Unknown(_)) => false,
        _ => match (a.as_sequence(), b.as_sequence()) {
            (Some(x), Some(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
            (None, None) => match (a.as_mapping(), b.as_mapping()) {
                (Some(x), Some(y)) => {
                    x.len() == y.len()
                        && x.iter()
                            .zip(y)
                            .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
                }
                (None, None) => a == b,
                _ => false,
            },
            _ => false,
        },
    }
}

/// True when `prior` exists and a force-new attribute of `planned` differs
/// from it: the engine will replace the object, so computed attributes are
/// those of a new one.
pub fn replaces(schema: &ResourceSchema, prior: Option<&Value>, planned: &Attrs) -> bool {
    let Some(prior) = prior else {
        return false;
    };
    let Ok(prior) = attrs(prior, "prior state") else {
        return true;
    };
    schema
        .attributes
        .iter()
        .filter(|(_, a)| a.force_new)
        .any(|(n, _)| !same(get(prior, n), get(planned, n)))
}

/// The start of a plan: the engine's proposal as attributes, and whether
/// the object will be new.
pub struct Proposal {
    /// The proposed new state, defaults filled in.
    pub attrs: Attrs,
    /// True when the object will be created (no prior state, or a
    /// force-new attribute changed): computed attributes are new then.
    pub fresh: bool,
}

/// Starts planning `request` of a resource with `schema`: takes the
/// proposal, sets each `(name, value)` of `defaults` where the
/// configuration leaves it null (so removing an argument goes back to its
/// default, as in Terraform), and tells whether the object is new.
///
/// # Errors
/// When the configuration or proposal is not an object.
pub fn propose(
    schema: &ResourceSchema,
    type_name: &str,
    request: PlanRequest<'_>,
    defaults: &[(&str, Value)],
) -> Result<Proposal, Failure> {
    let config = attrs(request.config, type_name)?;
    let mut m = into_attrs(request.proposed, type_name)?;
    for (name, default) in defaults {
        if get(config, name).is_null() {
            set(&mut m, name, default.clone());
        }
    }
    let fresh = request.prior.is_none() || replaces(schema, request.prior, &m);
    Ok(Proposal { attrs: m, fresh })
}

/// Sets every computed-only attribute of `schema` in `m` to unknown.
pub fn unknown_computed(schema: &ResourceSchema, m: &mut Attrs) {
    for (name, attr) in &schema.attributes {
        if attr.read_only() {
            set(m, name, Value::Unknown(attr.ty.clone()));
        }
    }
}

/// True when a computed-only attribute of `schema` is unknown in `m`.
pub fn computed_unknown(schema: &ResourceSchema, m: &Attrs) -> bool {
    schema
        .attributes
        .iter()
        .any(|(name, attr)| attr.read_only() && is_unknown(m, name))
}

/// A plan answer with `m` completed to `schema`, no extra replacement
/// reasons and no warnings.
pub fn planned(schema: &ResourceSchema, m: Attrs) -> PlannedState {
    PlannedState::new(finish(schema, m))
}

/// "provider `<provider>` has no resource type `<type_name>`".
pub fn no_such_type(provider: &str, type_name: &str) -> Failure {
    error(format!(
        "provider `{provider}` has no resource type `{type_name}`"
    ))
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// Runs blocking work `f` (file I/O, hashing) on tokio's blocking pool.
///
/// # Errors
/// `f`'s error, or "<what>: the worker task failed" when it panicked.
pub async fn blocking<T, F>(what: &str, f: F) -> Result<T, Failure>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Failure> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(error(format!("{what}: the worker task failed: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_engine::provider::Attribute;

    #[test]
    fn finish_fills_nulls_and_marks_sensitive() {
        let schema = ResourceSchema::new(
            "t",
            vec![
                ("a", Attribute::optional(Type::String, "a")),
                ("s", Attribute::computed(Type::String, "s").sensitive()),
            ],
        );
        let mut m = Attrs::new();
        m.insert("s".into(), Value::string("x"));
        m.insert("junk".into(), Value::Bool(true));
        let v = finish(&schema, m);
        let m = attrs(&v, "t").expect("object");
        assert_eq!(m.len(), 2);
        assert_eq!(m["a"], Value::Null(Type::String));
        assert_eq!(m["s"], Value::string("x").mark_if(true));
        assert_eq!(string(m, "s"), Some("x"));
    }

    #[test]
    fn integer_rejects_fractions() {
        let mut m = Attrs::new();
        m.insert("n".into(), Value::Number(Number::Float(1.5)));
        m.insert("i".into(), int(3));
        assert!(integer(&m, "n", "x").is_err());
        assert_eq!(integer(&m, "i", "x").expect("int"), Some(3));
        assert_eq!(integer(&m, "missing", "x").expect("null"), None);
    }

    #[test]
    fn same_ignores_marks_and_null_types() {
        assert!(same(&Value::string("a").mark_if(true), &Value::string("a")));
        assert!(same(&Value::Null(Type::String), &Value::NULL));
        assert!(same(&int(1), &Value::Number(Number::Float(1.0))));
        assert!(!same(&Value::unknown(), &Value::unknown()));
        assert!(same(
            &Value::List(Type::Any, vec![]),
            &Value::List(Type::String, vec![])
        ));
        assert!(!same(&Value::string("a"), &Value::string("b")));
    }

    #[test]
    fn hex_encodes() {
        assert_eq!(hex(&[0, 0xab, 0x0f]), "00ab0f");
    }
}
