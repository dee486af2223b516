//! The `infra` provider: built-in resources that manage no real object and
//! live only in state — `infra_data` — and the `terraform` provider with
//! the same type under Terraform's name, `terraform_data` (Terraform's
//! built-in `terraform.io/builtin/terraform`), so Terraform projects and
//! their state read unchanged.

pub mod data;

use crate::framework::{NativeProvider, ProviderSpec, ResourceType};

/// The `infra` provider. Its resources never touch the network or disk,
/// so every call answers at once.
pub type InfraProvider = NativeProvider<Infra>;

/// The `infra` provider's list: `infra_data`, no configuration.
pub struct Infra;

impl ProviderSpec for Infra {
    type Context = ();
    const NAME: &'static str = "infra";

    fn context() {}

    fn resources() -> Vec<Box<dyn ResourceType<()>>> {
        vec![Box::new(data::InfraData(data::TYPE))]
    }
}

/// The `terraform` provider: Terraform's built-in provider, whose
/// `terraform_data` is infra's `infra_data` under Terraform's name.
pub type TerraformProvider = NativeProvider<Terraform>;

/// The `terraform` provider's list: `terraform_data`, no configuration.
pub struct Terraform;

impl ProviderSpec for Terraform {
    type Context = ();
    const NAME: &'static str = "terraform";

    fn context() {}

    fn resources() -> Vec<Box<dyn ResourceType<()>>> {
        vec![Box::new(data::InfraData(data::TERRAFORM_TYPE))]
    }
}
