//! `random_string`: a random string of `length` characters drawn from the
//! enabled classes (upper- and lower-case letters, digits, specials),
//! with at least `min_*` of each class, generated once at create.
//! `result` and `id` are the string. Its arguments, checks and generator
//! are shared with `random_password` (see `random_password.rs`).
//!
//! As in Terraform: `override_special = ""` means the default specials;
//! `min_*` characters are included even when their class is disabled.
//! Unlike Terraform: `length` is at most 1,048,576, and
//! `override_special` may hold any Unicode characters.

use super::Generator;
use super::{keepers, os_rng};
use crate::object::{Attrs, boolean, finish, get, int, integer, invalid, set, string};
use async_trait::async_trait;
use infra_engine::provider::{Attribute, Failure, ResourceSchema, error};
use infra_lang::{Diagnostic, Type, Value};
use rand::Rng;
use rand::seq::SliceRandom;

/// The resource type name.
pub const TYPE: &str = "random_string";

/// The longest `length` accepted.
pub const MAX_LENGTH: i64 = 1 << 20;

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const NUMERIC: &str = "0123456789";
/// The specials used unless `override_special` is set.
pub const SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

/// The character classes: (switch, minimum count) attribute names.
const CLASSES: [(&str, &str); 4] = [
    ("upper", "min_upper"),
    ("lower", "min_lower"),
    ("numeric", "min_numeric"),
    ("special", "min_special"),
];

/// The arguments of `random_string` and `random_password`: `length`,
/// `upper`/`lower`/`numeric`/`special` (bool, default true),
/// `min_upper`/`min_lower`/`min_numeric`/`min_special` (number, default 0),
/// `override_special`, `keepers`; all force-new.
pub fn arguments() -> Vec<(&'static str, Attribute)> {
    let switch = |d| Attribute::optional_computed(Type::Bool, d).force_new();
    let min = |d| Attribute::optional_computed(Type::Number, d).force_new();
    vec![
        (
            "length",
            Attribute::required(Type::Number, "The number of characters, at least 1.").force_new(),
        ),
        ("upper", switch("Include upper-case letters (default true).")),
        ("lower", switch("Include lower-case letters (default true).")),
        ("numeric", switch("Include digits (default true).")),
        (
            "special",
            switch("Include special characters `!@#$%&*()-_=+[]{}<>:?` (default true)."),
        ),
        ("min_upper", min("At least this many upper-case letters (default 0).")),
        ("min_lower", min("At least this many lower-case letters (default 0).")),
        ("min_numeric", min("At least this many digits (default 0).")),
        ("min_special", min("At least this many special characters (default 0).")),
        (
            "override_special",
            Attribute::optional(
                Type::String,
                "The special characters to use instead of the default ones (when `special` is true).",
            )
            .force_new(),
        ),
        keepers(),
    ]
}

/// The defaults plan fills in: every class on, every minimum 0.
pub fn defaults() -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    for (switch, min) in CLASSES {
        out.push((switch, Value::Bool(true)));
        out.push((min, int(0)));
    }
    out
}

/// The attributes of a `random_string` or `random_password` imported
/// with `result`, as Terraform's random provider imports them: `length`
/// its number of characters, every class on, every minimum 0, `result`
/// the string (`id` and `bcrypt_hash` are the caller's).
///
/// # Errors
/// An empty `result`.
pub fn imported(type_name: &str, result: &str) -> Result<Attrs, Failure> {
    if result.is_empty() {
        return Err(error(format!(
            "`{type_name}` cannot import an empty string"
        )));
    }
    let mut m = Attrs::new();
    let length = i64::try_from(result.chars().count()).unwrap_or(i64::MAX);
    set(&mut m, "length", int(length));
    for (name, v) in defaults() {
        set(&mut m, name, v);
    }
    set(&mut m, "result", Value::string(result));
    Ok(m)
}

