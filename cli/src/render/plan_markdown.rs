//! `infra plan --format markdown`: the plan as a pull-request comment. A
//! summary table, the deletions and replacements called out in a warning,
//! objects forgotten (`removed`) in a note, the list of moved objects, one
//! collapsed `diff` block per resource instance, output changes,
//! objects changed outside infra and warnings — capped at [`MAX_BYTES`]
//! so that it always fits in a GitHub comment (65,536 characters).

use super::markdown::{code, fenced, html, plural};
use super::plan::{block_line, describe};
use infra_engine::addr::ResourceAddress;
use infra_engine::diff::layout::{self, key};
use infra_engine::diff::{AttributeChange, Change, LineTag, ObjectDiff, fields};
use infra_engine::plan::{Action, Plan, ResourceChange, Summary};
use infra_lang::Value;
use std::fmt::Write;

/// The most the whole document may take, in bytes. GitHub refuses
/// comments over 65,536 characters; bytes are never fewer than
/// characters, and the rest is headroom for text a workflow adds around
/// the plan. Past it, resource details are left out and a closing note
/// says how many.
pub const MAX_BYTES: usize = 60_000;

/// Entries listed at most in the call-out of deletions and replacements,
/// and in the list of objects changed outside infra; the rest are counted.
pub const LIST_ITEMS: usize = 50;

/// The most those lists may take, in bytes.
const LIST_BYTES: usize = 8_000;

/// The most one resource's `<details>` may take; a larger one is shown
/// without its diff.
const SECTION_BYTES: usize = 16_000;

/// The most the output changes may take; larger ones are only counted.
const OUTPUTS_BYTES: usize = 8_000;

/// Warnings listed at most, and the longest message shown whole.
const WARNINGS: usize = 10;
const WARNING_CHARS: usize = 300;

/// Kept free at the end for the truncation note.
const NOTE_BYTES: usize = 600;

/// The diff marker of a line: `+`, `-`, `!` (changed in place) or ` `
/// (context). GitHub colours the first three in a `diff` block.
type Mark = char;

