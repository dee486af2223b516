//! The integration test suite: one binary, one module per area. Data-driven
//! cases live under `tests/data/<phase>/`; rendered output is snapshotted
//! with insta under `snapshots/`.

mod audit;
mod aws_bucket;
mod aws_object;
mod blocks;
mod cli;
mod conditions;
mod deep_input;
mod deposed;
mod diagnostic_codes;
mod docs;
mod docs_examples;
mod drift;
mod encryption;
mod engine;
mod engine_faults;
mod eval;
mod fmt;
mod function_bounds;
mod fuzz_corpus;
mod hangs;
mod import_blocks;
mod install;
mod install_server;
mod lsp;
mod main_job;
mod moved;
mod parse;
mod pending_ops;
mod plan_markdown;
mod plugin_client;
mod plugin_terraform;
mod provider_functions;
mod references;
mod required_providers;
mod robustness;
mod s3;
mod secrets;
mod state_edit;
mod state_integrity;
mod state_s3;
mod support;
mod torture;
mod validate;
mod workspaces;