/// Checks `length` (1 to [`MAX_LENGTH`], at least the sum of the
/// minimums), the minimums (0 or more) and that some class can fill the
/// length beyond the minimums. Unknown values are not checked.
pub fn validate(type_name: &str, m: &Attrs) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let length = match integer(m, "length", type_name) {
        Ok(Some(n)) if n < 1 => {
            out.push(invalid(format!(
                "`length` of `{type_name}` must be at least 1, got {n}"
            )));
            None
        }
        Ok(Some(n)) if n > MAX_LENGTH => {
            out.push(invalid(format!(
                "`length` of `{type_name}` must be at most {MAX_LENGTH}, got {n}"
            )));
            None
        }
        Ok(n) => n,
        Err(d) => {
            out.push(d);
            None
        }
    };
    let mut sum = Some(0i64);
    for (_, min) in CLASSES {
        match integer(m, min, type_name) {
            Ok(Some(n)) if !(0..=MAX_LENGTH).contains(&n) => {
                out.push(invalid(format!(
                    "`{min}` of `{type_name}` must be between 0 and {MAX_LENGTH}, got {n}"
                )));
                sum = None;
            }
            Ok(Some(n)) => sum = sum.map(|s| s + n),
            Ok(None) if get(m, min).is_null() => {}
            Ok(None) => sum = None,
            Err(d) => {
                out.push(d);
                sum = None;
            }
        }
    }
    if let (Some(length), Some(sum)) = (length, sum) {
        if length < sum {
            out.push(invalid(format!(
                "`length` of `{type_name}` ({length}) must be at least the sum of `min_upper`, `min_lower`, `min_numeric` and `min_special` ({sum})"
            )));
        } else if length > sum
            && CLASSES
                .iter()
                .all(|(switch, _)| boolean(m, switch) == Some(false))
        {
            out.push(
                invalid(format!(
                    "`{type_name}` has no characters to choose from: `upper`, `lower`, `numeric` and `special` are all false"
                ))
                .with_help("Set one of them to true, or raise the `min_*` counts to cover the whole length."),
            );
        }
    }
    out
}

/// Generates the string `m` (a planned state, defaults filled) asks for.
///
/// # Errors
/// When an argument is missing or invalid, or no randomness is available.
pub fn generate(type_name: &str, m: &Attrs) -> Result<String, Failure> {
    let count = |name: &str, default: i64| -> Result<usize, Failure> {
        let n = integer(m, name, type_name)
            .map_err(|d| vec![d])?
            .unwrap_or(default);
        usize::try_from(n).map_err(|_| {
            error(format!(
                "`{name}` of `{type_name}` must be 0 or more, got {n}"
            ))
        })
    };
    if get(m, "length").is_null() {
        return Err(error(format!("`{type_name}` needs `length`")));
    }
    let length = count("length", 0)?;
    let special: Vec<char> = match string(m, "override_special") {
        Some(s) if !s.is_empty() => s.chars().collect(),
        _ => SPECIAL.chars().collect(),
    };
    let sets: [Vec<char>; 4] = [
        UPPER.chars().collect(),
        LOWER.chars().collect(),
        NUMERIC.chars().collect(),
        special,
    ];
    let mut rng = os_rng()?;
    let mut out: Vec<char> = Vec::with_capacity(length);
    let mut pool: Vec<char> = Vec::new();
    for ((switch, min), chars) in CLASSES.iter().zip(&sets) {
        if boolean(m, switch).unwrap_or(true) {
            pool.extend(chars);
        }
        for _ in 0..count(min, 0)? {
            out.push(chars[rng.random_range(0..chars.len())]);
        }
    }
    if out.len() > length {
        return Err(error(format!(
            "`length` of `{type_name}` ({length}) must be at least the sum of the `min_*` counts ({})",
            out.len()
        )));
    }
    if out.len() < length && pool.is_empty() {
        return Err(error(format!(
            "`{type_name}` has no characters to choose from: `upper`, `lower`, `numeric` and `special` are all false"
        )));
    }
    while out.len() < length {
        out.push(pool[rng.random_range(0..pool.len())]);
    }
    out.shuffle(&mut rng);
    Ok(out.into_iter().collect())
}

/// `random_string`: a [`Generator`].
pub struct RandomString;

#[async_trait]
impl Generator for RandomString {
    const NAME: &'static str = TYPE;