/// Text outside code blocks: one line, HTML escaped outside the code
/// spans the engine puts in reasons and messages (`` `filename` forces
/// replacement``).
fn inline(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    if s.matches('`').count() % 2 == 1 {
        return html(&s);
    }
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 0 {
                html(part)
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// The first `max` characters of `s`, with `…` when cut.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// How the Markdown plan shows a sensitive value.
const REDACTED: &str = "(sensitive)";

/// The lines of a `diff` block, each starting with its marker.
#[derive(Default)]
struct Diff {
    text: String,
}

impl Diff {
    fn line(&mut self, mark: Mark, depth: usize, text: &str) {
        let _ = writeln!(self.text, "{mark} {}{text}", "    ".repeat(depth));
    }

    /// `name = value` (all lines marked `mark`), `note` after the last.
    fn assign(&mut self, mark: Mark, depth: usize, name: &str, v: &Value, note: &str) {
        let lines = layout::lines(v, REDACTED);
        let last = lines.len().saturating_sub(1);
        for (i, l) in lines.iter().enumerate() {
            let note = if i == last { note } else { "" };
            if i == 0 {
                self.line(mark, depth, &format!("{name} = {}{note}", l.text));
            } else {
                self.line(mark, depth + l.depth, &format!("{}{note}", l.text));
            }
        }
    }

    /// The attributes of an object created, read or deleted, every line
    /// marked `mark`; null attributes left out.
    fn whole(&mut self, mark: Mark, v: &Value, depth: usize) {
        let Some(m) = fields(v) else {
            return;
        };
        let shown: Vec<(&String, &Value)> = m.iter().filter(|(_, x)| !x.is_null()).collect();
        let w = shown.iter().map(|(k, _)| key(k).len()).max().unwrap_or(0);
        for (k, x) in shown {
            self.assign(mark, depth, &format!("{:w$}", key(k)), x, "");
        }
    }

    /// An attribute diff; unchanged attributes counted, not shown.
    fn object(&mut self, d: &ObjectDiff, depth: usize) {
        let w = d.key_width();
        for c in &d.changed {
            let note = if c.forces_replacement {
                " # forces replacement"
            } else {
                ""
            };
            self.attr(c, w, depth, note);
        }
        if d.unchanged > 0 {
            self.line(
                ' ',
                depth,
                &format!(
                    "# ({} hidden)",
                    plural(d.unchanged, "unchanged attribute", "unchanged attributes")
                ),
            );
        }
    }

    /// One changed attribute (or output): added, removed, redacted, a
    /// unified diff of multi-line strings, nested objects descended into,
    /// `before -> after` on one line, or the old lines then the new.
    fn attr(&mut self, c: &AttributeChange, w: usize, depth: usize, note: &str) {
        let name = format!("{:w$}", key(&c.name));
        match &c.change {
            Change::Added => self.assign('+', depth, &name, &c.after, note),
            Change::Removed => self.assign('-', depth, &name, &c.before, note),
            Change::Sensitive => self.line('!', depth, &format!("{name} = {REDACTED}{note}")),
            Change::Text(lines) => {
                self.line('!', depth, &format!("{name} = <<-EOT"));
                for l in lines {
                    let mark = match l.tag {
                        LineTag::Removed => '-',
                        LineTag::Added => '+',
                        LineTag::Same => ' ',
                    };
                    self.line(mark, depth + 1, &l.text);
                }
                self.line(' ', depth, &format!("EOT{note}"));
            }
            Change::Object(d) => {
                self.line('!', depth, &format!("{name} = {{{note}"));
                self.object(d, depth + 1);
                self.line(' ', depth, "}");
            }
            Change::List(_) | Change::Replaced => {
                let (old, new) = (
                    layout::lines(&c.before, REDACTED),
                    layout::lines(&c.after, REDACTED),
                );
                if let ([o], [a]) = (old.as_slice(), new.as_slice()) {
                    self.line(
                        '!',
                        depth,
                        &format!("{name} = {} -> {}{note}", o.text, a.text),
                    );
                } else {
                    self.assign('-', depth, &name, &c.before, "");
                    self.assign('+', depth, &name, &c.after, note);
                }
            }
        }
    }
}

/// The `diff` block of one change; `from` is the address a `moved` block
/// moved it from.
fn change_diff(c: &ResourceChange, from: Option<&ResourceAddress>) -> String {
    let mut d = Diff::default();
    if c.action != Action::Create {
        for r in &c.reasons {
            d.line(
                ' ',
                0,
                &format!("# (because {})", r.replace(['\n', '\r'], " ")),
            );
        }
    }
    if let Some(from) = from {
        d.line(' ', 0, &format!("# (moved from {from})"));
    }
    let mark = match c.action {
        Action::Create => '+',
        Action::Delete => '-',
        Action::Update | Action::DeleteThenCreate | Action::CreateThenDelete => '!',
        Action::Read | Action::Forget | Action::NoOp => ' ',
    };
    d.line(mark, 0, &format!("{} {{", block_line(c)));
    match (c.action, &c.before, &c.after) {
        (Action::Create, _, Some(a)) => d.whole('+', a, 1),
        (Action::Read, _, Some(a)) => d.whole(' ', a, 1),
        (Action::Delete, Some(b), _) => d.whole('-', b, 1),
        (Action::Forget, Some(b), _) => d.object(&ObjectDiff::new(b, b, &[]), 1),
        _ => {
            if let Some(diff) = c.diff() {
                d.object(&diff, 1);
            }
        }
    }
    d.line(if mark == '!' { ' ' } else { mark }, 0, "}");
    d.text
}

use super::plan::action_marker as marker;

/// One resource's collapsed section; without the diff when that is
/// larger than [`SECTION_BYTES`]. `from`: the address it moved from.
fn section(c: &ResourceChange, from: Option<&ResourceAddress>) -> String {
    let moved = from.map_or_else(String::new, |f| {
        format!(" (moved from <code>{}</code>)", html(&f.to_string()))
    });
    let mut out = format!(
        "<details>\n<summary><code>{}</code> <code>{}</code> {}{moved}</summary>\n\n",
        html(marker(c.action)),
        html(&c.address.to_string()),
        html(describe(c.action))
    );
    let body = change_diff(c, from);
    if body.len() > SECTION_BYTES {
        let _ = writeln!(
            out,
            "The diff of this resource is too large for a comment ({} bytes); run `infra plan` locally to see it.\n",
            body.len()
        );
    } else {
        fenced(&mut out, "diff", &body);
        out.push('\n');
    }
    out.push_str("</details>\n\n");
    out
}

/// A Markdown list of `items`, at most [`LIST_ITEMS`] of them and
/// [`LIST_BYTES`] bytes, each line starting with `prefix`; the rest
/// counted in a last line.
fn capped_list(out: &mut String, prefix: &str, items: &[String]) {
    let mut used = 0;
    let mut shown = 0;
    for item in items {
        if shown == LIST_ITEMS || used + item.len() > LIST_BYTES {
            break;
        }
        let _ = writeln!(out, "{prefix}- {item}");
        used += item.len();
        shown += 1;
    }
    if shown < items.len() {
        let _ = writeln!(
            out,
            "{prefix}- … and {} more (run `infra plan` to see them all)",
            items.len() - shown
        );
    }
}

/// The warning call-out: every deletion and replacement with its reasons.
fn callout(out: &mut String, plan: &Plan) {
    let items: Vec<String> = plan
        .changes
        .iter()
        .filter_map(|c| {
            let what = match c.action {
                Action::Delete => "**deleted**",
                Action::DeleteThenCreate => "**replaced** (deleted, then created again)",
                Action::CreateThenDelete => {
                    "**replaced** (created again, then the old one deleted)"
                }
                _ => return None,
            };
            let why = if c.reasons.is_empty() {
                String::new()
            } else {
                let r: Vec<String> = c.reasons.iter().map(|r| inline(r)).collect();
                format!(": {}", r.join("; "))
            };
            Some(format!("{} {what}{why}", code(&c.address.to_string())))
        })
        .collect();
    if items.is_empty() {
        return;
    }
    let deleted = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .count();
    let replaced = items.len() - deleted;
    let headline = match (deleted, replaced) {
        (d, 0) => format!("{} will be deleted.", plural(d, "resource", "resources")),
        (0, r) => format!("{} will be replaced.", plural(r, "resource", "resources")),
        (d, r) => format!(
            "{} will be deleted and {r} replaced.",
            plural(d, "resource", "resources")
        ),
    };
    let _ = writeln!(out, "> [!WARNING]\n> **{headline}**\n>");
    capped_list(out, "> ", &items);
    out.push('\n');
}

/// The note on objects that leave the state without being destroyed.
fn forget_note(out: &mut String, plan: &Plan) {
    let items: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Forget)
        .map(|c| code(&c.address.to_string()))
        .collect();
    if items.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "> [!NOTE]\n> **{} will no longer be managed by infra** (removed from the state, not destroyed: `removed` blocks with `destroy = false`).\n>",
        plural(items.len(), "resource", "resources")
    );
    capped_list(out, "> ", &items);
    out.push('\n');
}

