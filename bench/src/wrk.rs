//! Load at a fixed concurrency, from wrk (Debian's `wrk`): one request,
//! repeated by `concurrency` connections for a fixed time, and the latency
//! percentiles wrk's own histogram records.
//!
//! wrk prints its figures for people; a Lua `done` hook prints them once
//! more as one JSON line, so nothing is scraped from the human table.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// The program, `WRK` if set.
fn program() -> String {
    std::env::var("WRK").unwrap_or_else(|_| "wrk".into())
}

/// True when wrk can be run.
pub fn available() -> bool {
    std::process::Command::new(program())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// One HTTP request, repeated under load.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The whole URL.
    pub url: String,
    /// Headers to send, in order.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
}

/// What one load run measured.
#[derive(Debug, Clone, Serialize)]
pub struct LoadStats {
    /// Connections kept open at once.
    pub concurrency: usize,
    /// Requests completed.
    pub requests: u64,
    /// Requests completed per second.
    pub per_second: f64,
    /// Answers outside 2xx/3xx, plus socket errors and timeouts.
    pub errors: u64,
    /// Median latency.
    pub p50_ms: f64,
    /// 90th percentile latency.
    pub p90_ms: f64,
    /// 99th percentile latency.
    pub p99_ms: f64,
    /// The slowest request.
    pub max_ms: f64,
    /// The mean latency.
    pub mean_ms: f64,
}

/// The line the Lua hook prints.
#[derive(Deserialize)]
struct Done {
    requests: u64,
    duration_us: u64,
    connect: u64,
    read: u64,
    write: u64,
    status: u64,
    timeout: u64,
    p50_us: f64,
    p90_us: f64,
    p99_us: f64,
    max_us: f64,
    mean_us: f64,
}

const MARKER: &str = "RIGHTNOW_WRK ";

/// Runs `req` from `concurrency` connections for `duration`.
pub async fn run(
    req: &Request,
    concurrency: usize,
    duration: Duration,
    scratch: &Path,
) -> Result<LoadStats> {
    std::fs::create_dir_all(scratch)?;
    let script = scratch.join("wrk.lua");
    let body = scratch.join("wrk-body");
    std::fs::write(&body, req.body.as_deref().unwrap_or_default())?;
    std::fs::write(&script, lua(req, &body)?)?;

    let out = tokio::process::Command::new(program())
        .args(["-t1", &format!("-c{}", concurrency.max(1))])
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("-s")
        .arg(&script)
        .arg(&req.url)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .context("running wrk (apt-get install -y wrk)")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "wrk {} {} failed ({}): {}{}",
            req.method,
            req.url,
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    parse(&stdout, concurrency).with_context(|| {
        format!(
            "reading wrk's figures for {} {} (stderr: {})",
            req.method,
            req.url,
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn parse(stdout: &str, concurrency: usize) -> Result<LoadStats> {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(MARKER))
        .with_context(|| format!("no figures in wrk's output:\n{stdout}"))?;
    let d: Done = serde_json::from_str(line)?;
    if d.requests == 0 {
        bail!("wrk completed no request:\n{stdout}");
    }
    let ms = |us: f64| us / 1000.0;
    Ok(LoadStats {
        concurrency,
        requests: d.requests,
        per_second: d.requests as f64 / (d.duration_us.max(1) as f64 / 1e6),
        errors: d.connect + d.read + d.write + d.status + d.timeout,
        p50_ms: ms(d.p50_us),
        p90_ms: ms(d.p90_us),
        p99_ms: ms(d.p99_us),
        max_ms: ms(d.max_us),
        mean_ms: ms(d.mean_us),
    })
}

/// A Lua long string, with a level of `=` that `s` does not contain.
fn long_string(s: &str) -> String {
    let mut level = String::new();
    while s.contains(&format!("]{level}]")) {
        level.push('=');
    }
    format!("[{level}[{s}]{level}]")
}

fn lua(req: &Request, body: &Path) -> Result<String> {
    let mut s = format!("wrk.method = {}\n", long_string(&req.method));
    for (k, v) in &req.headers {
        // Spaces: `[[[` would open a long string.
        s += &format!("wrk.headers[ {} ] = {}\n", long_string(k), long_string(v));
    }
    if req.body.is_some() {
        let path = body.to_str().context("utf-8 scratch path")?;
        s += &format!(
            "local f = assert(io.open({}, \"rb\"))\nwrk.body = f:read(\"*a\")\nf:close()\n",
            long_string(path)
        );
    }
    s += &format!(
        r#"done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{MARKER}{{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"#
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_hook_line_among_wrks_own_output() {
        let out = "Running 1s test @ http://x\n  Latency 1ms\nRIGHTNOW_WRK {\"requests\":200,\"duration_us\":2000000,\"connect\":0,\"read\":1,\"write\":0,\"status\":3,\"timeout\":0,\"p50_us\":1500,\"p90_us\":2000,\"p99_us\":4000,\"max_us\":9000,\"mean_us\":1600.5}\n";
        let s = parse(out, 2).unwrap();
        assert_eq!(s.requests, 200);
        assert_eq!(s.errors, 4);
        assert_eq!(s.per_second, 100.0);
        assert_eq!((s.p50_ms, s.p99_ms), (1.5, 4.0));
    }

    #[test]
    fn a_run_without_requests_is_an_error() {
        let out = "RIGHTNOW_WRK {\"requests\":0,\"duration_us\":1,\"connect\":2,\"read\":0,\"write\":0,\"status\":0,\"timeout\":0,\"p50_us\":0,\"p90_us\":0,\"p99_us\":0,\"max_us\":0,\"mean_us\":0}\n";
        assert!(parse(out, 1).is_err());
        assert!(parse("no hook line", 1).is_err());
    }

    #[test]
    fn long_strings_survive_their_own_closing_brackets() {
        assert_eq!(long_string("a"), "[[a]]");
        assert_eq!(long_string("x]]y"), "[=[x]]y]=]");
    }
}
