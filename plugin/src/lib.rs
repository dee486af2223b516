//! The Terraform plugin protocol: infra runs Terraform providers as plugins
//! (client) and serves its own providers to Terraform and OpenTofu (server).
//!
//! Layout: `proto` holds the generated tfplugin5/tfplugin6/go-plugin
//! messages and services (from `proto/*.proto` by build.rs); `wire` converts
//! DynamicValue bytes and cty type JSON to and from infra values; `diag`
//! converts diagnostics both ways; `client::provider` is `PluginProvider`,
//! the engine's `Provider` over a connected plugin (tfplugin5 or 6).

pub mod client;
pub mod diag;
pub mod handshake;
mod io;
pub mod proto;
pub mod schema;
pub mod server;
pub mod tls;
pub mod wire;
