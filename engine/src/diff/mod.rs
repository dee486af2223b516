//! The value diff of one object: which attributes change from `before` to
//! `after`, and how (added, removed, redacted because sensitive, a
//! multi-line string line by line, a nested object attribute by
//! attribute, a list element by element, or replaced whole), with the
//! attributes that force replacement marked. Computed here once; the
//! human and Markdown plan and drift renderers only print it
//! ([`layout`] says how a value is printed). Mirrors the diff of
//! Terraform's plan renderer. [`paths`] is the flat form drift
//! detection records, path by path; [`blocks`] the schema's shape of
//! an object (nested blocks apart, matched by nesting mode).

pub mod blocks;
pub mod layout;
pub mod paths;

pub use paths::{PathChange, changed_attributes, paths};

use infra_lang::Value;
use infra_lang::value::ValueMap;

/// The attribute-level differences of two objects.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectDiff {
    /// The attributes that change, in name order.
    pub changed: Vec<AttributeChange>,
    /// How many attributes (not null on both sides) do not change.
    pub unchanged: usize,
    /// The unchanged attributes shown, in name order, with their values;
    /// counted in [`ObjectDiff::unchanged`] too: those Terraform's
    /// renderer always shows (`id`, `name`, `tags`: what identifies an
    /// object), or every one under [`ObjectDiff::show_all`].
    pub important: Vec<(String, Value)>,
    /// Every unchanged attribute, entry or element is shown, at any depth:
    /// this is (inside) the value of an attribute named `id`, `name` or
    /// `tags`, which Terraform's renderer prints with
    /// `ShowUnchangedChildren` (`renderers/block.go`, `object.go`).
    pub show_all: bool,
    /// The width of the widest attribute name not null on both sides,
    /// changed or not ([`ObjectDiff::full_width`]).
    width: usize,
    /// The values compared are maps: keys are quoted, unchanged ones are
    /// "elements", and none is [`ObjectDiff::important`].
    pub map: bool,
}

/// The attribute names Terraform's plan renderer shows even when they do
/// not change (`importantAttributes` in its `renderers/block.go`).
pub const IMPORTANT: &[&str] = &["id", "name", "tags"];

/// One attribute (or output) that changes.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeChange {
    /// The attribute's name.
    pub name: String,
    /// Its value before (null when it was not there).
    pub before: Value,
    /// Its value after (null when it is gone).
    pub after: Value,
    /// A change of it forces replacement of the object.
    pub forces_replacement: bool,
    /// How it changes.
    pub change: Change,
    /// Its unchanged parts are all shown, as Terraform's renderer shows
    /// the value of an attribute named `id`, `name` or `tags` (and all
    /// within it): no list element, entry or attribute is hidden.
    pub show_all: bool,
}

/// How an attribute changes.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// It was null: the value is added.
    Added,
    /// It becomes null: the value is removed.
    Removed,
    /// Either side is sensitive (anywhere inside): shown redacted.
    Sensitive,
    /// Strings, one of them over several lines: a unified line diff.
    Text(Vec<TextLine>),
    /// Both objects or maps: their own attribute diff.
    Object(ObjectDiff),
    /// Both lists, sets or tuples: element by element.
    List(Vec<ListChange>),
    /// Anything else: replaced whole.
    Replaced,
}

/// What happens to a line of a multi-line string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineTag {
    /// It stays.
    Same,
    /// It goes.
    Removed,
    /// It comes.
    Added,
}

/// One line of a multi-line string diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextLine {
    /// What happens to it.
    pub tag: LineTag,
    /// The line, without its newline.
    pub text: String,
}

/// A run of list elements in a list diff (elements are matched by their
/// layout, in order, with the Myers algorithm).
#[derive(Clone, Debug, PartialEq)]
pub enum ListChange {
    /// Elements that stay as they are (Terraform's renderer shows the
    /// ones next to a change).
    Unchanged(Vec<Value>),
    /// Objects changed in place, pairwise: their attribute diffs.
    Objects(Vec<ObjectDiff>),
    /// One element changed in place at its index (lists of the same
    /// length that are not a reordering are compared index by index, as
    /// Terraform's renderer compares them): `~ before -> after`.
    Updated(Value, Value),
    /// Elements removed, then elements added.
    Replaced {
        /// The elements that go.
        removed: Vec<Value>,
        /// The elements that come.
        added: Vec<Value>,
    },
}

fn entries(v: &Value) -> Option<&ValueMap> {
    match v {
        Value::Object(m) | Value::Map(_, m) => Some(m),
        _ => None,
    }
}