    /// The schema of `random_string`: [`arguments`] and computed `result`
    /// and `id` (both the string).
    fn schema(&self) -> ResourceSchema {
        let mut attributes = arguments();
        attributes.push((
            "result",
            Attribute::computed(Type::String, "The generated string."),
        ));
        attributes.push((
            "id",
            Attribute::computed(Type::String, "The generated string."),
        ));
        ResourceSchema::new(
            "A random string, generated once and kept until replaced.",
            attributes,
        )
    }

    fn validate(&self, m: &Attrs) -> Vec<Diagnostic> {
        validate(TYPE, m)
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        defaults()
    }

    /// Creates: generates `result`; `id` is the same string.
    ///
    /// # Errors
    /// See [`generate`].
    async fn create(&self, schema: &ResourceSchema, mut m: Attrs) -> Result<Value, Failure> {
        let result = generate(TYPE, &m)?;
        set(&mut m, "id", Value::String(result.clone()));
        set(&mut m, "result", Value::String(result));
        Ok(finish(schema, m))
    }

    /// Imports the string `id` (see [`imported`]); `id` is the string too.
    ///
    /// # Errors
    /// An empty id.
    async fn import(&self, schema: &ResourceSchema, id: &str) -> Result<Value, Failure> {
        let mut m = imported(TYPE, id)?;
        set(&mut m, "id", Value::string(id));
        Ok(finish(schema, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::tests::create as make;

    fn result(config: &[(&str, Value)]) -> String {
        let m = make(TYPE, config).expect("create");
        assert_eq!(m["id"], m["result"]);
        m["result"].as_str().expect("string").to_string()
    }

    #[test]
    fn default_charset_and_length() {
        let s = result(&[("length", int(64))]);
        assert_eq!(s.chars().count(), 64);
        assert!(
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || SPECIAL.contains(c)),
            "{s}"
        );
    }

    #[test]
    fn classes_and_minimums() {
        let s = result(&[
            ("length", int(30)),
            ("special", Value::Bool(false)),
            ("upper", Value::Bool(false)),
            ("numeric", Value::Bool(false)),
            ("min_numeric", int(5)),
        ]);
        assert_eq!(s.len(), 30);
        assert_eq!(s.chars().filter(char::is_ascii_digit).count(), 5, "{s}");
        assert!(
            s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );

        let s = result(&[
            ("length", int(20)),
            ("upper", Value::Bool(false)),
            ("lower", Value::Bool(false)),
            ("numeric", Value::Bool(false)),
            ("override_special", Value::string("é")),
        ]);
        assert_eq!(s, "é".repeat(20));
    }

    #[test]
    fn plan_fills_defaults() {
        let m = make(TYPE, &[("length", int(3))]).expect("create");
        assert_eq!(m["upper"], Value::Bool(true));
        assert_eq!(m["min_special"], int(0));
        assert!(m["override_special"].is_null());
    }

    #[test]
    fn validation_names_the_attribute() {
        let err = make(TYPE, &[("length", int(0))]).expect_err("invalid");
        assert!(err[0].message.contains("`length`"), "{}", err[0].message);
        let err = make(
            TYPE,
            &[
                ("length", int(3)),
                ("min_upper", int(2)),
                ("min_lower", int(2)),
            ],
        )
        .expect_err("invalid");
        assert!(err[0].message.contains("sum"), "{}", err[0].message);
        let err = make(
            TYPE,
            &[
                ("length", int(3)),
                ("upper", Value::Bool(false)),
                ("lower", Value::Bool(false)),
                ("numeric", Value::Bool(false)),
                ("special", Value::Bool(false)),
            ],
        )
        .expect_err("invalid");
        assert!(
            err[0].message.contains("no characters"),
            "{}",
            err[0].message
        );
        let err = make(TYPE, &[("length", int(3)), ("min_upper", int(-1))]).expect_err("invalid");
        assert!(err[0].message.contains("`min_upper`"), "{}", err[0].message);
        assert!(
            validate(
                TYPE,
                &crate::object::attrs(
                    &crate::random::tests::obj(&[("length", Value::unknown())]),
                    TYPE
                )
                .expect("object")
                .clone()
            )
            .is_empty()
        );
    }
}
