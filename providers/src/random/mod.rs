//! The `random` provider: values chosen once, when the object is created,
//! and kept in state until it is replaced — `random_id`, `random_integer`,
//! `random_password`, `random_shuffle`, `random_string`, `random_uuid`.
//! Every argument forces replacement (`keepers` exists only for that), as
//! in Terraform's random provider; refresh never changes anything.
//!
//! Values come from the operating system's randomness through a ChaCha
//! generator (`StdRng`), or, for `random_integer` and `random_shuffle`
//! with a `seed`, from a generator seeded with the seed's SHA256: the same
//! seed gives the same value with this build of infra (not the value
//! Terraform's Go generator gives).

pub mod random_id;
pub mod random_integer;
pub mod random_password;
pub mod random_shuffle;
pub mod random_string;
pub mod random_uuid;

use crate::framework::{NativeProvider, ProviderSpec, ResourceType};
use crate::object::{
    Attrs, check, computed_unknown, finish, into_attrs, planned, propose, string, unknown_computed,
};
use async_trait::async_trait;
use infra_engine::provider::{
    ApplyRequest, Attribute, Failure, Found, PlanRequest, PlannedState, ResourceSchema, error,
};
use infra_lang::{Diagnostic, Type, Value};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sha2::{Digest, Sha256};

/// The `random` provider.
pub type RandomProvider = NativeProvider<Random>;

/// The `random` provider's list: six resource types, no configuration.
pub struct Random;

impl ProviderSpec for Random {
    type Context = ();
    const NAME: &'static str = "random";

    fn context() {}

    fn resources() -> Vec<Box<dyn ResourceType<()>>> {
        vec![
            Box::new(random_id::RandomId),
            Box::new(random_integer::RandomInteger),
            Box::new(random_password::RandomPassword),
            Box::new(random_shuffle::RandomShuffle),
            Box::new(random_string::RandomString),
            Box::new(random_uuid::RandomUuid),
        ]
    }
}

/// A `random_*` type: what it generates. Every generator is a
/// [`ResourceType`] whose values are made once, at create, and live only
/// in state.
#[async_trait]
pub trait Generator: Send + Sync {
    /// The type name, e.g. `random_id`.
    const NAME: &'static str;

    /// The type's attributes (every argument force-new, with `keepers`).
    fn schema(&self) -> ResourceSchema;

    /// Checks the attributes of a configuration (unknowns not checked);
    /// run again at create on the final values.
    fn validate(&self, _m: &Attrs) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// The defaults plan fills in where the configuration leaves an
    /// attribute null.
    fn defaults(&self) -> Vec<(&'static str, Value)> {
        Vec::new()
    }

    /// Generates the values of a new object from its planned attributes
    /// `m`: the state.
    ///
    /// # Errors
    /// Invalid arguments, or no randomness.
    async fn create(&self, schema: &ResourceSchema, m: Attrs) -> Result<Value, Failure>;

    /// The state of an object imported by `id`, in the id format of
    /// Terraform's random provider for the type. The default refuses:
    /// "`TYPE` does not support import".
    ///
    /// # Errors
    /// An id not in the type's format; a type that cannot be imported.
    async fn import(&self, _schema: &ResourceSchema, _id: &str) -> Result<Value, Failure> {
        Err(error(format!("`{}` does not support import", Self::NAME)))
    }
}