/// A `### HEADING` section: `sentence` (after the count of `items`, each
/// `noun` in singular and plural) and the capped list of `items`; nothing
/// when there are none.
fn titled_list(
    out: &mut String,
    heading: &str,
    noun: (&str, &str),
    sentence: &str,
    items: &[String],
) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### {heading}\n\n{} {sentence}\n",
        plural(items.len(), noun.0, noun.1)
    );
    capped_list(out, "", items);
    out.push('\n');
}

/// The list of objects `moved` blocks gave new addresses.
fn moved_list(out: &mut String, plan: &Plan) {
    let items: Vec<String> = plan
        .moves
        .iter()
        .map(|m| {
            format!(
                "{} → {}",
                code(&m.from.to_string()),
                code(&m.to.to_string())
            )
        })
        .collect();
    titled_list(
        out,
        "Moved",
        ("resource", "resources"),
        "moved to new addresses (`moved` blocks); the objects themselves are kept.",
        &items,
    );
}

/// The list of objects `import` blocks adopt, with their ids.
fn imported_list(out: &mut String, plan: &Plan) {
    let items: Vec<String> = plan
        .imports
        .iter()
        .map(|i| format!("{} from id {}", code(&i.address.to_string()), code(&i.id)))
        .collect();
    titled_list(
        out,
        "Imported",
        ("object", "objects"),
        "will be imported (`import` blocks); changes to them are listed below.",
        &items,
    );
}

/// The output changes as a `diff` block, or a count when too large.
fn outputs(plan: &Plan) -> String {
    let changed: Vec<_> = plan
        .outputs
        .iter()
        .filter(|o| o.before != o.after)
        .collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut d = Diff::default();
    let w = changed
        .iter()
        .map(|o| key(&o.name).len())
        .max()
        .unwrap_or(0);
    for c in changed.iter().filter_map(|o| o.diff()) {
        d.attr(&c, w, 0, "");
    }
    let mut out = "### Output changes\n\n".to_string();
    if d.text.len() > OUTPUTS_BYTES {
        let _ = writeln!(
            out,
            "{} change; too large to show here (run `infra plan` locally).\n",
            plural(changed.len(), "output", "outputs")
        );
    } else {
        fenced(&mut out, "diff", &d.text);
        out.push('\n');
    }
    out
}

/// Objects refresh found changed or deleted outside infra.
fn drift(plan: &Plan) -> String {
    if plan.drift.is_empty() {
        return String::new();
    }
    let items: Vec<String> = plan
        .drift
        .iter()
        .map(|d| {
            let what = if d.after.is_some() {
                "changed"
            } else {
                "deleted"
            };
            format!("{} {what}", code(&d.address.to_string()))
        })
        .collect();
    let mut out = "### Changed outside infra\n\nRefresh found these objects changed since the last apply; the plan above takes them into account.\n\n".to_string();
    capped_list(&mut out, "", &items);
    out.push('\n');
    out
}

