//! Terraform's state v4 read and written back: a state Terraform 1.15.5
//! wrote (`applied.tfstate`: `terraform_data` with `count`, `for_each`, a
//! sensitive input, outputs, a check) comes back out the same.

use super::*;
use infra_lang::value::ValueMap;

const APPLIED: &str = include_str!("applied.tfstate");

fn dynamic(_: ResourceMode, t: &str) -> Vec<String> {
    if t == "terraform_data" {
        ["input", "output", "triggers_replace"]
            .map(String::from)
            .to_vec()
    } else {
        Vec::new()
    }
}

fn json(text: &str) -> Json {
    serde_json::from_str(text).expect("JSON")
}

#[test]
fn terraform_s_state_round_trips_through_infra_s() {
    assert!(looks_like_terraform(APPLIED.as_bytes()));
    let m = from_text(APPLIED, "terraform.tfstate", &dynamic).expect("reads");
    assert!(m.notes.is_empty(), "{:?}", m.notes);
    let s = &m.state;
    assert_eq!(s.serial, 5);
    assert_eq!(s.lineage, "5cffb026-41a6-7476-7b0c-cc2f1d255881");
    assert_eq!(s.resources.len(), 4);
    let a = &s.resources[&ResourceAddress::parse("terraform_data.a").expect("address")];
    assert_eq!(a.provider, "terraform");
    let Value::Object(attrs) = &a.value else {
        panic!("not an object: {:?}", a.value)
    };
    // Unwrapped from `{"value", "type"}`, converted to the recorded type.
    assert!(
        matches!(&attrs["input"], Value::Object(m) if matches!(m["n"], Value::Tuple(_))),
        "{:?}",
        attrs["input"]
    );
    let c = &s.resources[&ResourceAddress::parse("terraform_data.c[\"x\"]").expect("address")];
    let Value::Object(attrs) = &c.value else {
        panic!("not an object")
    };
    assert!(matches!(attrs["input"], Value::Sensitive(_)));
    let b = &s.resources[&ResourceAddress::parse("terraform_data.b[1]").expect("address")];
    assert_eq!(b.dependencies[0].to_string(), "terraform_data.a");
    assert!(s.outputs["sec"].sensitive);

    // Through infra's own state file and back out: the same document.
    let infra = crate::state::file::to_text(s);
    assert!(infra.contains("\"format_version\": 4"), "{infra}");
    let again = crate::state::file::from_text(&infra, "state.json").expect("infra reads it");
    assert_eq!(&again, s);
    assert_eq!(json(&to_text(&again, &dynamic)), json(APPLIED));
    // infra's own reader names the file for what it is.
    assert!(matches!(
        crate::state::file::from_text(APPLIED, "terraform.tfstate"),
        Err(StateError::Terraform { .. })
    ));
}

#[test]
fn deposed_objects_private_bytes_aliases_and_unknown_fields_are_kept() {
    let text = r#"{
  "version": 4, "terraform_version": "1.9.0", "serial": 3, "lineage": "l",
  "outputs": {},
  "resources": [
    {"module": "module.m[\"k\"]", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
     "provider": "provider[\"registry.terraform.io/hashicorp/aws\"].west",
     "instances": [
       {"schema_version": 2, "status": "tainted",
        "attributes": {"bucket": "x", "tags": {"owner": "me"}, "rules": [{"id": "r"}]},
        "sensitive_attributes": [[{"type": "get_attr", "value": "tags"}, {"type": "index", "value": {"value": "owner", "type": "string"}}],
                                 [{"type": "get_attr", "value": "rules"}, {"type": "index", "value": {"value": 0, "type": "number"}}]],
        "private": "AHNlY3JldP8=", "identity": {"id": "x"}, "identity_schema_version": 1,
        "dependencies": ["module.m.random_id.r"], "create_before_destroy": true},
       {"deposed": "0badc0de", "schema_version": 1, "attributes": {"bucket": "old"},
        "sensitive_attributes": [], "private": "b2xk", "dependencies": ["random_id.q"]}
     ]},
    {"mode": "data", "type": "external_thing", "name": "d",
     "provider": "provider[\"example.com/acme/external\"]",
     "instances": [{"schema_version": 0, "attributes": {"id": "1"}}]}
  ]
}"#;
    let m = from_text(text, "t", &dynamic).expect("reads");
    assert_eq!(m.notes.len(), 1, "{:?}", m.notes);
    assert!(m.notes[0].contains("tainted"));
    let addr = ResourceAddress::parse("module.m[\"k\"].aws_s3_bucket.b").expect("address");
    let i = &m.state.resources[&addr];
    assert_eq!(i.provider, "aws.west");
    assert_eq!(i.meta.schema_version, 2);
    assert_eq!(i.meta.private, b"\x00secret\xff");
    assert!(i.create_before_destroy);
    assert_eq!(i.deposed.len(), 1);
    assert_eq!(i.deposed_meta["0badc0de"].private, b"old");
    let data = ResourceAddress::parse("data.external_thing.d").expect("address");
    assert_eq!(m.state.resources[&data].provider, "external");
    let back = json(&to_text(&m.state, &dynamic));
    let mut want = json(text);
    // Terraform writes these for every object; infra writes them too.
    if let Some(o) = want["resources"][0]["instances"][1].as_object_mut() {
        o.remove("dependencies");
    }
    if let Some(o) = want["resources"][1]["instances"][0].as_object_mut() {
        o.insert("sensitive_attributes".into(), json!([]));
    }
    // The deposed object's dependencies are kept with it.
    want["resources"][0]["instances"][1]["dependencies"] = json!(["random_id.q"]);
    assert_eq!(sorted(&back["resources"]), sorted(&want["resources"]));
    assert_eq!(back["terraform_version"], "1.9.0");
}