#[async_trait]
impl<G: Generator> ResourceType<()> for G {
    fn name(&self) -> &'static str {
        G::NAME
    }

    fn schema(&self) -> ResourceSchema {
        Generator::schema(self)
    }

    fn validate(&self, _ctx: &(), config: &Attrs) -> Vec<Diagnostic> {
        Generator::validate(self, config)
    }

    /// Plans: defaults filled where the configuration leaves them null;
    /// generated attributes unknown when the object is new, else kept.
    fn plan(
        &self,
        _ctx: &(),
        schema: &ResourceSchema,
        request: PlanRequest<'_>,
    ) -> Result<PlannedState, Failure> {
        let type_name = request.type_name;
        let mut p = propose(schema, type_name, request, &self.defaults())?;
        if p.fresh {
            unknown_computed(schema, &mut p.attrs);
        }
        Ok(planned(schema, p.attrs))
    }

    /// Creates (generates the values), updates (keeps them: nothing can
    /// change without replacement) or deletes (forgets them).
    async fn apply(
        &self,
        _ctx: &(),
        schema: &ResourceSchema,
        request: ApplyRequest,
    ) -> Result<Option<Value>, Failure> {
        let Some(planned) = request.planned else {
            return Ok(None);
        };
        let m = into_attrs(planned, &request.type_name)?;
        if request.prior.is_some() && !computed_unknown(schema, &m) {
            return Ok(Some(finish(schema, m)));
        }
        check(Generator::validate(self, &m))?;
        Ok(Some(self.create(schema, m).await?))
    }

    /// Imports by the type's id format (see [`Generator::import`]).
    async fn import(&self, _ctx: &(), schema: &ResourceSchema, id: &str) -> Result<Value, Failure> {
        Generator::import(self, schema, id).await
    }

    /// Random values live only in state: it is returned unchanged.
    async fn read(
        &self,
        _ctx: &(),
        _schema: &ResourceSchema,
        state: Value,
    ) -> Result<Option<Value>, Failure> {
        Ok(Some(state))
    }

    /// Random values live only in state: nothing real to announce.
    fn makes_real_object(&self, _planned: &Value) -> bool {
        false
    }

    /// Random values live only in state: a create that was never recorded
    /// left nothing behind.
    async fn find(
        &self,
        _ctx: &(),
        _schema: &ResourceSchema,
        _planned: Value,
    ) -> Result<Found, Failure> {
        Ok(Found::NotReal)
    }
}

/// The `keepers` argument every `random_*` type has.
pub fn keepers() -> (&'static str, Attribute) {
    (
        "keepers",
        Attribute::optional(
            Type::Map(Box::new(Type::String)),
            "Arbitrary values that, when any changes, replace the object (and so generate a new value).",
        )
        .force_new(),
    )
}

/// A generator seeded from the operating system's randomness.
///
/// # Errors
/// When the operating system gives no randomness.
pub fn os_rng() -> Result<StdRng, Failure> {
    StdRng::try_from_os_rng().map_err(|e| {
        error(format!(
            "cannot get randomness from the operating system: {e}"
        ))
    })
}

/// A generator determined by `seed` (its SHA256).
pub fn seeded_rng(seed: &str) -> StdRng {
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&Sha256::digest(seed.as_bytes()));
    StdRng::from_seed(bytes)
}

