//! Data source `aws_secretsmanager_secret_version`: one version of a
//! Secrets Manager secret (`GetSecretValue`), as hashicorp/aws's: by
//! `version_id`, else by `version_stage` (`AWSCURRENT` by default);
//! `secret_string` and `secret_binary` are sensitive; `id` is
//! `SECRET_ID|VERSION` (the version id or stage asked for).

use super::{Session, client, owned};
use crate::framework::DataSource;
use crate::object::{Attrs, attrs, finish, set};
use async_trait::async_trait;
use aws_smithy_types::date_time::{DateTime, Format};
use infra_engine::provider::{Attribute, Failure, ResourceSchema, error};
use infra_lang::{Type, Value};

/// The data source type name.
pub const TYPE: &str = "aws_secretsmanager_secret_version";

/// The stage read when neither `version_id` nor `version_stage` is set.
pub const CURRENT: &str = "AWSCURRENT";

/// Data source `aws_secretsmanager_secret_version` of the `aws` provider.
pub struct SecretVersionData;

#[async_trait]
impl DataSource<Session> for SecretVersionData {
    fn name(&self) -> &'static str {
        TYPE
    }

    /// The schema of data source `aws_secretsmanager_secret_version`
    /// (hashicorp/aws's).
    fn schema(&self) -> ResourceSchema {
        let text = |d| Attribute::computed(Type::String, d);
        ResourceSchema::new(
            "Reads a version of a Secrets Manager secret: its value (sensitive), version id and stages.",
            vec![
                (
                    "secret_id",
                    Attribute::required(Type::String, "The name or ARN of the secret."),
                ),
                (
                    "version_id",
                    Attribute::optional_computed(
                        Type::String,
                        "The version to read; the version read when unset.",
                    ),
                ),
                (
                    "version_stage",
                    Attribute::optional(
                        Type::String,
                        "The staging label of the version to read when `version_id` is unset; AWSCURRENT by default.",
                    ),
                ),
                (
                    "id",
                    text("SECRET_ID|VERSION: the secret and the version id or stage asked for."),
                ),
                ("arn", text("The ARN of the secret.")),
                (
                    "created_date",
                    text("When the version was created (RFC 3339)."),
                ),
                (
                    "secret_string",
                    text("The secret's text, when it was stored as text.").sensitive(),
                ),
                (
                    "secret_binary",
                    text("The secret's bytes as text, when it was stored as binary.").sensitive(),
                ),
                (
                    "version_stages",
                    Attribute::computed(
                        Type::Set(Box::new(Type::String)),
                        "The staging labels of the version read.",
                    ),
                ),
            ],
        )
    }

    /// Reads the version of `secret_id` that `version_id` or
    /// `version_stage` names.
    ///
    /// # Errors
    /// "secret ... has no version ..." for a missing secret or version;
    /// Secrets Manager refused ("GetSecretValue failed: Code: ..."); a
    /// binary secret that is not UTF-8 text.
    async fn read(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        config: Value,
    ) -> Result<Value, Failure> {
        let m: &Attrs = attrs(&config, TYPE)?;
        let Some(secret_id) = owned(m, "secret_id") else {
            return Err(error(format!("data `{TYPE}` needs `secret_id` to be set")));
        };
        let version_id = owned(m, "version_id").filter(|s| !s.is_empty());
        let stage = owned(m, "version_stage").filter(|s| !s.is_empty());
        let call = session.secrets_manager().await?;
        let mut req = call.client.get_secret_value().secret_id(&secret_id);
        let asked = if let Some(v) = &version_id {
            req = req.version_id(v);
            v.clone()
        } else {
            let s = stage.unwrap_or_else(|| CURRENT.to_string());
            req = req.version_stage(&s);
            s
        };
        let out = req.send().await.map_err(|e| {
            if client::error_code(&e).as_deref() == Some("ResourceNotFoundException") {
                error(format!(
                    "secret {secret_id} does not exist or has no version {asked}"
                ))
            } else {
                error(client::describe("GetSecretValue", &e))
            }
        })?;
        let binary = match out.secret_binary {
            None => None,
            Some(b) => Some(String::from_utf8(b.into_inner()).map_err(|_| {
                error(format!(
                    "the binary value of secret {secret_id} is not UTF-8 text, which infra's strings must be"
                ))
            })?),
        };
        let mut res = Attrs::new();
        set(
            &mut res,
            "id",
            Value::string(format!("{secret_id}|{asked}")),
        );
        set(&mut res, "secret_id", Value::string(secret_id));
        if let Some(v) = m.get("version_stage") {
            set(&mut res, "version_stage", v.clone());
        }
        if let Some(arn) = out.arn {
            set(&mut res, "arn", Value::string(arn));
        }
        if let Some(d) = out.created_date
            && let Ok(text) = DateTime::from_secs(d.secs()).fmt(Format::DateTime)
        {
            set(&mut res, "created_date", Value::string(text));
        }
        if let Some(s) = out.secret_string {
            set(&mut res, "secret_string", Value::string(s));
        }
        if let Some(b) = binary {
            set(&mut res, "secret_binary", Value::string(b));
        }
        if let Some(v) = out.version_id {
            set(&mut res, "version_id", Value::string(v));
        }
        let stages = out
            .version_stages
            .unwrap_or_default()
            .into_iter()
            .map(Value::string)
            .collect();
        set(&mut res, "version_stages", Value::set(Type::String, stages));
        Ok(finish(schema, res))
    }
}
