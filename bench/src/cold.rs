//! The cold-start proxy: a fresh process per run, timed from `exec`.
//!
//! - **init**: exec → the first `GET /next` arrives. Everything the binary
//!   does before it can take work: loading, `main`, clients, router. Lambda
//!   bills this and the user waits for it.
//! - **first invoke**: exec → the first response is posted: init plus the
//!   first event's handling, with its AWS calls (to MiniStack) on cold
//!   connections. What the first user of a new sandbox waits.
//! - **warm invoke**: the second event, from its delivery to its response,
//!   on the same process: what every later request of the sandbox costs.
//! - **peak RSS**: `VmHWM` of the process once it is idle again, just
//!   before it is killed.
//!
//! These are wall times on this machine, not on a 128 MB Lambda slice (see
//! [`crate::cost`]); compare them with the floor's from the same run.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rightnow_infra::template::Function;
use serde_json::Value;

use crate::launch::{Event, Target};
use crate::runtime_api::{Invocation, RuntimeApi, Seen};

/// How long one cold run may take before it is called hung.
const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// The figures of one cold run.
#[derive(Debug, Clone, Copy)]
pub struct ColdSample {
    /// exec → first `GET /runtime/invocation/next`.
    pub init_ms: f64,
    /// exec → first response.
    pub first_invoke_ms: f64,
    /// The second event alone, from its delivery to its response.
    pub warm_invoke_ms: f64,
    /// Peak RSS of the process (`VmHWM`).
    pub peak_rss_kib: u64,
}

/// Starts `target`'s bootstrap, sends it `event` twice (cold, then warm)
/// and kills it once it asks for a third. `seq` makes request ids unique.
pub async fn run(target: &Target, event: &Event, seq: usize) -> Result<ColdSample> {
    let cold_id = format!("bench-{seq}-cold");
    let warm_id = format!("bench-{seq}-warm");
    let mut api = RuntimeApi::start(
        target.name(),
        target.timeout(),
        vec![
            Invocation {
                request_id: cold_id.clone(),
                payload: event.payload.clone(),
            },
            Invocation {
                request_id: warm_id.clone(),
                payload: event.payload.clone(),
            },
        ],
    )
    .await?;
    let mut cmd = target.command(&target.bootstrap, &api.address())?;

    let exec = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {}", target.bootstrap.display()))?;
    let pid = child.id().context("the process has no pid")?;

    let mut init = None;
    let mut first = None;
    let mut warm_delivered = None;
    let mut warm = None;
    let deadline = exec + RUN_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let o = tokio::select! {
            o = api.observe(left) => o.map_err(|e| with_log(e, &target.log))?,
            status = child.wait() => {
                let status = status?;
                return Err(with_log(
                    anyhow::anyhow!("{} exited during the run ({status})", target.name()),
                    &target.log,
                ));
            }
        };
        match o.seen {
            Seen::Next { delivered } => match delivered {
                _ if init.is_none() => init = Some(o.at - exec),
                Some(id) if id == warm_id => warm_delivered = Some(o.at),
                Some(_) => {}
                // Idle again after both events: the run is over.
                None => break,
            },
            Seen::Response { request_id, body } => {
                check_response(target, event, &body)?;
                if request_id == cold_id {
                    first = Some(o.at - exec);
                } else if let Some(delivered) = warm_delivered {
                    warm = Some(o.at - delivered);
                }
            }
            Seen::Error { body, .. } | Seen::InitError { body } => {
                bail!(
                    "{} reported an error: {}",
                    target.name(),
                    String::from_utf8_lossy(&body)
                )
            }
        }
    }
    // Read before the kill: the process must still exist.
    let peak_rss_kib = vm_hwm_kib(pid)?;
    child.start_kill()?;
    child.wait().await?;

    let ms = |d: Option<Duration>, what: &str| -> Result<f64> {
        d.map(|d| d.as_secs_f64() * 1e3)
            .with_context(|| format!("{}: no {what} observed", target.name()))
    };
    Ok(ColdSample {
        init_ms: ms(init, "init")?,
        first_invoke_ms: ms(first, "first response")?,
        warm_invoke_ms: ms(warm, "warm response")?,
        peak_rss_kib,
    })
}

/// A run counts only if the function did its work: an HTTP function must
/// not answer 5xx (a missing table would), the floor must echo its input.
/// Otherwise the benchmark would time a failure.
pub fn check_response(target: &Target, event: &Event, body: &[u8]) -> Result<()> {
    let json: Value = serde_json::from_slice(body).with_context(|| {
        format!(
            "{} answered non-JSON: {}",
            target.name(),
            String::from_utf8_lossy(body)
        )
    })?;
    if target.spec.as_ref().is_some_and(Function::is_http) {
        let status = json.get("statusCode").and_then(Value::as_u64).unwrap_or(0);
        if !(200..500).contains(&status) {
            bail!(
                "{} answered {status} to {}: {json}",
                target.name(),
                event.name
            );
        }
    } else if target.spec.is_none() {
        let sent: Value = serde_json::from_slice(&event.payload)?;
        if json != sent {
            bail!("{} echoed {json}, not {sent}", target.name());
        }
    }
    Ok(())
}

/// `VmHWM` (peak resident set) from `/proc/<pid>/status`, in KiB.
pub fn vm_hwm_kib(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no VmHWM in {path}"))
}

/// Adds the end of the function's log to an error: the why is usually
/// there.
pub fn with_log(e: anyhow::Error, log: &Path) -> anyhow::Error {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(15)..].join("\n");
    anyhow::anyhow!("{e:#}\nlast lines of {}:\n{tail}", log.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_peak_rss() {
        assert!(vm_hwm_kib(std::process::id()).unwrap() > 0);
    }
}
