//! Logging to stderr for the `infra` process (`INFRA_LOG`, `TF_LOG`).

/// Sends `tracing` events (plugin stderr and protocol events) to stderr when
/// `INFRA_LOG` (a level, or `target=level,…` directives) or Terraform's
/// `TF_LOG` (a level; any other value means trace) asks for them; off by
/// default. A bare level applies to infra's own crates, other crates (h2,
/// hyper) log warnings only.
pub fn init() {
    use std::os::fd::AsFd;
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let for_infra = |level: LevelFilter| {
        Targets::new()
            .with_default(LevelFilter::WARN.min(level))
            .with_target("infra", level)
    };
    let filter = match (var("INFRA_LOG"), var("TF_LOG")) {
        (Some(spec), _) => match spec.trim().parse::<LevelFilter>() {
            Ok(level) => for_infra(level),
            Err(_) => match spec.parse::<Targets>() {
                Ok(targets) => targets,
                Err(e) => {
                    eprintln!("infra: ignoring INFRA_LOG={spec:?}: {e}");
                    return;
                }
            },
        },
        (None, Some(level)) => for_infra(level.trim().parse().unwrap_or(LevelFilter::TRACE)),
        (None, None) => return,
    };
    if filter.iter().all(|(_, level)| level == LevelFilter::OFF)
        && filter
            .default_level()
            .is_none_or(|level| level == LevelFilter::OFF)
    {
        return;
    }
    // A duplicate of the stderr descriptor: `main_entry` holds the lock of
    // `std::io::stderr()` for the whole run, which would block events from
    // other threads.
    let Ok(stderr) = std::io::stderr().as_fd().try_clone_to_owned() else {
        return;
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(std::fs::File::from(stderr)));
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(filter)
        .try_init();
}
