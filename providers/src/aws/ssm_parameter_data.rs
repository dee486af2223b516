//! Data source `aws_ssm_parameter`: one SSM Parameter Store parameter
//! (`GetParameter`), as hashicorp/aws's: `value` is sensitive, and
//! `insecure_value` holds the value too, unmarked, only when the parameter
//! is not a `SecureString` (null for a `SecureString`).

use super::{Session, client, owned};
use crate::framework::DataSource;
use crate::object::{Attrs, attrs, boolean, finish, int, set};
use async_trait::async_trait;
use infra_engine::provider::{Attribute, Failure, ResourceSchema, error};
use infra_lang::{Type, Value};

/// The data source type name.
pub const TYPE: &str = "aws_ssm_parameter";

/// Data source `aws_ssm_parameter` of the `aws` provider.
pub struct SsmParameterData;

#[async_trait]
impl DataSource<Session> for SsmParameterData {
    fn name(&self) -> &'static str {
        TYPE
    }

    /// The schema of data source `aws_ssm_parameter` (hashicorp/aws's).
    fn schema(&self) -> ResourceSchema {
        let text = |d| Attribute::computed(Type::String, d);
        ResourceSchema::new(
            "Reads a parameter of SSM Parameter Store: its value (sensitive), type, version and ARN.",
            vec![
                (
                    "name",
                    Attribute::required(Type::String, "The name (or ARN) of the parameter."),
                ),
                (
                    "with_decryption",
                    Attribute::optional(
                        Type::Bool,
                        "Whether a SecureString's value is returned decrypted; true by default.",
                    ),
                ),
                ("id", text("The name of the parameter.")),
                ("arn", text("The ARN of the parameter.")),
                (
                    "type",
                    text("The type of the parameter: String, StringList or SecureString."),
                ),
                (
                    "value",
                    text("The value of the parameter (a StringList's items joined by commas).")
                        .sensitive(),
                ),
                (
                    "insecure_value",
                    text(
                        "The value of a parameter that is not a SecureString, not marked sensitive; null for a SecureString.",
                    ),
                ),
                (
                    "version",
                    Attribute::computed(Type::Number, "The version of the parameter."),
                ),
            ],
        )
    }

    /// Reads parameter `name`.
    ///
    /// # Errors
    /// "SSM parameter NAME does not exist", or SSM refused:
    /// "GetParameter failed: AccessDeniedException: ...".
    async fn read(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        config: Value,
    ) -> Result<Value, Failure> {
        let m: &Attrs = attrs(&config, TYPE)?;
        let Some(name) = owned(m, "name") else {
            return Err(error(format!("data `{TYPE}` needs `name` to be set")));
        };
        let with_decryption = boolean(m, "with_decryption").unwrap_or(true);
        let ssm = session.ssm().await?;
        let out = ssm
            .client
            .get_parameter()
            .name(&name)
            .with_decryption(with_decryption)
            .send()
            .await
            .map_err(|e| {
                if client::error_code(&e).as_deref() == Some("ParameterNotFound") {
                    error(format!("SSM parameter {name} does not exist"))
                } else {
                    error(client::describe("GetParameter", &e))
                }
            })?;
        let Some(p) = out.parameter else {
            return Err(error(format!(
                "GetParameter answered without parameter {name}"
            )));
        };
        let kind = p.r#type.as_ref().map(|t| t.as_str().to_string());
        let value = p.value.unwrap_or_default();
        let secure = kind.as_deref() == Some("SecureString");
        let found = p.name.unwrap_or(name);
        let mut out = Attrs::new();
        set(&mut out, "id", Value::string(found.clone()));
        set(&mut out, "name", Value::string(found));
        if let Some(v) = m.get("with_decryption") {
            set(&mut out, "with_decryption", v.clone());
        }
        if let Some(arn) = p.arn {
            set(&mut out, "arn", Value::string(arn));
        }
        if let Some(k) = kind {
            set(&mut out, "type", Value::string(k));
        }
        if !secure {
            set(&mut out, "insecure_value", Value::string(value.clone()));
        }
        set(&mut out, "value", Value::string(value));
        set(&mut out, "version", int(p.version));
        Ok(finish(schema, out))
    }
}
