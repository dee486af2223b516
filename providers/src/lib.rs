//! Providers that create real objects (`aws`, `local`, `random`, `infra`).
//! Each resource type lives in its own file; none are implemented yet — the
//! engine's provider interface arrives with the plan/apply work (issue 4).
