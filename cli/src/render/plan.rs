//! The human plan: resources grouped with `+ ~ - -/+ +/- <=` markers,
//! attribute-level before → after, `(known after apply)`, `(sensitive
//! value)`, multi-line strings as unified diffs, moved and forgotten
//! objects, drift found by refresh, output changes, and the summary line.
//! Mirrors Terraform's layout.

use infra_engine::addr::{ResourceAddress, ResourceMode};
use infra_engine::plan::{Action, Drift, Plan, ResourceChange, counts};
use infra_lang::Value;
use infra_lang::value::quote;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Colours (ANSI) or none.
#[derive(Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    /// ANSI colours when `color`.
    pub fn new(color: bool) -> Style {
        Style { color }
    }

    /// `s` in the ANSI colour `code` (`31` red, `32` green, `33` yellow),
    /// or plain without colour.
    pub fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// A change marker (`+`, `-`, `~`, `<=`) in its colour.
    pub fn marker(self, m: &str) -> String {
        let code = match m.trim() {
            "+" => "32",
            "-" => "31",
            "~" => "33",
            "<=" => "36",
            _ => "33",
        };
        self.paint(code, m)
    }

    /// Bold text.
    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
}

fn entries(v: &Value) -> Option<BTreeMap<String, Value>> {
    match v {
        Value::Object(m) | Value::Map(_, m) => Some(m.clone()),
        _ => None,
    }
}

/// The attributes of a resource object: those of a sensitive one come
/// back sensitive each, so none is shown.
fn fields(v: &Value) -> Option<BTreeMap<String, Value>> {
    match v {
        Value::Sensitive(inner) => {
            fields(inner).map(|m| m.into_iter().map(|(k, x)| (k, x.mark_if(true))).collect())
        }
        v => entries(v),
    }
}

fn items_of(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(_, x) | Value::Set(_, x) | Value::Tuple(x) => Some(x.clone()),
        _ => None,
    }
}

/// One value, possibly over several lines, starting at column `indent`.
fn value(v: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    match v {
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::Unknown(_) => "(known after apply)".into(),
        Value::Null(_) => "null".into(),
        Value::String(s) if s.contains('\n') => {
            let mut out = "<<-EOT\n".to_string();
            for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
                let _ = writeln!(out, "{pad}    {line}");
            }
            let _ = write!(out, "{pad}EOT");
            out
        }
        Value::String(s) => quote(s),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => layout(v, indent + 4, indent, "", &|x| value(x, indent + 4)).unwrap_or_default(),
    }
}

/// An object or list over several lines: each element at column `items`
/// after `prefix` (a marker and its space, or nothing), rendered by
/// `inner`; the closing bracket at column `close`. `None` for other
/// values.
fn layout(
    v: &Value,
    items: usize,
    close: usize,
    prefix: &str,
    inner: &dyn Fn(&Value) -> String,
) -> Option<String> {
    let (pad, end) = (" ".repeat(items), " ".repeat(close));
    if let Some(m) = entries(v) {
        if m.is_empty() {
            return Some("{}".into());
        }
        let w = m.keys().map(|k| key(k).len()).max().unwrap_or(0);
        let mut out = "{\n".to_string();
        for (k, x) in &m {
            let _ = writeln!(out, "{pad}{prefix}{:w$} = {}", key(k), inner(x));
        }
        let _ = write!(out, "{end}}}");
        return Some(out);
    }
    let xs = items_of(v)?;
    if xs.is_empty() {
        return Some("[]".into());
    }
    let mut out = "[\n".to_string();
    for x in &xs {
        let _ = writeln!(out, "{pad}{prefix}{},", inner(x));
    }
    let _ = write!(out, "{end}]");
    Some(out)
}

/// A value being created (`marker` `+`) or destroyed (`-`) whose line's
/// marker is at column `indent`: scalars as [`value`] writes them; objects
/// and lists over several lines with `marker` before every element, each
/// level 4 columns deeper and its closing bracket under its first
/// character, as Terraform lays them out:
///
/// ```text
///       + tags  = {
///           + env = "dev"
///         }
/// ```
fn marked(v: &Value, marker: &str, indent: usize, style: Style) -> String {
    let prefix = format!("{} ", style.marker(marker));
    layout(v, indent + 4, indent + 2, &prefix, &|x| {
        marked(x, marker, indent + 4, style)
    })
    .unwrap_or_else(|| value(v, indent + 4))
}

