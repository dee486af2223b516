//! Resources and data sources: `count` / `for_each` expansion into
//! instances with keys, and each instance's configuration evaluated into
//! an object (nested blocks and `dynamic` blocks included).

use super::instance::{ModuleInstance, too_deep, upstream};
use super::{IgnoreChanges, InstanceInfo, Lifecycle};
use crate::addr::{InstanceKey, ResourceAddress, ResourceMode, Target};
use crate::config::decl::LifecycleDecl;
use crate::config::meta;
use crate::provider::ResourceSchema;
use infra_lang::ast::{Attribute, Block, Body, Expr, ExprKind};
use infra_lang::diagnostic::did_you_mean;
use infra_lang::eval::{Evaluator, Site, Step};
use infra_lang::value::ValueMap;
use infra_lang::{Diagnostic, SourceFile, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

/// How a block was expanded into instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expansion {
    /// Neither `count` nor `for_each`: one instance, no key.
    Single,
    /// `count = N`: keys `[0]`..`[N-1]`.
    Count,
    /// `for_each`: keys are the map keys or set elements.
    ForEach,
}

/// One instance of a resource: its key, the `each.*`/`count.*` values it
/// was evaluated with, and its configuration.
#[derive(Clone, Debug)]
pub struct InstanceEval {
    /// The instance key.
    pub key: InstanceKey,
    /// The configuration: an object of the block's arguments and nested
    /// blocks (meta-arguments removed).
    pub config: Value,
    /// What it was evaluated with: `count` → `{index}`, `each` →
    /// `{key, value}`; conditions are evaluated with it too.
    pub binding: Option<(&'static str, Value)>,
}

/// A resource or data block, expanded and evaluated.
#[derive(Debug)]
pub(crate) struct ResourceEval {
    pub expansion: Expansion,
    pub instances: Vec<InstanceEval>,
    /// Resource instances the configuration (and `depends_on`) referenced.
    pub deps: BTreeSet<ResourceAddress>,
    pub lifecycle: Lifecycle,
}

/// A resource's instances as references see them.
#[derive(Debug)]
pub(crate) struct ResourceValues {
    pub expansion: Expansion,
    pub instances: Vec<(InstanceKey, Value)>,
    /// The values hold every attribute of the type (from a hook, or
    /// completed from the schema); when false they are bare
    /// configurations, and an attribute they lack is unknown.
    pub complete: bool,
}

impl ResourceValues {
    /// The value a reference to the whole resource sees: the object for a
    /// single instance, a tuple for `count`, an object by key for
    /// `for_each`.
    fn value(&self) -> Value {
        match self.expansion {
            Expansion::Single => self
                .instances
                .first()
                .map_or(Value::NULL, |(_, v)| v.clone()),
            Expansion::Count => {
                Value::Tuple(self.instances.iter().map(|(_, v)| v.clone()).collect())
            }
            Expansion::ForEach => Value::Object(
                self.instances
                    .iter()
                    .map(|(key, v)| {
                        let k = match key {
                            InstanceKey::Str(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k, v.clone())
                    })
                    .collect(),
            ),
        }
    }
}

/// The expansion keys of a block with `count` or `for_each`, each with the
/// value to bind (`count` → `{index}`, `each` → `{key, value}`).
pub(crate) struct Expanded {
    pub expansion: Expansion,
    pub keys: Vec<(InstanceKey, Option<(&'static str, Value)>)>,
}

/// A nested block's object with its label (map-nested blocks have one).
type Labelled = (Option<String>, Value);

/// The value of one block type's blocks in a body: an object by label
/// when every block has one (map-nested blocks, `NAME "label" { }`), else
/// the one block's object, or a tuple of them when there are several
/// (the schema decides what they become, `provider::validate::conform`).
fn blocks_value(mut items: Vec<Labelled>) -> Value {
    if items.iter().all(|(l, _)| l.is_some()) {
        return Value::Object(
            items
                .into_iter()
                .filter_map(|(l, v)| Some((l?, v)))
                .collect(),
        );
    }
    if items.len() == 1 {
        return items.pop().map_or(Value::NULL, |(_, v)| v);
    }
    Value::Tuple(items.into_iter().map(|(_, v)| v).collect())
}

/// A `dynamic` block's `labels` value (a list of strings): its first, the
/// label of a map-nested block.
fn first_label(v: Value) -> Option<String> {
    let (v, _) = v.unmark();
    let first = v.as_sequence()?.first()?.clone().unmark().0;
    first.as_str().map(str::to_string)
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::object_of(pairs)
}

impl ModuleInstance {
    /// Names, in source text, the references in `expr` whose values are not
    /// known yet: `aws_s3_bucket.logs.id, random_id.suffix.hex`.
    fn unknown_references(&self, src: &Arc<SourceFile>, expr: &Expr) -> Vec<String> {
        fn walk<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
            match &e.kind {
                ExprKind::GetAttr { .. } | ExprKind::Variable(_) => out.push(e),
                ExprKind::Index {
                    collection, key, ..
                } => {
                    out.push(e);
                    walk(collection, out);
                    walk(key, out);
                }
                _ => e.for_each_child(&mut |c| walk(c, out)),
            }
        }
        let mut refs = Vec::new();
        walk(expr, &mut refs);
        let mut names: Vec<String> = Vec::new();
        for r in refs {
            if let Ok(v) = self.eval(src, r)
                && v.has_unknown()
            {
                let text = src.slice(r.span).to_string();
                if !names.iter().any(|n| text.starts_with(n.as_str())) {
                    names.push(text);
                }
            }
        }
        names
    }

    /// Evaluates the `count` / `for_each` of a block (`count` first;
    /// both set is a static error).
    pub(crate) fn expand(
        &self,
        src: &Arc<SourceFile>,
        count: Option<&Attribute>,
        for_each: Option<&Attribute>,
        what: &str,
    ) -> Result<Expanded, Diagnostic> {
        if let Some(c) = count {
            let (v, marked) = self.eval(src, &c.expr)?.unmark();
            if v.has_unknown() {
                return Err(self.unknown_expansion(src, &c.expr, meta::COUNT, what));
            }
            let n = match &v {
                Value::Number(n) => n.as_i64().filter(|n| *n >= 0),
                _ => None,
            };
            let Some(n) = n else {
                return Err(Diagnostic::error(
                    "expand::invalid-count",
                    format!(
                        "`count` must be a whole number of 0 or more, got {}",
                        v.describe_as(marked)
                    ),
                )
                .in_file(src)
                .primary(c.expr.span, "not a valid count")
                .with_help(
                    "Use `length(list)` to count a list, or a condition: `var.enabled ? 1 : 0`.",
                ));
            };
            let keys = (0..n)
                .map(|i| {
                    (
                        InstanceKey::Int(i),
                        Some(("count", obj(&[("index", Value::int(i))]))),
                    )
                })
                .collect();
            return Ok(Expanded {
                expansion: Expansion::Count,
                keys,
            });
        }
        if let Some(f) = for_each {
            let v = self.eval(src, &f.expr)?;
            if v.is_sensitive_deep() {
                return Err(Diagnostic::error("expand::sensitive-for-each", "`for_each` cannot use sensitive values: its keys become part of resource addresses, shown in every plan")
                    .in_file(src)
                    .primary(f.expr.span, "sensitive")
                    .with_help("Iterate over non-sensitive keys, e.g. `nonsensitive(keys(var.x))`, and look the sensitive values up inside."));
            }
            let keys: Option<Vec<(String, Value)>> = match &v {
                Value::Unknown(_) => None,
                Value::Map(_, m) | Value::Object(m) => {
                    Some(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                }
                Value::Set(_, items) if items.iter().any(Value::is_unknown) => None,
                Value::Set(_, items) => {
                    let mut out = Vec::new();
                    for i in items {
                        match i {
                            Value::String(s) => out.push((s.clone(), i.clone())),
                            other => {
                                return Err(Diagnostic::error("expand::invalid-for-each", format!("a `for_each` set must hold strings, found {}", other.describe()))
                                    .in_file(src)
                                    .primary(f.expr.span, "not a set of strings")
                                    .with_help("Convert the elements: `toset([for x in list : tostring(x)])`, or use a map keyed by string."));
                            }
                        }
                    }
                    Some(out)
                }
                Value::List(..) | Value::Tuple(_) => {
                    return Err(Diagnostic::error("expand::invalid-for-each", "`for_each` needs a map or a set of strings, got a list")
                        .in_file(src)
                        .primary(f.expr.span, "a list")
                        .with_help("Wrap it in `toset(...)` when its elements are unique strings, or build a map: `{ for x in list : x.name => x }`."));
                }
                other => {
                    return Err(Diagnostic::error(
                        "expand::invalid-for-each",
                        format!(
                            "`for_each` needs a map or a set of strings, got {}",
                            other.describe()
                        ),
                    )
                    .in_file(src)
                    .primary(f.expr.span, "not a map or set")
                    .with_help(
                        "Use a map (`{ a = 1 }`) or a set of strings (`toset([\"a\", \"b\"])`).",
                    ));
                }
            };
            let Some(keys) = keys else {
                return Err(self.unknown_expansion(src, &f.expr, meta::FOR_EACH, what));
            };
            let keys = keys
                .into_iter()
                .map(|(k, v)| {
                    (
                        InstanceKey::Str(k.clone()),
                        Some(("each", obj(&[("key", Value::String(k)), ("value", v)]))),
                    )
                })
                .collect();
            return Ok(Expanded {
                expansion: Expansion::ForEach,
                keys,
            });
        }
        Ok(Expanded {
            expansion: Expansion::Single,
            keys: vec![(InstanceKey::None, None)],
        })
    }

    fn unknown_expansion(
        &self,
        src: &Arc<SourceFile>,
        expr: &Expr,
        arg: &str,
        what: &str,
    ) -> Diagnostic {
        let names = self.unknown_references(src, expr);
        let (message, hint) = if names.is_empty() {
            (
                format!("`{arg}` of {what} is not known until apply"),
                String::new(),
            )
        } else {
            let list = names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            (
                format!("`{arg}` of {what} depends on {list}, known only after apply"),
                format!(
                    " `infra apply --target` the resource behind {} first, or",
                    names.join(", ")
                ),
            )
        };
        Diagnostic::error("expand::unknown", message)
            .in_file(src)
            .primary(expr.span, "not known until apply")
            .with_help(format!("The number of instances must be known when planning:{hint} derive `{arg}` from variables, consts and locals instead (e.g. iterate over the names you give, not over ids the provider returns)."))
    }

    /// The evaluated resource `type.name` (managed or data).
    pub(crate) fn resource_eval(
        &self,
        mode: ResourceMode,
        type_name: &str,
        name: &str,
        site: &Site<'_>,
    ) -> Result<Rc<ResourceEval>, Diagnostic> {
        let key = (mode, type_name.to_string(), name.to_string());
        let cycle = || resource_cycle(site, type_name, name);
        self.memoised(
            &self.resources,
            key,
            cycle,
            || too_deep(site),
            || self.compute_resource(mode, type_name, name),
        )
    }

    fn compute_resource(
        &self,
        mode: ResourceMode,
        type_name: &str,
        name: &str,
    ) -> Result<Rc<ResourceEval>, Diagnostic> {
        let (src, d) = self
            .files
            .resource(mode, type_name, name)
            .ok_or_else(upstream)?;
        let what = format!(
            "`{}{type_name}.{name}`",
            if mode == ResourceMode::Data {
                "data."
            } else {
                ""
            }
        );
        let expanded = self.expand(src, d.count, d.for_each, &what)?;
        let mut instances = Vec::with_capacity(expanded.keys.len());
        let mut failed = false;
        for (key, binding) in &expanded.keys {
            let mut ev = Evaluator::new(self, src);
            if let Some((n, v)) = binding {
                ev.bind(*n, v.clone());
            }
            match self.body_object(&mut ev, src, &d.block.body, true) {
                Some(config) => instances.push(InstanceEval {
                    key: key.clone(),
                    config,
                    binding: binding.clone(),
                }),
                None => failed = true,
            }
        }
        if failed {
            return Err(upstream());
        }
        if let Some(a) = d.depends_on {
            // Evaluating the references records them as dependencies.
            if let ExprKind::Tuple(items) = &a.expr.kind {
                for item in items {
                    self.eval(src, item)?;
                }
            }
        }
        let lifecycle = match &d.lifecycle {
            Some(l) => self.lifecycle(src, l)?,
            None => Lifecycle::default(),
        };
        // What `replace_triggered_by` names is a dependency too (as in
        // Terraform): evaluating the references (per instance, where
        // `count.index` / `each.key` may pick one) records them, so it is
        // planned first and its change is known when this is planned.
        if let Some(a) = d.lifecycle.and_then(|l| l.replace_triggered_by)
            && let ExprKind::Tuple(items) = &a.expr.kind
        {
            for (_, binding) in &expanded.keys {
                let mut ev = Evaluator::new(self, src);
                if let Some((n, v)) = binding {
                    ev.bind(*n, v.clone());
                }
                for item in items {
                    ev.eval(item)?;
                }
            }
        }
        let mut deps = self
            .shared
            .deps
            .borrow()
            .last()
            .cloned()
            .unwrap_or_default();
        deps.extend(self.depends_on.iter().cloned());
        Ok(Rc::new(ResourceEval {
            expansion: expanded.expansion,
            instances,
            deps,
            lifecycle,
        }))
    }

    /// The evaluated settings of a resource's `lifecycle` block `l`.
    fn lifecycle(
        &self,
        src: &Arc<SourceFile>,
        l: &LifecycleDecl<'_>,
    ) -> Result<Lifecycle, Diagnostic> {
        let mut out = Lifecycle::default();
        let flag = |name: &str, arg: Option<&Attribute>| -> Result<bool, Diagnostic> {
            let Some(a) = arg else {
                return Ok(false);
            };
            match self.eval(src, &a.expr)?.unmark() {
                (Value::Bool(b), _) => Ok(b),
                (other, marked) => Err(Diagnostic::error(
                    "lifecycle::invalid",
                    format!(
                        "`{name}` must be true or false, got {}",
                        other.describe_as(marked)
                    ),
                )
                .in_file(src)
                .primary(a.expr.span, "not a bool")),
            }
        };
        out.create_before_destroy = flag(meta::CREATE_BEFORE_DESTROY, l.create_before_destroy)?;
        out.prevent_destroy = flag(meta::PREVENT_DESTROY, l.prevent_destroy)?;
        if let Some(a) = l.ignore_changes {
            out.ignore_changes = match &a.expr.kind {
                ExprKind::Variable(id) if id.name == "all" => IgnoreChanges::All,
                ExprKind::Tuple(items) => IgnoreChanges::Attributes(
                    items
                        .iter()
                        .map(|i| attribute_name(src, i))
                        .collect::<Result<_, _>>()?,
                ),
                _ => {
                    return Err(Diagnostic::error(
                        "lifecycle::invalid",
                        "`ignore_changes` must be a list of attribute names or `all`",
                    )
                    .in_file(src)
                    .primary(a.expr.span, "not a list of attributes")
                    .with_help("e.g. `ignore_changes = [tags, content]`"));
                }
            };
        }
        if let Some(a) = l.replace_triggered_by
            && let ExprKind::Tuple(items) = &a.expr.kind
        {
            for i in items {
                let text = src.slice(i.span).to_string();
                let Some(t) = trigger_target(&text) else {
                    return Err(Diagnostic::error(
                        "lifecycle::invalid",
                        "`replace_triggered_by` entries must refer to resources",
                    )
                    .in_file(src)
                    .primary(i.span, "not a resource reference")
                    .with_help("e.g. `replace_triggered_by = [infra_data.version]`"));
                };
                out.replace_triggered_by.push((t, text));
            }
        }
        Ok(out)
    }

    /// The evaluated resource's instances as references see them: what
    /// the hook decides, or the configuration.
    pub(crate) fn resource_values(
        &self,
        mode: ResourceMode,
        type_name: &str,
        name: &str,
        site: &Site<'_>,
    ) -> Result<Rc<ResourceValues>, Diagnostic> {
        let key = (mode, type_name.to_string(), name.to_string());
        let cycle = || resource_cycle(site, type_name, name);
        self.memoised(
            &self.resource_values,
            key,
            cycle,
            || too_deep(site),
            || {
                let r = self.resource_eval(mode, type_name, name, site)?;
                let Some(hook) = self.shared.hook.clone() else {
                    let schema = self
                        .shared
                        .schemas
                        .as_ref()
                        .and_then(|p| p.schema(type_name, mode == ResourceMode::Data));
                    return Ok(Rc::new(ResourceValues {
                        expansion: r.expansion,
                        instances: r
                            .instances
                            .iter()
                            .map(|i| {
                                let address = ResourceAddress {
                                    module: self.path.clone(),
                                    mode,
                                    type_name: type_name.to_string(),
                                    name: name.to_string(),
                                    key: i.key.clone(),
                                };
                                let stored =
                                    self.shared.stored.as_ref().and_then(|s| s.get(&address));
                                let v = match (stored, schema) {
                                    (Some(v), _) => v.clone(),
                                    (None, Some(s)) => with_schema_attributes(s, &i.config),
                                    (None, None) => i.config.clone(),
                                };
                                (i.key.clone(), v)
                            })
                            .collect(),
                        complete: schema.is_some(),
                    }));
                };
                let (src, decl) = self
                    .files
                    .resource(mode, type_name, name)
                    .ok_or_else(upstream)?;
                let provider = self.instance_provider_key(src, &decl)?;
                let mut instances = Vec::with_capacity(r.instances.len());
                let mut failed = false;
                let scoped = mode == ResourceMode::Data
                    && self
                        .files
                        .scoped_data
                        .contains(&(type_name.to_string(), name.to_string()));
                for i in &r.instances {
                    let address = ResourceAddress {
                        module: self.path.clone(),
                        mode,
                        type_name: type_name.to_string(),
                        name: name.to_string(),
                        key: i.key.clone(),
                    };
                    let checked = hook.checks_conditions().then_some(decl.lifecycle).flatten();
                    let deps = match &checked {
                        Some(l) => match self.preconditions(src, l, i, &address, &r.deps) {
                            Ok(deps) => std::borrow::Cow::Owned(deps),
                            Err(ds) => {
                                self.report_all(ds, scoped);
                                failed = true;
                                continue;
                            }
                        },
                        None => std::borrow::Cow::Borrowed(&r.deps),
                    };
                    let answer = hook
                        .value(InstanceInfo {
                            address: &address,
                            config: i.config.clone(),
                            dependencies: &deps,
                            lifecycle: &r.lifecycle,
                            source: src,
                            decl: &decl,
                            provider: provider.clone(),
                        })
                        .map_err(|d| vec![d]);
                    let answer = match (answer, &checked) {
                        (Ok(v), Some(l)) => self.postconditions(src, l, i, &address, v),
                        (answer, _) => answer,
                    };
                    match answer {
                        Ok(v) => instances.push((i.key.clone(), v)),
                        Err(ds) => {
                            self.report_all(ds, scoped);
                            failed = true;
                        }
                    }
                }
                if failed {
                    return Err(upstream());
                }
                Ok(Rc::new(ResourceValues {
                    expansion: r.expansion,
                    instances,
                    complete: true,
                }))
            },
        )
    }

    /// A block body as an object: arguments by name; nested blocks by type,
    /// as an object when there is one and a tuple of objects when there
    /// are several; `dynamic` blocks expanded. Every failing argument is
    /// reported; `None` when any failed.
    pub(crate) fn body_object(
        &self,
        ev: &mut Evaluator<'_>,
        src: &Arc<SourceFile>,
        body: &Body,
        top: bool,
    ) -> Option<Value> {
        // At most one entry per item (blocks of one kind share one).
        let mut out = ValueMap::with_capacity(body.items.len());
        let mut failed = false;
        for a in body.attributes() {
            if top && meta::RESOURCE_ARGS.contains(&a.name.name.as_str()) {
                continue;
            }
            match ev.eval(&a.expr) {
                Ok(v) => {
                    out.insert(a.name.name.clone(), v);
                }
                Err(d) => {
                    failed = true;
                    self.report(d);
                }
            }
        }
        // Each block's object with its label (map-nested blocks have one).
        let mut nested: BTreeMap<String, Vec<Labelled>> = BTreeMap::new();
        for nb in body.blocks() {
            let kind = nb.kind.name.as_str();
            if top && meta::RESOURCE_BLOCKS.contains(&kind) {
                continue;
            }
            if kind == meta::DYNAMIC {
                match self.dynamic_blocks(ev, src, nb) {
                    Some((k, items)) => nested.entry(k).or_default().extend(items),
                    None => failed = true,
                }
                continue;
            }
            match self.body_object(ev, src, &nb.body, false) {
                Some(v) => {
                    let label = nb.labels.first().map(|l| l.value.clone());
                    nested.entry(kind.to_string()).or_default().push((label, v));
                }
                None => failed = true,
            }
        }
        for (k, items) in nested {
            out.insert(k, blocks_value(items));
        }
        (!failed).then_some(Value::Object(out))
    }

    /// `dynamic "NAME" { for_each = ..., iterator = it, content { ... } }`:
    /// one `NAME` block per element, with `NAME.key`/`NAME.value` (or the
    /// iterator's name) bound inside `content`.
    fn dynamic_blocks(
        &self,
        ev: &mut Evaluator<'_>,
        src: &Arc<SourceFile>,
        b: &Block,
    ) -> Option<(String, Vec<Labelled>)> {
        let kind = b.labels.first()?.value.clone();
        let labels = b.body.attribute("labels");
        let iterator = match b.body.attribute("iterator").map(|a| &a.expr.kind) {
            Some(ExprKind::Variable(id)) => id.name.clone(),
            _ => kind.clone(),
        };
        let fe = b.body.attribute(meta::FOR_EACH)?;
        let (coll, marked) = match ev.eval(&fe.expr) {
            Ok(v) => v.unmark(),
            Err(d) => {
                self.report(d);
                return None;
            }
        };
        let pairs: Vec<(Value, Value)> = match coll.into_pairs() {
            Ok(pairs) => pairs,
            Err(coll) => match coll {
                Value::Null(_) => Vec::new(),
                Value::Unknown(_) => {
                    self.report(self.unknown_expansion(
                        src,
                        &fe.expr,
                        meta::FOR_EACH,
                        &format!("`dynamic \"{kind}\"`"),
                    ));
                    return None;
                }
                other => {
                    self.report(
                        Diagnostic::error(
                            "expand::invalid-for-each",
                            format!(
                                "a `dynamic` block's `for_each` needs a collection, got {}",
                                other.describe_as(marked)
                            ),
                        )
                        .in_file(src)
                        .primary(fe.expr.span, "not a collection"),
                    );
                    return None;
                }
            },
        };
        let content = b.body.blocks().find(|c| c.kind.name == "content")?;
        let mut items = Vec::with_capacity(pairs.len());
        let mut failed = false;
        for (k, v) in pairs {
            // Keys and values of a sensitive collection stay sensitive.
            ev.bind(
                iterator.clone(),
                obj(&[("key", k.mark_if(marked)), ("value", v.mark_if(marked))]),
            );
            let label = match labels.map(|l| ev.eval(&l.expr)) {
                None => None,
                Some(Ok(v)) => first_label(v),
                Some(Err(d)) => {
                    self.report(d);
                    failed = true;
                    None
                }
            };
            match self.body_object(ev, src, &content.body, false) {
                Some(o) => items.push((label, o)),
                None => failed = true,
            }
            ev.unbind();
        }
        (!failed).then_some((kind, items))
    }

    /// Resolves `TYPE.NAME...` / `data.TYPE.NAME...`: the resource's value,
    /// and how many of the following `rest` steps were used. An attribute
    /// the configuration does not set is unknown until the provider plans
    /// it ("known after apply").
    pub(crate) fn resource_reference(
        &self,
        mode: ResourceMode,
        type_name: &str,
        name: &str,
        rest: &[Step],
        site: &Site<'_>,
    ) -> Result<(Value, usize), Diagnostic> {
        let key = (type_name.to_string(), name.to_string());
        let declared = match mode {
            ResourceMode::Managed => &self.files.resources,
            ResourceMode::Data => &self.files.data,
        };
        if !declared.contains_key(&key) {
            let prefix = if mode == ResourceMode::Data {
                "data."
            } else {
                ""
            };
            let all: Vec<String> = declared.keys().map(|(t, n)| format!("{t}.{n}")).collect();
            let wanted = format!("{type_name}.{name}");
            let help = match did_you_mean(&wanted, all.iter().map(String::as_str)) {
                Some(s) => format!("Did you mean `{prefix}{s}`?"),
                None => format!(
                    "Declare it with `{} \"{type_name}\" \"{name}\" {{ ... }}`.",
                    if mode == ResourceMode::Data {
                        "data"
                    } else {
                        "resource"
                    }
                ),
            };
            return Err(site
                .error(
                    "eval::undeclared",
                    format!(
                        "there is no {}`{prefix}{wanted}`",
                        if mode == ResourceMode::Data {
                            "data source "
                        } else {
                            "resource "
                        }
                    ),
                    "not declared",
                )
                .with_help(help));
        }
        // The referenced resource's own dependencies are not ours: only its
        // instances are.
        self.shared.deps.borrow_mut().push(BTreeSet::new());
        let r = self.resource_values(mode, type_name, name, site);
        self.shared.deps.borrow_mut().pop();
        let r = r?;
        let mut mine = BTreeSet::new();
        for (key, _) in &r.instances {
            mine.insert(ResourceAddress {
                module: self.path.clone(),
                mode,
                type_name: type_name.to_string(),
                name: name.to_string(),
                key: key.clone(),
            });
        }
        self.shared.add_deps(&mine);
        // Without a hook or a schema (e.g. `infra eval` of a type no
        // provider has), an attribute the configuration does not set is
        // known only after apply.
        let absent = |config: &Value, step: Option<&Step>| match (config, step) {
            (Value::Object(m), Some(Step::Attr(a))) => !r.complete && !m.contains_key(a),
            _ => false,
        };
        match r.expansion {
            Expansion::Single => {
                let config = r.instances.first().map_or(Value::NULL, |(_, v)| v.clone());
                if absent(&config, rest.first()) {
                    return Ok((Value::unknown(), 1));
                }
                Ok((config, 0))
            }
            Expansion::Count | Expansion::ForEach => {
                if let Some(Step::Index(k)) = rest.first() {
                    let want = match (k, r.expansion) {
                        (Value::Number(n), Expansion::Count) => n.as_i64().map(InstanceKey::Int),
                        (Value::String(s), Expansion::ForEach) => Some(InstanceKey::Str(s.clone())),
                        _ => None,
                    };
                    if let Some((_, v)) =
                        want.and_then(|w| r.instances.iter().find(|(k, _)| *k == w))
                        && absent(v, rest.get(1))
                    {
                        return Ok((Value::unknown(), 2));
                    }
                }
                Ok((r.value(), 0))
            }
        }
    }
}

/// An instance's configuration `config` as references see it before
/// planning: every attribute `schema` declares is present, an unset one
/// unknown when the provider computes it and null otherwise (as a plan
/// proposes on create); schema-sensitive attributes are marked.
/// Attributes the schema lacks are kept (planning reports them).
fn with_schema_attributes(schema: &ResourceSchema, config: &Value) -> Value {
    let (inner, sensitive) = config.clone().unmark();
    let Value::Object(mut m) = inner else {
        return config.clone();
    };
    for (name, a) in &schema.attributes {
        let v = match m.remove(name) {
            Some(v) if !v.is_null() || v.is_unknown() => v,
            _ if a.computed => Value::Unknown(a.ty.clone()),
            _ => Value::Null(a.ty.clone()),
        };
        m.insert(name.clone(), v.mark_if(a.sensitive));
    }
    Value::Object(m).mark_if(sensitive)
}

/// The diagnostic of a resource that refers back to itself.
fn resource_cycle(site: &Site<'_>, type_name: &str, name: &str) -> Diagnostic {
    site.error(
        "eval::cycle",
        format!("`{type_name}.{name}` refers to itself"),
        "refers back to the resource being evaluated",
    )
    .with_help("A resource cannot use its own attributes, directly or through others.")
}

/// The attribute an `ignore_changes` entry names: `tags`, `tags["x"]`
/// (the top-level attribute is what counts).
fn attribute_name(src: &Arc<SourceFile>, e: &Expr) -> Result<String, Diagnostic> {
    let text = src.slice(e.span);
    let name: String = text
        .trim_matches('"')
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    if name.is_empty() {
        return Err(Diagnostic::error(
            "lifecycle::invalid",
            "`ignore_changes` entries must be attribute names",
        )
        .in_file(src)
        .primary(e.span, "not an attribute name"));
    }
    Ok(name)
}

/// The resource (or instance, with a literal key) a `replace_triggered_by`
/// reference names: `infra_data.v`, `infra_data.v[0].output` →
/// `infra_data.v[0]`.
fn trigger_target(text: &str) -> Option<Target> {
    let mut parts = text.splitn(3, '.');
    let first = parts.next()?;
    let (t, rest) = if first == "data" {
        return None;
    } else {
        (first, parts.next()?)
    };
    let name_end = rest.find(['[', '.']).unwrap_or(rest.len());
    let name = &rest[..name_end];
    let with_key = rest[name_end..]
        .strip_prefix('[')
        .and_then(|k| k.find(']').map(|e| format!("{t}.{name}[{}]", &k[..e])));
    with_key
        .and_then(|a| Target::parse(&a).ok())
        .or_else(|| Target::parse(&format!("{t}.{name}")).ok())
}
