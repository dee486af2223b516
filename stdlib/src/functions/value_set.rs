//! A hash set of values under Terraform's `==` (same type and content), so
//! `distinct`, `setintersection` and `setsubtract` take time linear in
//! their input instead of comparing every pair.

use super::unify::same;
use infra_lang::Value;
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};

/// Values bucketed by a hash that equal values share; members are told
/// apart with [`same`], so a collision costs a comparison, never a wrong
/// answer.
pub(crate) struct ValueSet<'a> {
    hasher: RandomState,
    buckets: HashMap<u64, Vec<&'a Value>>,
}

impl<'a> ValueSet<'a> {
    /// An empty set.
    pub(crate) fn new() -> ValueSet<'a> {
        ValueSet {
            hasher: RandomState::new(),
            buckets: HashMap::new(),
        }
    }

    /// A set of `items`.
    pub(crate) fn of(items: impl IntoIterator<Item = &'a Value>) -> ValueSet<'a> {
        let mut set = ValueSet::new();
        for v in items {
            set.insert(v);
        }
        set
    }

    fn key(&self, v: &Value) -> u64 {
        let mut h = self.hasher.build_hasher();
        hash_value(v, &mut h);
        h.finish()
    }

    /// True when a value equal to `v` is in the set.
    pub(crate) fn contains(&self, v: &Value) -> bool {
        self.buckets
            .get(&self.key(v))
            .is_some_and(|b| b.iter().any(|o| same(o, v)))
    }

    /// Adds `v`; false when an equal value was there already.
    pub(crate) fn insert(&mut self, v: &'a Value) -> bool {
        let bucket = self.buckets.entry(self.key(v)).or_default();
        if bucket.iter().any(|o| same(o, v)) {
            return false;
        }
        bucket.push(v);
        true
    }
}

/// Feeds `v` to `h` so that values equal under [`same`] hash alike:
/// numbers by their `f64` (`Int(2)` equals `Float(2.0)`), types and
/// sensitive marks not at all (equal values have equal types anyway).
fn hash_value(v: &Value, h: &mut impl Hasher) {
    match v {
        Value::Null(_) => 0u8.hash(h),
        Value::Unknown(_) => 1u8.hash(h),
        Value::Bool(b) => (2u8, b).hash(h),
        Value::Number(n) => (3u8, n.as_f64().to_bits()).hash(h),
        Value::String(s) => (4u8, s).hash(h),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            (5u8, items.len()).hash(h);
            for item in items {
                hash_value(item, h);
            }
        }
        Value::Map(_, m) | Value::Object(m) => {
            (6u8, m.len()).hash(h);
            for (k, item) in m {
                k.hash(h);
                hash_value(item, h);
            }
        }
        Value::Sensitive(inner) => hash_value(inner, h),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::value::Number;

    #[test]
    fn equal_values_are_found_and_different_ones_are_not() {
        let a = [
            Value::int(2),
            Value::string("2"),
            Value::Tuple(vec![Value::int(1)]),
        ];
        let set = ValueSet::of(&a);
        assert!(set.contains(&Value::Number(Number::Float(2.0))));
        assert!(set.contains(&Value::string("2")));
        assert!(set.contains(&Value::Tuple(vec![Value::int(1)])));
        assert!(!set.contains(&Value::int(3)));
        assert!(!set.contains(&Value::Bool(true)));
    }
}
