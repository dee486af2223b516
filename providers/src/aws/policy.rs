//! Semantic comparison of JSON policy documents (stub).