/// The marker of an action, as Terraform prints it before a resource:
/// `+`, `~`, `-/+`, `+/-`, `-`, `<=`, `.` (forget); empty for no-op.
pub(crate) fn action_marker(a: Action) -> &'static str {
    match a {
        Action::Create => "+",
        Action::Update => "~",
        Action::DeleteThenCreate => "-/+",
        Action::CreateThenDelete => "+/-",
        Action::Delete => "-",
        Action::Read => "<=",
        Action::Forget => ".",
        Action::NoOp => "",
    }
}

/// An attribute or object key as written in the configuration: bare when
/// it can be, quoted otherwise.
pub(crate) fn key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !k.starts_with(|c: char| c.is_ascii_digit());
    if plain { k.to_string() } else { quote(k) }
}

/// Unchanged for display: the same data and the same sensitivity (a value
/// becoming sensitive is shown as a change).
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    a.same_data(b) && a.is_sensitive_deep() == b.is_sensitive_deep()
}

/// Renders the attributes of one change into `out`.
struct Body<'a> {
    out: &'a mut String,
    style: Style,
    replace_paths: &'a [String],
}

impl Body<'_> {
    fn line(
        &mut self,
        indent: usize,
        marker: &str,
        name: &str,
        width: usize,
        text: &str,
        note: &str,
    ) {
        let pad = " ".repeat(indent);
        let m = if marker.is_empty() {
            "  ".to_string()
        } else {
            format!("{} ", self.style.marker(marker))
        };
        let _ = writeln!(self.out, "{pad}{m}{name:width$} = {text}{note}");
    }

    /// Attributes of an object being created (`+`) or destroyed (`-`).
    fn whole(&mut self, v: &Value, marker: &str, indent: usize) {
        let Some(m) = fields(v) else {
            return;
        };
        let shown: Vec<(&String, &Value)> = m.iter().filter(|(_, x)| !x.is_null()).collect();
        let w = shown.iter().map(|(k, _)| key(k).len()).max().unwrap_or(0);
        for (k, x) in shown {
            let text = if marker == "-" {
                format!("{} -> null", marked(x, marker, indent, self.style))
            } else {
                marked(x, marker, indent, self.style)
            };
            self.line(indent, marker, &key(k), w, &text, "");
        }
    }

    /// An object that does not change (moved, or forgotten): its `id`, as
    /// Terraform shows it, and the number of other attributes.
    fn unchanged(&mut self, v: &Value, indent: usize) {
        let Some(m) = fields(v) else {
            return;
        };
        let present: Vec<(&String, &Value)> = m.iter().filter(|(_, x)| !x.is_null()).collect();
        let w = present.iter().map(|(k, _)| key(k).len()).max().unwrap_or(0);
        let mut hidden = present.len();
        if let Some(id) = m.get("id").filter(|x| !x.is_null()) {
            self.line(indent, "", "id", w, &value(id, indent + 4), "");
            hidden -= 1;
        }
        if hidden > 0 {
            let _ = writeln!(
                self.out,
                "{}  # ({hidden} unchanged attribute{} hidden)",
                " ".repeat(indent),
                if hidden == 1 { "" } else { "s" }
            );
        }
    }

    /// Attribute-level differences of an update or replacement.
    fn diff(&mut self, before: &Value, after: &Value, indent: usize, top: bool) {
        let b = fields(before).unwrap_or_default();
        let a = fields(after).unwrap_or_default();
        let mut names: Vec<&String> = b.keys().chain(a.keys()).collect();
        names.sort();
        names.dedup();
        let null = Value::NULL;
        let changed: Vec<&String> = names
            .iter()
            .copied()
            .filter(|n| !same(b.get(*n).unwrap_or(&null), a.get(*n).unwrap_or(&null)))
            .filter(|n| {
                !(b.get(*n).is_none_or(Value::is_null) && a.get(*n).is_none_or(Value::is_null))
            })
            .collect();
        let w = changed.iter().map(|k| key(k).len()).max().unwrap_or(0);
        for n in &changed {
            let bv = b.get(*n).unwrap_or(&null);
            let av = a.get(*n).unwrap_or(&null);
            let note = if top && self.replace_paths.contains(n) {
                self.style.paint("31", " # forces replacement")
            } else {
                String::new()
            };
            self.attr(n, bv, av, w, indent, &note, top);
        }
        let hidden = names
            .iter()
            .filter(|n| !changed.contains(n))
            .filter(|n| {
                !(b.get(**n).is_none_or(Value::is_null) && a.get(**n).is_none_or(Value::is_null))
            })
            .count();
        if hidden > 0 {
            let _ = writeln!(
                self.out,
                "{}  # ({hidden} unchanged attribute{} hidden)",
                " ".repeat(indent),
                if hidden == 1 { "" } else { "s" }
            );
        }
    }

    /// One attribute that changes; `top` for a resource's own attributes
    /// (a removed one reads `-> null` there, as in Terraform, but not
    /// inside an object).
    #[allow(clippy::too_many_arguments)]
    fn attr(
        &mut self,
        n: &str,
        bv: &Value,
        av: &Value,
        w: usize,
        indent: usize,
        note: &str,
        top: bool,
    ) {
        let name = key(n);
        if bv.is_null() {
            let text = marked(av, "+", indent, self.style);
            self.line(indent, "+", &name, w, &text, note);
            return;
        }
        if av.is_null() {
            let text = marked(bv, "-", indent, self.style);
            let text = if top { format!("{text} -> null") } else { text };
            self.line(indent, "-", &name, w, &text, note);
            return;
        }
        if bv.is_sensitive_deep() || av.is_sensitive_deep() {
            self.line(indent, "~", &name, w, "(sensitive value)", note);
            return;
        }
        match (bv, av) {
            (Value::String(x), Value::String(y)) if x.contains('\n') || y.contains('\n') => {
                let pad = " ".repeat(indent);
                let mut text = "<<-EOT\n".to_string();
                let d = similar::TextDiff::from_lines(x.as_str(), y.as_str());
                for change in d.iter_all_changes() {
                    let sign = match change.tag() {
                        similar::ChangeTag::Delete => self.style.marker("-"),
                        similar::ChangeTag::Insert => self.style.marker("+"),
                        similar::ChangeTag::Equal => " ".into(),
                    };
                    let _ = writeln!(
                        text,
                        "{pad}  {sign} {}",
                        change.value().trim_end_matches('\n')
                    );
                }
                let _ = write!(text, "{pad}    EOT");
                self.line(indent, "~", &name, w, &text, note);
            }
            _ if items_of(bv).is_some() && items_of(av).is_some() => {
                self.list_diff(&name, bv, av, w, indent, note);
            }
            _ if entries(bv).is_some() && entries(av).is_some() => {
                let pad = " ".repeat(indent);
                let _ = writeln!(
                    self.out,
                    "{pad}{} {name:w$} = {{{note}",
                    self.style.marker("~")
                );
                self.diff(bv, av, indent + 4, false);
                let _ = writeln!(self.out, "{pad}  }}");
            }
            _ => {
                let text = format!("{} -> {}", value(bv, indent + 4), value(av, indent + 4));
                self.line(indent, "~", &name, w, &text, note);
            }
        }
    }
}

