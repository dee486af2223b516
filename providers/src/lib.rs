//! Providers that create real objects: `local` (files), `random` (values
//! generated once and kept in state), `infra` (`infra_data`, state only;
//! `terraform` has it under Terraform's name, `terraform_data`),
//! and `test` (fault injection, only through [`with_test`]). Each provider
//! is a list of resource types and data sources, one file each, over the
//! one generic provider of [`framework`]; [`all`] registers the
//! production providers.

pub mod aws;
pub mod docs;
pub mod framework;
pub mod infra;
pub mod local;
mod object;
pub mod random;
pub mod testing;
pub mod testing_blocks;
pub mod torture;

use infra_engine::provider::Providers;
use std::sync::Arc;

/// Every production provider: `aws`, `infra`, `local`, `random` and
/// `terraform` (`terraform_data`, Terraform's name for `infra_data`).
pub fn all() -> Providers {
    let mut p = Providers::new();
    p.add(Arc::new(aws::AwsProvider::new()));
    p.add(Arc::new(infra::InfraProvider::new()));
    p.add(Arc::new(local::LocalProvider::new()));
    p.add(Arc::new(random::RandomProvider::new()));
    p.add(Arc::new(infra::TerraformProvider::new()));
    p
}

/// [`all`] plus the `test` provider (`test_fault`), for tests of the
/// engine's handling of failing, panicking and slow providers, and the
/// `torture` provider (`torture_all`: every schema nesting mode).
pub fn with_test() -> Providers {
    let mut p = all();
    p.add(Arc::new(testing::TestProvider::new()));
    p.add(Arc::new(torture::TortureProvider::new()));
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_registers_every_type_but_test() {
        let p = all();
        let types = p.type_names(false);
        for t in [
            "infra_data",
            "local_file",
            "local_sensitive_file",
            "random_id",
            "random_integer",
            "random_password",
            "random_shuffle",
            "random_string",
            "random_uuid",
            "terraform_data",
        ] {
            assert!(types.iter().any(|x| x == t), "{t} missing");
            assert!(p.for_type(t).is_some(), "{t} has no provider");
        }
        assert!(p.for_type("test_fault").is_none());
        assert!(p.schema("local_file", true).is_some());
        assert!(with_test().schema("test_fault", false).is_some());
    }
}