/// The generator for `m`: seeded by its `seed` attribute when set, else
/// from the operating system.
///
/// # Errors
/// When the operating system gives no randomness.
pub fn rng_for(m: &Attrs) -> Result<StdRng, Failure> {
    match string(m, "seed") {
        Some(seed) => Ok(seeded_rng(seed)),
        None => os_rng(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::{attrs, int};
    use infra_engine::provider::{Provider, Stored};

    /// An object of `pairs`.
    pub(crate) fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object_of(pairs)
    }

    /// Plans and applies a create of `type_name` with `config`.
    pub(crate) fn create(type_name: &str, config: &[(&str, Value)]) -> Result<Attrs, Failure> {
        let p = RandomProvider::new();
        let config = obj(config);
        let d = p.validate(type_name, &config);
        if !d.is_empty() {
            return Err(d);
        }
        let planned = p
            .plan(PlanRequest {
                type_name,
                prior: None,
                config: &config,
                proposed: config.clone(),
                prior_private: &[],
            })?
            .planned;
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let state = rt
            .block_on(p.apply(ApplyRequest {
                type_name: type_name.into(),
                prior: None,
                planned: Some(planned),
                ..ApplyRequest::default()
            }))?
            .state
            .expect("state");
        let m = attrs(&state, type_name).expect("object").clone();
        assert_eq!(m.len(), p.schema().resources[type_name].attributes.len());
        Ok(m)
    }

    #[test]
    fn every_argument_forces_replacement() {
        let p = RandomProvider::new();
        for (type_name, s) in &p.schema().resources {
            for (name, a) in &s.attributes {
                if !a.read_only() {
                    assert!(a.force_new, "{type_name}.{name}");
                }
            }
            assert!(s.attributes.contains_key("keepers"), "{type_name}");
        }
    }

    #[test]
    fn plan_keeps_prior_values_and_renews_on_replace() {
        let p = RandomProvider::new();
        let prior = obj(&[
            ("min", int(1)),
            ("max", int(9)),
            ("seed", Value::NULL),
            ("keepers", Value::NULL),
            ("result", int(4)),
            ("id", Value::string("4")),
        ]);
        let config = obj(&[("min", int(1)), ("max", int(9))]);
        let proposed = obj(&[
            ("min", int(1)),
            ("max", int(9)),
            ("result", int(4)),
            ("id", Value::string("4")),
        ]);
        let plan = p
            .plan(PlanRequest {
                type_name: random_integer::TYPE,
                prior: Some(&prior),
                config: &config,
                proposed: proposed.clone(),
                prior_private: &[],
            })
            .expect("plan");
        let m = attrs(&plan.planned, "x").expect("object");
        assert_eq!(m["result"], int(4));

        let config = obj(&[("min", int(1)), ("max", int(10))]);
        let proposed = obj(&[
            ("min", int(1)),
            ("max", int(10)),
            ("result", int(4)),
            ("id", Value::string("4")),
        ]);
        let plan = p
            .plan(PlanRequest {
                type_name: random_integer::TYPE,
                prior: Some(&prior),
                config: &config,
                proposed,
                prior_private: &[],
            })
            .expect("plan");
        let m = attrs(&plan.planned, "x").expect("object");
        assert!(m["result"].is_unknown());
    }

    #[test]
    fn update_keeps_values_and_read_changes_nothing() {
        let p = RandomProvider::new();
        let state = obj(&[
            ("keepers", Value::NULL),
            ("result", Value::string("u")),
            ("id", Value::string("u")),
        ]);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let out = rt
            .block_on(p.apply(ApplyRequest {
                type_name: random_uuid::TYPE.into(),
                prior: Some(state.clone()),
                planned: Some(state.clone()),
                ..ApplyRequest::default()
            }))
            .expect("apply");
        assert_eq!(out.state.as_ref(), Some(&state));
        let read = rt
            .block_on(p.read(random_uuid::TYPE, state.clone(), &[]))
            .expect("read");
        assert_eq!(read, Some(Stored::new(state)));
    }

    /// The object `type_name` imports from `id`, or the error's message.
    fn import(type_name: &str, id: &str) -> Result<Attrs, String> {
        let p = RandomProvider::new();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let mut found = rt
            .block_on(p.import(type_name, id))
            .map_err(|d| d[0].message.clone())?;
        let v = found.remove(0).object.value;
        Ok(attrs(&v, type_name).expect("object").clone())
    }

    #[test]
    fn an_imported_object_is_the_one_created_with_that_id() {
        let made = create(
            random_id::TYPE,
            &[("byte_length", int(6)), ("prefix", Value::string("x-"))],
        )
        .expect("create");
        let id = format!("x-,{}", made["id"].as_str().expect("id"));
        let got = import(random_id::TYPE, &id).expect("import");
        assert_eq!(got, made);

        let made = create(random_string::TYPE, &[("length", int(12))]).expect("create");
        let got = import(random_string::TYPE, made["id"].as_str().expect("id")).expect("import");
        assert_eq!(got, made);

        let got = import(random_integer::TYPE, "5,1,9").expect("import");
        assert_eq!(
            (&got["result"], &got["min"], &got["max"]),
            (&int(5), &int(1), &int(9))
        );
        assert!(got["seed"].is_null());
        assert_eq!(
            import(random_integer::TYPE, "5,1,9,s").expect("seed")["seed"],
            Value::string("s")
        );
    }

    #[test]
    fn malformed_ids_and_types_without_import_are_refused() {
        for (t, id, says) in [
            (random_integer::TYPE, "5,1", "RESULT,MIN,MAX"),
            (random_integer::TYPE, "10,1,9", "not between"),
            (random_id::TYPE, "not base64!", "URL-safe base64"),
            (random_uuid::TYPE, "nope", "is not a UUID"),
            (random_string::TYPE, "", "empty"),
            (random_shuffle::TYPE, "a", "does not support import"),
        ] {
            let e = import(t, id).expect_err(id);
            assert!(e.contains(says), "{t} {id:?}: {e}");
        }
    }

    #[test]
    fn seeds_are_deterministic() {
        use rand::Rng;
        let a: u64 = seeded_rng("x").random();
        let b: u64 = seeded_rng("x").random();
        let c: u64 = seeded_rng("y").random();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
