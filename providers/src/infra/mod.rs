//! The `infra` provider: built-in resources that manage no real object and
//! live only in state — `infra_data` (Terraform's `terraform_data`).

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
        vec![Box::new(data::InfraData)]
    }
}
