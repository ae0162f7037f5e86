//! The results: one JSON document per day in bench/results/, and the same
//! figures as a table on stdout.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use rightnow_infra::template::Architecture;

use crate::callgrind::Instructions;
use crate::cost::Cost;
use crate::discover::Kind;
use crate::handlers::HandlerLatency;
use crate::latency::FunctionLatency;
use crate::launch::Variant;
use crate::size::Size;
use crate::stats::Summary;

/// Everything one `rightnow-bench run` measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// UTC date of the run: the file's name.
    pub date: String,
    /// `git rev-parse HEAD`.
    pub commit: Option<String>,
    /// Whether the tree had changes on top of it.
    pub dirty: bool,
    /// What the figures were measured on.
    pub machine: Machine,
    /// Timed cold runs per binary and event (after one untimed warm-up).
    pub runs: usize,
    /// Every binary and variant measured, in table order.
    pub binaries: Vec<BinaryReport>,
    /// The handler benches' medians (empty with `--no-handlers`).
    pub handlers: Vec<HandlerLatency>,
    /// Warm latency under load, per HTTP function (empty with
    /// `--no-latency`).
    pub latency: Vec<FunctionLatency>,
    /// What each function's connection warm-up costs and saves.
    pub warm_up: Vec<WarmUpEffect>,
    /// What the cost figures assume.
    pub assumptions: Vec<String>,
    /// What was skipped, and why.
    pub notes: Vec<String>,
}

/// The machine a report was measured on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// `model name` from /proc/cpuinfo.
    pub cpu: String,
    /// Available parallelism.
    pub cores: usize,
    /// `/proc/sys/kernel/osrelease`.
    pub kernel: String,
}

/// The figures of one binary, or one variant of it.
#[derive(Debug, Clone, Serialize)]
pub struct BinaryReport {
    /// The binary's name, with its variant: `site-api (no warm-up)`.
    pub name: String,
    /// What sets it apart from the binary as deployed, if anything.
    pub variant: Option<Variant>,
    /// The package that holds it.
    pub package: String,
    /// A function of the app, or the floor.
    pub kind: Kind,
    /// The template's logical id (`None` for the floor).
    pub function: Option<String>,
    /// The x86_64 bootstrap measured, stripped and zipped.
    pub size: Size,
    /// The arm64 build's size, when `make build-arm64` has made one.
    pub arm64_size: Option<Size>,
    /// Init over every run of the binary, all events together (init does
    /// not depend on the event).
    pub init_ms: Summary,
    /// Median init over the floor's median init, from the same run.
    pub init_vs_floor: Option<f64>,
    /// Per event, the headline first.
    pub events: Vec<EventReport>,
    /// Callgrind counts of the headline event, when valgrind ran.
    pub instructions: Option<Instructions>,
    /// From the headline (first) event's durations.
    pub cost: Option<Cost>,
    /// The template's architecture (`None` for the floor).
    pub architecture: Option<Architecture>,
    /// Whether API Gateway fronts it (its requests are priced too).
    pub http: bool,
}

/// The cold-run figures of one binary with one event.
#[derive(Debug, Clone, Serialize)]
pub struct EventReport {
    /// The sample event's name.
    pub event: String,
    /// exec → first `/next`.
    pub init_ms: Summary,
    /// exec → first response.
    pub first_invoke_ms: Summary,
    /// The first event alone: first invoke minus init, run by run.
    pub first_event_ms: Summary,
    /// The second event alone, from its delivery to its response.
    pub warm_invoke_ms: Summary,
    /// Peak RSS of the process (`VmHWM`), run by run.
    pub peak_rss_kib: Summary,
}

/// A function measured with and without its connection warm-up, in the
/// same run: medians of the headline event.
#[derive(Debug, Clone, Serialize)]
pub struct WarmUpEffect {
    /// The binary's name.
    pub binary: String,
    /// The headline event.
    pub event: String,
    /// Median init without the warm-up.
    pub init_ms_without: f64,
    /// Median init with the warm-up.
    pub init_ms_with: f64,
    /// Median first event alone without the warm-up.
    pub first_event_ms_without: f64,
    /// Median first event alone with the warm-up.
    pub first_event_ms_with: f64,
    /// Median exec → first response, what the first user of a sandbox
    /// waits, without the warm-up.
    pub first_response_ms_without: f64,
    /// The same with the warm-up.
    pub first_response_ms_with: f64,
}

