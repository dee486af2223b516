//! `random_integer`: a whole number between `min` and `max` inclusive,
//! chosen once at create; `id` is it as a string. With `seed`, the choice
//! is determined by the seed (not the number Terraform would choose).

use super::Generator;
use super::{keepers, rng_for};
use crate::object::{Attrs, finish, int, integer, invalid, set};
use async_trait::async_trait;
use infra_engine::provider::{Attribute, Failure, ResourceSchema, error};
use infra_lang::{Diagnostic, Type, Value};
use rand::Rng;

/// The resource type name.
pub const TYPE: &str = "random_integer";

/// `random_integer`: a [`Generator`].
pub struct RandomInteger;

#[async_trait]
impl Generator for RandomInteger {
    const NAME: &'static str = TYPE;

    /// The schema: `min`, `max` (required), `seed`, `keepers` (all
    /// force-new); computed `result` (number) and `id` (string).
    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A random whole number in a range, chosen once and kept until replaced.",
            vec![
                (
                    "min",
                    Attribute::required(Type::Number, "The smallest possible result (inclusive).")
                        .force_new(),
                ),
                (
                    "max",
                    Attribute::required(Type::Number, "The largest possible result (inclusive).")
                        .force_new(),
                ),
                (
                    "seed",
                    Attribute::optional(
                        Type::String,
                        "Makes the result a function of this text instead of random.",
                    )
                    .force_new(),
                ),
                keepers(),
                (
                    "result",
                    Attribute::computed(Type::Number, "The chosen number."),
                ),
                (
                    "id",
                    Attribute::computed(Type::String, "The chosen number, as a string."),
                ),
            ],
        )
    }

    /// Checks `min` and `max` are whole numbers with `min <= max`.
    fn validate(&self, m: &Attrs) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut bound = |name| match integer(m, name, TYPE) {
            Ok(v) => v,
            Err(d) => {
                out.push(d);
                None
            }
        };
        let (min, max) = (bound("min"), bound("max"));
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            out.push(invalid(format!(
                "`min` of `{TYPE}` ({min}) must be at most `max` ({max})"
            )));
        }
        out
    }

    /// Creates: chooses `result`.
    ///
    /// # Errors
    /// Missing or invalid bounds, or no randomness.
    async fn create(&self, schema: &ResourceSchema, mut m: Attrs) -> Result<Value, Failure> {
        let bound = |name| {
            integer(&m, name, TYPE)
                .map_err(|d| vec![d])?
                .ok_or_else(|| error(format!("`{TYPE}` needs `{name}`")))
        };
        let (min, max) = (bound("min")?, bound("max")?);
        if min > max {
            return Err(error(format!(
                "`min` of `{TYPE}` ({min}) must be at most `max` ({max})"
            )));
        }
        let result = rng_for(&m)?.random_range(min..=max);
        set(&mut m, "result", int(result));
        set(&mut m, "id", Value::String(result.to_string()));
        Ok(finish(schema, m))
    }

    /// Imports `RESULT,MIN,MAX` or `RESULT,MIN,MAX,SEED`, Terraform's
    /// format; `id` is the result.
    ///
    /// # Errors
    /// Another format, numbers that are not whole, or a result outside
    /// the range.
    async fn import(&self, schema: &ResourceSchema, id: &str) -> Result<Value, Failure> {
        let bad = || {
            error(format!(
                "`{TYPE}` imports ids of the form RESULT,MIN,MAX or RESULT,MIN,MAX,SEED, got {id:?}"
            ))
        };
        let parts: Vec<&str> = id.splitn(4, ',').collect();
        if parts.len() < 3 {
            return Err(bad());
        }
        let mut nums = [0i64; 3];
        for (n, p) in nums.iter_mut().zip(&parts) {
            *n = p.trim().parse().map_err(|_| bad())?;
        }
        let [result, min, max] = nums;
        if !(min..=max).contains(&result) {
            return Err(error(format!(
                "`{TYPE}`: {result} is not between `min` ({min}) and `max` ({max})"
            )));
        }
        let mut m = Attrs::new();
        set(&mut m, "result", int(result));
        set(&mut m, "min", int(min));
        set(&mut m, "max", int(max));
        if let Some(seed) = parts.get(3) {
            set(&mut m, "seed", Value::string(*seed));
        }
        set(&mut m, "id", Value::String(result.to_string()));
        Ok(finish(schema, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::tests::create as make;

    #[test]
    fn result_in_range() {
        for _ in 0..20 {
            let m = make(TYPE, &[("min", int(-3)), ("max", int(3))]).expect("create");
            let Value::Number(n) = &m["result"] else {
                panic!("not a number")
            };
            let n = n.as_i64().expect("int");
            assert!((-3..=3).contains(&n));
            assert_eq!(m["id"], Value::String(n.to_string()));
        }
        let m = make(TYPE, &[("min", int(i64::MIN)), ("max", int(i64::MAX))]).expect("full range");
        assert!(matches!(m["result"], Value::Number(_)));
    }

    #[test]
    fn seed_makes_it_repeatable() {
        let cfg = [
            ("min", int(1)),
            ("max", int(1_000_000)),
            ("seed", Value::string("s")),
        ];
        let a = make(TYPE, &cfg).expect("create");
        let b = make(TYPE, &cfg).expect("create");
        assert_eq!(a["result"], b["result"]);
    }

    #[test]
    fn min_above_max_is_rejected() {
        let err = make(TYPE, &[("min", int(5)), ("max", int(3))]).expect_err("invalid");
        assert_eq!(
            err[0].message,
            "`min` of `random_integer` (5) must be at most `max` (3)"
        );
        let err = make(
            TYPE,
            &[
                ("min", Value::Number(infra_lang::value::Number::Float(0.5))),
                ("max", int(3)),
            ],
        )
        .expect_err("invalid");
        assert!(
            err[0].message.contains("whole number"),
            "{}",
            err[0].message
        );
    }
}
