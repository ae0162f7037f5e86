//! The whole benchmark, and the smoke check `make test` runs.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rightnow_infra::template::{Function, Template};

use crate::cold::{self, ColdSample};
use crate::discover::{self, Binary, Kind, Workspace};
use crate::latency::{self, DirectPath, Fronted};
use crate::launch::{self, Target, Variant};
use crate::local_aws::{self, LocalAws};
use crate::report::{self, BinaryReport, EventReport, Report};
use crate::stats::Summary;
use crate::tls::TlsTerminator;
use crate::wrk::{self, LoadStats};
use crate::{callgrind, cost, handlers, plot, size};

/// What `rightnow-bench run` does.
#[derive(Debug, Clone)]
pub struct Options {
    /// Timed cold runs per binary and event.
    pub runs: usize,
    /// Build the binaries first (off: measure what target/lambda holds).
    pub build: bool,
    /// Count instructions with callgrind (when valgrind is installed).
    pub callgrind: bool,
    /// Run the functions' criterion handler benches.
    pub handlers: bool,
    /// Warm latency of the HTTP routes under load (deploys the stack).
    pub latency: bool,
    /// How hard and how long the latency stage loads each route.
    pub load: latency::Options,
    /// Functions reach the local AWS over TLS, through [`TlsTerminator`]
    /// (off: plain HTTP, as before the terminator).
    pub tls: bool,
    /// Where the JSON and SVG go (default bench/results).
    pub out: Option<PathBuf>,
    /// Variables set on every function over the template's, e.g.
    /// `WARM_UP_CONNECTIONS=false` to measure init without the warm-up.
    pub env: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            runs: 20,
            build: true,
            callgrind: true,
            handlers: true,
            latency: true,
            load: latency::Options::default(),
            tls: true,
            out: None,
            env: Vec::new(),
        }
    }
}

/// Measures every binary, writes `<out>/<date>.json` and `.svg`, prints the
/// table.
pub async fn run(opts: &Options) -> Result<Report> {
    if opts.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let ws = discover::workspace(&rightnow_infra::tools::workspace_root())?;
    if ws.floor().is_none() {
        bail!(
            "no {} package in the workspace: nothing to compare with",
            discover::FLOOR_PACKAGE
        );
    }
    let mut notes = Vec::new();
    if !opts.env.is_empty() {
        let vars: Vec<String> = opts.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        notes.push(format!(
            "functions ran with {} over the template's environment",
            vars.join(" ")
        ));
    }
    if opts.build {
        let all: Vec<&Binary> = ws.binaries.iter().collect();
        discover::build(&ws, &all)?;
    } else {
        for b in &ws.binaries {
            discover::stage(&ws, b)?;
        }
    }
    let template = Template::read(&ws.root.join("template.yaml"))?;
    let specs: Vec<(Binary, Option<Function>)> = ws
        .binaries
        .iter()
        .map(|b| {
            let spec = template.for_binary(&b.name);
            if b.kind == Kind::Function && spec.is_none() {
                notes.push(format!(
                    "{} is not in template.yaml: measured without its environment, no cost",
                    b.name
                ));
            }
            (b.clone(), spec)
        })
        .collect();

    // The local AWS lives until the end of the function: the processes
    // measured below call it.
    let aws = start_local_aws(&template, &specs).await?;
    let tls = match (&aws, opts.tls) {
        (Some(aws), true) => {
            let t = TlsTerminator::start(aws.address(), &ws.scratch()).await?;
            notes.push(format!(
                "functions reached the local AWS over TLS ({}, CA in AWS_CA_BUNDLE): the first call pays a real handshake",
                t.endpoint()
            ));
            Some(t)
        }
        (Some(_), false) => {
            notes.push("functions reached the local AWS over plain HTTP (--plain-http)".into());
            None
        }
        (None, _) => None,
    };
    notes.push(
        "functions get SSL_CERT_FILE (this machine's CA bundle): on Amazon Linux 2023 the roots come from that one file"
            .into(),
    );
    let targets =
        with_warm_up_variants(targets(&ws, &specs, aws.as_ref(), tls.as_ref(), &opts.env)?);

    eprintln!(
        "cold runs: {} timed (+1 warm-up) per binary and event, interleaved",
        opts.runs
    );
    let samples = cold_runs(&targets, opts.runs).await?;

    let mut instructions = vec![None; targets.len()];
    if opts.callgrind && callgrind::available() {
        for (i, t) in targets.iter().enumerate() {
            eprintln!("callgrind: {} ({})", t.name(), t.events[0].name);
            instructions[i] = Some(callgrind::count(t, &t.events[0], &ws.scratch()).await?);
        }
    } else if opts.callgrind {
        notes.push(
            "valgrind not installed (apt-get install -y valgrind): no instruction counts".into(),
        );
    }
    drop(tls);
    drop(aws);

    let latency = if opts.latency {
        latency_under_load(&ws, &template, &specs, opts.load).await?
    } else {
        Vec::new()
    };

    let handlers = if opts.handlers {
        handlers::run(&ws)?
    } else {
        Vec::new()
    };

    let mut binaries = Vec::new();
    for ((t, per_event), instr) in targets.iter().zip(&samples).zip(instructions) {
        binaries.push(binary_report(&ws, t, per_event, instr)?);
    }
    let floor_init = binaries
        .iter()
        .find(|b| b.kind == Kind::Floor)
        .map(|b| b.init_ms.median)
        .context("the floor was not measured")?;
    for b in &mut binaries {
        b.init_vs_floor = Some(b.init_ms.median / floor_init);
    }

    let warm_up = report::warm_up_effects(&binaries);

    let (commit, dirty) = report::commit(&ws.root);
    let report = Report {
        date: time::OffsetDateTime::now_utc().date().to_string(),
        commit,
        dirty,
        machine: report::machine(),
        runs: opts.runs,
        binaries,
        handlers,
        latency,
        warm_up,
        assumptions: cost::ASSUMPTIONS.iter().map(|s| s.to_string()).collect(),
        notes,
    };
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| ws.root.join("bench/results"));
    let json = report.write_json(&out)?;
    let svg = out.join(format!("{}.svg", report.date));
    std::fs::write(&svg, plot::svg(&report))
        .with_context(|| format!("writing {}", svg.display()))?;
    println!("{}", report.table());
    println!("wrote {} and {}", json.display(), svg.display());
    Ok(report)
}

