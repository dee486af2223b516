//! Incremental refresh (`plan --refresh=auto`, and `--target`): which
//! managed objects a plan reads, chosen from a first plan against the
//! unrefreshed state, and the account of what it did not read
//! ([`RefreshReport`]). The planner (`planner.rs`) runs the passes; this
//! file decides what each reads. docs/performance.md "Incremental refresh"
//! explains the design.

use super::{Action, ResourceChange};
use crate::addr::{ResourceAddress, ResourceMode, Target};
use crate::state::State;
use std::collections::{BTreeMap, BTreeSet};

/// How a plan reads the objects in state before planning them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RefreshMode {
    /// Every managed object (`--refresh=all`, `--refresh=true`; the
    /// default, as Terraform's `-refresh=true`).
    #[default]
    All,
    /// What the plan changes and what that depends on, objects older than
    /// the maximum age, and the stalest up to the budget
    /// (`--refresh=auto`).
    Auto,
    /// Nothing (`--refresh=false`).
    Off,
}

impl RefreshMode {
    /// Parses `--refresh`: `auto`, `all` or `true`, `false` (also `none`).
    ///
    /// # Errors
    /// A message naming the accepted values.
    pub fn parse(text: &str) -> Result<RefreshMode, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(RefreshMode::Auto),
            "all" | "true" => Ok(RefreshMode::All),
            "false" | "none" => Ok(RefreshMode::Off),
            other => Err(format!(
                "`{other}` is not a refresh mode: use `auto`, `all` (or `true`) or `false`"
            )),
        }
    }

    /// Its name in JSON and messages: `all`, `auto`, `false`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefreshMode::All => "all",
            RefreshMode::Auto => "auto",
            RefreshMode::Off => "false",
        }
    }
}

/// How many objects beyond those a plan must read it reads, stalest first
/// (`--refresh-budget`, `infra drift --budget`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// At most this many.
    Count(usize),
    /// This percentage of the managed objects in state, rounded up.
    Percent(u32),
}

impl Default for Budget {
    /// 1% of the objects: an estate is read through in about a hundred
    /// runs that record their reads (applies), besides what changes.
    fn default() -> Budget {
        Budget::Percent(1)
    }
}

impl Budget {
    /// Parses `N` or `P%` (0 to 100).
    ///
    /// # Errors
    /// A message saying what is expected.
    pub fn parse(text: &str) -> Result<Budget, String> {
        let t = text.trim();
        let bad = || format!("`{t}` is not a budget: use a count (`50`) or a percentage (`10%`)");
        match t.strip_suffix('%') {
            Some(p) => match p.trim().parse::<u32>() {
                Ok(p) if p <= 100 => Ok(Budget::Percent(p)),
                _ => Err(bad()),
            },
            None => t.parse::<usize>().map(Budget::Count).map_err(|_| bad()),
        }
    }

    /// How many objects of `total` this budget allows.
    pub fn of(self, total: usize) -> usize {
        match self {
            Budget::Count(n) => n.min(total),
            Budget::Percent(p) => (total * p as usize).div_ceil(100).min(total),
        }
    }
}

