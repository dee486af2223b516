//! The plugin client: infra runs a Terraform provider binary and drives it
//! through the `Provider` trait.

pub mod provider;
