//! `rightnow-bench`: cold start, instructions, size, memory and cost of
//! every Lambda binary of the workspace (see the crate docs in lib.rs).
//!
//! ```text
//! rightnow-bench run [--runs N] [--no-build] [--no-callgrind] [--no-handlers] [--no-latency] [--plain-http] [--concurrency N] [--seconds S] [--out DIR] [--env KEY=VALUE]...
//! rightnow-bench smoke [--runs N]
//! rightnow-bench load [--rate N] [--seconds S] [--processes N] [--only gateway|direct]
//! ```
//!
//! The command line is [`Cli`] (clap's derive): its doc comments are the
//! `--help` text.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, CommandFactory, Parser, Subcommand};
use rightnow_bench::{Options, latency, load};

/// The synopsis under the top-level help, so that `--help` alone shows
/// every option (`run --help` says what each does).
const SYNOPSIS: &str = "\
Synopsis:
  rightnow-bench run [--runs N] [--no-build] [--no-callgrind] [--no-handlers] [--no-latency] [--plain-http] [--concurrency N] [--seconds S] [--out DIR] [--env KEY=VALUE]...
  rightnow-bench smoke [--runs N]
  rightnow-bench load [--rate N] [--seconds S] [--processes N] [--only gateway|direct]";

/// Cold start, instructions, size, memory and cost of every Lambda binary
/// of the workspace, beside the floor (a bare lambda_runtime function).
#[derive(Debug, Parser)]
#[command(name = "rightnow-bench", after_help = SYNOPSIS)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Measure every function and the floor; write bench/results/<date>.json and .svg
    ///
    /// Builds every function under functions/ and the floor with cargo-lambda
    /// (release), times N cold starts of each (default 20), counts their
    /// instructions with callgrind, weighs them, prices them, runs the
    /// handler benches, deploys the stack on MiniStack and loads every HTTP
    /// route with wrk (through the gateway and directly; --concurrency 2,
    /// --seconds 10 per route), and writes bench/results/<date>.json and .svg
    #[command(verbatim_doc_comment)]
    Run(RunArgs),
    /// A bounded load of site-api's and the chatbot's routes; fails on any 5xx or a write not read back
    ///
    /// Deploys the stack on MiniStack, sends --rate requests a second (open
    /// loop) across the routes for --seconds through the gateway, then the
    /// same served directly by cargo lambda's emulator (--processes per
    /// function), reads back every acknowledged write, and prints the
    /// latency, the statuses and the CPU each process used.
    #[command(verbatim_doc_comment)]
    Load(LoadArgs),
    /// A few cold starts of the floor alone; fails unless it measured something
    Smoke {
        /// Timed cold runs of the floor.
        #[arg(long, value_name = "N", default_value_t = 3)]
        runs: usize,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Timed cold runs per binary and event.
    #[arg(long, value_name = "N", default_value_t = Options::default().runs)]
    runs: usize,
    /// Measure what target/lambda holds instead of building first.
    #[arg(long)]
    no_build: bool,
    /// No instruction counts (callgrind).
    #[arg(long)]
    no_callgrind: bool,
    /// No handler benches (criterion).
    #[arg(long)]
    no_handlers: bool,
    /// No warm latency of the HTTP routes under load (which deploys the
    /// stack on MiniStack).
    #[arg(long)]
    no_latency: bool,
    /// Functions reach the local AWS over plain HTTP instead of TLS.
    #[arg(long)]
    plain_http: bool,
    /// Connections kept busy at once under load (and direct function
    /// processes).
    #[arg(long, value_name = "N", default_value_t = latency::Options::default().concurrency)]
    concurrency: usize,
    /// Seconds of measured load per route and path (at least 1).
    #[arg(long, value_name = "S", default_value_t = latency::Options::default().duration.as_secs())]
    seconds: u64,
    /// Where the JSON and SVG go (default bench/results).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// A variable set on every function over the template's, e.g.
    /// WARM_UP_CONNECTIONS=false to measure init without the warm-up
    /// (repeatable).
    #[arg(long, value_name = "KEY=VALUE", value_parser = key_value)]
    env: Vec<(String, String)>,
}

#[derive(Debug, Args)]
struct LoadArgs {
    /// Requests a second, across the routes.
    #[arg(long, value_name = "N", default_value_t = load::Options::default().rate)]
    rate: u32,
    /// Seconds of load per path.
    #[arg(long, value_name = "S", default_value_t = load::Options::default().duration.as_secs())]
    seconds: u64,
    /// Processes per function on the direct path.
    #[arg(long, value_name = "N", default_value_t = load::Options::default().processes)]
    processes: usize,
    /// Load one path only, to find its own limit.
    #[arg(long, value_enum)]
    only: Option<load::Via>,
}

