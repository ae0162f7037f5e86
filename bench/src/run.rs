//! The whole benchmark, and the smoke check `make test` runs.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::cold::{self, ColdSample};
use crate::discover::{self, Binary, Kind, Workspace};
use crate::launch::{self, Target};
use crate::local_aws::{self, LocalAws};
use crate::report::{self, BinaryReport, EventReport, Report};
use crate::stats::Summary;
use crate::template::{self, FunctionSpec, Template};
use crate::{callgrind, cost, handlers, plot, size};

/// What `rightnow-bench run` does.
#[derive(Debug, Clone)]
pub struct Options {
    /// Timed cold runs per binary and event.
    pub runs: usize,
    /// Build the binaries first (off: measure what target/lambda holds).
    pub build: bool,
    pub callgrind: bool,
    pub handlers: bool,
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
    let template = template::read(&ws.root.join("template.yaml"))?;
    let specs: Vec<(Binary, Option<FunctionSpec>)> = ws
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
    let targets = targets(&ws, &specs, aws.as_ref(), &opts.env)?;

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
    drop(aws);

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

    let (commit, dirty) = report::commit(&ws.root);
    let report = Report {
        date: time::OffsetDateTime::now_utc().date().to_string(),
        commit,
        dirty,
        machine: report::machine(),
        runs: opts.runs,
        binaries,
        handlers,
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
    pub init_ms: Summary,
    pub first_invoke_ms: Summary,
    pub warm_invoke_ms: Summary,
    pub peak_rss_kib: Summary,
}

/// The cold-start harness on the floor alone, built with cargo-lambda as
/// in a full run. Fails unless every figure is present and positive: a
/// harness that measures nothing must not pass.
pub async fn smoke(runs: usize) -> Result<Smoke> {
    let ws = discover::workspace(&rightnow_infra::tools::workspace_root())?;
    let floor = ws.floor().context("no floor package")?.clone();
    discover::build(&ws, &[&floor])?;
    let targets = targets(&ws, &[(floor, None)], None, &[])?;
    let samples = cold_runs(&targets, runs.max(1)).await?;
    let s = &samples[0][0];
    let series = |f: fn(&ColdSample) -> f64| Summary::of(&s.iter().map(f).collect::<Vec<_>>());
    let smoke = Smoke {
        init_ms: series(|c| c.init_ms).context("no init figures")?,
        first_invoke_ms: series(|c| c.first_invoke_ms).context("no first-invoke figures")?,
        warm_invoke_ms: series(|c| c.warm_invoke_ms).context("no warm figures")?,
        peak_rss_kib: series(|c| c.peak_rss_kib as f64).context("no RSS figures")?,
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
    println!(
        "smoke: floor init {:.2} ms, first invoke {:.2} ms, warm {:.3} ms, peak RSS {:.0} KiB ({} runs)",
        smoke.init_ms.median,
        smoke.first_invoke_ms.median,
        smoke.warm_invoke_ms.median,
        smoke.peak_rss_kib.median,
        s.len()
    );
    Ok(smoke)
}

/// MiniStack, with the resources the functions name, if any does.
async fn start_local_aws(
    template: &Template,
    specs: &[(Binary, Option<FunctionSpec>)],
) -> Result<Option<LocalAws>> {
    let functions: Vec<FunctionSpec> = specs.iter().filter_map(|(_, s)| s.clone()).collect();
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
    specs: &[(Binary, Option<FunctionSpec>)],
    aws: Option<&LocalAws>,
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
            if let Some(aws) = aws {
                env.push(("AWS_ENDPOINT_URL".into(), aws.endpoint()));
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
            })
        })
        .collect()
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
            &spec.architecture,
            spec.http,
            e.first_invoke_ms.median,
            e.warm_invoke_ms.median,
        )),
        _ => None,
    };
    Ok(BinaryReport {
        name: t.name().to_owned(),
        package: t.binary.package.clone(),
        kind: t.binary.kind,
        function: t.spec.as_ref().map(|s| s.logical_id.clone()),
        size: size::measure(&t.bootstrap, &ws.scratch())?,
        init_ms,
        init_vs_floor: None,
        events,
        instructions,
        cost,
        architecture: t.spec.as_ref().map(|s| s.architecture.clone()),
        http: t.spec.as_ref().is_some_and(|s| s.http),
    })
}
