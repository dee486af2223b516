//! `ValueMap`: the entries of a map or object value, kept as one vector
//! sorted by key.
//!
//! It replaces `BTreeMap<String, Value>`, whose smallest node holds eleven
//! entries (some 900 bytes) whatever the map's size: most maps and objects a
//! plan builds have a handful of attributes, and allocations of B-tree
//! nodes were half of a 10,000-instance plan's peak heap (DHAT). A sorted vector costs its entries alone,
//! and is built from ordered input (decoded state, evaluated objects,
//! conversions) by appending. The API mirrors `BTreeMap`'s, so iteration is
//! in key order (Terraform's order for maps and objects), as it was.

use super::Value;
use std::borrow::Borrow;
use std::fmt;

/// Entries sorted by key, keys distinct.
#[derive(Clone, Default, PartialEq)]
pub struct ValueMap {
    entries: Vec<(String, Value)>,
}

/// Iterator over `(&key, &value)` in key order.
pub type Iter<'a> = std::iter::Map<
    std::slice::Iter<'a, (String, Value)>,
    fn(&'a (String, Value)) -> (&'a String, &'a Value),
>;

/// Iterator over `(&key, &mut value)` in key order.
pub type IterMut<'a> = std::iter::Map<
    std::slice::IterMut<'a, (String, Value)>,
    fn(&'a mut (String, Value)) -> (&'a String, &'a mut Value),
>;

fn pair_ref(e: &(String, Value)) -> (&String, &Value) {
    (&e.0, &e.1)
}

fn pair_mut(e: &mut (String, Value)) -> (&String, &mut Value) {
    (&e.0, &mut e.1)
}

impl ValueMap {
    /// An empty map.
    pub const fn new() -> ValueMap {
        ValueMap {
            entries: Vec::new(),
        }
    }

    /// An empty map with room for `n` entries.
    pub fn with_capacity(n: usize) -> ValueMap {
        ValueMap {
            entries: Vec::with_capacity(n),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    fn find<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.binary_search_by(|e| e.0.borrow().cmp(key))
    }

    /// The value under `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&Value>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value under `key`, to change.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut Value>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// True when `key` has an entry.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaces. Appending
    /// a key greater than every other (the usual case: ordered input)
    /// costs no search.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        if self.entries.last().is_none_or(|(last, _)| *last < key) {
            self.entries.push((key, value));
            return None;
        }
        match self.find(key.as_str()) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Removes `key`'s entry, returning its value.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<Value>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Removes `key`'s entry, returning it.
    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(String, Value)>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| self.entries.remove(i))
    }

    /// The entry under `key`, to fill in or change.
    pub fn entry(&mut self, key: String) -> Entry<'_> {
        Entry { map: self, key }
    }

    /// Keeps only the entries `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Value) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// `(&key, &value)` in key order.
    pub fn iter(&self) -> Iter<'_> {
        self.entries.iter().map(pair_ref)
    }

    /// `(&key, &mut value)` in key order.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        self.entries.iter_mut().map(pair_mut)
    }

    /// Keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator + Clone {
        self.entries.iter().map(|e| &e.0)
    }

    /// Values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator + Clone {
        self.entries.iter().map(|e| &e.1)
    }

    /// Keys in order, consuming the map.
    pub fn into_keys(self) -> impl DoubleEndedIterator<Item = String> + ExactSizeIterator {
        self.entries.into_iter().map(|e| e.0)
    }

    /// Values in key order, consuming the map.
    pub fn into_values(self) -> impl DoubleEndedIterator<Item = Value> + ExactSizeIterator {
        self.entries.into_iter().map(|e| e.1)
    }
}

/// One key's place in a [`ValueMap`] (what `ValueMap::entry` returns).
pub struct Entry<'a> {
    map: &'a mut ValueMap,
    key: String,
}

