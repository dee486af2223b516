//! `random_password`: `random_string` (same arguments and generator, see
//! `random_string.rs`) whose `result` is sensitive, with a sensitive
//! `bcrypt_hash` of it (cost 10, Terraform's; bcrypt reads at most the
//! first 72 bytes of a password). `id` is `"none"`, as in Terraform.

use super::Generator;
use super::random_string::{arguments, generate};
use crate::object::{Attrs, blocking, finish, set};
use async_trait::async_trait;
use infra_engine::provider::{Attribute, Failure, ResourceSchema, error};
use infra_lang::{Diagnostic, Type, Value};

/// The resource type name.
pub const TYPE: &str = "random_password";

/// The bcrypt cost of `bcrypt_hash`.
pub const BCRYPT_COST: u32 = 10;

/// `random_password`: a [`Generator`].
pub struct RandomPassword;

#[async_trait]
impl Generator for RandomPassword {
    const NAME: &'static str = TYPE;

    /// The schema: `random_string`'s arguments, sensitive `result` and
    /// `bcrypt_hash`, and `id`.
    fn schema(&self) -> ResourceSchema {
        let mut attributes = arguments();
        attributes.push((
            "result",
            Attribute::computed(Type::String, "The generated password.").sensitive(),
        ));
        attributes.push((
            "bcrypt_hash",
            Attribute::computed(
                Type::String,
                "A bcrypt hash of the password (cost 10), for systems that store hashes.",
            )
            .sensitive(),
        ));
        attributes.push((
            "id",
            Attribute::computed(
                Type::String,
                "Always \"none\"; the password is never an id.",
            ),
        ));
        ResourceSchema::new(
            "A random password, generated once and kept until replaced; never shown.",
            attributes,
        )
    }

    fn validate(&self, m: &Attrs) -> Vec<Diagnostic> {
        super::random_string::validate(TYPE, m)
    }

    fn defaults(&self) -> Vec<(&'static str, Value)> {
        super::random_string::defaults()
    }

    /// Creates: generates the password and hashes it (on the blocking pool:
    /// bcrypt takes tens of milliseconds by design).
    ///
    /// # Errors
    /// Invalid arguments, no randomness, or a bcrypt failure.
    async fn create(&self, schema: &ResourceSchema, mut m: Attrs) -> Result<Value, Failure> {
        let result = generate(TYPE, &m)?;
        let (result, hash) = blocking(TYPE, move || {
            let hash = bcrypt::hash(&result, BCRYPT_COST)
                .map_err(|e| error(format!("`{TYPE}`: cannot hash the password: {e}")))?;
            Ok((result, hash))
        })
        .await?;
        set(&mut m, "result", Value::String(result));
        set(&mut m, "bcrypt_hash", Value::String(hash));
        set(&mut m, "id", Value::string("none"));
        Ok(finish(schema, m))
    }

    /// Imports the password `id` (as `random_string` does, see
    /// [`super::random_string::imported`]), hashed; `id` is `"none"`.
    ///
    /// # Errors
    /// An empty id, or a bcrypt failure.
    async fn import(&self, schema: &ResourceSchema, id: &str) -> Result<Value, Failure> {
        let mut m = super::random_string::imported(TYPE, id)?;
        let password = id.to_string();
        let hash = blocking(TYPE, move || {
            bcrypt::hash(&password, BCRYPT_COST)
                .map_err(|e| error(format!("`{TYPE}`: cannot hash the password: {e}")))
        })
        .await?;
        set(&mut m, "bcrypt_hash", Value::String(hash));
        set(&mut m, "id", Value::string("none"));
        Ok(finish(schema, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::{int, peel};
    use crate::random::tests::create as make;

    #[test]
    fn result_and_hash_are_sensitive_and_match() {
        let m = make(
            TYPE,
            &[("length", int(16)), ("special", Value::Bool(false))],
        )
        .expect("create");
        assert!(matches!(m["result"], Value::Sensitive(_)));
        assert!(matches!(m["bcrypt_hash"], Value::Sensitive(_)));
        assert_eq!(m["id"], Value::string("none"));
        let pw = peel(&m["result"]).as_str().expect("string");
        assert_eq!(pw.len(), 16);
        assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()));
        let hash = peel(&m["bcrypt_hash"]).as_str().expect("string");
        assert!(bcrypt::verify(pw, hash).expect("verify"));
        let s = Generator::schema(&RandomPassword);
        assert!(s.attributes["result"].sensitive);
        assert!(s.attributes["length"].force_new);
    }
}