fn items(v: &Value) -> Option<&[Value]> {
    match v {
        Value::List(_, x) | Value::Set(_, x) | Value::Tuple(x) => Some(x),
        _ => None,
    }
}

/// The attributes of an object or map; those of a sensitive one come
/// back sensitive each, so none is shown. `None` for other values.
pub fn fields(v: &Value) -> Option<ValueMap> {
    match v {
        Value::Sensitive(inner) => {
            fields(inner).map(|m| m.into_iter().map(|(k, x)| (k, x.mark_if(true))).collect())
        }
        v => entries(v).cloned(),
    }
}

/// Unchanged for display: the same data and the same sensitivity (a value
/// becoming sensitive is shown as a change).
pub fn same(a: &Value, b: &Value) -> bool {
    a.same_data(b) && a.is_sensitive_deep() == b.is_sensitive_deep()
}

impl ObjectDiff {
    /// The width of the widest changed attribute's name as a diff prints
    /// it ([`layout::key`], quoted when it is not an identifier), in
    /// characters: the column the renderers align `=` at.
    pub fn key_width(&self) -> usize {
        self.changed
            .iter()
            .map(|c| layout::key(&c.name).len())
            .max()
            .unwrap_or(0)
    }

    /// The width of the widest attribute name not null on both sides,
    /// changed or unchanged (quoted when not an identifier): the column
    /// Terraform's renderer aligns `=` at.
    pub fn full_width(&self) -> usize {
        self.width
    }

    /// Counts the write-only attributes `names` among the unchanged ones
    /// and in the width: Terraform's renderer gives every write-only
    /// attribute of a schema a row, and in an update that row is
    /// unchanged (`computeDiffForWriteOnlyAttribute`), so it is hidden and
    /// counted, and `=` is aligned over it too.
    pub fn with_write_only(mut self, names: &[&str]) -> ObjectDiff {
        self.unchanged += names.len();
        let widest = names.iter().map(|n| layout::key(n).len()).max();
        self.width = self.width.max(widest.unwrap_or(0));
        self
    }

    /// The diff of two objects (`fields` of each; a value that is not an
    /// object counts as an empty one). Attributes null on both sides are
    /// left out; `forces` names the attributes that force replacement.
    /// The value of an attribute named `id`, `name` or `tags` (of an
    /// object, not of a map) is shown whole, its changes among its
    /// unchanged parts ([`AttributeChange::show_all`]), as Terraform's
    /// block and object renderers show their `importantAttributes`.
    pub fn new(before: &Value, after: &Value, forces: &[String]) -> ObjectDiff {
        ObjectDiff::build(before, after, forces, false)
    }

    /// [`ObjectDiff::new`]; `show_all`: every unchanged attribute shown
    /// too ([`ObjectDiff::show_all`]).
    fn build(before: &Value, after: &Value, forces: &[String], show_all: bool) -> ObjectDiff {
        let b = fields(before).unwrap_or_default();
        let a = fields(after).unwrap_or_default();
        let mut names: Vec<&String> = b.keys().chain(a.keys()).collect();
        names.sort();
        names.dedup();
        let null = Value::NULL;
        let map = matches!(before, Value::Map(..)) || matches!(after, Value::Map(..));
        let mut out = ObjectDiff {
            changed: Vec::new(),
            unchanged: 0,
            important: Vec::new(),
            show_all,
            width: 0,
            map,
        };
        for n in names {
            let (bv, av) = (b.get(n).unwrap_or(&null), a.get(n).unwrap_or(&null));
            if bv.is_null() && av.is_null() {
                continue;
            }
            out.width = out.width.max(layout::label(n, map).len());
            let whole = show_all || (!map && IMPORTANT.contains(&n.as_str()));
            if same(bv, av) {
                out.unchanged += 1;
                if whole {
                    out.important.push((n.clone(), av.clone()));
                }
            } else {
                out.changed
                    .push(AttributeChange::build(n, bv, av, forces.contains(n), whole));
            }
        }
        out
    }
}

impl AttributeChange {
    /// How `before` becomes `after` (not checked for being the same: the
    /// caller found they differ).
    pub fn new(name: &str, before: &Value, after: &Value, forces: bool) -> AttributeChange {
        AttributeChange::build(name, before, after, forces, false)
    }