impl<'a> Entry<'a> {
    /// The value under the key, inserting `value` first when there is none.
    pub fn or_insert(self, value: Value) -> &'a mut Value {
        self.or_insert_with(|| value)
    }

    /// The value under the key, inserting `make()` first when there is none.
    pub fn or_insert_with(self, make: impl FnOnce() -> Value) -> &'a mut Value {
        let i = match self.map.find(self.key.as_str()) {
            Ok(i) => i,
            Err(i) => {
                self.map.entries.insert(i, (self.key, make()));
                i
            }
        };
        &mut self.map.entries[i].1
    }
}

impl fmt::Debug for ValueMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(String, Value)> for ValueMap {
    /// Entries in any order; of several with one key, the last wins (as
    /// `BTreeMap`'s `collect` keeps it).
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> ValueMap {
        let mut entries: Vec<(String, Value)> = iter.into_iter().collect();
        if entries.windows(2).all(|w| w[0].0 < w[1].0) {
            // A vector grown by pushing keeps up to twice its length.
            entries.shrink_to_fit();
            return ValueMap { entries };
        }
        // Stable, so equal keys stay in arrival order and the last is kept.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(String, Value)> = Vec::with_capacity(entries.len());
        for e in entries {
            match out.last_mut() {
                Some(last) if last.0 == e.0 => *last = e,
                _ => out.push(e),
            }
        }
        ValueMap { entries: out }
    }
}

impl Extend<(String, Value)> for ValueMap {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<const N: usize> From<[(String, Value); N]> for ValueMap {
    fn from(entries: [(String, Value); N]) -> ValueMap {
        entries.into_iter().collect()
    }
}

impl From<std::collections::BTreeMap<String, Value>> for ValueMap {
    fn from(map: std::collections::BTreeMap<String, Value>) -> ValueMap {
        ValueMap {
            entries: map.into_iter().collect(),
        }
    }
}

impl IntoIterator for ValueMap {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a ValueMap {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut ValueMap {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

impl<Q> std::ops::Index<&Q> for ValueMap
where
    String: Borrow<Q>,
    Q: Ord + ?Sized,
{
    type Output = Value;

    /// The value under `key`.
    ///
    /// # Panics
    /// When `key` has no entry, as `BTreeMap`'s index does; use
    /// [`ValueMap::get`] where the key may be absent.
    fn index(&self, key: &Q) -> &Value {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no entry for the key"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        /// Every operation gives what `BTreeMap` gives, in the same order.
        #[test]
        fn behaves_as_a_btree_map(ops in proptest::collection::vec((0u8..4, "[a-e]{0,2}", 0i64..5), 0..60)) {
            let mut ours = ValueMap::new();
            let mut theirs = BTreeMap::new();
            for (op, k, v) in ops {
                match op {
                    0 | 1 => prop_assert_eq!(ours.insert(k.clone(), Value::int(v)), theirs.insert(k, Value::int(v))),
                    2 => prop_assert_eq!(ours.remove(k.as_str()), theirs.remove(k.as_str())),
                    _ => {
                        *ours.entry(k.clone()).or_insert(Value::int(v)) = Value::int(v + 1);
                        *theirs.entry(k).or_insert(Value::int(v)) = Value::int(v + 1);
                    }
                }
                let a: Vec<_> = ours.iter().collect();
                let b: Vec<_> = theirs.iter().collect();
                prop_assert_eq!(a, b);
            }
        }

        /// Collecting keeps the last of equal keys, in key order.
        #[test]
        fn collects_as_a_btree_map(pairs in proptest::collection::vec(("[a-d]{0,2}", 0i64..5), 0..30)) {
            let ours: ValueMap = pairs.iter().map(|(k, v)| (k.clone(), Value::int(*v))).collect();
            let theirs: BTreeMap<String, Value> = pairs.iter().map(|(k, v)| (k.clone(), Value::int(*v))).collect();
            prop_assert_eq!(ours, ValueMap::from(theirs));
        }
    }
}
