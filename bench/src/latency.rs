//! Warm latency: every HTTP route under load at a fixed concurrency, two
//! ways, so that our own cost shows apart from the emulator's:
//!
//! - **gateway**: through the local API Gateway URL of the stack that
//!   `sam deploy` put on MiniStack, exactly as a user calls it
//!   (MiniStack's gateway and Lambda service, then the release binary);
//! - **direct**: the same event posted to cargo lambda's Invoke API
//!   (`cargo lambda watch --only-lambda-apis`), served by the same release
//!   binary, one process per connection as Lambda runs one sandbox per
//!   concurrent request, against the same stack's table and buckets.
//!
//! The third figure, the handler alone on fakes, is criterion's
//! ([`crate::handlers`]). Peak RSS is read from the function processes
//! right after their load (`VmHWM`): what a sandbox needs under load.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rightnow_infra::gaps::Clients;
use rightnow_infra::ministack::MiniStack;
use rightnow_infra::process::ChildGroup;
use rightnow_infra::stack::{self, Stack};
use rightnow_infra::template::Function;
use rightnow_infra::template::Route;
use rightnow_infra::tools::{free_port, path_with_venv, venv_bin};
use serde::Serialize;

use crate::cold::vm_hwm_kib;
use crate::discover::{Binary, Workspace};
use crate::launch::{Target, Variant};
use crate::requests::{self, Primed};
use crate::wrk::{self, LoadStats};

/// How hard and how long.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Connections kept busy at once (and direct function processes).
    pub concurrency: usize,
    /// Measured load per route and path.
    pub duration: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            concurrency: 2,
            duration: Duration::from_secs(10),
        }
    }
}

/// One route's figures.
#[derive(Debug, Clone, Serialize)]
pub struct RouteLatency {
    /// `GET /api/health`.
    pub route: String,
    /// The sample event the request came from.
    pub event: String,
    /// What the primed request answered through the gateway.
    pub status: u16,
    /// Through the local API Gateway URL.
    pub gateway: LoadStats,
    /// Directly, through cargo lambda's Invoke API.
    pub direct: LoadStats,
}

/// One function's figures.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionLatency {
    /// The function's binary.
    pub binary: String,
    /// Connections kept busy at once.
    pub concurrency: usize,
    /// Seconds of measured load per route and path.
    pub duration_s: u64,
    /// Every route that had a sample event, in template order.
    pub routes: Vec<RouteLatency>,
    /// Highest `VmHWM` of the function's processes under the load
    /// through the gateway.
    pub peak_rss_kib_gateway: Option<u64>,
    /// The same under the direct load.
    pub peak_rss_kib_direct: Option<u64>,
    /// Routes of the template with no sample event to send.
    pub unmeasured: Vec<String>,
}

/// The template's functions that API Gateway fronts, with their routes.
pub struct Fronted<'a> {
    /// The function's binary.
    pub binary: &'a Binary,
    /// The template's view of it.
    pub spec: &'a Function,
    /// Its HTTP routes in the template.
    pub routes: Vec<Route>,
}

