//! Handler-only latency: the functions' criterion benches, run with
//! `--quick`, and their medians read back from criterion's own output.
//!
//! Convention (see functions/site-api/benches/handlers.rs): a function's
//! benches use a criterion group named after its package, so its results
//! are under `target/criterion/<package>/`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::discover::{Workspace, cargo};

/// One benchmark's median.
#[derive(Debug, Clone, Serialize)]
pub struct HandlerLatency {
    /// The function's package.
    pub package: String,
    /// The bench's function id, e.g. `GET /api/health`.
    pub name: String,
    /// Criterion's median, in nanoseconds.
    pub median_ns: f64,
}

/// Runs every function's bench targets and reads their medians.
pub fn run(ws: &Workspace) -> Result<Vec<HandlerLatency>> {
    let mut all = Vec::new();
    for (package, bench) in &ws.benches {
        let dir = ws.target_dir.join("criterion").join(package);
        // Only this run's results: a bench renamed since would linger.
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!("running cargo bench -p {package} --bench {bench} -- --quick");
        let status = Command::new(cargo())
            .current_dir(&ws.root)
            .args(["bench", "-p", package, "--bench", bench, "--", "--quick"])
            .status()
            .context("running cargo bench")?;
        if !status.success() {
            bail!("cargo bench -p {package} --bench {bench} failed ({status})");
        }
        all.extend(read(package, &dir)?);
    }
    Ok(all)
}

#[derive(Deserialize)]
struct BenchmarkId {
    function_id: Option<String>,
    title: String,
}

#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

/// `<dir>/*/new/{benchmark,estimates}.json`, sorted by name.
fn read(package: &str, dir: &Path) -> Result<Vec<HandlerLatency>> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("criterion wrote nothing under {}", dir.display()))?;
    for entry in entries {
        let new = entry?.path().join("new");
        let (Ok(id), Ok(est)) = (
            std::fs::read(new.join("benchmark.json")),
            std::fs::read(new.join("estimates.json")),
        ) else {
            continue;
        };
        let id: BenchmarkId = serde_json::from_slice(&id)?;
        let est: Estimates = serde_json::from_slice(&est)?;
        out.push(HandlerLatency {
            package: package.to_owned(),
            name: id.function_id.unwrap_or(id.title),
            median_ns: est.median.point_estimate,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_output() {
        let dir = std::env::temp_dir().join(format!("bench-crit-{}", std::process::id()));
        let new = dir.join("GET _api_health/new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"site-api","function_id":"GET /api/health","value_str":null,"throughput":null,"full_id":"site-api/GET /api/health","directory_name":"site-api/GET _api_health","title":"site-api/GET /api/health"}"#,
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            r#"{"mean":{"point_estimate":2.0},"median":{"point_estimate":1234.5}}"#,
        )
        .unwrap();
        let got = read("site-api", &dir).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].name, "GET /api/health");
        assert_eq!(got[0].median_ns, 1234.5);
    }
}