impl Body<'_> {
    /// A list, set or tuple that changes, element by element as Terraform
    /// shows it: removed elements `-`, added `+`, unchanged ones counted
    /// (elements are matched by their rendered text, in order).
    fn list_diff(
        &mut self,
        name: &str,
        bv: &Value,
        av: &Value,
        w: usize,
        indent: usize,
        note: &str,
    ) {
        let xs = items_of(bv).unwrap_or_default();
        let ys = items_of(av).unwrap_or_default();
        let kx: Vec<String> = xs.iter().map(|x| value(x, 0)).collect();
        let ky: Vec<String> = ys.iter().map(|y| value(y, 0)).collect();
        let pad = " ".repeat(indent);
        let _ = writeln!(
            self.out,
            "{pad}{} {name:w$} = [{note}",
            self.style.marker("~")
        );
        let style = self.style;
        let mut hidden = 0;
        let flush = |out: &mut String, hidden: &mut usize| {
            if *hidden > 0 {
                let _ = writeln!(
                    out,
                    "{pad}      # ({hidden} unchanged element{} hidden)",
                    if *hidden == 1 { "" } else { "s" }
                );
                *hidden = 0;
            }
        };
        for op in similar::capture_diff_slices(similar::Algorithm::Myers, &kx, &ky) {
            let (tag, old, new) = op.as_tag_tuple();
            match tag {
                similar::DiffTag::Equal => hidden += old.len(),
                similar::DiffTag::Replace
                    if old.len() == new.len()
                        && xs[old.clone()].iter().all(|x| entries(x).is_some())
                        && ys[new.clone()].iter().all(|y| entries(y).is_some()) =>
                {
                    // Objects changed in place: their attributes' diff.
                    flush(self.out, &mut hidden);
                    for (x, y) in xs[old].iter().zip(&ys[new]) {
                        let _ = writeln!(self.out, "{pad}    {} {{", style.marker("~"));
                        self.diff(x, y, indent + 8, false);
                        let _ = writeln!(self.out, "{pad}      }},");
                    }
                }
                _ => {
                    flush(self.out, &mut hidden);
                    for x in &xs[old] {
                        let _ = writeln!(
                            self.out,
                            "{pad}    {} {},",
                            style.marker("-"),
                            marked(x, "-", indent + 4, style)
                        );
                    }
                    for y in &ys[new] {
                        let _ = writeln!(
                            self.out,
                            "{pad}    {} {},",
                            style.marker("+"),
                            marked(y, "+", indent + 4, style)
                        );
                    }
                }
            }
        }
        flush(self.out, &mut hidden);
        let _ = writeln!(self.out, "{pad}  ]");
    }
}

