//! `PluginProvider` against the in-process fake plugin (`fake.rs`) for
//! both protocol versions: schema, configure, validate, plan, apply,
//! read, import, data sources and a plugin that went away, all through
//! the engine's `Provider` trait.

use super::*;
use fake::thing_of;
use infra_engine::provider::{ApplyRequest, PlanRequest, Provider};
use infra_lang::types::Type;
use infra_lang::{Severity, Value};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A `fake_thing` object as the provider's schema types it.
fn thing(provider: &PluginProvider, name: &str, id: Value) -> Value {
    let ty = provider.schema().resources["fake_thing"].object_type();
    thing_of(&ty, Value::string(name), id)
}

/// The planner's way: async calls through `rt.block_on`, sync ones
/// (`validate`, `plan`) from the plain thread outside the runtime.
fn scenario(version: u32) {
    let rt = runtime();
    let (fake, channel, _stop) = match version {
        5 => rt.block_on(fake::v5::start()),
        _ => rt.block_on(fake::v6::start()),
    };
    let provider = rt
        .block_on(PluginProvider::connect("fake".into(), channel, version))
        .expect("connects");
    let thing = |name: &str, id: Value| thing(&provider, name, id);

    // Schema: attributes, a nested attribute type, a LIST block (its value
    // a list(object)), sensitivity.
    let schema = provider.schema();
    let thing_schema = &schema.resources["fake_thing"];
    assert!(thing_schema.attributes["name"].required);
    assert!(thing_schema.attributes["id"].computed);
    assert!(thing_schema.attributes["secret"].sensitive);
    assert_eq!(
        thing_schema.blocks["rule"].implied_type().to_string(),
        "list(object({ port = number }))"
    );
    if version == 6 {
        assert_eq!(
            thing_schema.attributes["endpoint"].ty.to_string(),
            "object({ host = string })"
        );
    }
    assert!(schema.data_sources.contains_key("fake_info"));
    assert!(schema.provider.attributes.contains_key("region"));

    // Configure: skipped while unknown, sent when known; errors carry the
    // attribute path.
    let config = |v: Value| Value::object_of(&[("region", v)]);
    rt.block_on(provider.configure(config(Value::Unknown(Type::String))))
        .expect("should succeed");
    assert_eq!(fake.lock().expect("fake lock").configures, 0);
    let err = rt
        .block_on(provider.configure(config(Value::string("mars"))))
        .expect_err("should fail");
    assert_eq!(err[0].message, "unsupported region (at region)");
    assert_eq!(err[0].help.as_deref(), Some("the detail"));
    rt.block_on(provider.configure(config(Value::string("eu"))))
        .expect("should succeed");
    assert_eq!(
        fake.lock().expect("fake lock").region.as_deref(),
        Some("eu")
    );

    // Validate: errors and warnings with paths.
    let mut bad = thing("", Value::Null(Type::String));
    if let Value::Object(m) = &mut bad {
        m.insert(
            "tags".into(),
            Value::Map(
                Type::String,
                [("env".to_string(), Value::string("x"))].into(),
            ),
        );
    }
    let diags = provider.validate("fake_thing", &bad);
    let texts: Vec<_> = diags
        .iter()
        .map(|d| (d.severity, d.message.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            (Severity::Error, "name must not be empty (at name)"),
            (Severity::Warning, "env is deprecated (at tags[\"env\"])"),
        ]
    );

    // Plan a create: the id is unknown; the absent LIST block goes out as
    // `[]`, not null.
    let config = thing("a", Value::Null(Type::String));
    let planned = provider
        .plan(PlanRequest {
            type_name: "fake_thing",
            prior: None,
            config: &config,
            proposed: thing("a", Value::Unknown(Type::String)),
            prior_private: &[],
        })
        .expect("should succeed");
    assert!(planned.planned.as_mapping().expect("should succeed")["id"].is_unknown());
    assert!(planned.requires_replace.is_empty());
    let seen = fake
        .lock()
        .expect("fake lock")
        .seen_rule
        .clone()
        .expect("should succeed");
    assert_eq!(seen.as_sequence().map(<[Value]>::len), Some(0));

    // Apply the create, read it back.
    let created = rt
        .block_on(provider.apply(ApplyRequest {
            type_name: "fake_thing".into(),
            prior: None,
            planned: Some(planned.planned),
            config: Some(config.clone()),
            ..ApplyRequest::default()
        }))
        .expect("should succeed")
        .state
        .expect("should succeed");
    let id = created.as_mapping().expect("should succeed")["id"].clone();
    assert_eq!(id, Value::string("thing-1"));
    let read = rt
        .block_on(provider.read("fake_thing", created.clone(), &[]))
        .expect("should succeed");
    assert_eq!(read.map(|s| s.value), Some(created.clone()));

    // A new name must replace: the path comes back as its attribute name.
    let renamed = thing("b", Value::Null(Type::String));
    let planned = provider
        .plan(PlanRequest {
            type_name: "fake_thing",
            prior: Some(&created),
            config: &renamed,
            proposed: thing("b", id.clone()),
            prior_private: &[],
        })
        .expect("should succeed");
    assert_eq!(
        planned.requires_replace,
        [vec![infra_lang::value::PathStep::Attr("name".into())]]
    );

    // Delete; the object is then gone for read.
    let deleted = rt
        .block_on(provider.apply(ApplyRequest {
            type_name: "fake_thing".into(),
            prior: Some(created.clone()),
            planned: None,
            ..ApplyRequest::default()
        }))
        .expect("should succeed");
    assert_eq!(deleted.state, None);
    assert_eq!(
        rt.block_on(provider.read("fake_thing", created, &[]))
            .expect("should succeed"),
        None
    );

    // Import reads the imported object back: one that exists …
    let existing = thing("ext", Value::string("ext-1"));
    fake.lock()
        .expect("should succeed")
        .objects
        .insert("ext-1".into(), existing.clone());
    assert_eq!(
        rt.block_on(provider.import("fake_thing", "ext-1"))
            .expect("should succeed")
            .into_iter()
            .map(|i| (i.type_name, i.object.value))
            .collect::<Vec<_>>(),
        [("fake_thing".to_string(), existing)]
    );
    // … and one that does not.
    let err = rt
        .block_on(provider.import("fake_thing", "nope"))
        .expect_err("should fail");
    assert!(
        err[0].message.contains("found no `fake_thing` object"),
        "{}",
        err[0].message
    );

    // A data source.
    let data = rt
        .block_on(provider.read_data(
            "fake_info",
            Value::object_of(&[
                ("key", Value::string("k")),
                ("value", Value::Null(Type::String)),
            ]),
        ))
        .expect("should succeed");
    assert_eq!(
        data.as_mapping().expect("should succeed")["value"],
        Value::string("k@eu")
    );
    let info = Value::object_of(&[
        ("key", Value::string("k")),
        ("value", Value::Null(Type::String)),
    ]);
    assert!(provider.validate_data("fake_info", &info).is_empty());
    assert_eq!(fake.lock().expect("fake lock").data_validations, 1);

    // State stored by schema version 0 (`title` for `name`) is upgraded
    // by the plugin, not by infra.
    let upgraded = rt
        .block_on(provider.upgrade_state("fake_thing", 0, br#"{"id":"old-1","title":"legacy"}"#))
        .expect("should succeed");
    let m = upgraded.as_mapping().expect("an object");
    assert_eq!(m["name"], Value::string("legacy"));
    assert_eq!(m["id"], Value::string("old-1"));

    // Provider functions: declared in the schema, called synchronously
    // (variadic arguments sent with the variadic parameter's type); an
    // error keeps the argument it names. GetFunctions lists them too.
    let greet = &provider.schema().functions["greet"];
    assert_eq!(greet.parameters[0].name, "name");
    assert_eq!(
        greet.variadic.as_ref().map(|p| p.name.as_str()),
        Some("more")
    );
    assert_eq!(greet.result, Type::String);
    assert_eq!(greet.description, "Greets.");
    let words = |w: &[&str]| w.iter().map(|s| Value::string(*s)).collect::<Vec<_>>();
    assert_eq!(
        provider.call_function("greet", words(&["you", "and", "them"])),
        Ok(Value::string("hello you and them"))
    );
    let refused = provider
        .call_function("greet", words(&[""]))
        .expect_err("an empty name");
    assert_eq!(refused.argument, Some(0));
    assert_eq!(refused.text, "a name must not be empty");
    assert_eq!(fake.lock().expect("fake lock").function_calls, 2);
    let listed = rt.block_on(provider.get_functions()).expect("GetFunctions");
    assert_eq!(listed.keys().collect::<Vec<_>>(), ["greet"]);

    // A `moved` block across types: the plugin advertises
    // MoveResourceState and turns another provider's object into its own.
    assert!(provider.moves_across_types());
    let moved = rt
        .block_on(provider.move_state(infra_engine::provider::MoveRequest {
            source_provider: "registry.terraform.io/acme/old".into(),
            source_type: "old_thing".into(),
            source_version: 2,
            source_state: br#"{"title":"kept"}"#.to_vec(),
            source_private: b"old-private".to_vec(),
            target_type: "fake_thing".into(),
        }))
        .expect("moves");
    assert_eq!(moved.value, thing("kept", Value::string("moved-1")));
    assert_eq!(moved.private, b"moved");

    // Ctrl-C: the plugin is asked to stop.
    rt.block_on(provider.stop());
    assert_eq!(fake.lock().expect("fake lock").stops, 1);
}

#[test]
fn drives_a_tfplugin6_plugin_through_the_provider_trait() {
    scenario(6);
}

#[test]
fn drives_a_tfplugin5_plugin_through_the_provider_trait() {
    scenario(5);
}

/// `plan` from inside the runtime (a worker thread) goes through
/// `block_in_place` and does not deadlock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_calls_work_on_a_runtime_worker() {
    let (_fake, channel, _stop) = fake::v6::start().await;
    let provider = PluginProvider::connect("fake".into(), channel, 6)
        .await
        .expect("should succeed");
    let config = thing(&provider, "a", Value::Null(Type::String));
    let planned = provider
        .plan(PlanRequest {
            type_name: "fake_thing",
            prior: None,
            config: &config,
            proposed: thing(&provider, "a", Value::Unknown(Type::String)),
            prior_private: &[],
        })
        .expect("should succeed");
    assert!(planned.planned.as_mapping().expect("should succeed")["id"].is_unknown());
    assert!(provider.validate("fake_thing", &config).is_empty());
}

/// A plugin that went away: an error naming the provider, for async and
/// sync calls alike, and no hang.
#[test]
fn a_gone_plugin_is_an_error_naming_the_provider() {
    let rt = runtime();
    let (_fake, channel, stop) = rt.block_on(fake::v6::start());
    let quick = std::time::Duration::from_secs(10);
    let provider = rt
        .block_on(PluginProvider::connect("fake".into(), channel, 6))
        .expect("should succeed")
        .with_timeouts(Timeouts {
            apply: quick,
            other: quick,
        });
    stop.send(()).expect("should succeed");
    // Let the server close its connections.
    rt.block_on(async { tokio::time::sleep(std::time::Duration::from_millis(200)).await });
    let state = thing(&provider, "a", Value::string("thing-1"));
    let err = rt
        .block_on(provider.read("fake_thing", state, &[]))
        .expect_err("should fail");
    assert!(
        err[0].message.starts_with("provider `fake` "),
        "{}",
        err[0].message
    );
    let config = thing(&provider, "a", Value::Null(Type::String));
    let err = provider
        .plan(PlanRequest {
            type_name: "fake_thing",
            prior: None,
            config: &config,
            proposed: thing(&provider, "a", Value::Unknown(Type::String)),
            prior_private: &[],
        })
        .expect_err("should fail");
    assert!(
        err[0].message.starts_with("provider `fake` "),
        "{}",
        err[0].message
    );
}

#[test]
fn unsupported_protocol_versions_are_refused() {
    let rt = runtime();
    let (_fake, channel, _stop) = rt.block_on(fake::v6::start());
    let err = rt
        .block_on(PluginProvider::connect("fake".into(), channel, 4))
        .expect_err("should fail");
    assert_eq!(
        err[0].message,
        "provider `fake` speaks plugin protocol version 4; infra speaks 5 and 6"
    );
}