/// The figures of the smoke check: the floor alone, `runs` cold runs.
#[derive(Debug, Clone)]
pub struct Smoke {
    /// exec → first `/next`.
    pub init_ms: Summary,
    /// exec → first response.
    pub first_invoke_ms: Summary,
    /// The second event alone.
    pub warm_invoke_ms: Summary,
    /// Peak RSS of the process (`VmHWM`).
    pub peak_rss_kib: Summary,
    /// The floor under load through cargo lambda's Invoke API, as the
    /// latency benchmark's direct path drives a function.
    pub direct: LoadStats,
    /// Highest peak RSS of the direct path's processes under that load.
    pub direct_peak_rss_kib: u64,
}

/// The cold-start harness on the floor alone, built with cargo-lambda as
/// in a full run. Fails unless every figure is present and positive: a
/// harness that measures nothing must not pass.
pub async fn smoke(runs: usize) -> Result<Smoke> {
    let ws = discover::workspace(&rightnow_infra::tools::workspace_root())?;
    let floor = ws.floor().context("no floor package")?.clone();
    discover::build(&ws, &[&floor])?;
    let targets = targets(&ws, &[(floor, None)], None, None, &[])?;
    let samples = cold_runs(&targets, runs.max(1)).await?;
    let s = &samples[0][0];
    let series = |f: fn(&ColdSample) -> f64| Summary::of(&s.iter().map(f).collect::<Vec<_>>());

    // The latency benchmark's direct path, on the floor: two processes
    // behind cargo lambda's Invoke API, loaded by wrk for two seconds.
    let t = &targets[0];
    let scratch = ws.scratch().join("smoke");
    let path = DirectPath::start(&ws, t, 2, &scratch).await?;
    let echo = wrk::Request {
        method: "POST".into(),
        url: path.invocations().to_owned(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: Some(t.events[0].payload.to_vec()),
    };
    let direct = path.load(&echo, Duration::from_secs(2)).await?;
    let direct_peak_rss_kib = path.peak_rss_kib().context("no RSS of the direct path")?;
    drop(path);

    let smoke = Smoke {
        init_ms: series(|c| c.init_ms).context("no init figures")?,
        first_invoke_ms: series(|c| c.first_invoke_ms).context("no first-invoke figures")?,
        warm_invoke_ms: series(|c| c.warm_invoke_ms).context("no warm figures")?,
        peak_rss_kib: series(|c| c.peak_rss_kib as f64).context("no RSS figures")?,
        direct,
        direct_peak_rss_kib,
    };
    for (what, v) in [
        ("init", smoke.init_ms.min),
        ("first invoke", smoke.first_invoke_ms.min),
        ("warm invoke", smoke.warm_invoke_ms.min),
        ("peak RSS", smoke.peak_rss_kib.min),
    ] {
        if v <= 0.0 {
            bail!("smoke: {what} is {v}, not a measurement");
        }
    }
    if smoke.first_invoke_ms.min <= smoke.init_ms.min {
        bail!("smoke: the first invoke ended before init did");
    }
    if smoke.direct.errors > 0 || smoke.direct.p50_ms <= 0.0 || smoke.direct_peak_rss_kib == 0 {
        bail!(
            "smoke: the direct path measured nothing useful: {:?}",
            smoke.direct
        );
    }
    println!(
        "smoke: floor init {:.2} ms, first invoke {:.2} ms, warm {:.3} ms, peak RSS {:.0} KiB ({} runs); \
         direct under load p50 {:.2} ms, p99 {:.2} ms, {:.0} req/s, RSS {} KiB",
        smoke.init_ms.median,
        smoke.first_invoke_ms.median,
        smoke.warm_invoke_ms.median,
        smoke.peak_rss_kib.median,
        s.len(),
        smoke.direct.p50_ms,
        smoke.direct.p99_ms,
        smoke.direct.per_second,
        smoke.direct_peak_rss_kib,
    );
    Ok(smoke)
}

/// MiniStack, with the resources the functions name, if any does.
async fn start_local_aws(
    template: &Template,
    specs: &[(Binary, Option<Function>)],
) -> Result<Option<LocalAws>> {
    let functions: Vec<Function> = specs.iter().filter_map(|(_, s)| s.clone()).collect();
    if functions
        .iter()
        .all(|f| f.env.iter().all(|(_, v)| v.resource().is_none()))
    {
        return Ok(None);
    }
    Ok(Some(LocalAws::start(template, &functions).await?))
}

fn targets(
    ws: &Workspace,
    specs: &[(Binary, Option<Function>)],
    aws: Option<&LocalAws>,
    tls: Option<&TlsTerminator>,
    overrides: &[(String, String)],
) -> Result<Vec<Target>> {
    let logs = ws.scratch().join("logs");
    std::fs::create_dir_all(&logs)?;
    specs
        .iter()
        .map(|(bin, spec)| {
            let bootstrap = ws.bootstrap(bin);
            if !bootstrap.is_file() {
                bail!("{} is missing: it was not staged", bootstrap.display());
            }
            let mut env = match (spec, aws) {
                (None, _) => Vec::new(),
                (Some(s), Some(aws)) => aws.resolve(s)?,
                (Some(s), None) => local_aws::literals_only(s)
                    .with_context(|| format!("{} needs a local AWS", bin.name))?,
            };
            match (aws, tls) {
                (Some(_), Some(tls)) => {
                    env.push(("AWS_ENDPOINT_URL".into(), tls.endpoint()));
                    env.push((
                        rightnow_aws::config::CA_BUNDLE_VAR.into(),
                        tls.ca_bundle().display().to_string(),
                    ));
                }
                (Some(aws), None) => env.push(("AWS_ENDPOINT_URL".into(), aws.endpoint())),
                (None, _) => {}
            }
            if spec.is_some() {
                env.retain(|(k, _)| !overrides.iter().any(|(o, _)| o == k));
                env.extend(overrides.iter().cloned());
            }
            let log = logs.join(format!("{}.log", bin.name));
            let _ = std::fs::remove_file(&log);
            Ok(Target {
                binary: bin.clone(),
                bootstrap,
                spec: spec.clone(),
                env,
                events: launch::events(&ws.root, bin)?,
                log,
                variant: None,
            })
        })
        .collect()
}

/// The latency stage: every function the HTTP API fronts, with its routes,
/// deployed with the bootstraps measured above.
async fn latency_under_load(
    ws: &Workspace,
    template: &Template,
    specs: &[(Binary, Option<Function>)],
    load: latency::Options,
) -> Result<Vec<latency::FunctionLatency>> {
    let routes = template.http_routes();
    let fronted: Vec<Fronted> = specs
        .iter()
        .filter_map(|(binary, spec)| {
            let spec = spec.as_ref().filter(|s| s.is_http())?;
            let routes = routes
                .iter()
                .filter(|r| r.function == spec.logical_id)
                .cloned()
                .collect();
            Some(Fronted {
                binary,
                spec,
                routes,
            })
        })
        .collect();
    let code = specs
        .iter()
        .filter_map(|(binary, spec)| {
            let dir = ws.bootstrap(binary).parent()?.to_path_buf();
            Some((spec.as_ref()?.logical_id.clone(), dir))
        })
        .collect();
    latency::run(ws, &code, &fronted, load).await
}

/// Each function that warms its connections at init (the template sets
/// `WARM_UP_CONNECTIONS=true`) is measured twice in the same run: as
/// deployed, and without the warm-up. The second gives init without the
/// deliberate warm-up (the figure to hold against the floor) and, against
/// the first, what the warm-up adds to init and saves on the first event.
fn with_warm_up_variants(targets: Vec<Target>) -> Vec<Target> {
    let var = rightnow_aws::config::WARM_UP_VAR;
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        let warms = t.env.iter().any(|(k, v)| k == var && v == "true");
        let without = warms.then(|| {
            let mut off = t.clone();
            off.env.retain(|(k, _)| k != var);
            off.env.push((var.into(), "false".into()));
            off.variant = Some(Variant::NoWarmUp);
            off
        });
        out.push(t);
        out.extend(without);
    }
    out
}