/// The plan's warnings, briefly.
fn warnings(plan: &Plan) -> String {
    if plan.warnings.is_empty() {
        return String::new();
    }
    let mut out = "### Warnings\n\n".to_string();
    for w in plan.warnings.iter().take(WARNINGS) {
        let _ = writeln!(
            out,
            "- {} {}",
            code(w.code),
            inline(&shorten(&w.message, WARNING_CHARS))
        );
    }
    if plan.warnings.len() > WARNINGS {
        let _ = writeln!(
            out,
            "- … and {} more (run `infra plan` to see them all)",
            plan.warnings.len() - WARNINGS
        );
    }
    out.push('\n');
    out
}

/// The whole document, at most [`MAX_BYTES`] bytes: heading, summary
/// table and the call-out of deletions and replacements always; a
/// `<details>` per resource while they fit; output changes, drift and
/// warnings; `saved`, the path of the saved plan (`-out FILE`), named
/// last. `summary` is the plan's [`Plan::summary`].
pub fn render(plan: &Plan, summary: &Summary, saved: Option<&str>) -> String {
    let mut out = if plan.workspace == infra_engine::state::workspaces::DEFAULT {
        "## infra plan\n\n".to_string()
    } else {
        format!("## infra plan — workspace {}\n\n", code(&plan.workspace))
    };
    // A plan that read selectively says what it did not read, as the
    // human plan does.
    if let Some(r) = &plan.refresh {
        let now = infra_engine::state::now_secs();
        let _ = writeln!(out, "_{}_\n", super::refresh::line(r, now));
    }
    let saved_span = saved.map(code);
    let saved = saved
        .map(|p| {
            format!(
                "Saved plan: {} — apply it with {}\n",
                code(p),
                code(&format!("infra apply {p}"))
            )
        })
        .unwrap_or_default();
    let tail = [outputs(plan), drift(plan), warnings(plan)].concat();
    if !plan.has_changes() {
        out.push_str("No changes. Your infrastructure matches the configuration.\n\n");
        out.push_str(&tail);
        out.push_str(&saved);
        return out;
    }
    let n = summary;
    if n.moved + n.forget == 0 {
        let _ = writeln!(
            out,
            "**{}**\n\n| Create | Update | Replace | Delete | Read |\n|---:|---:|---:|---:|---:|\n| {} | {} | {} | {} | {} |\n",
            summary.line(),
            n.create,
            n.update,
            n.replace,
            n.delete,
            n.read
        );
    } else {
        let _ = writeln!(
            out,
            "**{}**\n\n| Create | Update | Replace | Delete | Read | Move | Forget |\n|---:|---:|---:|---:|---:|---:|---:|\n| {} | {} | {} | {} | {} | {} | {} |\n",
            summary.line(),
            n.create,
            n.update,
            n.replace,
            n.delete,
            n.read,
            n.moved,
            n.forget
        );
    }
    callout(&mut out, plan);
    forget_note(&mut out, plan);
    moved_list(&mut out, plan);
    imported_list(&mut out, plan);
    let acting: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    let reserve =
        tail.len() + saved.len() + saved_span.as_ref().map_or(0, String::len) + NOTE_BYTES;
    let budget = MAX_BYTES.saturating_sub(reserve);
    let mut shown = 0;
    if !acting.is_empty() {
        let heading = "### Resource changes\n\n";
        if out.len() + heading.len() < budget {
            out.push_str(heading);
            for c in &acting {
                let s = section(c, plan.previous_address(&c.address));
                if out.len() + s.len() > budget {
                    break;
                }
                out.push_str(&s);
                shown += 1;
            }
        }
    }
    out.push_str(&tail);
    out.push_str(&saved);
    if shown < acting.len() {
        let left = acting.len() - shown;
        let _ = write!(
            out,
            "\n---\n\n**{left} of {} {} not shown** to keep this comment under {MAX_BYTES} bytes. Run `infra plan` locally to see every change",
            plural(acting.len(), "resource change", "resource changes"),
            if left == 1 { "is" } else { "are" }
        );
        if let Some(p) = &saved_span {
            let _ = write!(out, " (the saved plan {p} holds them all)");
        }
        out.push_str(".\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::value::ValueMap;

    #[test]
    fn inline_escapes_html_outside_code_spans() {
        assert_eq!(inline("`a<b>` forces <x>"), "`a<b>` forces &lt;x&gt;");
        assert_eq!(inline("odd ` <y>"), "odd ` &lt;y&gt;");
        assert_eq!(inline("two\nlines"), "two lines");
    }

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("héllo", 2), "hé…");
        assert_eq!(shorten("hi", 2), "hi");
    }

    #[test]
    fn sensitive_objects_show_no_values() {
        let mut m = ValueMap::new();
        m.insert("a".to_string(), Value::String("secret".into()));
        let v = Value::Sensitive(Box::new(Value::Object(m)));
        let mut d = Diff::default();
        d.whole('+', &v, 1);
        assert!(!d.text.contains("secret"), "{}", d.text);
        assert!(d.text.contains("(sensitive)"), "{}", d.text);
    }
}
