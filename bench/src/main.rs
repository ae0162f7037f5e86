//! `rightnow-bench`: cold start, instructions, size, memory and cost of
//! every Lambda binary of the workspace (see the crate docs in lib.rs).
//!
//! ```text
//! rightnow-bench run [--runs N] [--no-build] [--no-callgrind] [--no-handlers] [--no-latency] [--plain-http] [--concurrency N] [--seconds S] [--out DIR] [--env KEY=VALUE]
//! rightnow-bench smoke [--runs N]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use rightnow_bench::Options;

const USAGE: &str = "\
usage: rightnow-bench run [--runs N] [--no-build] [--no-callgrind] [--no-handlers] [--no-latency] [--plain-http] [--concurrency N] [--seconds S] [--out DIR] [--env KEY=VALUE]
       rightnow-bench smoke [--runs N]

run    builds every function under functions/ and the floor with cargo-lambda
       (release), times N cold starts of each (default 20), counts their
       instructions with callgrind, weighs them, prices them, runs the
       handler benches, deploys the stack on MiniStack and loads every HTTP
       route with wrk (through the gateway and directly; --concurrency 2,
       --seconds 10 per route), and writes bench/results/<date>.json and .svg
smoke  a few cold starts of the floor alone; fails unless it measured something";

fn main() -> ExitCode {
    match real_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rightnow-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn real_main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let mut opts = Options::default();
    let mut smoke_runs = 3;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                let n = args.next().context("--runs needs a number")?;
                let n: usize = n.parse().with_context(|| format!("--runs {n}"))?;
                opts.runs = n;
                smoke_runs = n;
            }
            "--no-build" => opts.build = false,
            "--no-callgrind" => opts.callgrind = false,
            "--no-handlers" => opts.handlers = false,
            "--no-latency" => opts.latency = false,
            "--plain-http" => opts.tls = false,
            "--concurrency" => {
                let n = args.next().context("--concurrency needs a number")?;
                opts.load.concurrency = n.parse().with_context(|| format!("--concurrency {n}"))?;
            }
            "--seconds" => {
                let n = args.next().context("--seconds needs a number")?;
                let s: u64 = n.parse().with_context(|| format!("--seconds {n}"))?;
                opts.load.duration = std::time::Duration::from_secs(s.max(1));
            }
            "--out" => opts.out = Some(PathBuf::from(args.next().context("--out needs a dir")?)),
            "--env" => {
                let kv = args.next().context("--env needs KEY=VALUE")?;
                let (k, v) = kv.split_once('=').context("--env needs KEY=VALUE")?;
                opts.env.push((k.to_owned(), v.to_owned()));
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    // Two workers: the runtime API answers while the harness waits on the
    // function; more would only compete with it for this machine's cores.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        // Ctrl-C drops the run: MiniStack and every function process are
        // stopped by their owners' Drop.
        tokio::select! {
            r = async {
                match command.as_str() {
                    "run" => rightnow_bench::run(&opts).await.map(drop),
                    "smoke" => rightnow_bench::smoke(smoke_runs).await.map(drop),
                    "" | "help" | "--help" | "-h" => {
                        println!("{USAGE}");
                        Ok(())
                    }
                    other => bail!("unknown command {other}\n{USAGE}"),
                }
            } => r,
            _ = tokio::signal::ctrl_c() => bail!("interrupted"),
        }
    })
}