/// `runs` timed cold runs of every (binary, event), after one untimed
/// warm-up round (it fills the page cache and lets MiniStack load what it
/// loads on a first request). Rounds are interleaved, binary after binary,
/// so that a change in the machine's load touches every binary alike and
/// the ratio to the floor stays fair. Indexed [target][event][run].
async fn cold_runs(targets: &[Target], runs: usize) -> Result<Vec<Vec<Vec<ColdSample>>>> {
    let mut out: Vec<Vec<Vec<ColdSample>>> = targets
        .iter()
        .map(|t| vec![Vec::with_capacity(runs); t.events.len()])
        .collect();
    let mut seq = 0;
    for round in 0..=runs {
        for (ti, t) in targets.iter().enumerate() {
            for (ei, e) in t.events.iter().enumerate() {
                seq += 1;
                let sample = cold::run(t, e, seq)
                    .await
                    .with_context(|| format!("cold run of {} with {}", t.name(), e.name))?;
                if round > 0 {
                    out[ti][ei].push(sample);
                }
            }
        }
        eprint!("{}", if round == 0 { "w" } else { "." });
    }
    eprintln!();
    Ok(out)
}

fn binary_report(
    ws: &Workspace,
    t: &Target,
    per_event: &[Vec<ColdSample>],
    instructions: Option<callgrind::Instructions>,
) -> Result<BinaryReport> {
    let summary = |xs: Vec<f64>, what: &str| {
        Summary::of(&xs).with_context(|| format!("{}: no {what} figures", t.name()))
    };
    let mut events = Vec::new();
    for (e, samples) in t.events.iter().zip(per_event) {
        events.push(EventReport {
            event: e.name.clone(),
            init_ms: summary(samples.iter().map(|s| s.init_ms).collect(), "init")?,
            first_invoke_ms: summary(
                samples.iter().map(|s| s.first_invoke_ms).collect(),
                "first invoke",
            )?,
            first_event_ms: summary(
                samples
                    .iter()
                    .map(|s| s.first_invoke_ms - s.init_ms)
                    .collect(),
                "first event",
            )?,
            warm_invoke_ms: summary(samples.iter().map(|s| s.warm_invoke_ms).collect(), "warm")?,
            peak_rss_kib: summary(
                samples.iter().map(|s| s.peak_rss_kib as f64).collect(),
                "RSS",
            )?,
        });
    }
    let init_ms = summary(
        per_event.iter().flatten().map(|s| s.init_ms).collect(),
        "init",
    )?;
    let cost = match (&t.spec, events.first()) {
        (Some(spec), Some(e)) => Some(cost::per_million(
            spec.memory_mb,
            spec.architecture,
            spec.is_http(),
            e.first_invoke_ms.median,
            e.warm_invoke_ms.median,
        )),
        _ => None,
    };
    Ok(BinaryReport {
        name: t.label(),
        variant: t.variant,
        package: t.binary.package.clone(),
        kind: t.binary.kind,
        function: t.spec.as_ref().map(|s| s.logical_id.clone()),
        size: size::measure(&t.bootstrap, &ws.scratch())?,
        arm64_size: size::measure_arm64(&ws.arm64(&t.binary))?,
        init_ms,
        init_vs_floor: None,
        events,
        instructions,
        cost,
        architecture: t.spec.as_ref().map(|s| s.architecture),
        http: t.spec.as_ref().is_some_and(Function::is_http),
    })
}