/// Deploys the stack on a MiniStack of its own, with `code` (each
/// function's logical id → the directory of the bootstrap the rest of the
/// benchmark measures, not a second build of it), then loads every route
/// of every fronted function.
pub async fn run(
    ws: &Workspace,
    code: &HashMap<String, PathBuf>,
    fronted: &[Fronted<'_>],
    opts: Options,
) -> Result<Vec<FunctionLatency>> {
    if fronted.is_empty() {
        return Ok(Vec::new());
    }
    if !wrk::available() {
        bail!("wrk is not installed (make apt-tools)");
    }
    let ms = tokio::task::spawn_blocking(|| MiniStack::start(None))
        .await
        .context("starting MiniStack")??;
    eprintln!(
        "latency: MiniStack on {}; sam deploy of the binaries measured above",
        ms.endpoint()
    );
    // samconfig.toml's `bench` environment: the local one with the limits
    // per client raised, since every request of a load comes from one
    // address and would measure 429s instead of the route.
    let built = ws.scratch().join("stack/template.yaml");
    rightnow_infra::template::write_prebuilt(&ws.root.join("template.yaml"), code, &built)?;
    let stack = stack::deploy(&ms, &built, "rightnow-bench", "bench").await?;
    let api = stack.api_url()?;
    let scratch = ws.scratch().join("latency");

    let mut all = Vec::new();
    for f in fronted {
        let candidates = requests::candidates(&ws.root, &f.binary.name, &f.routes)?;
        let unmeasured: Vec<String> = candidates
            .iter()
            .filter(|(_, c)| c.is_empty())
            .map(|(r, _)| r.key())
            .collect();
        let primed = requests::prime(&api, candidates).await?;

        // Sandboxes for every connection before the clock starts: a cold
        // start inside the load would be its p99.
        if let Some(first) = primed.first() {
            let warm = first.request.http(&api)?;
            wrk::run(&warm, opts.concurrency, Duration::from_secs(1), &scratch).await?;
        }
        let mut gateway = Vec::new();
        let mut rss_gateway = None;
        for p in &primed {
            eprintln!("latency: {} via the gateway", p.route.key());
            let stats = wrk::run(
                &p.request.http(&api)?,
                opts.concurrency,
                opts.duration,
                &scratch,
            )
            .await?;
            rss_gateway = rss_gateway.max(ministack_function_rss(&ms));
            gateway.push(stats);
        }

        let (direct, rss_direct) = direct(ws, &ms, &stack, f, &primed, opts, &scratch).await?;
        let routes = primed
            .iter()
            .zip(gateway)
            .zip(direct)
            .map(|((p, gateway), direct)| RouteLatency {
                route: p.route.key(),
                event: p.request.event_name.clone(),
                status: p.status,
                gateway,
                direct,
            })
            .collect();
        all.push(FunctionLatency {
            binary: f.binary.name.clone(),
            concurrency: opts.concurrency,
            duration_s: opts.duration.as_secs(),
            routes,
            peak_rss_kib_gateway: rss_gateway,
            peak_rss_kib_direct: rss_direct,
            unmeasured,
        });
    }
    Ok(all)
}

/// The direct path for one function: the same primed events through
/// [`DirectPath`], with the deployed function's environment.
async fn direct(
    ws: &Workspace,
    ms: &MiniStack,
    stack: &Stack,
    f: &Fronted<'_>,
    primed: &[Primed],
    opts: Options,
    scratch: &Path,
) -> Result<(Vec<LoadStats>, Option<u64>)> {
    let target = Target {
        binary: f.binary.clone(),
        bootstrap: ws.bootstrap(f.binary),
        spec: Some(f.spec.clone()),
        env: deployed_env(ms, stack, f.spec).await?,
        events: Vec::new(),
        log: scratch.join(format!("{}-direct.log", f.binary.name)),
        variant: Some(Variant::Direct),
    };
    let path = DirectPath::start(ws, &target, opts.concurrency, scratch).await?;
    let mut stats = Vec::new();
    if let Some(first) = primed.first() {
        path.load(
            &first.request.invoke(path.invocations())?,
            Duration::from_secs(1),
        )
        .await?;
    }
    for p in primed {
        eprintln!("latency: {} directly", p.route.key());
        let req = p.request.invoke(path.invocations())?;
        stats.push(path.load(&req, opts.duration).await?);
    }
    Ok((stats, path.peak_rss_kib()))
}

/// A function served directly: `cargo lambda watch --only-lambda-apis`
/// provides the Runtime and Invoke APIs, and `concurrency` processes of the
/// target's release bootstrap take invocations from it, one each at a
/// time, as Lambda runs one sandbox per concurrent request. Dropping it
/// stops them all.
pub struct DirectPath {
    _watch: ChildGroup,
    processes: Vec<tokio::process::Child>,
    invocations: String,
    scratch: PathBuf,
    log: PathBuf,
}

impl DirectPath {
    /// Starts `cargo lambda watch` and `concurrency` processes of
    /// `target`'s bootstrap, logs under `scratch`.
    pub async fn start(
        ws: &Workspace,
        target: &Target,
        concurrency: usize,
        scratch: &Path,
    ) -> Result<Self> {
        let port = free_port();
        let watch_log = scratch.join("cargo-lambda-watch.log");
        let mut watch = std::process::Command::new(venv_bin("cargo-lambda"));
        watch
            .current_dir(&ws.root)
            .args(["lambda", "watch", "--only-lambda-apis", "--ignore-changes"])
            .args([
                "--invoke-address",
                "127.0.0.1",
                "--invoke-port",
                &port.to_string(),
            ])
            .env("PATH", path_with_venv())
            .stdin(Stdio::null())
            .stdout(log_file(&watch_log)?)
            .stderr(log_file(&watch_log)?);
        let watch = ChildGroup::spawn("cargo lambda watch", watch)
            .context("starting cargo lambda watch (make setup installs it)")?;
        wait_for_port(port, Duration::from_secs(30)).await?;

        // cargo lambda names a function started outside it `_`.
        let runtime_api = format!("http://127.0.0.1:{port}/.rt");
        let mut processes = Vec::new();
        for _ in 0..concurrency.max(1) {
            let mut cmd = target.command(&target.bootstrap, &runtime_api)?;
            cmd.env("AWS_LAMBDA_FUNCTION_NAME", "_");
            processes.push(cmd.spawn().context("starting the function")?);
        }
        Ok(Self {
            _watch: watch,
            processes,
            invocations: format!("http://127.0.0.1:{port}/2015-03-31/functions/_/invocations"),
            scratch: scratch.to_owned(),
            log: target.log.clone(),
        })
    }

    /// The Invoke API URL to post events to.
    pub fn invocations(&self) -> &str {
        &self.invocations
    }

    /// `req` from as many connections as there are processes.
    pub async fn load(&self, req: &wrk::Request, duration: Duration) -> Result<LoadStats> {
        // One connection per process: each takes one invocation at a time.
        wrk::run(req, self.processes.len(), duration, &self.scratch)
            .await
            .map_err(|e| crate::cold::with_log(e, &self.log))
    }

    /// The highest `VmHWM` among the processes so far.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        self.processes
            .iter()
            .filter_map(|c| c.id())
            .filter_map(|pid| vm_hwm_kib(pid).ok())
            .max()
    }
}

/// The deployed function's variables (table and bucket names), with the
/// endpoint and credentials of `ms`.
async fn deployed_env(
    ms: &MiniStack,
    stack: &Stack,
    spec: &Function,
) -> Result<Vec<(String, String)>> {
    let aws = Clients::new(ms).await;
    let (_, vars) = aws
        .function_environment(&stack.name, &spec.logical_id)
        .await?;
    let mut env: Vec<(String, String)> = vars.into_iter().collect();
    env.sort();
    env.extend(ms.aws_env().into_iter().map(|(k, v)| (k.to_owned(), v)));
    Ok(env)
}

/// The highest `VmHWM` among the bootstraps MiniStack runs.
fn ministack_function_rss(ms: &MiniStack) -> Option<u64> {
    ms.function_pids()
        .into_iter()
        .filter_map(|pid| vm_hwm_kib(pid).ok())
        .max()
}

fn log_file(path: &Path) -> Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))
}

async fn wait_for_port(port: u16, timeout: Duration) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("nothing listens on 127.0.0.1:{port} after {timeout:?}")
}
