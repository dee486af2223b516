//! The human plan: resources grouped with `+ ~ - -/+ +/- <=` markers,
//! attribute-level before → after, `(known after apply)`, `(sensitive
//! value)`, multi-line strings as unified diffs, moved and forgotten
//! objects, drift found by refresh, output changes, and the summary line.
//! Mirrors Terraform's layout. A printer: the engine's value diff
//! (`infra_engine::diff`) says what changes and how values are laid out.

use infra_engine::addr::{ResourceAddress, ResourceMode};
use infra_engine::diff::layout::{self, LineKind, key};
use infra_engine::diff::{AttributeChange, Change, LineTag, ListChange, ObjectDiff, fields};
use infra_engine::plan::{Action, Drift, Import, Plan, ResourceChange, Summary};
use infra_lang::Value;
use infra_lang::value::quote;
use std::collections::BTreeSet;
use std::fmt::Write;

mod blocks;
pub use blocks::Schemas;
use infra_engine::provider::ResourceSchema;

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

/// How the human plan shows a sensitive value.
const REDACTED: &str = "(sensitive value)";

/// One value, possibly over several lines, starting at column `indent`.
fn value(v: &Value, indent: usize) -> String {
    layout::text(v, REDACTED, indent)
}

/// A value being created (`marker` `+`) or destroyed (`-`) whose line's
/// marker is at column `indent`: scalars as [`value`] writes them at
/// `indent + 4`; objects and lists over several lines with `marker` before
/// every element, each level 4 columns deeper and its closing bracket
/// under its first character, as Terraform lays them out:
///
/// ```text
///       + tags  = {
///           + env = "dev"
///         }
/// ```
fn marked(v: &Value, marker: &str, indent: usize, style: Style) -> String {
    let prefix = if marker.is_empty() {
        "  ".to_string()
    } else {
        format!("{} ", style.marker(marker))
    };
    let mut out = String::new();
    for (i, l) in layout::lines(v, REDACTED).into_iter().enumerate() {
        if i > 0 {
            let col = indent + 4 * l.depth;
            out.push('\n');
            match l.kind {
                LineKind::Entry => {
                    out.push_str(&" ".repeat(col));
                    out.push_str(&prefix);
                }
                LineKind::Close => out.push_str(&" ".repeat(col + 2)),
                LineKind::Heredoc => out.push_str(&" ".repeat(col + 4)),
            }
        }
        out.push_str(&l.text);
    }
    out
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

/// `  # (3 unchanged attributes hidden)` at column `indent`.
fn hidden_line(out: &mut String, indent: usize, n: usize, what: &str) {
    if n > 0 {
        let _ = writeln!(
            out,
            "{}  # ({n} unchanged {what}{} hidden)",
            " ".repeat(indent),
            if n == 1 { "" } else { "s" }
        );
    }
}

/// Which unchanged elements of a list are shown ([`Body::list`]).
#[derive(Clone, Copy)]
struct Shown {
    /// No context: every unchanged element is counted after the changes.
    counted_after: bool,
    /// Every element is shown.
    all: bool,
}

/// Prints the attributes of one change into `out`.
struct Body<'a> {
    out: &'a mut String,
    style: Style,
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
        self.whole_with(v, marker, indent, &[]);
    }

    /// [`Body::whole`] with rows for the schema's `write_only` attributes,
    /// whose values plans and state never hold: `+ password_wo =
    /// (write-only attribute)`, as Terraform's renderer shows every
    /// write-only attribute of a created or destroyed object.
    fn whole_with(&mut self, v: &Value, marker: &str, indent: usize, write_only: &[&str]) {
        let Some(m) = fields(v) else {
            return;
        };
        const WRITE_ONLY: &str = "(write-only attribute)";
        let mut shown: Vec<(&str, Option<&Value>)> = m
            .iter()
            .filter(|(k, x)| !x.is_null() && !write_only.contains(&k.as_str()))
            .map(|(k, x)| (k.as_str(), Some(x)))
            .collect();
        shown.extend(write_only.iter().map(|k| (*k, None)));
        shown.sort_by(|a, b| a.0.cmp(b.0));
        let w = shown.iter().map(|(k, _)| key(k).len()).max().unwrap_or(0);
        for (k, x) in shown {
            let text = match x {
                Some(x) => marked(x, marker, indent, self.style),
                None => WRITE_ONLY.to_string(),
            };
            let text = if marker == "-" {
                format!("{text} -> null")
            } else {
                text
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
        hidden_line(self.out, indent, hidden, "attribute");
    }

    /// The attribute diff of an update, a replacement or drift; `top` for
    /// a resource's own attributes (a removed one reads `-> null` there,
    /// as in Terraform, but not inside an object).
    /// Unchanged attributes that identify the object (`id`, `name`,
    /// `tags`) are shown among the changed ones, in name order, as
    /// Terraform's renderer shows them, and so is every unchanged
    /// attribute inside the value of one ([`ObjectDiff::show_all`]); `=`
    /// is aligned over every attribute, shown or hidden.
    fn object(&mut self, d: &ObjectDiff, indent: usize, top: bool) {
        self.object_in(d, indent, top, &[]);
    }

    /// [`Body::object`], where the attributes named in `nested_lists` are
    /// nested attributes of list or set nesting: their unchanged elements
    /// are counted after their changes, as Terraform's `NestedList`
    /// renderer does (it shows no context around a change).
    pub(super) fn object_in(
        &mut self,
        d: &ObjectDiff,
        indent: usize,
        top: bool,
        nested_lists: &[&str],
    ) {
        let w = d.full_width();
        let mut important = d.important.iter().peekable();
        for c in &d.changed {
            while let Some((k, v)) = important.next_if(|(k, _)| *k < c.name) {
                let text = marked(v, "", indent, self.style);
                self.line(indent, "", &layout::label(k, d.map), w, &text, "");
            }
            let name = layout::label(&c.name, d.map);
            let note = if c.forces_replacement {
                self.style.paint("31", " # forces replacement")
            } else {
                String::new()
            };
            let counted_after = nested_lists.contains(&c.name.as_str());
            self.attr(c, &name, w, (indent, top, counted_after), &note);
        }
        for (k, v) in important {
            let text = marked(v, "", indent, self.style);
            self.line(indent, "", &layout::label(k, d.map), w, &text, "");
        }
        let what = if d.map { "element" } else { "attribute" };
        hidden_line(self.out, indent, d.unchanged - d.important.len(), what);
    }

    /// One attribute that changes.
    /// `(indent, top, counted_after)`: the column, whether this is a
    /// resource's own attribute, and whether a list's unchanged elements
    /// are counted after its changes ([`Body::object_in`]).
    fn attr(
        &mut self,
        c: &AttributeChange,
        name: &str,
        w: usize,
        (indent, top, counted_after): (usize, bool, bool),
        note: &str,
    ) {
        let pad = " ".repeat(indent);
        match &c.change {
            Change::Added => {
                let text = marked(&c.after, "+", indent, self.style);
                self.line(indent, "+", name, w, &text, note);
            }
            Change::Removed => {
                let text = marked(&c.before, "-", indent, self.style);
                let text = if top { format!("{text} -> null") } else { text };
                self.line(indent, "-", name, w, &text, note);
            }
            Change::Sensitive => self.line(indent, "~", name, w, REDACTED, note),
            Change::Text(lines) => {
                let mut text = "<<-EOT\n".to_string();
                for l in lines {
                    let sign = match l.tag {
                        LineTag::Removed => self.style.marker("-"),
                        LineTag::Added => self.style.marker("+"),
                        LineTag::Same => " ".into(),
                    };
                    let _ = writeln!(text, "{pad}  {sign} {}", l.text);
                }
                let _ = write!(text, "{pad}    EOT");
                self.line(indent, "~", name, w, &text, note);
            }
            Change::List(ops) => {
                let shown = Shown {
                    counted_after,
                    all: c.show_all,
                };
                self.list(name, ops, (w, indent), note, shown);
            }
            Change::Object(d) => {
                let _ = writeln!(
                    self.out,
                    "{pad}{} {name:w$} = {{{note}",
                    self.style.marker("~")
                );
                self.object(d, indent + 4, false);
                let _ = writeln!(self.out, "{pad}  }}");
            }
            Change::Replaced => {
                // An object or list replaced whole (by an unknown, a
                // value of another type) shows its elements going.
                let before = if fields(&c.before).is_some()
                    || matches!(c.before, Value::List(..) | Value::Set(..) | Value::Tuple(_))
                {
                    marked(&c.before, "-", indent, self.style)
                } else {
                    value(&c.before, indent + 4)
                };
                let text = format!("{before} -> {}", value(&c.after, indent + 4));
                self.line(indent, "~", name, w, &text, note);
            }
        }
    }

    /// A list, set or tuple that changes, element by element as Terraform
    /// shows it: removed elements `-`, added `+`, objects changed in place
    /// `~`, unchanged ones counted.
    /// A list's changes as Terraform's list renderer prints them: with
    /// context (a plain list attribute), the unchanged element just
    /// before and just after each change is shown, the others before it
    /// counted; without (`counted_after`: a nested attribute's list,
    /// Terraform's `NestedList`), every unchanged element is counted
    /// after the changes; with `all` (the value of an attribute named
    /// `id`, `name` or `tags`, Terraform's `ShowUnchangedChildren`),
    /// every element is shown in its place.
    fn list(
        &mut self,
        name: &str,
        ops: &[ListChange],
        (w, indent): (usize, usize),
        note: &str,
        Shown { counted_after, all }: Shown,
    ) {
        /// One element of the list diff.
        enum El<'a> {
            Same(&'a Value),
            Changed(&'a ObjectDiff),
            Updated(&'a Value, &'a Value),
            Mark(&'static str, &'a Value),
        }
        let pad = " ".repeat(indent);
        let style = self.style;
        let _ = writeln!(self.out, "{pad}{} {name:w$} = [{note}", style.marker("~"));
        let mut elements = Vec::new();
        for op in ops {
            match op {
                ListChange::Unchanged(xs) => elements.extend(xs.iter().map(El::Same)),
                ListChange::Objects(diffs) => elements.extend(diffs.iter().map(El::Changed)),
                ListChange::Updated(b, a) => elements.push(El::Updated(b, a)),
                ListChange::Replaced { removed, added } => {
                    elements.extend(removed.iter().map(|x| El::Mark("-", x)));
                    elements.extend(added.iter().map(|x| El::Mark("+", x)));
                }
            }
        }
        let context = !counted_after;
        let mut unchanged: Vec<&Value> = Vec::new();
        let mut render_next = false;
        for el in elements {
            if let El::Same(x) = el
                && !render_next
                && !all
            {
                unchanged.push(x);
                continue;
            }
            render_next = false;
            if context {
                hidden_line(
                    self.out,
                    indent + 4,
                    unchanged.len().saturating_sub(1),
                    "element",
                );
                if let Some(last) = unchanged.last() {
                    self.unchanged_element(last, indent);
                }
                unchanged.clear();
                render_next = !matches!(el, El::Same(_));
            }
            match el {
                El::Same(x) => self.unchanged_element(x, indent),
                El::Changed(d) => {
                    let _ = writeln!(self.out, "{pad}    {} {{", style.marker("~"));
                    self.object(d, indent + 8, false);
                    let _ = writeln!(self.out, "{pad}      }},");
                }
                El::Updated(b, a) => {
                    let _ = writeln!(
                        self.out,
                        "{pad}    {} {} -> {},",
                        style.marker("~"),
                        marked(b, "~", indent + 4, style),
                        marked(a, "~", indent + 4, style)
                    );
                }
                El::Mark(m, x) => {
                    let _ = writeln!(
                        self.out,
                        "{pad}    {} {},",
                        style.marker(m),
                        marked(x, m, indent + 4, style)
                    );
                }
            }
        }
        hidden_line(self.out, indent + 4, unchanged.len(), "element");
        let _ = writeln!(self.out, "{pad}  ]");
    }

    /// An unchanged list element shown whole, of a list at `indent`.
    fn unchanged_element(&mut self, x: &Value, indent: usize) {
        let text = marked(x, "", indent + 4, self.style);
        let _ = writeln!(self.out, "{}      {text},", " ".repeat(indent));
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
    moved_change(out, c, None, None, None, style);
}

/// Renders one change of an instance that a `moved` block moved from
/// `from` (`None`: not moved): `# (moved from ...)` under its header; of
/// one an `import` block imports with id `imported_from`: `# (imported
/// from "ID")`, as Terraform writes it. With the type's `schema`, nested
/// blocks are shown as blocks.
pub fn moved_change(
    out: &mut String,
    c: &ResourceChange,
    from: Option<&ResourceAddress>,
    imported_from: Option<&str>,
    schema: Option<&ResourceSchema>,
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
    if let Some(id) = imported_from {
        let _ = writeln!(out, "  # (imported from {})", quote(id));
        if c.action.is_replace() {
            let _ = writeln!(
                out,
                "  # {}",
                style.paint("33", "Warning: this will destroy the imported resource")
            );
        }
    }
    let _ = writeln!(out, "{} {} {{", style.marker(marker), block_line(c));
    let mut body = Body { out, style };
    match (c.action, &c.before, &c.after, schema) {
        (Action::Create | Action::Read, _, Some(a), Some(s)) => body.whole_shaped(s, a, "+", 6),
        (Action::Create | Action::Read, _, Some(a), None) => body.whole(a, "+", 6),
        (Action::Delete, Some(b), _, Some(s)) => body.whole_shaped(s, b, "-", 6),
        (Action::Delete, Some(b), _, None) => body.whole(b, "-", 6),
        (Action::Forget, Some(b), _, _) => body.unchanged(b, 6),
        (_, Some(b), Some(a), Some(s)) => body.object_shaped(s, (b, a), &c.replace_paths, 6, true),
        _ => {
            if let Some(d) = c.diff() {
                body.object(&d, 6, true);
            }
        }
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
    let mut body = Body { out, style };
    body.unchanged(value, 6);
    let _ = writeln!(out, "    }}\n");
}

/// Renders an instance that is only imported: `# ADDR will be imported`
/// (with `# (config will be generated)` when its block was generated)
/// and the imported object's attributes, as Terraform shows it.
fn imported_only(
    out: &mut String,
    import: &Import,
    value: &Value,
    schema: Option<&ResourceSchema>,
    style: Style,
) {
    let to = &import.address;
    let _ = writeln!(out, "  {}", style.bold(&format!("# {to} will be imported")));
    if import.generated {
        let _ = writeln!(out, "  # (config will be generated)");
    }
    let _ = writeln!(
        out,
        "    resource {} {} {{",
        quote(&to.type_name),
        quote(&to.name)
    );
    let mut body = Body { out, style };
    match schema {
        Some(s) => body.whole_shaped(s, value, "", 6),
        None => body.whole(value, "", 6),
    }
    let _ = writeln!(out, "    }}\n");
}

/// Prints the `~ resource "T" "N" { ... }` block of an object changed
/// outside infra at column 2: its attribute diff `d` (unchanged attributes
/// counted, not shown; sensitive values redacted; multi-line strings as
/// unified diffs).
pub fn drifted_block(out: &mut String, address: &ResourceAddress, d: &ObjectDiff, style: Style) {
    let _ = writeln!(
        out,
        "  {} resource {} {} {{",
        style.marker("~"),
        quote(&address.type_name),
        quote(&address.name)
    );
    Body { out, style }.object(d, 6, false);
    let _ = writeln!(out, "    }}");
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
        match d.diff() {
            None => {
                let _ = writeln!(out, "  # {} has been deleted", d.address);
            }
            Some(diff) => {
                let _ = writeln!(out, "  # {} has changed", d.address);
                drifted_block(out, &d.address, &diff, style);
            }
        }
        let _ = writeln!(out);
    }
}

/// The whole human plan; `summary` is the plan's [`Plan::summary`];
/// `schemas` those of its types (nested blocks shown as blocks).
pub fn render(plan: &Plan, summary: &Summary, schemas: &Schemas, style: Style) -> String {
    let mut out = String::new();
    // The workspace is named unless it is `default` (docs/environments.md).
    if plan.workspace != infra_engine::state::workspaces::DEFAULT {
        let _ = writeln!(out, "Workspace: {}\n", style.bold(&plan.workspace));
    }
    if let Some(r) = &plan.refresh {
        let now = infra_engine::state::now_secs();
        let _ = writeln!(out, "{}\n", super::refresh::line(r, now));
    }
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
    if !acting.is_empty() || !plan.moves.is_empty() || !plan.imports.is_empty() {
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
        items.extend(
            plan.imports
                .iter()
                .filter(|i| {
                    !changed.contains(&i.address) && plan.previous_address(&i.address).is_none()
                })
                .map(|i| (&i.address, None)),
        );
        items.sort_by(|a, b| a.0.cmp(b.0));
        for (addr, c) in items {
            let from = plan.previous_address(addr);
            let import = plan.import_of(addr);
            match (c, from, import) {
                (Some(c), _, _) => {
                    let id = import
                        .filter(|_| c.deposed.is_none())
                        .map(|i| i.id.as_str());
                    moved_change(&mut out, c, from, id, schemas.get(addr), style);
                }
                (None, Some(from), _) => {
                    if let Some(inst) = plan.prior.resources.get(addr) {
                        moved_only(&mut out, from, addr, &inst.value, style);
                    }
                }
                (None, None, Some(i)) => {
                    if let Some(inst) = plan.prior.resources.get(addr) {
                        imported_only(&mut out, i, &inst.value, schemas.get(addr), style);
                    }
                }
                (None, None, None) => {}
            }
        }
        let _ = writeln!(out, "{}", style.bold(&summary.line()));
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
