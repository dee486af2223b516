//! `random_uuid`: a random (version 4) UUID in its lower-case hyphenated
//! form, chosen once at create; `id` is the same.

use super::Generator;
use super::keepers;
use crate::object::{Attrs, finish, set};
use async_trait::async_trait;
use infra_engine::provider::{Attribute, Failure, ResourceSchema, error};
use infra_lang::{Type, Value};

/// The resource type name.
pub const TYPE: &str = "random_uuid";

/// `random_uuid`: a [`Generator`].
pub struct RandomUuid;

#[async_trait]
impl Generator for RandomUuid {
    const NAME: &'static str = TYPE;

    /// The schema: `keepers` (force-new); computed `result` and `id`.
    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A random UUID, chosen once and kept until replaced.",
            vec![
                keepers(),
                (
                    "result",
                    Attribute::computed(
                        Type::String,
                        "The UUID, e.g. \"0f8fad5b-d9cb-469f-a165-70867728950e\".",
                    ),
                ),
                ("id", Attribute::computed(Type::String, "The UUID.")),
            ],
        )
    }

    /// Creates: chooses the UUID.
    ///
    /// # Errors
    /// Never; the signature matches the other `random_*` types.
    async fn create(&self, schema: &ResourceSchema, mut m: Attrs) -> Result<Value, Failure> {
        let uuid = uuid::Uuid::new_v4().to_string();
        set(&mut m, "id", Value::String(uuid.clone()));
        set(&mut m, "result", Value::String(uuid));
        Ok(finish(schema, m))
    }

    /// Imports the UUID `id` (any version; written lower-case and
    /// hyphenated, as the id Terraform's provider checks it is).
    ///
    /// # Errors
    /// An id that is not a UUID.
    async fn import(&self, schema: &ResourceSchema, id: &str) -> Result<Value, Failure> {
        let uuid = uuid::Uuid::parse_str(id)
            .map_err(|e| error(format!("`{TYPE}`: {id:?} is not a UUID: {e}")))?;
        let mut m = Attrs::new();
        set(&mut m, "id", Value::String(uuid.to_string()));
        set(&mut m, "result", Value::String(uuid.to_string()));
        Ok(finish(schema, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::tests::create as make;

    #[test]
    fn makes_a_v4_uuid() {
        let m = make(TYPE, &[]).expect("create");
        let s = m["result"].as_str().expect("string");
        let u = uuid::Uuid::parse_str(s).expect("uuid");
        assert_eq!(u.get_version_num(), 4);
        assert_eq!(s.len(), 36);
        assert_eq!(m["id"], m["result"]);
    }
}
