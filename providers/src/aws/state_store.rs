//! The S3 state store (stub).