impl RunArgs {
    fn options(self) -> Options {
        Options {
            runs: self.runs,
            build: !self.no_build,
            callgrind: !self.no_callgrind,
            handlers: !self.no_handlers,
            latency: !self.no_latency,
            load: latency::Options {
                concurrency: self.concurrency,
                duration: Duration::from_secs(self.seconds.max(1)),
            },
            tls: !self.plain_http,
            out: self.out,
            env: self.env,
        }
    }
}

/// `KEY=VALUE` → (`KEY`, `VALUE`); the value may hold `=` and be empty.
fn key_value(kv: &str) -> Result<(String, String), String> {
    let (k, v) = kv
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=VALUE, found no '=' in `{kv}`"))?;
    if k.is_empty() {
        return Err(format!("expected KEY=VALUE, found no KEY in `{kv}`"));
    }
    Ok((k.to_owned(), v.to_owned()))
}

fn main() -> ExitCode {
    let Some(command) = Cli::parse().command else {
        // No command: the help, as `--help` prints it.
        return match Cli::command().print_help() {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        };
    };
    match real_main(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rightnow-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn real_main(command: Command) -> Result<()> {
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
                match command {
                    Command::Run(args) => rightnow_bench::run(&args.options()).await.map(drop),
                    Command::Smoke { runs } => rightnow_bench::smoke(runs).await.map(drop),
                    Command::Load(a) => load::run(load::Options {
                        rate: a.rate,
                        duration: Duration::from_secs(a.seconds.max(1)),
                        processes: a.processes,
                        only: a.only,
                    })
                    .await
                    .map(drop),
                }
            } => r,
            _ = tokio::signal::ctrl_c() => bail!("interrupted"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("rightnow-bench").chain(args.iter().copied()))
    }

    fn run(args: &[&str]) -> Options {
        match parse(&[&["run"], args].concat()).unwrap().command {
            Some(Command::Run(a)) => a.options(),
            other => panic!("not run: {other:?}"),
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_defaults_are_the_options_defaults() {
        let (got, want) = (run(&[]), Options::default());
        assert_eq!(format!("{got:?}"), format!("{want:?}"));
    }

    #[test]
    fn run_maps_every_option() {
        let o = run(&[
            "--runs",
            "5",
            "--no-build",
            "--no-callgrind",
            "--no-handlers",
            "--no-latency",
            "--plain-http",
            "--concurrency",
            "4",
            "--seconds",
            "0",
            "--out",
            "/tmp/r",
            "--env",
            "WARM_UP_CONNECTIONS=false",
            "--env",
            "A=b=c",
        ]);
        assert_eq!(o.runs, 5);
        assert!(!o.build && !o.callgrind && !o.handlers && !o.latency && !o.tls);
        assert_eq!(o.load.concurrency, 4);
        assert_eq!(o.load.duration, Duration::from_secs(1));
        assert_eq!(o.out, Some(PathBuf::from("/tmp/r")));
        assert_eq!(
            o.env,
            [
                ("WARM_UP_CONNECTIONS".into(), "false".into()),
                ("A".into(), "b=c".into())
            ]
        );
    }

    #[test]
    fn env_needs_an_equals_sign() {
        let e = parse(&["run", "--env", "NOPE"]).unwrap_err();
        assert!(e.to_string().contains("KEY=VALUE"), "{e}");
    }

    #[test]
    fn smoke_runs_default_to_three() {
        assert!(matches!(
            parse(&["smoke"]).unwrap().command,
            Some(Command::Smoke { runs: 3 })
        ));
        assert!(matches!(
            parse(&["smoke", "--runs", "7"]).unwrap().command,
            Some(Command::Smoke { runs: 7 })
        ));
    }

    /// The synopsis names only options that exist.
    #[test]
    fn the_synopsis_is_the_command_line() {
        let cli = Cli::command();
        for line in SYNOPSIS.lines().skip(1) {
            let mut words = line.split_whitespace().skip(1);
            let name = words.next().unwrap();
            let sub = cli.find_subcommand(name).unwrap();
            let mut longs: Vec<String> = words
                .filter_map(|w| w.strip_prefix("[--"))
                .map(|w| w.split([' ', ']']).next().unwrap().to_owned())
                .collect();
            let mut want: Vec<String> = sub
                .get_arguments()
                .filter_map(|a| a.get_long())
                .filter(|l| *l != "help")
                .map(str::to_owned)
                .collect();
            longs.sort();
            want.sort();
            assert_eq!(longs, want, "{name}");
        }
    }
}
