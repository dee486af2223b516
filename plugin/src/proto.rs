//! Generated protobuf messages, gRPC clients and servers for tfplugin5,
//! tfplugin6 and go-plugin's controller/stdio services (see build.rs).
#![allow(missing_docs, clippy::all, clippy::pedantic)]

/// Terraform plugin protocol 5 (`tfplugin5`), mirrors Terraform's
/// `docs/plugin-protocol/tfplugin5.proto` wire format.
pub mod tfplugin5 {
    tonic::include_proto!("tfplugin5");
}

/// Terraform plugin protocol 6 (`tfplugin6`), mirrors Terraform's
/// `docs/plugin-protocol/tfplugin6.proto` wire format.
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's `plugin` package: GRPCController and GRPCStdio.
pub mod goplugin {
    tonic::include_proto!("plugin");
}
