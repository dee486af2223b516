//! Built-in collection functions: lists, sets, maps, tuples and objects —
//! measuring, combining, searching, reshaping. Result types follow
//! Terraform's: a tuple in gives a tuple out, a list a list, a map a map.

use super::builtin;
use super::ex;
use super::unify::{any_list, same, typed_list};
use super::value_set::ValueSet;
use crate::args::{get, integer, mapping, number, string};
use crate::{Builtin, Example, FnContext, FnError, Returns, limits};
use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value::Number;
use infra_lang::value::ValueMap;
use infra_lang::value::{convert, unify_unsafe, unify_unsafe_values};
use std::collections::BTreeMap;
use unicode_segmentation::UnicodeSegmentation;

const fn f(
    name: &'static str,
    summary: &'static str,
    examples: &'static [Example],
    returns: Returns,
    run: fn(Vec<Value>, &FnContext<'_>) -> Result<Value, FnError>,
) -> Builtin {
    builtin(name, "collection", summary, examples, returns, run)
}

/// The collection functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin {
        name: "length",
        group: "collection",
        summary: "The number of elements of a list, set, tuple or map, attributes of an object, or characters (grapheme clusters) of a string.",
        examples: &[
            ex(r#"length(["a", "b"])"#, "2"),
            ex(r#"length({a = 1})"#, "1"),
            ex(r#"length("👾🕹️")"#, "2"),
        ],
        returns: Returns::Number,
        raw: true,
        run: length,
    },
    f(
        "concat",
        "Joins lists and tuples into one: a list when every argument is a list, else a tuple.",
        &[
            ex(
                r#"concat(["a"], ["b", "c"])"#,
                "[\n  \"a\",\n  \"b\",\n  \"c\",\n]",
            ),
            ex(
                r#"concat(tolist([1]), tolist(["x"]))"#,
                "tolist([\n  \"1\",\n  \"x\",\n])",
            ),
        ],
        Returns::Any,
        concat,
    ),
    f(
        "merge",
        "Merges maps and objects; a key in a later argument wins. The result is a map when all arguments are maps of one type, else an object.",
        &[
            ex(
                r#"merge({a = 1, b = 2}, {b = 3})"#,
                "{\n  \"a\" = 1\n  \"b\" = 3\n}",
            ),
            ex(
                r#"merge(tomap({a = "x"}), tomap({b = "y"}))"#,
                "tomap({\n  \"a\" = \"x\"\n  \"b\" = \"y\"\n})",
            ),
        ],
        Returns::Any,
        merge,
    ),
    f(
        "lookup",
        "The element of a map or attribute of an object named `key`, or `default` when there is none; without a default a missing key is an error.",
        &[
            ex(r#"lookup({a = "ay"}, "a", "none")"#, r#""ay""#),
            ex(r#"lookup({a = "ay"}, "c", "none")"#, r#""none""#),
        ],
        Returns::Any,
        lookup,
    ),
    Builtin {
        name: "keys",
        group: "collection",
        summary: "The keys of a map or attribute names of an object, sorted.",
        examples: &[ex(r#"keys({b = 1, a = 2})"#, "[\n  \"a\",\n  \"b\",\n]")],
        returns: Returns::Any,
        // The keys are known when the map or object is, whatever its
        // values (as in Terraform): `keys(aws_s3_object.file)` before apply.
        raw: true,
        run: keys,
    },
    f(
        "values",
        "The values of a map or object, in the order of their sorted keys.",
        &[ex(r#"values({b = 1, a = 2})"#, "[\n  2,\n  1,\n]")],
        Returns::Any,
        values,
    ),
    f(
        "contains",
        "True when a list, set or tuple has an element equal to `value` (same type and content).",
        &[
            ex(r#"contains(["a", "b"], "b")"#, "true"),
            ex(r#"contains([1, 2], "1")"#, "false"),
        ],
        Returns::Bool,
        contains,
    ),
    f(
        "distinct",
        "A list without duplicate elements, keeping the first of each.",
        &[ex(
            r#"distinct(["a", "b", "a"])"#,
            "tolist([\n  \"a\",\n  \"b\",\n])",
        )],
        Returns::Any,
        distinct,
    ),
    f(
        "flatten",
        "Replaces every list, set or tuple element by its elements, recursively; the result is a tuple.",
        &[ex(
            r#"flatten([["a"], [], ["b", ["c"]]])"#,
            "[\n  \"a\",\n  \"b\",\n  \"c\",\n]",
        )],
        Returns::Any,
        flatten,
    ),
    f(
        "setproduct",
        "Every combination of one element from each argument, as tuples: a list when every argument is a list or tuple, else a set.",
        &[ex(
            r#"setproduct(["a", "b"], [1])"#,
            "tolist([\n  [\n    \"a\",\n    1,\n  ],\n  [\n    \"b\",\n    1,\n  ],\n])",
        )],
        Returns::Any,
        setproduct,
    ),
    f(
        "setunion",
        "The set of elements found in any argument.",
        &[ex(
            r#"setunion(["a", "b"], ["b", "c"])"#,
            "toset([\n  \"a\",\n  \"b\",\n  \"c\",\n])",
        )],
        Returns::Any,
        setunion,
    ),
    f(
        "setintersection",
        "The set of elements found in every argument.",
        &[ex(
            r#"setintersection(["a", "b"], ["b", "c"])"#,
            "toset([\n  \"b\",\n])",
        )],
        Returns::Any,
        setintersection,
    ),
    f(
        "setsubtract",
        "The set of elements of `a` not in `b`.",
        &[ex(
            r#"setsubtract(["a", "b", "c"], ["a"])"#,
            "toset([\n  \"b\",\n  \"c\",\n])",
        )],
        Returns::Any,
        setsubtract,
    ),
    f(
        "slice",
        "The elements of a list or tuple from `start_index` up to but not including `end_index`.",
        &[ex(
            r#"slice(["a", "b", "c", "d"], 1, 3)"#,
            "[\n  \"b\",\n  \"c\",\n]",
        )],
        Returns::Any,
        slice,
    ),
    f(
        "sort",
        "The elements as strings, sorted lexically (by bytes: \"10\" before \"9\").",
        &[
            ex(
                r#"sort(["b", "a", "c"])"#,
                "tolist([\n  \"a\",\n  \"b\",\n  \"c\",\n])",
            ),
            ex(r#"sort([3, 10])"#, "tolist([\n  \"10\",\n  \"3\",\n])"),
        ],
        Returns::Any,
        sort,
    ),
    f(
        "reverse",
        "The elements in reverse order (a set gives a list).",
        &[ex(r#"reverse([1, 2, 3])"#, "[\n  3,\n  2,\n  1,\n]")],
        Returns::Any,
        reverse,
    ),
    f(
        "range",
        "A list of numbers: `range(end)`, `range(start, end)` or `range(start, end, step)`, end excluded; at most 1024 numbers.",
        &[
            ex("range(3)", "tolist([\n  0,\n  1,\n  2,\n])"),
            ex("range(10, 4, -3)", "tolist([\n  10,\n  7,\n])"),
            ex(
                "range(0, 1, 0.25)",
                "tolist([\n  0,\n  0.25,\n  0.5,\n  0.75,\n])",
            ),
        ],
        Returns::Any,
        range,
    ),
    f(
        "zipmap",
        "A map from a list of keys and a list of values (an object when the values are a tuple).",
        &[ex(
            r#"zipmap(["a", "b"], [1, 2])"#,
            "{\n  \"a\" = 1\n  \"b\" = 2\n}",
        )],
        Returns::Any,
        zipmap,
    ),
    f(
        "element",
        "The element at `index`, wrapping around past either end (-1 is the last element).",
        &[
            ex(r#"element(["a", "b", "c"], 1)"#, r#""b""#),
            ex(r#"element(["a", "b", "c"], 4)"#, r#""b""#),
            ex(r#"element(["a", "b", "c"], -1)"#, r#""c""#),
        ],
        Returns::Any,
        element,
    ),
    f(
        "index",
        "The index of the first element equal to `value`; an error when there is none.",
        &[ex(r#"index(["a", "b", "c"], "b")"#, "1")],
        Returns::Number,
        index,
    ),
    f(
        "coalesce",
        "The first argument that is neither null nor an empty string, converted to the arguments' common type.",
        &[
            ex(r#"coalesce(null, "", "b")"#, r#""b""#),
            ex(r#"coalesce(1, "x")"#, r#""1""#),
        ],
        Returns::Any,
        coalesce,
    ),
    f(
        "coalescelist",
        "The first list or tuple argument that is not empty.",
        &[ex(
            r#"coalescelist([], ["c", "d"])"#,
            "[\n  \"c\",\n  \"d\",\n]",
        )],
        Returns::Any,
        coalescelist,
    ),
    f(
        "compact",
        "A list of strings without its null and empty elements.",
        &[ex(
            r#"compact(["a", "", null, "b"])"#,
            "tolist([\n  \"a\",\n  \"b\",\n])",
        )],
        Returns::Any,
        compact,
    ),
    f(
        "chunklist",
        "The list split into lists of at most `size` elements (size 0: one chunk).",
        &[ex(
            r#"chunklist(["a", "b", "c"], 2)"#,
            "tolist([\n  tolist([\n    \"a\",\n    \"b\",\n  ]),\n  tolist([\n    \"c\",\n  ]),\n])",
        )],
        Returns::Any,
        chunklist,
    ),
    f(
        "one",
        "The only element of a list, set or tuple, or null when it is empty; more than one element is an error.",
        &[ex(r#"one(["a"])"#, r#""a""#), ex("one([])", "null")],
        Returns::Any,
        one,
    ),
    f(
        "alltrue",
        "True when every element is true (or the list is empty); a null element counts as false.",
        &[
            ex(r#"alltrue([true, "true"])"#, "true"),
            ex("alltrue([true, false])", "false"),
        ],
        Returns::Bool,
        alltrue,
    ),
    f(
        "anytrue",
        "True when at least one element is true.",
        &[
            ex("anytrue([false, true])", "true"),
            ex("anytrue([])", "false"),
        ],
        Returns::Bool,
        anytrue,
    ),
    f(
        "sum",
        "The sum of a non-empty list, set or tuple of numbers, added in decimal as Terraform does (`sum([0.1, 0.2])` is 0.3).",
        &[ex("sum([1, 2, 3.5])", "6.5"), ex("sum([0.1, 0.2])", "0.3")],
        Returns::Number,
        sum,
    ),
    f(
        "transpose",
        "Swaps the keys and values of a map of lists of strings.",
        &[ex(
            r#"transpose({a = ["1", "2"], b = ["2"]})"#,
            "tomap({\n  \"1\" = tolist([\n    \"a\",\n  ])\n  \"2\" = tolist([\n    \"a\",\n    \"b\",\n  ])\n})",
        )],
        Returns::Any,
        transpose,
    ),
    f(
        "matchkeys",
        "The elements of `values` whose element at the same index in `keys` is in `searchset`.",
        &[ex(
            r#"matchkeys(["i-1", "i-2", "i-3"], ["a", "b", "a"], ["a"])"#,
            "tolist([\n  \"i-1\",\n  \"i-3\",\n])",
        )],
        Returns::Any,
        matchkeys,
    ),
];

fn length(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let (v, marked) = get(&args, 0).unmark();
    let n = match &v {
        Value::Null(_) => return Err(FnError::arg(0, "expected a collection or string, got null")),
        Value::Unknown(Type::Tuple(ts)) => Value::int(count(ts.len())),
        Value::Unknown(Type::Object(o)) => Value::int(count(o.attrs.len())),
        Value::Unknown(Type::Number | Type::Bool) => return Err(not_measurable(&v)),
        Value::Unknown(_) => Value::Unknown(Type::Number),
        Value::String(s) => Value::int(count(s.graphemes(true).count())),
        Value::Set(_, items) if items.len() != 1 && items.iter().any(Value::has_unknown) => {
            // Unknown elements may turn out equal to others and merge.
            Value::Unknown(Type::Number)
        }
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Value::int(count(items.len()))
        }
        Value::Map(_, m) | Value::Object(m) => Value::int(count(m.len())),
        _ => return Err(not_measurable(&v)),
    };
    Ok(n.mark_if(marked))
}

fn not_measurable(v: &Value) -> FnError {
    FnError::arg(
        0,
        format!(
            "expected a string, collection or structural value, got {}",
            v.describe()
        ),
    )
    .with_help("`length` measures strings, lists, sets, tuples, maps and objects.")
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn concat(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let mut all_lists = true;
    for (i, a) in args.iter().enumerate() {
        match a {
            Value::List(..) => {}
            Value::Tuple(_) => all_lists = false,
            Value::Null(_) => return Err(FnError::arg(i, "expected a list or tuple, got null")),
            other => {
                return Err(FnError::arg(
                    i,
                    format!("expected a list or tuple, got {}", other.describe()),
                )
                .with_help("Convert a set with `tolist(...)` first."));
            }
        }
    }
    let elem_types: Vec<Type> = args
        .iter()
        .filter_map(|a| match a {
            Value::List(t, _) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let items: Vec<Value> = args
        .into_iter()
        .flat_map(|a| match a {
            Value::List(_, items) | Value::Tuple(items) => items,
            _ => Vec::new(),
        })
        .collect();
    if all_lists
        && let Some(t) = unify_unsafe(&elem_types)
        && let Ok(converted) = items
            .iter()
            .map(|v| convert(v.clone(), &t))
            .collect::<Result<Vec<_>, _>>()
    {
        return Ok(Value::List(t, converted));
    }
    Ok(Value::Tuple(items))
}

fn merge(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let mut out = BTreeMap::new();
    let first = args.first().map(Value::type_of);
    let mut same_type = true;
    let mut untyped_null = false;
    for (i, a) in args.into_iter().enumerate() {
        let t = a.type_of();
        match a {
            Value::Null(Type::Any) => untyped_null = true,
            Value::Null(Type::Map(_) | Type::Object(_)) => {}
            Value::Map(_, m) | Value::Object(m) => out.extend(m),
            other => {
                return Err(FnError::arg(
                    i,
                    format!("expected a map or object, got {}", other.describe()),
                ));
            }
        }
        same_type &= first.as_ref() == Some(&t);
    }
    match first {
        Some(Type::Map(t)) if same_type && !untyped_null => Ok(Value::Map(*t, ValueMap::from(out))),
        _ => Ok(Value::Object(ValueMap::from(out))),
    }
}

fn lookup(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let key = string(&args, 1)?;
    let default = args.get(2).cloned();
    match get(&args, 0) {
        Value::Object(m) => match (m.get(&key), default) {
            (Some(v), _) => Ok(v.clone()),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(
                FnError::arg(0, format!("the object has no attribute {key:?}"))
                    .with_help("Give a default as the third argument."),
            ),
        },
        Value::Map(t, m) => {
            let default = match default {
                Some(d) => {
                    let got = d.describe();
                    Some(convert(d, &t).map_err(|_| {
                        FnError::arg(
                            2,
                            format!(
                                "expected a default of the map's element type {}, got {got}",
                                t.friendly()
                            ),
                        )
                    })?)
                }
                None => None,
            };
            match (m.get(&key), default) {
                (Some(v), _) => Ok(v.clone()),
                (None, Some(d)) => Ok(d),
                (None, None) => Err(FnError::arg(1, format!("the map has no key {key:?}"))
                    .with_help("Give a default as the third argument.")),
            }
        }
        Value::Null(_) => Err(FnError::arg(0, "expected a map or object, got null")),
        other => Err(FnError::arg(
            0,
            format!("expected a map or object, got {}", other.describe()),
        )),
    }
}

fn mapping_arg(args: &[Value], name: &str) -> Result<Value, FnError> {
    match get(args, 0) {
        v @ (Value::Map(..) | Value::Object(_)) => Ok(v),
        Value::Null(_) => Err(FnError::arg(0, "expected a map or object, got null")),
        other => Err(FnError::arg(
            0,
            format!("expected a map or object, got {}", other.describe()),
        )
        .with_help(format!("`{name}` reads maps and objects only."))),
    }
}

/// Raw: unknown only when the map or object itself is; sensitive when
/// anything in it is (as any other function's result would be).
fn keys(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let arg = get(&args, 0);
    let sensitive = arg.is_sensitive_deep();
    let (arg, _) = arg.unmark();
    if arg.is_unknown() {
        return Ok(Value::unknown().mark_if(sensitive));
    }
    let keys = match mapping_arg(&[arg], "keys")? {
        Value::Map(_, m) => Value::List(Type::String, m.into_keys().map(Value::String).collect()),
        Value::Object(m) => Value::Tuple(m.into_keys().map(Value::String).collect()),
        _ => Value::Tuple(Vec::new()),
    };
    Ok(keys.mark_if(sensitive))
}

fn values(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(match mapping_arg(&args, "values")? {
        Value::Map(t, m) => Value::List(t, m.into_values().collect()),
        Value::Object(m) => Value::Tuple(m.into_values().collect()),
        _ => Value::Tuple(Vec::new()),
    })
}

/// Argument `i` as the elements of a list, set or tuple (not null).
fn elements(args: &[Value], i: usize, what: &str) -> Result<Vec<Value>, FnError> {
    match get(args, i) {
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => Ok(items),
        Value::Null(_) => Err(FnError::arg(i, format!("expected {what}, got null"))),
        other => Err(FnError::arg(
            i,
            format!("expected {what}, got {}", other.describe()),
        )),
    }
}

fn not_null(args: &[Value], i: usize) -> Result<Value, FnError> {
    let v = get(args, i);
    if v.is_null() {
        return Err(FnError::arg(i, "expected a value, got null"));
    }
    Ok(v)
}

fn contains(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let items = elements(&args, 0, "a list, set or tuple")?;
    let needle = not_null(&args, 1)?;
    Ok(Value::Bool(items.iter().any(|v| same(v, &needle))))
}

fn distinct(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let (t, items) = any_list(&args, 0)?;
    let mut seen = ValueSet::new();
    let keep: Vec<bool> = items.iter().map(|v| seen.insert(v)).collect();
    drop(seen);
    let out = items
        .into_iter()
        .zip(keep)
        .filter_map(|(v, k)| k.then_some(v))
        .collect();
    Ok(Value::List(t, out))
}

fn flatten(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    fn walk(items: Vec<Value>, out: &mut Vec<Value>) {
        for v in items {
            match v {
                Value::List(_, inner) | Value::Set(_, inner) | Value::Tuple(inner) => {
                    walk(inner, out);
                }
                other => out.push(other),
            }
        }
    }
    let items = elements(&args, 0, "a list, set or tuple")?;
    let mut out = Vec::new();
    walk(items, &mut out);
    Ok(Value::Tuple(out))
}

fn setproduct(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    if args.len() < 2 {
        return Err(FnError::call(
            "`setproduct` needs at least two sets or lists",
        ));
    }
    let mut all_lists = true;
    let mut types = Vec::with_capacity(args.len());
    let mut columns = Vec::with_capacity(args.len());
    for (i, a) in args.into_iter().enumerate() {
        match a {
            Value::Set(t, items) => {
                all_lists = false;
                types.push(t);
                columns.push(items);
            }
            Value::List(t, items) => {
                types.push(t);
                columns.push(items);
            }
            Value::Tuple(items) => {
                let ts: Vec<Type> = items.iter().map(Value::type_of).collect();
                let t = if ts.is_empty() {
                    Type::Any
                } else {
                    unify_unsafe(&ts).ok_or_else(|| {
                        FnError::arg(
                            i,
                            "expected elements of one type, got a tuple of mixed types",
                        )
                    })?
                };
                types.push(t);
                columns.push(items);
            }
            other => {
                return Err(FnError::arg(
                    i,
                    format!("expected a set or list, got {}", other.describe()),
                ));
            }
        }
    }
    let rows = columns
        .iter()
        .fold(1u128, |n, c| n.saturating_mul(c.len() as u128));
    limits::check_elements(
        rows.saturating_mul(columns.len() as u128 + 1) + 1,
        &format!("a product of {rows} rows"),
    )?;
    let elem = Type::Tuple(types.clone());
    let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
    for (column, t) in columns.into_iter().zip(&types) {
        let column = column
            .into_iter()
            .map(|v| convert(v, t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| FnError::call(e.to_string()))?;
        rows = rows
            .into_iter()
            .flat_map(|row| {
                column.iter().map(move |v| {
                    let mut r = row.clone();
                    r.push(v.clone());
                    r
                })
            })
            .collect();
    }
    let rows: Vec<Value> = rows.into_iter().map(Value::Tuple).collect();
    Ok(if all_lists {
        Value::List(elem, rows)
    } else {
        Value::set(elem, rows)
    })
}

/// The arguments as sets of one common element type.
fn sets(args: Vec<Value>) -> Result<(Type, Vec<Vec<Value>>), FnError> {
    let mut types = Vec::with_capacity(args.len());
    let mut all = Vec::with_capacity(args.len());
    for (i, a) in args.into_iter().enumerate() {
        let (t, items) = match a {
            Value::Set(t, items) | Value::List(t, items) => (t, items),
            Value::Tuple(items) => unify_unsafe_values(items).ok_or_else(|| {
                FnError::arg(
                    i,
                    "expected a set of one element type, got a tuple of mixed types",
                )
            })?,
            Value::Null(_) => return Err(FnError::arg(i, "expected a set, got null")),
            other => {
                return Err(FnError::arg(
                    i,
                    format!("expected a set, got {}", other.describe()),
                ));
            }
        };
        types.push(t);
        all.push(items);
    }
    let t = unify_unsafe(&types).ok_or_else(|| {
        FnError::arg(1, "expected sets of compatible element types")
            .with_help("Elements must all convert to one type.")
    })?;
    let all = all
        .into_iter()
        .enumerate()
        .map(|(i, items)| {
            items
                .into_iter()
                .map(|v| convert(v, &t))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| FnError::arg(i, e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((t, all))
}

fn setunion(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let (t, all) = sets(args)?;
    Ok(Value::set(t, all.into_iter().flatten().collect()))
}

fn setintersection(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let (t, mut all) = sets(args)?;
    let first = if all.is_empty() {
        Vec::new()
    } else {
        all.remove(0)
    };
    let others: Vec<ValueSet<'_>> = all.iter().map(ValueSet::of).collect();
    let items = first
        .into_iter()
        .filter(|v| others.iter().all(|other| other.contains(v)))
        .collect();
    Ok(Value::set(t, items))
}

fn setsubtract(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let (t, all) = sets(args)?;
    let mut all = all.into_iter();
    let a = all.next().unwrap_or_default();
    let b = all.next().unwrap_or_default();
    let b = ValueSet::of(&b);
    let items = a.into_iter().filter(|v| !b.contains(v)).collect();
    Ok(Value::set(t, items))
}

fn slice(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let (elem, items) = match get(&args, 0) {
        Value::List(t, items) => (Some(t), items),
        Value::Tuple(items) => (None, items),
        Value::Set(..) => {
            return Err(FnError::arg(0, "expected a list or tuple, got a set")
                .with_help("Set elements have no indices; convert with `tolist(...)` if the order does not matter."));
        }
        Value::Null(_) => return Err(FnError::arg(0, "expected a list or tuple, got null")),
        other => {
            return Err(FnError::arg(
                0,
                format!("expected a list or tuple, got {}", other.describe()),
            ));
        }
    };
    let len = count(items.len());
    let start = integer(&args, 1)?;
    let end = integer(&args, 2)?;
    if start < 0 {
        return Err(FnError::arg(
            1,
            format!("expected a start index of at least 0, got {start}"),
        ));
    }
    if start > len {
        return Err(FnError::arg(
            1,
            format!("expected a start index of at most the length {len}, got {start}"),
        ));
    }
    if end < 0 {
        return Err(FnError::arg(
            2,
            format!("expected an end index of at least 0, got {end}"),
        ));
    }
    if end > len {
        return Err(FnError::arg(
            2,
            format!("expected an end index of at most the length {len}, got {end}"),
        ));
    }
    if start > end {
        return Err(FnError::arg(
            1,
            format!("expected a start index no greater than the end index {end}, got {start}"),
        ));
    }
    let part = items
        .get(usize::try_from(start).unwrap_or(0)..usize::try_from(end).unwrap_or(0))
        .unwrap_or_default()
        .to_vec();
    Ok(match elem {
        Some(t) => Value::List(t, part),
        None => Value::Tuple(part),
    })
}

fn sort(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let items = typed_list(&args, 0, &Type::String)?;
    let mut strings = Vec::with_capacity(items.len());
    for (j, v) in items.into_iter().enumerate() {
        match v {
            Value::String(s) => strings.push(s),
            _ => {
                return Err(
                    FnError::arg(0, format!("element {j}: expected a string, got null")).with_help(
                        "A null string cannot be sorted; remove nulls with `compact(...)`.",
                    ),
                );
            }
        }
    }
    strings.sort();
    Ok(Value::List(
        Type::String,
        strings.into_iter().map(Value::String).collect(),
    ))
}

fn reverse(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    match get(&args, 0) {
        Value::Tuple(mut items) => {
            items.reverse();
            Ok(Value::Tuple(items))
        }
        Value::List(t, mut items) | Value::Set(t, mut items) => {
            items.reverse();
            Ok(Value::List(t, items))
        }
        Value::Null(_) => Err(FnError::arg(0, "expected a list or tuple, got null")),
        other => Err(FnError::arg(
            0,
            format!("expected a list or tuple, got {}", other.describe()),
        )),
    }
}

fn range(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    use std::cmp::Ordering::{Greater, Less};
    let nums = (0..args.len())
        .map(|i| number(&args, i))
        .collect::<Result<Vec<_>, _>>()?;
    let (zero, one, minus_one) = (Number::Int(0), Number::Int(1), Number::Int(-1));
    let (start, end, step) = match nums.as_slice() {
        [end] => (
            zero.clone(),
            end.clone(),
            if end.compare(&zero) == Less {
                minus_one
            } else {
                one
            },
        ),
        [start, end] => (
            start.clone(),
            end.clone(),
            if end.compare(start) == Less {
                minus_one
            } else {
                one
            },
        ),
        [start, end, step] => (start.clone(), end.clone(), step.clone()),
        _ => return Err(FnError::call("`range` takes one, two or three numbers")),
    };
    let down = step.compare(&zero) == Less;
    if down && end.compare(&start) == Greater {
        return Err(FnError::arg(
            1,
            format!(
                "expected an end less than the start {start} when the step is negative, got {end}"
            ),
        ));
    }
    if !down && end.compare(&start) == Less {
        return Err(FnError::arg(
            1,
            format!(
                "expected an end greater than the start {start} when the step is positive, got {end}"
            ),
        ));
    }
    let mut out = Vec::new();
    let mut n = start;
    loop {
        let done = if down {
            n.compare(&end) != Greater
        } else {
            n.compare(&end) != Less
        };
        if done {
            break;
        }
        if out.len() >= 1024 {
            return Err(
                FnError::call("more than 1024 values were generated").with_help(
                    "Decrease the difference between start and end, or use a larger step.",
                ),
            );
        }
        out.push(Value::Number(n.clone()));
        n = n + step.clone();
    }
    Ok(Value::List(Type::Number, out))
}

fn zipmap(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let keys = typed_list(&args, 0, &Type::String)?;
    let (elem, values) = match get(&args, 1) {
        Value::List(t, items) => (Some(t), items),
        Value::Tuple(items) => (None, items),
        Value::Null(_) => return Err(FnError::arg(1, "expected a list or tuple, got null")),
        other => {
            return Err(FnError::arg(
                1,
                format!("expected a list or tuple, got {}", other.describe()),
            ));
        }
    };
    if keys.len() != values.len() {
        return Err(FnError::call(format!(
            "the number of keys ({}) does not match the number of values ({})",
            keys.len(),
            values.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (j, (k, v)) in keys.into_iter().zip(values).enumerate() {
        match k {
            Value::String(k) => {
                out.insert(k, v);
            }
            _ => {
                return Err(FnError::arg(
                    0,
                    format!("element {j}: expected a key, got null"),
                ));
            }
        }
    }
    Ok(match elem {
        Some(t) => Value::Map(t, ValueMap::from(out)),
        None => Value::Object(ValueMap::from(out)),
    })
}

fn element(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let items = match get(&args, 0) {
        Value::List(_, items) | Value::Tuple(items) => items,
        Value::Null(_) => return Err(FnError::arg(0, "expected a list or tuple, got null")),
        other => {
            return Err(FnError::arg(
                0,
                format!("expected a list or tuple, got {}", other.describe()),
            )
            .with_help("Set elements have no indices; convert a set with `tolist(...)`."));
        }
    };
    let n = number(&args, 1)?;
    let idx = n
        .as_i64()
        .filter(|_| n.is_integer())
        .ok_or_else(|| FnError::arg(1, format!("expected a whole number index, got {n}")))?;
    if items.is_empty() {
        return Err(FnError::arg(
            0,
            "expected a list with elements, got an empty list",
        ));
    }
    // Indexes wrap around in both directions: -1 is the last element.
    let at = usize::try_from(idx.rem_euclid(count(items.len()))).unwrap_or(0);
    Ok(items.into_iter().nth(at).unwrap_or(Value::NULL))
}

fn index(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let items = match get(&args, 0) {
        Value::List(_, items) | Value::Tuple(items) => items,
        Value::Null(_) => return Err(FnError::arg(0, "expected a list or tuple, got null")),
        other => {
            return Err(FnError::arg(
                0,
                format!("expected a list or tuple, got {}", other.describe()),
            ));
        }
    };
    let needle = not_null(&args, 1)?;
    if items.is_empty() {
        return Err(FnError::arg(0, "cannot search an empty list"));
    }
    items
        .iter()
        .position(|v| same(v, &needle))
        .map(|i| Value::int(count(i)))
        .ok_or_else(|| {
            FnError::arg(1, format!("{} is not in the list", needle.describe()))
                .with_help("Elements match only when type and value are equal (1 is not \"1\").")
        })
}

fn coalesce(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let types: Vec<Type> = args.iter().map(Value::type_of).collect();
    let t = unify_unsafe(&types).ok_or_else(|| {
        FnError::call("expected arguments of one type, got arguments with no common type")
    })?;
    for a in args {
        let Ok(v) = convert(a, &t) else { continue };
        if v.is_null() || v.as_str() == Some("") {
            continue;
        }
        return Ok(v);
    }
    Err(FnError::call("every argument is null or an empty string"))
}

fn coalescelist(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    for (i, a) in args.iter().enumerate() {
        if !matches!(
            a,
            Value::List(..) | Value::Tuple(_) | Value::Null(Type::List(_) | Type::Tuple(_))
        ) {
            return Err(FnError::arg(
                i,
                format!("expected a list or tuple, got {}", a.describe()),
            ));
        }
    }
    args.into_iter()
        .find(|a| a.as_sequence().is_some_and(|s| !s.is_empty()))
        .ok_or_else(|| FnError::call("every argument is empty or null"))
}

fn compact(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let items = typed_list(&args, 0, &Type::String)?;
    Ok(Value::List(
        Type::String,
        items
            .into_iter()
            .filter(|v| !v.is_null() && v.as_str() != Some(""))
            .collect(),
    ))
}

fn chunklist(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let (t, items) = any_list(&args, 0)?;
    let size = integer(&args, 1)?;
    let list_t = Type::List(Box::new(t.clone()));
    let size = usize::try_from(size)
        .map_err(|_| FnError::arg(1, format!("expected a size of at least 0, got {size}")))?;
    if items.is_empty() {
        return Ok(Value::List(list_t, Vec::new()));
    }
    let chunks = if size == 0 {
        vec![Value::List(t, items)]
    } else {
        items
            .chunks(size)
            .map(|c| Value::List(t.clone(), c.to_vec()))
            .collect()
    };
    Ok(Value::List(list_t, chunks))
}

fn one(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let (elem, items) = match get(&args, 0) {
        Value::List(t, items) | Value::Set(t, items) => (t, items),
        Value::Tuple(items) => (items.first().map_or(Type::Any, Value::type_of), items),
        Value::Null(_) => return Err(FnError::arg(0, "expected a list, set or tuple, got null")),
        other => {
            return Err(FnError::arg(
                0,
                format!(
                    "expected a list, set or tuple of zero or one elements, got {}",
                    other.describe()
                ),
            ));
        }
    };
    match items.len() {
        0 => Ok(Value::Null(elem)),
        1 => Ok(items.into_iter().next().unwrap_or(Value::Null(elem))),
        n => Err(
            FnError::arg(0, format!("expected zero or one elements, got {n}"))
                .with_help("`one` is for collections that hold at most one element."),
        ),
    }
}

fn alltrue(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let items = typed_list(&args, 0, &Type::Bool)?;
    Ok(Value::Bool(
        items.iter().all(|v| matches!(v, Value::Bool(true))),
    ))
}

fn anytrue(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let items = typed_list(&args, 0, &Type::Bool)?;
    Ok(Value::Bool(
        items.iter().any(|v| matches!(v, Value::Bool(true))),
    ))
}

fn sum(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let items = match get(&args, 0) {
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => items,
        Value::Null(_) => return Err(FnError::arg(0, "expected a list of numbers, got null")),
        other => {
            return Err(FnError::arg(
                0,
                format!(
                    "expected a list, set or tuple of numbers, got {}",
                    other.describe()
                ),
            ));
        }
    };
    if items.is_empty() {
        return Err(FnError::arg(0, "cannot sum an empty list"));
    }
    let mut total: Option<Number> = None;
    for (j, v) in items.into_iter().enumerate() {
        let got = v.describe();
        let n = match convert(v, &Type::Number) {
            Ok(Value::Number(n)) => n,
            _ => {
                return Err(FnError::arg(
                    0,
                    format!("element {j}: expected a number, got {got}"),
                ));
            }
        };
        total = Some(match total {
            None => n,
            Some(t) => t + n,
        });
    }
    Ok(Value::Number(total.unwrap_or(Number::Int(0))))
}

fn transpose(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let entries = mapping(&args, 0)?;
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (k, v) in entries {
        let list = typed_list(&[v], 0, &Type::String)
            .map_err(|e| FnError::arg(0, format!("element {k:?}: {}", e.message)))?;
        for s in list {
            match s {
                Value::String(s) => out.entry(s).or_default().push(Value::String(k.clone())),
                _ => {
                    return Err(FnError::arg(
                        0,
                        format!("element {k:?}: expected strings, got null"),
                    ));
                }
            }
        }
    }
    Ok(Value::Map(
        Type::List(Box::new(Type::String)),
        out.into_iter()
            .map(|(k, v)| (k, Value::List(Type::String, v)))
            .collect(),
    ))
}

fn matchkeys(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let (t, values) = any_list(&args, 0)?;
    let (tk, keys) = any_list(&args, 1)?;
    let (ts, search) = any_list(&args, 2)?;
    let u = unify_unsafe(&[tk, ts])
        .ok_or_else(|| FnError::arg(2, "expected the same element type as `keys`"))?;
    if values.len() != keys.len() {
        return Err(FnError::arg(
            1,
            format!(
                "expected as many keys as values ({}), got {}",
                values.len(),
                keys.len()
            ),
        ));
    }
    let conv = |items: Vec<Value>, i: usize| {
        items
            .into_iter()
            .map(|v| convert(v, &u))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| FnError::arg(i, e.to_string()))
    };
    let keys = conv(keys, 1)?;
    let search = conv(search, 2)?;
    let search = ValueSet::of(&search);
    let out = values
        .into_iter()
        .zip(keys)
        .filter(|(_, k)| search.contains(k))
        .map(|(v, _)| v)
        .collect();
    Ok(Value::List(t, out))
}

#[cfg(test)]
mod tests {
    use crate::{FnContext, call};
    use infra_lang::Value;
    use infra_lang::types::Type;
    use std::path::Path;

    fn length(v: Value) -> Value {
        let ctx = FnContext {
            base_dir: Path::new("."),
        };
        call("length", vec![v], &ctx).expect("length succeeds")
    }

    #[test]
    fn length_sees_through_unknown_elements_and_keeps_the_top_level_mark() {
        let tuple = Value::Tuple(vec![Value::unknown(), Value::int(1)]);
        assert_eq!(length(tuple), Value::int(2));
        let list = Value::Unknown(Type::List(Box::new(Type::String)));
        assert_eq!(length(list), Value::Unknown(Type::Number));
        let typed = Value::Unknown(Type::Tuple(vec![Type::String, Type::Bool]));
        assert_eq!(length(typed), Value::int(2));
        let set = Value::Set(
            Type::String,
            vec![Value::string("a"), Value::Unknown(Type::String)],
        );
        assert_eq!(length(set), Value::Unknown(Type::Number));
        let secret = Value::string("ab").mark_if(true);
        assert_eq!(length(secret), Value::int(2).mark_if(true));
        let inner = Value::Tuple(vec![Value::string("x").mark_if(true)]);
        assert_eq!(length(inner), Value::int(1));
    }

    fn run(name: &str, args: Vec<Value>) -> Value {
        let ctx = FnContext {
            base_dir: Path::new("."),
        };
        call(name, args, &ctx).expect("the call succeeds")
    }

    fn obj(items: &[(&str, Value)]) -> Value {
        Value::Object(
            items
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn structural_functions_keep_known_elements_next_to_unknown_ones() {
        let later = Value::Unknown(Type::String);
        let tags = obj(&[("env", Value::string("dev"))]);
        let merged = run("merge", vec![tags, obj(&[("Name", later.clone())])]);
        assert_eq!(
            merged,
            obj(&[("Name", later.clone()), ("env", Value::string("dev"))])
        );
        let map = run(
            "tomap",
            vec![obj(&[("a", Value::string("x")), ("b", later.clone())])],
        );
        assert!(
            matches!(&map, Value::Map(Type::String, m) if m.len() == 2),
            "{map:?}"
        );
        let list = run(
            "concat",
            vec![
                Value::Tuple(vec![Value::string("a")]),
                Value::Tuple(vec![later.clone()]),
            ],
        );
        assert_eq!(list, Value::Tuple(vec![Value::string("a"), later.clone()]));
        // Unknown itself: the result is unknown.
        assert!(run("merge", vec![Value::Unknown(Type::Any)]).is_unknown());
        // Functions that look into their elements stay wholly unknown.
        let joined = run(
            "join",
            vec![Value::string(","), Value::Tuple(vec![later.clone()])],
        );
        assert!(joined.is_unknown(), "{joined:?}");
        // Types that only unknown elements make disagree: unknown, not an error.
        let mixed = run(
            "tolist",
            vec![Value::Tuple(vec![
                Value::Tuple(vec![]),
                Value::Unknown(Type::Any),
            ])],
        );
        assert!(mixed.is_unknown(), "{mixed:?}");
    }
}