#[test]
fn a_deposed_object_without_a_current_one_and_other_versions_are_refused() {
    let text = r#"{"version": 4, "serial": 1, "lineage": "l", "resources": [
      {"mode": "managed", "type": "random_id", "name": "a", "provider": "provider[\"registry.terraform.io/hashicorp/random\"]",
       "instances": [{"deposed": "00000001", "attributes": {"id": "x"}}]}]}"#;
    let Err(StateError::Corrupt { message, .. }) = from_text(text, "t", &dynamic) else {
        panic!("expected corrupt")
    };
    assert!(message.contains("no current object"), "{message}");
    let Err(StateError::Corrupt { message, .. }) =
        from_text(r#"{"version": 3, "serial": 1}"#, "t", &dynamic)
    else {
        panic!("expected corrupt")
    };
    assert!(message.contains("version 3"), "{message}");
}

#[test]
fn a_state_infra_began_gets_terraform_s_provider_addresses() {
    let mut s = State::new();
    s.resources.insert(
        ResourceAddress::parse("random_id.a").expect("address"),
        InstanceState {
            value: Value::object_of(&[("id", Value::string("x"))]),
            provider: "random".into(),
            dependencies: Vec::new(),
            create_before_destroy: false,
            deposed: ValueMap::new(),
            meta: ObjectMeta::default(),
            deposed_meta: BTreeMap::new(),
        },
    );
    let doc = json(&to_text(&s, &dynamic));
    assert_eq!(
        doc["resources"][0]["provider"],
        "provider[\"registry.terraform.io/hashicorp/random\"]"
    );
    assert_eq!(doc["terraform_version"], COMPATIBLE_TERRAFORM_VERSION);
    assert_eq!(doc["version"], 4);
    assert!(!looks_like_terraform(
        crate::state::file::to_text(&s).as_bytes()
    ));
}

/// The resources of a state document in a fixed order, each instance's
/// sensitive paths sorted (neither order means anything to Terraform).
fn sorted(resources: &Json) -> Vec<String> {
    let mut out: Vec<String> = resources
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    let mut r = r.clone();
                    if let Some(Json::Array(is)) = r.get_mut("instances") {
                        for i in is {
                            if let Some(Json::Array(ps)) = i.get_mut("sensitive_attributes") {
                                ps.sort_by_key(|p| p.to_string());
                            }
                        }
                    }
                    r.to_string()
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn kept_fields_of_an_object_infra_changed_are_not_written_back() {
    let text = r#"{"version": 4, "serial": 1, "lineage": "l", "resources": [
      {"mode": "managed", "type": "random_id", "name": "a", "provider": "provider[\"registry.terraform.io/hashicorp/random\"]",
       "instances": [{"schema_version": 0, "status": "tainted", "identity": {"id": "x"}, "attributes": {"id": "x"}}]}]}"#;
    let mut s = from_text(text, "t", &dynamic).expect("reads").state;
    let same = json(&to_text(&s, &dynamic));
    assert_eq!(same["resources"][0]["instances"][0]["status"], "tainted");
    let addr = ResourceAddress::parse("random_id.a").expect("address");
    if let Some(i) = s.resources.get_mut(&addr) {
        i.value = Value::object_of(&[("id", Value::string("y"))]);
    }
    let changed = json(&to_text(&s, &dynamic));
    let o = &changed["resources"][0]["instances"][0];
    assert!(
        o.get("status").is_none() && o.get("identity").is_none(),
        "{o}"
    );
    assert_eq!(o["attributes"]["id"], "y");
}