impl std::fmt::Display for Budget {
    /// As written: `50`, `10%`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Budget::Count(n) => write!(f, "{n}"),
            Budget::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Why a plan read an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReadReason {
    /// The plan changes it (or deletes it: it left the configuration).
    Changed,
    /// Its configuration differs from the one recorded (or none is).
    Configuration,
    /// Something read for another reason depends on it.
    Dependency,
    /// A `--target` names it.
    Target,
    /// Its last read is older than the maximum age, or unrecorded.
    MaxAge,
    /// Among the stalest, within the budget.
    Stalest,
    /// The plan on the refreshed state changed it: read, then planned
    /// again.
    Replanned,
}

impl ReadReason {
    /// Its name in JSON: `changed`, `configuration`, `dependency`,
    /// `target`, `max-age`, `stalest`, `replanned`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReadReason::Changed => "changed",
            ReadReason::Configuration => "configuration",
            ReadReason::Dependency => "dependency",
            ReadReason::Target => "target",
            ReadReason::MaxAge => "max-age",
            ReadReason::Stalest => "stalest",
            ReadReason::Replanned => "replanned",
        }
    }

    /// Parses [`ReadReason::as_str`].
    pub fn parse(text: &str) -> Option<ReadReason> {
        [
            ReadReason::Changed,
            ReadReason::Configuration,
            ReadReason::Dependency,
            ReadReason::Target,
            ReadReason::MaxAge,
            ReadReason::Stalest,
            ReadReason::Replanned,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// What a plan read and did not read, for the human line, `plan --json`
/// and the saved plan. Only plans that read selectively have one.
#[derive(Clone, Debug, PartialEq)]
pub struct RefreshReport {
    /// The mode asked for.
    pub mode: RefreshMode,
    /// Managed objects in state (before the plan).
    pub total: usize,
    /// The objects read, each with the first reason found.
    pub read: BTreeMap<ResourceAddress, ReadReason>,
    /// The oldest and newest recorded last read (seconds since the Unix
    /// epoch) of the objects not read; `None` when none was read ever
    /// recorded.
    pub not_read_span: Option<(i64, i64)>,
    /// Objects not read that have no recorded last read.
    pub not_read_never: usize,
    /// Plans made (the first against the unrefreshed state included).
    pub passes: usize,
}

impl RefreshReport {
    /// Objects not read.
    pub fn not_read(&self) -> usize {
        self.total.saturating_sub(self.read.len())
    }

    /// How many were read for `reason`.
    pub fn count(&self, reason: ReadReason) -> usize {
        self.read.values().filter(|r| **r == reason).count()
    }
}

impl RefreshReport {
    /// The `refresh` object of `plan --json` and of the saved plan:
    /// `{"mode": "auto", "objects": 1000, "read": 14, "not_read": 986,
    /// "reasons": {"changed": 1, "dependency": 11, "stalest": 2},
    /// "read_objects": [{"address": "...", "reason": "changed"}],
    /// "not_read_oldest": "2026-12-05T10:00:00Z", "not_read_newest":
    /// "...", "not_read_never": 0, "passes": 1}` (times RFC 3339 UTC,
    /// `null` when none; docs/plan-json.md).
    pub fn to_json(&self) -> serde_json::Value {
        let mut reasons = serde_json::Map::new();
        for r in self.read.values() {
            let n = reasons
                .entry(r.as_str().to_string())
                .or_insert(serde_json::Value::from(0u64));
            *n = serde_json::Value::from(n.as_u64().unwrap_or(0) + 1);
        }
        let time = |t: Option<i64>| {
            t.map_or(serde_json::Value::Null, |t| {
                serde_json::Value::String(infra_stdlib::time::rfc3339_utc(t))
            })
        };
        serde_json::json!({
            "mode": self.mode.as_str(),
            "objects": self.total,
            "read": self.read.len(),
            "not_read": self.not_read(),
            "reasons": reasons,
            "read_objects": self.read.iter().map(|(a, r)| serde_json::json!({
                "address": a.to_string(),
                "reason": r.as_str(),
            })).collect::<Vec<_>>(),
            "not_read_oldest": time(self.not_read_span.map(|s| s.0)),
            "not_read_newest": time(self.not_read_span.map(|s| s.1)),
            "not_read_never": self.not_read_never,
            "passes": self.passes,
        })
    }

    /// Reads [`RefreshReport::to_json`] back (a saved plan); `None` when
    /// it is not such an object.
    pub fn from_json(j: &serde_json::Value) -> Option<RefreshReport> {
        let time = |k: &str| {
            j.get(k)
                .and_then(serde_json::Value::as_str)
                .and_then(|t| infra_stdlib::time::Time::parse_rfc3339(t).ok())
                .map(|t| t.secs)
        };
        let count = |k: &str| {
            j.get(k)
                .and_then(serde_json::Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
        };
        let mut read = BTreeMap::new();
        for o in j.get("read_objects")?.as_array()? {
            let a = ResourceAddress::parse(o.get("address")?.as_str()?).ok()?;
            let r = ReadReason::parse(o.get("reason")?.as_str()?)?;
            read.insert(a, r);
        }
        Some(RefreshReport {
            mode: RefreshMode::parse(j.get("mode")?.as_str()?).ok()?,
            total: count("objects")?,
            read,
            not_read_span: time("not_read_oldest").zip(time("not_read_newest")),
            not_read_never: count("not_read_never").unwrap_or(0),
            passes: count("passes").unwrap_or(1),
        })
    }
}

/// What the planner learnt of one managed instance in a pass.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    /// `config_digest` of its configuration.
    pub digest: String,
    /// What it depends on by configuration references.
    pub dependencies: Vec<ResourceAddress>,
}

/// What selects the objects to read.
pub(crate) struct Selection<'a> {
    /// The state planned against (unrefreshed).
    pub prior: &'a State,
    /// The instances the pass met.
    pub seen: &'a BTreeMap<ResourceAddress, Seen>,
    /// The pass's changes.
    pub changes: &'a [ResourceChange],
    /// `--target` patterns (then only they and their dependencies).
    pub targets: &'a [Target],
    /// `--refresh-max-age` in seconds.
    pub max_age: i64,
    /// `--refresh-budget`.
    pub budget: Budget,
    /// Now, in seconds since the Unix epoch.
    pub now: i64,
}

/// Edges from an instance to what it depends on: configuration
/// references of the pass and the dependencies recorded in state.
fn edges(s: &Selection<'_>) -> BTreeMap<ResourceAddress, Vec<ResourceAddress>> {
    let mut e: BTreeMap<ResourceAddress, Vec<ResourceAddress>> = BTreeMap::new();
    for (a, i) in &s.prior.resources {
        e.entry(a.clone())
            .or_default()
            .extend(i.dependencies.iter().cloned());
    }
    for (a, seen) in s.seen {
        e.entry(a.clone())
            .or_default()
            .extend(seen.dependencies.iter().cloned());
    }
    for c in s.changes {
        e.entry(c.address.clone())
            .or_default()
            .extend(c.dependencies.iter().chain(&c.prior_dependencies).cloned());
    }
    e
}

/// The managed objects of `s.prior` to read, each with why. With targets:
/// the targets and what they depend on (by configuration and by state).
/// Otherwise: what the pass changes, what has another configuration than
/// recorded, and what those depend on; what was last read longer than
/// the maximum age ago (or never recorded); then the stalest others up to
/// the budget.
pub(crate) fn select(s: &Selection<'_>) -> BTreeMap<ResourceAddress, ReadReason> {
    let managed =
        |a: &ResourceAddress| a.mode == ResourceMode::Managed && s.prior.resources.contains_key(a);
    let mut seeds: BTreeMap<ResourceAddress, ReadReason> = BTreeMap::new();
    if s.targets.is_empty() {
        for c in s.changes {
            if c.action != Action::NoOp && c.action != Action::Read {
                seeds
                    .entry(c.address.clone())
                    .or_insert(ReadReason::Changed);
            }
        }
        for (a, seen) in s.seen {
            let recorded = s
                .prior
                .resources
                .get(a)
                .and_then(|i| i.meta.config_digest.as_deref());
            if recorded != Some(seen.digest.as_str()) {
                seeds.entry(a.clone()).or_insert(ReadReason::Configuration);
            }
        }
    } else {
        let named = s.seen.keys().chain(s.prior.resources.keys());
        for a in named.filter(|a| s.targets.iter().any(|t| t.matches(a))) {
            seeds.entry(a.clone()).or_insert(ReadReason::Target);
        }
    }
    let reached = super::scope::reach(seeds.keys().cloned(), &edges(s));
    let mut read: BTreeMap<ResourceAddress, ReadReason> = BTreeMap::new();
    for a in reached.into_iter().filter(|a| managed(a)) {
        let why = seeds.get(&a).copied().unwrap_or(ReadReason::Dependency);
        read.insert(a, why);
    }
    if !s.targets.is_empty() {
        return read;
    }
    let mut rest: Vec<(Option<i64>, &ResourceAddress)> = Vec::new();
    for (a, i) in &s.prior.resources {
        if a.mode != ResourceMode::Managed || read.contains_key(a) {
            continue;
        }
        match i.meta.read_at {
            Some(t) if s.now.saturating_sub(t) <= s.max_age => rest.push((Some(t), a)),
            _ => {
                read.insert(a.clone(), ReadReason::MaxAge);
            }
        }
    }
    // Stalest first; the address breaks ties so the choice is stable.
    rest.sort();
    let total = s
        .prior
        .resources
        .keys()
        .filter(|a| a.mode == ResourceMode::Managed)
        .count();
    for (_, a) in rest.into_iter().take(s.budget.of(total)) {
        read.insert(a.clone(), ReadReason::Stalest);
    }
    read
}

/// Changes of the final plan at managed objects in `prior` that were not
/// read: reading them may change the plan, so they are read and the plan
/// made again.
pub(crate) fn unread_changes(
    prior: &State,
    changes: &[ResourceChange],
    read: &BTreeMap<ResourceAddress, ReadReason>,
) -> BTreeSet<ResourceAddress> {
    changes
        .iter()
        .filter(|c| !matches!(c.action, Action::NoOp | Action::Read))
        .map(|c| &c.address)
        .filter(|a| {
            a.mode == ResourceMode::Managed
                && prior.resources.contains_key(*a)
                && !read.contains_key(*a)
        })
        .cloned()
        .collect()
}

/// The report of a selective refresh: `read` out of the managed objects
/// of `stored` (the state before refresh).
pub(crate) fn report(
    mode: RefreshMode,
    stored: &State,
    read: BTreeMap<ResourceAddress, ReadReason>,
    passes: usize,
) -> RefreshReport {
    let mut total = 0;
    let mut span: Option<(i64, i64)> = None;
    let mut never = 0;
    for (a, i) in &stored.resources {
        if a.mode != ResourceMode::Managed {
            continue;
        }
        total += 1;
        if read.contains_key(a) {
            continue;
        }
        match i.meta.read_at {
            Some(t) => {
                span = Some(span.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
            }
            None => never += 1,
        }
    }
    RefreshReport {
        mode,
        total,
        read,
        not_read_span: span,
        not_read_never: never,
        passes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ObjectMeta, test_instance};

    fn addr(text: &str) -> ResourceAddress {
        ResourceAddress::parse(text).expect(text)
    }

    /// `x.a <- x.b` in state; `x.c`, `x.d` alone; read at 50, 60, 100,
    /// 200, with digest "d" each; `x.e` never read.
    fn state() -> State {
        let mut s = State::default();
        for (a, deps, read_at) in [
            ("x.a", vec![], Some(50)),
            ("x.b", vec!["x.a"], Some(60)),
            ("x.c", vec![], Some(100)),
            ("x.d", vec![], Some(200)),
            ("x.e", vec![], None),
        ] {
            let meta = ObjectMeta {
                read_at,
                config_digest: Some("d".into()),
                ..ObjectMeta::default()
            };
            let deps = deps.into_iter().map(addr).collect();
            s.resources.insert(addr(a), test_instance(deps, meta));
        }
        s
    }

    fn seen(names: &[(&str, &str, &[&str])]) -> BTreeMap<ResourceAddress, Seen> {
        names
            .iter()
            .map(|(a, d, deps)| {
                (
                    addr(a),
                    Seen {
                        digest: (*d).into(),
                        dependencies: deps.iter().map(|x| addr(x)).collect(),
                    },
                )
            })
            .collect()
    }

    fn pick(
        seen: &BTreeMap<ResourceAddress, Seen>,
        targets: &[&str],
        budget: Budget,
    ) -> Vec<String> {
        let prior = state();
        let targets: Vec<Target> = targets.iter().map(|t| Target::parse(t).expect(t)).collect();
        select(&Selection {
            prior: &prior,
            seen,
            changes: &[],
            targets: &targets,
            max_age: 1_000,
            budget,
            now: 500,
        })
        .into_iter()
        .map(|(a, r)| format!("{a}={}", r.as_str()))
        .collect()
    }

    #[test]
    fn a_changed_configuration_reads_its_dependencies_the_stale_and_the_stalest() {
        let s = seen(&[
            ("x.a", "d", &[]),
            ("x.b", "new", &[]),
            ("x.c", "d", &[]),
            ("x.d", "d", &[]),
        ]);
        assert_eq!(
            pick(&s, &[], Budget::Count(1)),
            [
                "x.a=dependency",
                "x.b=configuration",
                "x.c=stalest",
                "x.e=max-age"
            ]
        );
        assert_eq!(
            pick(&s, &[], Budget::Count(0)),
            ["x.a=dependency", "x.b=configuration", "x.e=max-age"]
        );
    }

    #[test]
    fn targets_follow_configuration_references_and_state() {
        // x.d names x.c in configuration only (not yet applied).
        let s = seen(&[("x.d", "d", &["x.c"]), ("x.b", "d", &[])]);
        assert_eq!(
            pick(&s, &["x.d"], Budget::Count(9)),
            ["x.c=dependency", "x.d=target"]
        );
        assert_eq!(
            pick(&s, &["x.b"], Budget::Count(9)),
            ["x.a=dependency", "x.b=target"]
        );
    }

    #[test]
    fn budgets_parse_and_round_up() {
        assert_eq!(Budget::parse("10%"), Ok(Budget::Percent(10)));
        assert_eq!(Budget::parse("25"), Ok(Budget::Count(25)));
        assert!(Budget::parse("101%").is_err() && Budget::parse("-1").is_err());
        assert_eq!(Budget::Percent(10).of(1_001), 101);
        assert_eq!(Budget::Percent(1).of(5), 1);
        assert_eq!(Budget::Count(7).of(3), 3);
        assert_eq!(RefreshMode::parse("true"), Ok(RefreshMode::All));
        assert!(RefreshMode::parse("sometimes").is_err());
    }
}
