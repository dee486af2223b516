//! Which changes force replacement: the schema's force-new attributes that
//! change, and the attribute paths a provider's plan lists in
//! `requires_replace`, filtered as Terraform filters them
//! (`getRequiredReplaces` in `node_resource_abstract_instance.go`): a path
//! counts only when the prior and planned values differ there or the
//! planned one is unknown; a path found in neither value is an invalid
//! plan. Never asked on create (there is nothing to replace).

pub(super) use crate::provider::consistency::path_name;
use crate::provider::consistency::value_at;
use crate::provider::{PathStep, ResourceSchema};
use infra_lang::Value;

/// The paths whose change forces replacing the object, in order, without
/// repeats: `changed` top-level attributes that are force-new in `schema`,
/// then the provider's `requested` paths that change between `prior` and
/// `planned`.
///
/// # Errors
/// A requested path that exists in neither value (the message names it).
pub(crate) fn forcing_paths(
    schema: &ResourceSchema,
    prior: &Value,
    planned: &Value,
    changed: &[String],
    requested: &[Vec<PathStep>],
) -> Result<Vec<Vec<PathStep>>, String> {
    let mut out: Vec<Vec<PathStep>> = changed
        .iter()
        .filter(|n| schema.attributes.get(*n).is_some_and(|a| a.force_new))
        .map(|n| vec![PathStep::Attr(n.clone())])
        .collect();
    for path in requested {
        if out.contains(path) {
            continue;
        }
        let (before, after) = match (value_at(prior, path), value_at(planned, path)) {
            (None, None) => {
                return Err(format!(
                    "it says `{}` requires replacement, but there is no such attribute path",
                    path_name(path)
                ));
            }
            (b, a) => (b.unwrap_or(&Value::NULL), a.unwrap_or(&Value::NULL)),
        };
        if before.has_unknown() || after.has_unknown() || !before.same_data(after) {
            out.push(path.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Attribute;
    use infra_lang::Type;

    fn schema() -> ResourceSchema {
        ResourceSchema::new(
            "t",
            vec![
                ("name", Attribute::required(Type::String, "n").force_new()),
                (
                    "keepers",
                    Attribute::optional(Type::Map(Box::new(Type::String)), "k"),
                ),
                ("size", Attribute::optional(Type::Number, "s")),
            ],
        )
    }

    fn obj(name: &str, keeper: &str, size: Value) -> Value {
        Value::object_of(&[
            ("name", Value::string(name)),
            (
                "keepers",
                Value::Map(
                    Type::String,
                    [("a".to_string(), Value::string(keeper))].into(),
                ),
            ),
            ("size", size),
        ])
    }

    #[test]
    fn only_requested_paths_that_change_count() {
        let keeper = vec![PathStep::Attr("keepers".into()), PathStep::Key("a".into())];
        let size = vec![PathStep::Attr("size".into())];
        let prior = obj("x", "1", Value::int(1));
        let same = obj("x", "1", Value::int(1));
        let req = [keeper.clone(), size.clone()];
        assert!(
            forcing_paths(&schema(), &prior, &same, &[], &req)
                .expect("valid")
                .is_empty()
        );
        let changed = obj("y", "2", Value::Unknown(Type::Number));
        let names = vec!["name".to_string(), "keepers".into(), "size".into()];
        let paths = forcing_paths(&schema(), &prior, &changed, &names, &req).expect("valid");
        assert_eq!(
            paths,
            vec![vec![PathStep::Attr("name".into())], keeper.clone(), size]
        );
        assert_eq!(path_name(&keeper), "keepers[\"a\"]");
        let bad = [vec![PathStep::Attr("nope".into())]];
        let e = forcing_paths(&schema(), &prior, &same, &[], &bad).expect_err("invalid");
        assert!(e.contains("`nope`"), "{e}");
    }
}