/// What happens to an instance, after its address: "will be created".
pub(crate) fn describe(action: Action) -> &'static str {
    match action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::DeleteThenCreate => "must be replaced",
        Action::CreateThenDelete => "must be replaced (the new object is created first)",
        Action::Delete => "will be destroyed",
        Action::Read => "will be read during apply",
        Action::Forget => "will no longer be managed by infra, but will not be destroyed",
        Action::NoOp => "is unchanged",
    }
}

fn header(c: &ResourceChange) -> String {
    match &c.deposed {
        Some(key) => format!(
            "# {} (deposed object {key}) {}",
            c.address,
            describe(c.action)
        ),
        None => format!("# {} {}", c.address, describe(c.action)),
    }
}

/// `resource "T" "N"` or `data "T" "N"`: how the block of a change starts.
pub(crate) fn block_line(c: &ResourceChange) -> String {
    let kind = match c.address.mode {
        ResourceMode::Managed => "resource",
        ResourceMode::Data => "data",
    };
    format!(
        "{kind} {} {}",
        quote(&c.address.type_name),
        quote(&c.address.name)
    )
}

/// Renders one change.
pub fn change(out: &mut String, c: &ResourceChange, style: Style) {
    moved_change(out, c, None, style);
}

/// Renders one change of an instance that a `moved` block moved from
/// `from` (`None`: not moved): `# (moved from ...)` under its header.
pub fn moved_change(
    out: &mut String,
    c: &ResourceChange,
    from: Option<&ResourceAddress>,
    style: Style,
) {
    if c.action == Action::NoOp {
        return;
    }
    let marker = format!("{:>3}", action_marker(c.action));
    let marker = marker.as_str();
    let _ = writeln!(out, "  {}", style.bold(&header(c)));
    for r in &c.reasons {
        if c.action == Action::Create {
            continue;
        }
        if c.deposed.is_some() {
            let _ = writeln!(out, "  # ({r})");
        } else {
            let _ = writeln!(out, "  # (because {r})");
        }
    }
    if let Some(from) = from {
        let _ = writeln!(out, "  # (moved from {from})");
    }
    let _ = writeln!(out, "{} {} {{", style.marker(marker), block_line(c));
    let mut body = Body {
        out,
        style,
        replace_paths: &c.replace_paths,
    };
    match (c.action, &c.before, &c.after) {
        (Action::Create | Action::Read, _, Some(a)) => body.whole(a, "+", 6),
        (Action::Delete, Some(b), _) => body.whole(b, "-", 6),
        (Action::Forget, Some(b), _) => body.unchanged(b, 6),
        (_, Some(b), Some(a)) => body.diff(b, a, 6, true),
        _ => {}
    }
    let _ = writeln!(out, "    }}\n");
}

/// Renders an instance that only moved: `# FROM has moved to TO` and its
/// unchanged object, as Terraform shows it.
fn moved_only(
    out: &mut String,
    from: &ResourceAddress,
    to: &ResourceAddress,
    value: &Value,
    style: Style,
) {
    let _ = writeln!(
        out,
        "  {}",
        style.bold(&format!("# {from} has moved to {to}"))
    );
    let kind = match to.mode {
        ResourceMode::Managed => "resource",
        ResourceMode::Data => "data",
    };
    let _ = writeln!(
        out,
        "    {kind} {} {} {{",
        quote(&to.type_name),
        quote(&to.name)
    );
    let mut body = Body {
        out,
        style,
        replace_paths: &[],
    };
    body.unchanged(value, 6);
    let _ = writeln!(out, "    }}\n");
}

