//! The set of providers a run may use, and which one owns a resource type:
//! the part of the type name before the first `_` (`random_id` → `random`),
//! as in Terraform.

use super::{Provider, ResourceSchema};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Providers by name.
#[derive(Clone, Default)]
pub struct Providers {
    by_name: BTreeMap<String, Arc<dyn Provider>>,
    /// Second configurations: `aws.west` for `provider "aws" { alias =
    /// "west" }`.
    aliases: BTreeMap<String, Arc<dyn Provider>>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_name.keys()).finish()
    }
}

impl Providers {
    /// An empty registry.
    pub fn new() -> Providers {
        Providers::default()
    }

    /// Adds `provider` (replacing one of the same name).
    pub fn add(&mut self, provider: Arc<dyn Provider>) {
        self.by_name.insert(provider.name().to_string(), provider);
    }

    /// Adds `provider` under the local name `name` (replacing one of that
    /// name): a plugin registered under its `required_providers` name.
    pub fn add_as(&mut self, name: &str, provider: Arc<dyn Provider>) {
        self.by_name.insert(name.to_string(), provider);
    }

    /// Adds the configuration `key` (`aws.west`) of a provider.
    pub fn add_alias(&mut self, key: &str, provider: Arc<dyn Provider>) {
        self.aliases.insert(key.to_string(), provider);
    }

    /// The provider configuration `key`: a provider's name (`aws`) or an
    /// alias (`aws.west`).
    pub fn get(&self, key: &str) -> Option<&Arc<dyn Provider>> {
        self.by_name.get(key).or_else(|| self.aliases.get(key))
    }

    /// The provider configuration for an instance of `type_name` whose
    /// `provider` meta-argument is `key` (`None`: the default
    /// configuration, named by the type's prefix), with the key to record
    /// in state.
    pub fn resolve<'a>(
        &'a self,
        type_name: &'a str,
        key: Option<&'a str>,
    ) -> Option<(&'a str, &'a Arc<dyn Provider>)> {
        match key {
            Some(k) => self.get(k).map(|p| (k, p)),
            None => {
                let name = Self::provider_name(type_name);
                self.get(name).map(|p| (name, p))
            }
        }
    }

    /// True when provider `name` takes configuration arguments (so it must
    /// be configured from the `provider` blocks before it is used).
    pub fn configurable(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|p| !p.schema().provider.attributes.is_empty())
    }

    /// The name of the provider owning resource type `type_name`.
    pub fn provider_name(type_name: &str) -> &str {
        type_name.split('_').next().unwrap_or(type_name)
    }

    /// The provider owning `type_name`, if registered.
    pub fn for_type(&self, type_name: &str) -> Option<&Arc<dyn Provider>> {
        self.get(Self::provider_name(type_name))
    }

    /// The schema of managed resource type `type_name` (`data`: of the data
    /// source of that name).
    pub fn schema(&self, type_name: &str, data: bool) -> Option<&ResourceSchema> {
        let p = self.for_type(type_name)?;
        let s = p.schema();
        if data {
            s.data_sources.get(type_name)
        } else {
            s.resources.get(type_name)
        }
    }

    /// Every provider, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Arc<dyn Provider>)> {
        self.by_name.iter()
    }

    /// Every resource type (`data`: data source) name of every provider.
    pub fn type_names(&self, data: bool) -> Vec<String> {
        let mut out = Vec::new();
        for p in self.by_name.values() {
            let s = p.schema();
            let m = if data { &s.data_sources } else { &s.resources };
            out.extend(m.keys().cloned());
        }
        out
    }
}
