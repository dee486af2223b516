//! `random_shuffle`: the strings of `input` in a random order, chosen once
//! at create. `result_count` (default: as many as `input` has) may exceed
//! the input's length, as in Terraform: further shuffles of the input are
//! appended. With `seed`, the order is determined by the seed (not the
//! order Terraform would choose). `id` is `"-"`, as in Terraform. Unlike
//! Terraform, `result_count` is at most 1,000,000.

use super::Generator;
use super::{keepers, rng_for};
use crate::object::{Attrs, finish, get, integer, invalid, set};
use async_trait::async_trait;
use infra_engine::provider::{Attribute, Failure, ResourceSchema, error};
use infra_lang::{Diagnostic, Type, Value};
use rand::seq::SliceRandom;

/// The resource type name.
pub const TYPE: &str = "random_shuffle";

/// The largest `result_count` accepted.
pub const MAX_RESULT_COUNT: i64 = 1_000_000;

/// `random_shuffle`: a [`Generator`].
pub struct RandomShuffle;

#[async_trait]
impl Generator for RandomShuffle {
    const NAME: &'static str = TYPE;

    /// The schema: `input` (list of string, required), `result_count`,
    /// `seed`, `keepers` (all force-new); computed `result` (list of string)
    /// and `id`.
    fn schema(&self) -> ResourceSchema {
        let strings = Type::List(Box::new(Type::String));
        ResourceSchema::new(
            "A random permutation of a list of strings, chosen once and kept until replaced.",
            vec![
                (
                    "input",
                    Attribute::required(strings.clone(), "The strings to shuffle.").force_new(),
                ),
                (
                    "result_count",
                    Attribute::optional(
                        Type::Number,
                        "How many strings `result` has (default: as many as `input`).",
                    )
                    .force_new(),
                ),
                (
                    "seed",
                    Attribute::optional(
                        Type::String,
                        "Makes the order a function of this text instead of random.",
                    )
                    .force_new(),
                ),
                keepers(),
                (
                    "result",
                    Attribute::computed(strings, "The shuffled strings."),
                ),
                ("id", Attribute::computed(Type::String, "Always \"-\".")),
            ],
        )
    }

    /// Checks `result_count` is 0 to [`MAX_RESULT_COUNT`] (0 means all).
    fn validate(&self, m: &Attrs) -> Vec<Diagnostic> {
        match integer(m, "result_count", TYPE) {
            Ok(Some(n)) if !(0..=MAX_RESULT_COUNT).contains(&n) => vec![invalid(format!(
                "`result_count` of `{TYPE}` must be between 0 and {MAX_RESULT_COUNT}, got {n}"
            ))],
            Ok(_) => Vec::new(),
            Err(d) => vec![d],
        }
    }

    /// Creates: shuffles `input` into `result`.
    ///
    /// # Errors
    /// A missing `input`, an invalid `result_count`, or no randomness.
    async fn create(&self, schema: &ResourceSchema, mut m: Attrs) -> Result<Value, Failure> {
        let Some(input) = get(&m, "input").as_sequence() else {
            return Err(error(format!(
                "`input` of `{TYPE}` must be a list of strings"
            )));
        };
        let count = integer(&m, "result_count", TYPE)
            .map_err(|d| vec![d])?
            .filter(|n| *n != 0)
            .map_or(Ok(input.len()), usize::try_from)
            .map_err(|_| error(format!("`result_count` of `{TYPE}` must be 0 or more")))?;
        let mut result = Vec::with_capacity(if input.is_empty() { 0 } else { count });
        if !input.is_empty() {
            let mut rng = rng_for(&m)?;
            let mut order: Vec<usize> = (0..input.len()).collect();
            while result.len() < count {
                order.shuffle(&mut rng);
                let take = (count - result.len()).min(order.len());
                result.extend(order[..take].iter().map(|&i| input[i].clone()));
            }
        }
        set(&mut m, "result", Value::List(Type::String, result));
        set(&mut m, "id", Value::string("-"));
        Ok(finish(schema, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::int;
    use crate::random::tests::create as make;

    fn list(items: &[&str]) -> Value {
        Value::List(
            Type::String,
            items.iter().map(|s| Value::string(*s)).collect(),
        )
    }

    fn strings(v: &Value) -> Vec<String> {
        v.as_sequence()
            .expect("list")
            .iter()
            .map(|s| s.as_str().expect("string").to_string())
            .collect()
    }

    #[test]
    fn is_a_permutation() {
        let m = make(TYPE, &[("input", list(&["a", "b", "c", "d"]))]).expect("create");
        let mut r = strings(&m["result"]);
        r.sort();
        assert_eq!(r, ["a", "b", "c", "d"]);
        assert_eq!(m["id"], Value::string("-"));
    }

    #[test]
    fn result_count_and_seed() {
        let cfg = [
            ("input", list(&["a", "b", "c"])),
            ("result_count", int(7)),
            ("seed", Value::string("k")),
        ];
        let a = make(TYPE, &cfg).expect("create");
        let b = make(TYPE, &cfg).expect("create");
        let r = strings(&a["result"]);
        assert_eq!(r.len(), 7);
        assert_eq!(a["result"], b["result"]);
        let mut first: Vec<_> = r[..3].to_vec();
        first.sort();
        assert_eq!(first, ["a", "b", "c"]);
        let m = make(
            TYPE,
            &[("input", list(&["a", "b"])), ("result_count", int(1))],
        )
        .expect("create");
        assert_eq!(strings(&m["result"]).len(), 1);
        let m = make(TYPE, &[("input", list(&[]))]).expect("create");
        assert!(strings(&m["result"]).is_empty());
        assert!(make(TYPE, &[("input", list(&["a"])), ("result_count", int(-1))]).is_err());
    }
}
