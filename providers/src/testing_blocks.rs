//! `test_blocks`, a resource of the `test` provider (only with
//! `INFRA_TEST_PROVIDERS=1`) whose schema has nested blocks, as plugin
//! providers' schemas do: a `rule` list block (at most two, each with a
//! required `port`) and an `option` single block. It proves that
//! validation, planning, the plan renderer and state handle blocks; its
//! objects are not real (apply returns the planned value with `id` set to
//! `name`).

use crate::object::{attrs, into_attrs, set, string};
use async_trait::async_trait;
use infra_engine::provider::{
    ApplyRequest, Attribute, Failure, NestedBlock, Nesting, ResourceSchema,
};
use infra_lang::{Type, Value};

use crate::framework::ResourceType;

/// The resource type name.
pub const TYPE: &str = "test_blocks";

/// `test_blocks` as a [`ResourceType`].
pub struct TestBlocks;

#[async_trait]
impl ResourceType<()> for TestBlocks {
    fn name(&self) -> &'static str {
        TYPE
    }

    /// `name` (required, forces replacement), computed `id` (= `name`),
    /// block `rule` (list, at most 2: `port` number, required; `note`
    /// string) and block `option` (single: `mode` string).
    fn schema(&self) -> ResourceSchema {
        let mut s = ResourceSchema::new(
            "A resource with nested blocks, for testing the engine's block handling.",
            vec![
                (
                    "name",
                    Attribute::required(Type::String, "The object's name; also its `id`.")
                        .force_new(),
                ),
                ("id", Attribute::computed(Type::String, "`name`.")),
            ],
        );
        s.blocks.insert(
            "rule".into(),
            NestedBlock {
                nesting: Nesting::List,
                min_items: 0,
                max_items: 2,
                block: ResourceSchema::new(
                    "A rule.",
                    vec![
                        ("port", Attribute::required(Type::Number, "The port.")),
                        ("note", Attribute::optional(Type::String, "A note.")),
                    ],
                ),
            },
        );
        s.blocks.insert(
            "option".into(),
            NestedBlock {
                nesting: Nesting::Single,
                min_items: 0,
                max_items: 1,
                block: ResourceSchema::new(
                    "An option.",
                    vec![("mode", Attribute::optional(Type::String, "The mode."))],
                ),
            },
        );
        s
    }

    async fn apply(
        &self,
        _ctx: &(),
        _schema: &ResourceSchema,
        request: ApplyRequest,
    ) -> Result<Option<Value>, Failure> {
        let Some(planned) = request.planned else {
            return Ok(None);
        };
        let mut m = into_attrs(planned, TYPE)?;
        let name = string(&m, "name").unwrap_or_default().to_string();
        set(&mut m, "id", Value::String(name));
        Ok(Some(Value::Object(m)))
    }

    async fn read(
        &self,
        _ctx: &(),
        _schema: &ResourceSchema,
        state: Value,
    ) -> Result<Option<Value>, Failure> {
        attrs(&state, TYPE)?;
        Ok(Some(state))
    }
}