/// The attribute-level differences `before` → `after` of one object,
/// lines starting at column `indent` (unchanged attributes counted, not
/// shown; sensitive values redacted; multi-line strings as unified
/// diffs): the body of a drift or update block.
pub fn attribute_diff(
    out: &mut String,
    before: &Value,
    after: &Value,
    indent: usize,
    style: Style,
) {
    let mut body = Body {
        out,
        style,
        replace_paths: &[],
    };
    body.diff(before, after, indent, false);
}

/// Renders objects changed outside infra.
pub fn drift(out: &mut String, drift: &[Drift], style: Style) {
    if drift.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}\n\ninfra found these changes made outside infra since the last apply:\n",
        style.bold("Note: Objects have changed outside of infra")
    );
    for d in drift {
        match &d.after {
            None => {
                let _ = writeln!(out, "  # {} has been deleted", d.address);
            }
            Some(a) => {
                let _ = writeln!(out, "  # {} has changed", d.address);
                let _ = writeln!(
                    out,
                    "  {} resource {} {} {{",
                    style.marker("~"),
                    quote(&d.address.type_name),
                    quote(&d.address.name)
                );
                let mut body = Body {
                    out,
                    style,
                    replace_paths: &[],
                };
                body.diff(&d.before, a, 6, false);
                let _ = writeln!(out, "    }}");
            }
        }
        let _ = writeln!(out);
    }
}

/// The summary line: `Plan: 2 to add, 1 to change, 0 to destroy.`
pub fn summary(plan: &Plan) -> String {
    let (add, change, destroy) = counts(&plan.changes);
    format!("Plan: {add} to add, {change} to change, {destroy} to destroy.")
}

/// The whole human plan.
pub fn render(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    drift(&mut out, &plan.drift, style);
    if !plan.has_changes() {
        let _ = writeln!(
            out,
            "{} Your infrastructure matches the configuration.",
            style.bold("No changes.")
        );
        return out;
    }
    let acting: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    if !acting.is_empty() || !plan.moves.is_empty() {
        let _ = writeln!(out, "infra will perform the following actions:\n");
        // Changes and instances that only moved, in address order.
        let changed: BTreeSet<&ResourceAddress> = acting
            .iter()
            .filter(|c| c.deposed.is_none())
            .map(|c| &c.address)
            .collect();
        let mut items: Vec<(&ResourceAddress, Option<&ResourceChange>)> =
            acting.iter().map(|c| (&c.address, Some(*c))).collect();
        items.extend(
            plan.moves
                .iter()
                .filter(|m| !changed.contains(&m.to))
                .map(|m| (&m.to, None)),
        );
        items.sort_by(|a, b| a.0.cmp(b.0));
        for (addr, c) in items {
            let from = plan.previous_address(addr);
            match (c, from) {
                (Some(c), _) => moved_change(&mut out, c, from, style),
                (None, Some(from)) => {
                    if let Some(inst) = plan.prior.resources.get(addr) {
                        moved_only(&mut out, from, addr, &inst.value, style);
                    }
                }
                (None, None) => {}
            }
        }
        let _ = writeln!(out, "{}", style.bold(&summary(plan)));
    }
    let outs: Vec<_> = plan
        .outputs
        .iter()
        .filter(|o| o.before != o.after)
        .collect();
    if !outs.is_empty() {
        let _ = writeln!(out, "\nChanges to Outputs:");
        let w = outs.iter().map(|o| o.name.len()).max().unwrap_or(0);
        for o in outs {
            let show = |v: &Value| {
                if o.sensitive {
                    "(sensitive value)".to_string()
                } else {
                    value(v, 4)
                }
            };
            let (m, text) = match (&o.before, &o.after) {
                (None, Some(a)) => ("+", show(a)),
                (Some(b), None) => ("-", format!("{} -> null", show(b))),
                (Some(b), Some(a)) => ("~", format!("{} -> {}", show(b), show(a))),
                (None, None) => continue,
            };
            let _ = writeln!(out, "  {} {:w$} = {text}", style.marker(m), o.name);
        }
    }
    out
}
