//! Plugin calls sent ahead of time, concurrently. Planning is a lazy,
//! single-threaded evaluation that asks each instance's provider to
//! validate and plan it when the instance is first referenced; for a
//! plugin each ask is a gRPC round trip, and a thousand of them one after
//! another dominate a plan. So the planner first evaluates the
//! configuration speculatively ([`Calls::Speculative`]): every request a
//! remote provider ([`Provider::is_remote`]) would get is recorded, none
//! is sent, and an instance's value is predicted from its schema (the
//! proposal: for an unchanged object its prior state, for a new one its
//! configuration with computed attributes unknown). The recorded requests
//! then go out concurrently ([`prefetch`], up to `--parallelism` at once),
//! and the real evaluation ([`Calls::Real`]) uses an answer received
//! ahead of time only for a request equal to the one it would send
//! (same provider configuration, configuration, prior state, prior private
//! bytes and proposal); any other request goes to the provider then, as
//! before. So plans and diagnostics are exactly those of calling one by
//! one; a prediction that misses only costs the extra request.

use crate::addr::ResourceAddress;
use crate::provider::consistency::{check_planned, plan_checked};
use crate::provider::{Failure, PlanRequest, PlannedState, Provider, ResourceSchema};
use infra_lang::diagnostic::has_errors;
use infra_lang::{Diagnostic, Value};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How the planner reaches providers' validate and plan calls.
pub(super) enum Calls {
    /// The real evaluation: providers answer, some of them ahead of time.
    Real(Prefetched),
    /// The speculative evaluation: the requests for remote providers are
    /// recorded, one job per instance, and none is sent.
    Speculative(RefCell<Vec<Job>>),
}

/// One instance's requests, recorded by the speculative evaluation.
pub(super) struct Job {
    address: ResourceAddress,
    provider_key: String,
    provider: Arc<dyn Provider>,
    type_name: String,
    data: bool,
    /// The configuration validated.
    config: Value,
    /// The plans asked for (a predicted replacement asks twice: with the
    /// prior object and without).
    plans: Vec<PlanCall>,
}

/// One plan request, owned.
struct PlanCall {
    prior: Option<Value>,
    config: Value,
    proposed: Value,
    prior_private: Vec<u8>,
}

impl PlanCall {
    fn matches(&self, r: &PlanRequest<'_>) -> bool {
        self.prior.as_ref() == r.prior
            && &self.config == r.config
            && self.prior_private == r.prior_private
            && self.proposed == r.proposed
    }
}

/// The answers to one [`Job`].
struct Answer {
    provider_key: String,
    config: Value,
    validated: Vec<Diagnostic>,
    plans: Vec<(PlanCall, Result<PlannedState, Failure>)>,
}

/// Answers received ahead of time, by instance; each plan answer is used
/// at most once.
#[derive(Default)]
pub(super) struct Prefetched {
    answers: RefCell<BTreeMap<ResourceAddress, Answer>>,
    /// Requests answered from here, and requests sent when needed.
    hits: Cell<usize>,
    misses: Cell<usize>,
}

impl Calls {
    /// The provider's checks of an instance's configuration `config`
    /// (validate, or validate_data for a data source).
    pub(super) fn validate(
        &self,
        address: &ResourceAddress,
        (provider_key, provider): (&str, &Arc<dyn Provider>),
        data: bool,
        config: &Value,
    ) -> Vec<Diagnostic> {
        let type_name = &address.type_name;
        match self {
            Calls::Real(pre) => {
                let answered = pre.answers.borrow().get(address).and_then(|a| {
                    (a.provider_key == provider_key && &a.config == config)
                        .then(|| a.validated.clone())
                });
                if let Some(diags) = answered {
                    pre.hits.set(pre.hits.get() + 1);
                    return diags;
                }
                if provider.is_remote() {
                    pre.misses.set(pre.misses.get() + 1);
                }
                if data {
                    provider.validate_data(type_name, config)
                } else {
                    provider.validate(type_name, config)
                }
            }
            Calls::Speculative(jobs) => {
                if provider.is_remote() {
                    jobs.borrow_mut().push(Job {
                        address: address.clone(),
                        provider_key: provider_key.to_string(),
                        provider: provider.clone(),
                        type_name: type_name.clone(),
                        data,
                        config: config.clone(),
                        plans: Vec::new(),
                    });
                }
                // Predicted to pass: a failure stops the real evaluation.
                Vec::new()
            }
        }
    }

