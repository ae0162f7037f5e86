//! Dollars per million invocations, from the measured durations.
//!
//! Lambda bills requests plus GB-seconds of billed duration (rounded up to
//! the millisecond); since August 2025 the init phase is billed too, so a
//! cold invocation pays init + its invoke. HTTP functions also pay API
//! Gateway's HTTP API per request.
//!
//! The durations are this machine's wall times. A 128 MB Lambda gets a
//! small slice of a CPU (CPU scales with memory: a full vCPU at 1,769 MB),
//! so its real durations are longer: read the cold and warm figures as a
//! floor, and their differences between commits as the signal.

use rightnow_infra::template::Architecture;
use serde::Serialize;

/// us-east-1 list prices, arm64 (the template's default architecture):
/// Lambda's price per request.
pub const PRICE_PER_REQUEST: f64 = 0.20 / 1e6;
/// Lambda's price per GB-second on arm64.
pub const PRICE_PER_GB_SECOND_ARM64: f64 = 0.000_013_333_4;
/// x86_64, should the template's architecture be changed.
pub const PRICE_PER_GB_SECOND_X86_64: f64 = 0.000_016_666_7;
/// The HTTP API's price per request.
pub const PRICE_PER_HTTP_API_REQUEST: f64 = 1.00 / 1e6;

/// The assumptions, printed with every report.
pub const ASSUMPTIONS: &[&str] = &[
    "Lambda us-east-1: $0.20 per 1M requests; $0.0000133334 per GB-second on arm64 ($0.0000166667 on x86_64)",
    "billed duration rounded up to 1 ms; init billed (a cold invocation pays init + invoke)",
    "API Gateway HTTP API: $1.00 per 1M requests, for functions with an HttpApi event",
    "memory and architecture from template.yaml (MemorySize, Architectures; Globals or per function)",
    "durations are this machine's wall times (medians); a 128 MB Lambda has a fraction of a vCPU, so real ones are longer",
    "free tier ignored; 'cold' = every invocation a cold start (worst case), 'warm' = none",
];

/// What a function costs, per million invocations.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Cost {
    /// The memory it is billed for.
    pub memory_mb: u64,
    /// Per million invocations, all cold (init + first invoke billed).
    pub per_million_cold: f64,
    /// Per million invocations, all warm.
    pub per_million_warm: f64,
}

/// The cost of a function with `memory_mb` on `architecture`, whose cold
/// invocation (exec → response) takes `cold_ms` and warm one `warm_ms`.
pub fn per_million(
    memory_mb: u64,
    architecture: Architecture,
    http: bool,
    cold_ms: f64,
    warm_ms: f64,
) -> Cost {
    let gb_second = match architecture {
        Architecture::X86_64 => PRICE_PER_GB_SECOND_X86_64,
        Architecture::Arm64 => PRICE_PER_GB_SECOND_ARM64,
    };
    let gb = memory_mb as f64 / 1024.0;
    let one = |ms: f64| {
        let billed_s = ms.ceil().max(1.0) / 1e3;
        let gateway = if http {
            PRICE_PER_HTTP_API_REQUEST
        } else {
            0.0
        };
        (PRICE_PER_REQUEST + gateway + gb * billed_s * gb_second) * 1e6
    };
    Cost {
        memory_mb,
        per_million_cold: one(cold_ms),
        per_million_warm: one(warm_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_128_mb_http_function() {
        // 1M x (0.2 + 1.0) $/M + 1M x 0.125 GB x 0.010 s x $0.0000133334.
        let c = per_million(128, Architecture::Arm64, true, 9.2, 0.3);
        assert!((c.per_million_cold - (1.20 + 0.125 * 0.010 * 13.3334)).abs() < 1e-9);
        assert!((c.per_million_warm - (1.20 + 0.125 * 0.001 * 13.3334)).abs() < 1e-9);
        let plain = per_million(128, Architecture::Arm64, false, 9.2, 0.3);
        assert!((c.per_million_cold - plain.per_million_cold - 1.0).abs() < 1e-9);
    }
}