/// Pairs each binary measured as deployed with its [`Variant::NoWarmUp`].
pub fn warm_up_effects(binaries: &[BinaryReport]) -> Vec<WarmUpEffect> {
    let mut out = Vec::new();
    for with in binaries.iter().filter(|b| b.variant.is_none()) {
        let Some(without) = binaries
            .iter()
            .find(|b| b.package == with.package && b.variant == Some(Variant::NoWarmUp))
        else {
            continue;
        };
        let (Some(w), Some(wo)) = (with.events.first(), without.events.first()) else {
            continue;
        };
        out.push(WarmUpEffect {
            binary: with.name.clone(),
            event: w.event.clone(),
            init_ms_without: wo.init_ms.median,
            init_ms_with: w.init_ms.median,
            first_event_ms_without: wo.first_event_ms.median,
            first_event_ms_with: w.first_event_ms.median,
            first_response_ms_without: wo.first_invoke_ms.median,
            first_response_ms_with: w.first_invoke_ms.median,
        });
    }
    out
}

impl BinaryReport {
    /// Highest peak RSS over every run.
    pub fn peak_rss_kib(&self) -> f64 {
        self.events
            .iter()
            .map(|e| e.peak_rss_kib.max)
            .fold(0.0, f64::max)
    }
}

impl Report {
    /// Writes `<dir>/<date>.json` (through a temporary file, so a failed
    /// run never leaves half a file).
    pub fn write_json(&self, dir: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{}.json", self.date));
        let tmp = dir.join(format!("{}.json.tmp", self.date));
        let json = serde_json::to_string_pretty(self)?;
        std::fs::write(&tmp, json + "\n").with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path)?;
        Ok(path)
    }

    /// The figures as plain-text tables.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "rightnow-bench {} · commit {}{} · {} · {} cores · {} timed runs per row",
            self.date,
            self.commit
                .as_deref()
                .map_or("?", |c| &c[..c.len().min(10)]),
            if self.dirty { " (dirty)" } else { "" },
            self.machine.cpu,
            self.machine.cores,
            self.runs
        );

        let _ = writeln!(
            t,
            "\ncold start, per binary (ms: median / p90; ratio of medians to the floor's)"
        );
        let _ = writeln!(
            t,
            "{:<22} {:>15} {:>8} {:>13} {:>14} {:>10} {:>10} {:>10} {:>9} {:>12}",
            "binary",
            "init",
            "vs floor",
            "Ir init",
            "Ir init+1st",
            "bootstrap",
            "stripped",
            "zip",
            "peak RSS",
            "arm64 (zip)"
        );
        for b in &self.binaries {
            let (ir_init, ir_full) = b
                .instructions
                .as_ref()
                .map_or(("-".to_owned(), "-".to_owned()), |i| {
                    (millions(i.init), millions(i.init_and_first_invoke))
                });
            let _ = writeln!(
                t,
                "{:<22} {:>15} {:>8} {:>13} {:>14} {:>10} {:>10} {:>10} {:>9} {:>12}",
                b.name,
                med_p90(&b.init_ms),
                b.init_vs_floor.map_or("-".into(), |r| format!("{r:.2}x")),
                ir_init,
                ir_full,
                kib(b.size.bootstrap_bytes),
                kib(b.size.stripped_bytes),
                kib(b.size.zip_bytes),
                format!("{:.1} MiB", b.peak_rss_kib() / 1024.0),
                b.arm64_size.map_or("-".into(), |a| format!(
                    "{} ({})",
                    kib(a.stripped_bytes),
                    kib(a.zip_bytes)
                )),
            );
        }

        let _ = writeln!(
            t,
            "\nper event (ms: median / p90; first invoke = exec -> first response, warm = 2nd event alone)"
        );
        let _ = writeln!(
            t,
            "{:<22} {:<16} {:>15} {:>15} {:>15} {:>9}",
            "binary", "event", "init", "first invoke", "warm invoke", "peak RSS"
        );
        for b in &self.binaries {
            for e in &b.events {
                let _ = writeln!(
                    t,
                    "{:<22} {:<16} {:>15} {:>15} {:>15} {:>9}",
                    b.name,
                    e.event,
                    med_p90(&e.init_ms),
                    med_p90(&e.first_invoke_ms),
                    med_p90(&e.warm_invoke_ms),
                    format!("{:.1} MiB", e.peak_rss_kib.median / 1024.0),
                );
            }
        }

        let _ = writeln!(
            t,
            "\ncost per 1M invocations (headline event; durations above)"
        );
        let _ = writeln!(
            t,
            "{:<22} {:<16} {:>7} {:>8} {:>5} {:>10} {:>10}",
            "function", "event", "memory", "arch", "http", "all cold", "all warm"
        );
        for b in &self.binaries {
            let (Some(c), Some(e)) = (&b.cost, b.events.first()) else {
                continue;
            };
            let _ = writeln!(
                t,
                "{:<22} {:<16} {:>4} MB {:>8} {:>5} {:>10} {:>10}",
                b.name,
                e.event,
                c.memory_mb,
                b.architecture.map_or("-", Architecture::as_str),
                if b.http { "yes" } else { "no" },
                format!("${:.4}", c.per_million_cold),
                format!("${:.4}", c.per_million_warm),
            );
        }

        if !self.warm_up.is_empty() {
            let _ = writeln!(
                t,
                "\nconnection warm-up at init (headline event, medians, ms)"
            );
            let _ = writeln!(
                t,
                "{:<14} {:<16} {:>17} {:>17} {:>17}",
                "binary", "event", "init", "first event", "first response"
            );
            for w in &self.warm_up {
                let pair = |off: f64, on: f64| format!("{off:.2} → {on:.2}");
                let _ = writeln!(
                    t,
                    "{:<14} {:<16} {:>17} {:>17} {:>17}",
                    w.binary,
                    w.event,
                    pair(w.init_ms_without, w.init_ms_with),
                    pair(w.first_event_ms_without, w.first_event_ms_with),
                    pair(w.first_response_ms_without, w.first_response_ms_with),
                );
            }
            let _ = writeln!(t, "(without → with the warm-up)");
        }
        for f in &self.latency {
            self.latency_table(&mut t, f);
        }
        if !self.handlers.is_empty() {
            let _ = writeln!(
                t,
                "\nhandler only (criterion --quick, router on in-memory fakes)"
            );
            for h in &self.handlers {
                let _ = writeln!(
                    t,
                    "{:<14} {:<34} {:>10.2} µs",
                    h.package,
                    h.name,
                    h.median_ns / 1e3
                );
            }
        }

        let _ = writeln!(t, "\nassumptions");
        for a in &self.assumptions {
            let _ = writeln!(t, "- {a}");
        }
        for n in &self.notes {
            let _ = writeln!(t, "note: {n}");
        }
        t
    }
}