    /// The provider's plan for `request` (an instance at `address` of a
    /// type with `schema`), checked as Terraform checks it. In the
    /// speculative evaluation a remote provider's plan is predicted to be
    /// the proposal.
    ///
    /// # Errors
    /// As [`plan_checked`].
    pub(super) fn plan(
        &self,
        address: &ResourceAddress,
        (provider_key, provider): (&str, &Arc<dyn Provider>),
        schema: &ResourceSchema,
        request: PlanRequest<'_>,
        what: &str,
    ) -> Result<PlannedState, Failure> {
        match self {
            Calls::Real(pre) => {
                let answered = {
                    let mut answers = pre.answers.borrow_mut();
                    answers
                        .get_mut(address)
                        .filter(|a| a.provider_key == provider_key)
                        .and_then(|a| {
                            let i = a.plans.iter().position(|(c, _)| c.matches(&request))?;
                            Some(a.plans.swap_remove(i).1)
                        })
                };
                match answered {
                    Some(answer) => {
                        pre.hits.set(pre.hits.get() + 1);
                        check_planned(
                            provider.name(),
                            schema,
                            request.prior,
                            request.config,
                            answer,
                            what,
                        )
                    }
                    None => {
                        if provider.is_remote() {
                            pre.misses.set(pre.misses.get() + 1);
                        }
                        plan_checked(provider.as_ref(), schema, request, what)
                    }
                }
            }
            Calls::Speculative(jobs) => {
                if !provider.is_remote() {
                    return plan_checked(provider.as_ref(), schema, request, what);
                }
                let mut jobs = jobs.borrow_mut();
                if let Some(job) = jobs.iter_mut().rev().find(|j| &j.address == address) {
                    job.plans.push(PlanCall {
                        prior: request.prior.cloned(),
                        config: request.config.clone(),
                        proposed: request.proposed.clone(),
                        prior_private: request.prior_private.to_vec(),
                    });
                }
                Ok(PlannedState::new(request.proposed))
            }
        }
    }

    /// True in the speculative evaluation (which reads no data source).
    pub(super) fn speculative(&self) -> bool {
        matches!(self, Calls::Speculative(_))
    }

    /// The recorded jobs (empty in the real evaluation).
    pub(super) fn take_jobs(&self) -> Vec<Job> {
        match self {
            Calls::Speculative(jobs) => jobs.take(),
            Calls::Real(_) => Vec::new(),
        }
    }

    /// Logs how many requests were answered ahead of time.
    pub(super) fn log_use(&self) {
        if let Calls::Real(pre) = self
            && pre.hits.get() + pre.misses.get() > 0
        {
            tracing::debug!(
                answered_ahead = pre.hits.get(),
                sent_when_needed = pre.misses.get(),
                "plugin requests of the plan"
            );
        }
    }
}

/// Sends every job's requests, up to `parallelism` jobs at once (each on
/// a thread of its own: the calls are synchronous; a plugin's own limit
/// applies on top). A job's plans are sent only when its validation
/// found no error, as the real evaluation would.
pub(super) fn prefetch(jobs: Vec<Job>, parallelism: usize) -> Prefetched {
    let threads = parallelism.clamp(1, jobs.len().max(1));
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Job>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let answers: Mutex<BTreeMap<ResourceAddress, Answer>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while let Some(slot) = slots.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let job = slot.lock().ok().and_then(|mut j| j.take());
                    let Some(job) = job else { continue };
                    let (address, answer) = send(job);
                    if let Ok(mut a) = answers.lock() {
                        a.insert(address, answer);
                    }
                }
            });
        }
    });
    let answers = answers.into_inner().unwrap_or_else(|p| p.into_inner());
    tracing::debug!(
        instances = answers.len(),
        threads,
        "plugin requests sent ahead"
    );
    Prefetched {
        answers: RefCell::new(answers),
        ..Prefetched::default()
    }
}

