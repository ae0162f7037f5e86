//! Logs as Lambda's advanced logging controls ask for them: JSON lines when
//! the function's `LoggingConfig` says `LogFormat: JSON`
//! (`AWS_LAMBDA_LOG_FORMAT`), at the level of `ApplicationLogLevel`
//! (`AWS_LAMBDA_LOG_LEVEL`, or `RUST_LOG` when that is unset, INFO when
//! neither is), to stdout, where Lambda collects them.
//!
//! This replaces `lambda_runtime`'s `tracing` feature, which filters with
//! tracing-subscriber's `EnvFilter` and so links a regex engine into every
//! function: a level is all Lambda's controls express, and a smaller binary
//! starts faster (README, Performance). `RUST_LOG` is read as a level only
//! (`debug`), not as per-module directives.

use tracing_subscriber::filter::LevelFilter;

/// Installs the global subscriber. Call once, first thing in `main`.
pub fn init() {
    let level = level(
        std::env::var("AWS_LAMBDA_LOG_LEVEL")
            .or_else(|_| std::env::var("RUST_LOG"))
            .ok()
            .as_deref(),
    );
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let logs = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .without_time()
        .with_writer(std::io::stdout);
    if json {
        logs.json().init();
    } else {
        logs.init();
    }
}

/// Lambda's level names (`FATAL` included) or tracing's, any case.
fn level(name: Option<&str>) -> LevelFilter {
    match name.map(str::to_ascii_uppercase).as_deref() {
        Some("TRACE") => LevelFilter::TRACE,
        Some("DEBUG") => LevelFilter::DEBUG,
        Some("WARN") => LevelFilter::WARN,
        Some("ERROR" | "FATAL") => LevelFilter::ERROR,
        Some("OFF") => LevelFilter::OFF,
        _ => LevelFilter::INFO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_level_names_map_to_tracing_levels() {
        assert_eq!(level(Some("DEBUG")), LevelFilter::DEBUG);
        assert_eq!(level(Some("warn")), LevelFilter::WARN);
        assert_eq!(level(Some("FATAL")), LevelFilter::ERROR);
        assert_eq!(level(None), LevelFilter::INFO);
        // Per-module directives are not understood: the default level.
        assert_eq!(level(Some("site_api=debug")), LevelFilter::INFO);
    }
}