impl Report {
    /// Warm latency of one function: gateway, direct and handler-only side
    /// by side, per route.
    fn latency_table(&self, t: &mut String, f: &FunctionLatency) {
        let _ = writeln!(
            t,
            "\nwarm latency of {} under load ({} connections, {} s per route; ms: p50 / p99)",
            f.binary, f.concurrency, f.duration_s
        );
        let _ = writeln!(
            t,
            "{:<34} {:>6} {:>17} {:>7} {:>15} {:>7} {:>9}",
            "route", "status", "gateway", "req/s", "direct", "req/s", "handler"
        );
        for r in &f.routes {
            let handler = self
                .handlers
                .iter()
                .find(|h| h.package == f.binary && h.name == r.route)
                .map_or("-".into(), |h| format!("{:.1} µs", h.median_ns / 1e3));
            let _ = writeln!(
                t,
                "{:<34} {:>6} {:>17} {:>7.0} {:>15} {:>7.0} {:>9}",
                r.route,
                r.status,
                format!("{:.2} / {:.2}", r.gateway.p50_ms, r.gateway.p99_ms),
                r.gateway.per_second,
                format!("{:.2} / {:.2}", r.direct.p50_ms, r.direct.p99_ms),
                r.direct.per_second,
                handler
            );
        }
        let mib =
            |k: Option<u64>| k.map_or("-".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
        let _ = writeln!(
            t,
            "peak RSS under load: {} through the gateway, {} direct",
            mib(f.peak_rss_kib_gateway),
            mib(f.peak_rss_kib_direct)
        );
        for u in &f.unmeasured {
            let _ = writeln!(t, "not measured (no sample event): {u}");
        }
    }
}

fn med_p90(s: &Summary) -> String {
    format!("{:.2} / {:.2}", s.median, s.p90)
}

fn millions(n: u64) -> String {
    format!("{:.2} M", n as f64 / 1e6)
}

fn kib(bytes: u64) -> String {
    format!("{} KiB", bytes.div_ceil(1024))
}

/// The machine, for reading figures across runs.
pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_else(|| "unknown cpu".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    Machine {
        cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        kernel,
    }
}

/// `git rev-parse HEAD` and whether `git status --porcelain` lists changes
/// (read-only: the benchmark never changes the repository's history).
pub fn commit(root: &Path) -> (Option<String>, bool) {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let head = git(&["rev-parse", "HEAD"]);
    let dirty = git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
    (head, dirty)
}