/// Sends one job's requests.
fn send(job: Job) -> (ResourceAddress, Answer) {
    let p = &job.provider;
    let validated = if job.data {
        p.validate_data(&job.type_name, &job.config)
    } else {
        p.validate(&job.type_name, &job.config)
    };
    let plans = if has_errors(&validated) {
        Vec::new()
    } else {
        job.plans
            .into_iter()
            .map(|call| {
                let result = p.plan(PlanRequest {
                    type_name: &job.type_name,
                    prior: call.prior.as_ref(),
                    config: &call.config,
                    proposed: call.proposed.clone(),
                    prior_private: &call.prior_private,
                });
                (call, result)
            })
            .collect()
    };
    (
        job.address,
        Answer {
            provider_key: job.provider_key,
            config: job.config,
            validated,
            plans,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Applied, ApplyRequest, Attribute, ProviderSchema, Stored};
    use infra_lang::Type;
    use std::sync::atomic::AtomicUsize;

    /// A remote provider that plans `id` as `name` and counts its calls.
    #[derive(Default)]
    struct Counting {
        schema: ProviderSchema,
        validates: AtomicUsize,
        plans: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl Provider for Counting {
        fn name(&self) -> &str {
            "remote"
        }
        fn schema(&self) -> &ProviderSchema {
            &self.schema
        }
        fn is_remote(&self) -> bool {
            true
        }
        fn validate(&self, _t: &str, config: &Value) -> Vec<Diagnostic> {
            self.validates.fetch_add(1, Ordering::SeqCst);
            match config {
                Value::Object(m) if m.get("name") == Some(&Value::string("bad")) => {
                    vec![Diagnostic::error("provider::error", "bad name")]
                }
                _ => Vec::new(),
            }
        }
        fn plan(&self, r: PlanRequest<'_>) -> Result<PlannedState, Failure> {
            self.plans.fetch_add(1, Ordering::SeqCst);
            let Value::Object(mut m) = r.proposed else {
                return Err(crate::provider::error("not an object"));
            };
            let name = m.get("name").cloned().unwrap_or(Value::NULL);
            m.insert("id".into(), name);
            Ok(PlannedState::new(Value::Object(m)))
        }
        async fn apply(&self, _r: ApplyRequest) -> Result<Applied, Failure> {
            Err(crate::provider::error("no apply"))
        }
        async fn read(&self, _t: &str, _s: Value, _p: &[u8]) -> Result<Option<Stored>, Failure> {
            Ok(None)
        }
    }

    fn schema() -> ResourceSchema {
        ResourceSchema::new(
            "t",
            vec![
                ("name", Attribute::required(Type::String, "n")),
                ("id", Attribute::computed(Type::String, "i")),
            ],
        )
    }

    fn config(name: &str) -> Value {
        Value::object_of(&[
            ("name", Value::string(name)),
            ("id", Value::Null(Type::String)),
        ])
    }

    /// Validates and plans `name` at `addr` through `calls`.
    fn plan(
        calls: &Calls,
        provider: &Arc<dyn Provider>,
        addr: &ResourceAddress,
        name: &str,
    ) -> Result<PlannedState, Failure> {
        let config = config(name);
        let diags = calls.validate(addr, ("remote", provider), false, &config);
        if has_errors(&diags) {
            return Err(diags);
        }
        let proposed = crate::plan::propose::propose(&schema(), None, &config);
        calls.plan(
            addr,
            ("remote", provider),
            &schema(),
            PlanRequest {
                type_name: "remote_thing",
                prior: None,
                config: &config,
                proposed,
                prior_private: &[],
            },
            "`x`",
        )
    }

    #[test]
    fn recorded_requests_are_answered_ahead_and_used_only_when_equal() {
        let counting = Arc::new(Counting::default());
        let provider: Arc<dyn Provider> = counting.clone();
        let addrs: Vec<ResourceAddress> = ["remote_thing.a", "remote_thing.b", "remote_thing.c"]
            .iter()
            .map(|a| ResourceAddress::parse(a).expect("address"))
            .collect();
        let speculative = Calls::Speculative(RefCell::new(Vec::new()));
        for (a, name) in addrs.iter().zip(["a", "b", "bad"]) {
            // Predicted as proposed: `id` unknown, nothing sent.
            let p = plan(&speculative, &provider, a, name).expect("predicted");
            assert!(p.planned.has_unknown());
        }
        assert_eq!(counting.plans.load(Ordering::SeqCst), 0);
        let real = Calls::Real(prefetch(speculative.take_jobs(), 4));
        // Three validations, and plans only for the two that passed.
        assert_eq!(counting.validates.load(Ordering::SeqCst), 3);
        assert_eq!(counting.plans.load(Ordering::SeqCst), 2);

        let a = plan(&real, &provider, &addrs[0], "a").expect("planned");
        assert_eq!(
            a.planned,
            Value::object_of(&[("name", Value::string("a")), ("id", Value::string("a"))])
        );
        // `b` is now configured otherwise: asked again.
        let b = plan(&real, &provider, &addrs[1], "b2").expect("planned");
        assert!(matches!(&b.planned, Value::Object(m) if m["id"] == Value::string("b2")));
        let c = plan(&real, &provider, &addrs[2], "bad").expect_err("refused");
        assert_eq!(c[0].message, "bad name");
        assert_eq!(counting.validates.load(Ordering::SeqCst), 4);
        assert_eq!(counting.plans.load(Ordering::SeqCst), 3);
        // An answer is used once: a second plan of `a` is sent.
        plan(&real, &provider, &addrs[0], "a").expect("planned");
        assert_eq!(counting.plans.load(Ordering::SeqCst), 4);
    }
}