    /// [`AttributeChange::new`]; `show_all`: its unchanged parts are all
    /// shown ([`AttributeChange::show_all`]).
    fn build(
        name: &str,
        before: &Value,
        after: &Value,
        forces: bool,
        show_all: bool,
    ) -> AttributeChange {
        let change = if before.is_null() {
            Change::Added
        } else if after.is_null() {
            Change::Removed
        } else if before.is_sensitive_deep() || after.is_sensitive_deep() {
            Change::Sensitive
        } else {
            match (before, after) {
                (Value::String(x), Value::String(y)) if x.contains('\n') || y.contains('\n') => {
                    Change::Text(text_diff(x, y))
                }
                _ => match (
                    (items(before), items(after)),
                    (entries(before), entries(after)),
                ) {
                    ((Some(xs), Some(ys)), _) => Change::List(list_diff(xs, ys, show_all)),
                    (_, (Some(_), Some(_))) => {
                        Change::Object(ObjectDiff::build(before, after, &[], show_all))
                    }
                    _ => Change::Replaced,
                },
            }
        };
        AttributeChange {
            name: name.to_string(),
            before: before.clone(),
            after: after.clone(),
            forces_replacement: forces,
            change,
            show_all,
        }
    }
}

/// The unified line diff of two strings.
fn text_diff(x: &str, y: &str) -> Vec<TextLine> {
    similar::TextDiff::from_lines(x, y)
        .iter_all_changes()
        .map(|c| TextLine {
            tag: match c.tag() {
                similar::ChangeTag::Delete => LineTag::Removed,
                similar::ChangeTag::Insert => LineTag::Added,
                similar::ChangeTag::Equal => LineTag::Same,
            },
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect()
}

/// The element diff of two lists, as Terraform's renderer pairs
/// elements (`collections.ProcessSlice`): lists of the same length that
/// are not a reordering index by index (an object changed is diffed in
/// place, another element shown `~ before -> after`); otherwise elements
/// matched by their layout (a longest common subsequence), a run of
/// objects replaced by as many objects diffed in place. `show_all`: the
/// objects' unchanged attributes are all shown.
fn list_diff(xs: &[Value], ys: &[Value], show_all: bool) -> Vec<ListChange> {
    let reorder = || xs.iter().all(|x| ys.iter().any(|y| same(x, y)));
    if xs.len() == ys.len() && !reorder() {
        let mut out: Vec<ListChange> = Vec::new();
        for (x, y) in xs.iter().zip(ys) {
            if same(x, y) {
                match out.last_mut() {
                    Some(ListChange::Unchanged(v)) => v.push(x.clone()),
                    _ => out.push(ListChange::Unchanged(vec![x.clone()])),
                }
            } else if entries(x).is_some() && entries(y).is_some() {
                let d = ObjectDiff::build(x, y, &[], show_all);
                match out.last_mut() {
                    Some(ListChange::Objects(ds)) => ds.push(d),
                    _ => out.push(ListChange::Objects(vec![d])),
                }
            } else {
                out.push(ListChange::Updated(x.clone(), y.clone()));
            }
        }
        return out;
    }
    let kx: Vec<String> = xs
        .iter()
        .map(|x| layout::text(x, "(sensitive value)", 0))
        .collect();
    let ky: Vec<String> = ys
        .iter()
        .map(|y| layout::text(y, "(sensitive value)", 0))
        .collect();
    let mut out: Vec<ListChange> = Vec::new();
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &kx, &ky) {
        let (tag, old, new) = op.as_tag_tuple();
        let (xs, ys) = (&xs[old], &ys[new]);
        match tag {
            similar::DiffTag::Equal => match out.last_mut() {
                Some(ListChange::Unchanged(same)) => same.extend(xs.iter().cloned()),
                _ => out.push(ListChange::Unchanged(xs.to_vec())),
            },
            similar::DiffTag::Replace
                if xs.len() == ys.len()
                    && xs.iter().all(|x| entries(x).is_some())
                    && ys.iter().all(|y| entries(y).is_some()) =>
            {
                out.push(ListChange::Objects(
                    xs.iter()
                        .zip(ys)
                        .map(|(x, y)| ObjectDiff::build(x, y, &[], show_all))
                        .collect(),
                ));
            }
            _ => out.push(ListChange::Replaced {
                removed: xs.to_vec(),
                added: ys.to_vec(),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object_of(pairs)
    }

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }

    #[test]
    fn attributes_are_classified_once() {
        let before = obj(&[
            ("gone", s("a")),
            ("keep", s("k")),
            ("nested", obj(&[("x", s("1")), ("y", s("2"))])),
            ("secret", Value::Sensitive(Box::new(s("p")))),
            ("text", s("one\ntwo\n")),
            ("both_null", Value::NULL),
        ]);
        let after = obj(&[
            ("keep", s("k")),
            ("new", s("b")),
            ("nested", obj(&[("x", s("1")), ("y", s("3"))])),
            ("secret", Value::Sensitive(Box::new(s("q")))),
            ("text", s("one\nthree\n")),
        ]);
        let d = ObjectDiff::new(&before, &after, &["new".to_string()]);
        assert_eq!(d.unchanged, 1);
        let kinds: Vec<(&str, bool)> = d
            .changed
            .iter()
            .map(|c| (c.name.as_str(), c.forces_replacement))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("gone", false),
                ("nested", false),
                ("new", true),
                ("secret", false),
                ("text", false)
            ]
        );
        assert_eq!(d.changed[0].change, Change::Removed);
        assert_eq!(d.changed[2].change, Change::Added);
        assert_eq!(d.changed[3].change, Change::Sensitive);
        let Change::Object(inner) = &d.changed[1].change else {
            panic!("nested: {:?}", d.changed[1].change);
        };
        assert_eq!((inner.changed.len(), inner.unchanged), (1, 1));
        let Change::Text(lines) = &d.changed[4].change else {
            panic!("text: {:?}", d.changed[4].change);
        };
        let tags: Vec<LineTag> = lines.iter().map(|l| l.tag).collect();
        assert_eq!(tags, vec![LineTag::Same, LineTag::Removed, LineTag::Added]);
    }

    #[test]
    fn a_sensitive_object_shows_no_attribute() {
        let v = Value::Sensitive(Box::new(obj(&[("a", s("x"))])));
        let d = ObjectDiff::new(&Value::NULL, &v, &[]);
        assert_eq!(d.changed.len(), 1);
        assert!(d.changed[0].after.is_sensitive_deep());
    }

    #[test]
    fn the_values_of_id_name_and_tags_are_shown_whole() {
        let l = |xs: &[&str]| Value::Tuple(xs.iter().map(|x| s(x)).collect());
        let before = obj(&[
            ("tags", l(&["a", "b"])),
            ("ports", l(&["a", "b"])),
            ("name", obj(&[("first", s("f")), ("last", s("l"))])),
        ]);
        let after = obj(&[
            ("tags", l(&["a", "c"])),
            ("ports", l(&["a", "c"])),
            ("name", obj(&[("first", s("f")), ("last", s("m"))])),
        ]);
        let d = ObjectDiff::new(&before, &after, &[]);
        let all: Vec<(&str, bool)> = d
            .changed
            .iter()
            .map(|c| (c.name.as_str(), c.show_all))
            .collect();
        assert_eq!(all, vec![("name", true), ("ports", false), ("tags", true)]);
        let Change::Object(name) = &d.changed[0].change else {
            panic!("{:?}", d.changed[0].change);
        };
        assert!(name.show_all);
        assert_eq!(name.important, vec![("first".to_string(), s("f"))]);
        // A map's keys are not attributes: `tags` there is only a key.
        let m = |v: Value| Value::Map(infra_lang::Type::Any, [("tags".to_string(), v)].into());
        let d = ObjectDiff::new(&m(s("a")), &m(s("b")), &[]);
        assert!(!d.changed[0].show_all);
    }

    #[test]
    fn lists_are_diffed_element_by_element() {
        let l = |xs: Vec<Value>| Value::Tuple(xs);
        let c = AttributeChange::new(
            "l",
            &l(vec![s("a"), s("b"), obj(&[("x", s("1"))])]),
            &l(vec![s("a"), s("c"), obj(&[("x", s("2"))])]),
            false,
        );
        let Change::List(ops) = c.change else {
            panic!("{:?}", c.change);
        };
        // Same length, not a reordering: index by index, as Terraform.
        assert_eq!(ops[0], ListChange::Unchanged(vec![s("a")]));
        assert_eq!(ops[1], ListChange::Updated(s("b"), s("c")));
        assert!(matches!(&ops[2], ListChange::Objects(d) if d.len() == 1));
        // Another length: a longest common subsequence.
        let c = AttributeChange::new(
            "l",
            &l(vec![s("a"), s("b")]),
            &l(vec![s("a"), s("x"), s("b")]),
            false,
        );
        let Change::List(ops) = c.change else {
            panic!("{:?}", c.change);
        };
        assert_eq!(ops[0], ListChange::Unchanged(vec![s("a")]));
        assert!(
            matches!(&ops[1], ListChange::Replaced { removed, added } if removed.is_empty() && added == &[s("x")])
        );
        assert_eq!(ops[2], ListChange::Unchanged(vec![s("b")]));
    }
}
