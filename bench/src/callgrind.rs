//! Instruction counts of init and of init + first invoke, with callgrind.
//!
//! Wall time moves with the machine's load; the number of instructions a
//! run executes does not: the floor's repeats to the instruction, and a
//! function's to within a few hundred (random hash seeds, the clock, the
//! signing of its AWS calls). It is the figure to compare between commits.
//!
//! The method, exact by construction: the function runs under callgrind
//! (collecting from the first instruction, `--collect-atstart=yes`, no
//! per-instruction detail, `--dump-instr=no`) against our runtime API,
//! which holds its `/next` poll unanswered once the events to deliver are
//! used up. A held poll leaves the process blocked in `epoll_wait`,
//! executing nothing. We wait until its CPU time stops moving, then send
//! SIGTERM: the bootstrap installs no handler, so the kernel's default
//! action ends it without running one more client instruction, and
//! valgrind writes the totals on the way out. The count is therefore
//! everything from the first instruction of the loader to the point where
//! the process waits for work:
//!
//! - **init**: no event at all, the first `/next` is held: exec → ready.
//! - **init + first invoke**: one event, the second `/next` is held: exec →
//!   first response posted → ready again.
//!
//! (`callgrind_control --dump` at the moment `/next` arrives would not do:
//! callgrind handles it only when the program runs again, so the cut would
//! land at a different place each time.)

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::cold::{check_response, with_log};
use crate::launch::{Event, Target};
use crate::runtime_api::{Invocation, RuntimeApi, Seen};

const VALGRIND: &str = "/usr/bin/valgrind";
/// Valgrind runs code ~50 times slower; the SDK's init is not small.
const PHASE_TIMEOUT: Duration = Duration::from_secs(300);

/// Instruction counts of one binary (valgrind's `Ir`).
#[derive(Debug, Clone, Serialize)]
pub struct Instructions {
    /// The event of the first invoke.
    pub event: String,
    /// Instructions of init: exec to the first `/next`.
    pub init: u64,
    /// Instructions of init and the first invoke: exec to the first response.
    pub init_and_first_invoke: u64,
}

/// True if valgrind is installed (`apt-get install -y valgrind`).
pub fn available() -> bool {
    Path::new(VALGRIND).exists()
}

/// Counts both phases of `target` with `event`; outputs go to `scratch`.
pub async fn count(target: &Target, event: &Event, scratch: &Path) -> Result<Instructions> {
    let dir = scratch.join("callgrind");
    std::fs::create_dir_all(&dir)?;
    let init = phase(target, None, &dir).await?;
    let full = phase(target, Some(event), &dir).await?;
    Ok(Instructions {
        event: event.name.clone(),
        init,
        init_and_first_invoke: full,
    })
}

#[expect(unsafe_code, reason = "kill(2) on valgrind once the phase is over")]
async fn phase(target: &Target, event: Option<&Event>, dir: &Path) -> Result<u64> {
    let label = if event.is_some() {
        "first-invoke"
    } else {
        "init"
    };
    let file = target.label().replace([' ', '(', ')'], "-");
    let out = dir.join(format!("{file}-{label}.out"));
    let vg_log = dir.join(format!("{file}-{label}.log"));
    let _ = std::fs::remove_file(&out);
    let invocations = event
        .map(|e| Invocation {
            request_id: "bench-callgrind".into(),
            payload: e.payload.clone(),
        })
        .into_iter()
        .collect();
    let mut api = RuntimeApi::start(target.name(), target.timeout(), invocations).await?;
    let mut cmd = target.command(Path::new(VALGRIND), &api.address())?;
    cmd.arg("--tool=callgrind")
        .arg("--dump-instr=no")
        .arg("--collect-atstart=yes")
        .arg(arg("--callgrind-out-file=", &out))
        .arg(arg("--log-file=", &vg_log))
        .arg(&target.bootstrap);
    let mut child = cmd.spawn().context("starting valgrind")?;
    let pid = child.id().context("valgrind has no pid")?;

    let deadline = Instant::now() + PHASE_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let o = tokio::select! {
            o = api.observe(left) => o.map_err(|e| with_log(e, &target.log))?,
            status = child.wait() => bail!(
                "{} under valgrind exited early ({}); see {}",
                target.name(), status?, vg_log.display()
            ),
        };
        match o.seen {
            Seen::Next { delivered: None } => break,
            Seen::Next { .. } => {}
            Seen::Response { body, .. } => {
                if let Some(e) = event {
                    check_response(target, e, &body)?;
                }
            }
            Seen::Error { body, .. } | Seen::InitError { body } => bail!(
                "{} reported an error under valgrind: {}",
                target.name(),
                String::from_utf8_lossy(&body)
            ),
        }
    }
    wait_idle(pid).await?;
    // SAFETY: signalling our own child, which has not been reaped yet.
    if unsafe { libc::kill(pid as i32, libc::SIGTERM) } != 0 {
        bail!(
            "cannot signal valgrind: {}",
            std::io::Error::last_os_error()
        );
    }
    tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .context("valgrind did not exit after SIGTERM")??;
    drop(api);
    total(&out)
}

fn arg(flag: &str, path: &Path) -> String {
    format!("{flag}{}", path.display())
}

/// Waits until the process has used no CPU for half a second (its CPU time
/// is read in 10 ms ticks, so this is many ticks of nothing).
async fn wait_idle(pid: u32) -> Result<()> {
    let start = Instant::now();
    let mut last = cpu_ticks(pid)?;
    let mut still = 0;
    while still < 5 {
        if start.elapsed() > Duration::from_secs(60) {
            bail!("process {pid} never went idle");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = cpu_ticks(pid)?;
        still = if now == last { still + 1 } else { 0 };
        last = now;
    }
    Ok(())
}

/// utime + stime of every thread of `pid`, from `/proc/<pid>/stat`.
fn cpu_ticks(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // Fields after the command name, which may hold spaces: state is the
    // first, utime the 12th, stime the 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("unexpected {path}: {stat}"))
    };
    Ok(field(11)? + field(12)?)
}

/// The `totals:` (or `summary:`) line of a callgrind output file.
fn total(out: &PathBuf) -> Result<u64> {
    let text = std::fs::read_to_string(out)
        .with_context(|| format!("callgrind wrote no {}", out.display()))?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("no totals in {}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_callgrind_totals_and_cpu_time() {
        let dir = std::env::temp_dir().join(format!("bench-cg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("callgrind.out");
        std::fs::write(&out, "events: Ir\nfl=x\n1 2\ntotals: 123456\n").unwrap();
        assert_eq!(total(&out).unwrap(), 123456);
        std::fs::write(&out, "events: Ir\n").unwrap();
        assert!(total(&out).is_err());
        let _ = std::fs::remove_dir_all(&dir);
        cpu_ticks(std::process::id()).unwrap();
    }
}
