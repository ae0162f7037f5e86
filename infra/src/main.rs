//! `rightnow-local`: the local cloud from the command line.
//!
//! - `rightnow-local dev` (also with no command): what `make dev` runs.
//!   MiniStack on 127.0.0.1:4566, template.yaml deployed onto it with sam,
//!   the functions pointed at `cargo lambda watch` (edits reload), and one
//!   local origin serving site/ and /api/* on 127.0.0.1:8080. Ctrl-C stops
//!   all of it.
//! - `rightnow-local up`: the same stack running the built artefacts, no
//!   watch; for trying what tests deploy.
//! - `rightnow-local report [--date YYYY-MM-DD]`: what `make report` runs.
//!   Starts the report's state machine on the stack `make dev` or `make up`
//!   is running, prints each state as the execution enters it, and waits
//!   for its end.
//! - `rightnow-local fixtures [--out DIR]`: what `make fixtures` runs.
//!   Regenerates the test videos (tests/fixtures/videos) with ffmpeg and
//!   prints one line per file; starts no cloud.
//!
//! The ports come from `MINISTACK_PORT` and `SITE_PORT` when set (or from
//! `--ministack-port` / `--site-port`). The command line is [`Cli`]
//! (clap's derive): its doc comments are the `--help` text.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use rightnow_infra::dev;
use rightnow_infra::fixtures;
use rightnow_infra::front_door::FrontDoor;
use rightnow_infra::ministack::MiniStack;
use rightnow_infra::stack::{self, BuildMode};
use rightnow_infra::tools::workspace_root;
use tokio::signal::unix::{SignalKind, signal};

/// The local cloud: MiniStack with template.yaml deployed onto it by sam,
/// and one local origin for the site and its API.
#[derive(Debug, Parser)]
#[command(name = "rightnow-local")]
struct Cli {
    /// What to run (default: dev).
    #[command(subcommand)]
    command: Option<Command>,
    /// The port MiniStack listens on, on 127.0.0.1.
    #[arg(
        long,
        global = true,
        value_name = "PORT",
        env = "MINISTACK_PORT",
        default_value_t = 4566
    )]
    ministack_port: u16,
    /// The port of the local origin serving site/ and /api/*, on 127.0.0.1.
    #[arg(
        long,
        global = true,
        value_name = "PORT",
        env = "SITE_PORT",
        default_value_t = 8080
    )]
    site_port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
enum Command {
    /// The dev loop (what `make dev` runs): debug builds served by `cargo
    /// lambda watch`, so edits to functions/ or crates/ reload; the default
    Dev,
    /// The stack as tests deploy it: the release artefacts, no watch
    Up,
    /// Run the daily report for a day on the running local stack (what
    /// `make report` runs), printing each step; needs `make dev` or `make
    /// up` in another terminal
    Report {
        /// The day, YYYY-MM-DD (default: yesterday, UTC, as the schedule).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
    },
    /// Regenerate video-moderation's test videos with ffmpeg (what `make
    /// fixtures` runs), and the README listing them; starts no cloud
    Fixtures {
        /// The folder to write them in (default: tests/fixtures/videos in
        /// the workspace).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    // The fixtures need no cloud: made first, so MiniStack never starts.
    if let Some(Command::Fixtures { out }) = cli.command {
        return write_fixtures(
            out.unwrap_or_else(|| workspace_root().join("tests/fixtures/videos")),
        );
    }
    if let Some(Command::Report { date }) = &cli.command {
        return report(cli.ministack_port, cli.site_port, date.as_deref()).await;
    }
    let port = cli.ministack_port;
    let site_port = cli.site_port;
    let watch = cli.command.unwrap_or(Command::Dev) == Command::Dev;

    // Take over Ctrl-C before anything starts: a SIGINT during start-up
    // then stops the foreground step (sam, cargo) and this program returns,
    // dropping the guards that stop MiniStack and watch, instead of dying
    // and leaving them behind.
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the Ctrl-C handler")?;

    eprintln!("starting MiniStack on 127.0.0.1:{port}");
    let ms = tokio::task::spawn_blocking(move || MiniStack::start(Some(port))).await??;
    let startup = async {
        let build_mode = if watch {
            BuildMode::Watch
        } else {
            BuildMode::Release
        };
        let built: PathBuf = tokio::task::block_in_place(|| stack::build(&ms, build_mode))?;
        let stack = stack::deploy(&ms, &built, "rightnow", "local").await?;
        let api_url = stack.api_url()?;
        let watcher = match watch {
            true => Some(dev::watch_functions(&ms, &stack).await?),
            false => {
                // For a `cargo lambda watch` of one's own beside the stack.
                let aws = rightnow_infra::gaps::Clients::new(&ms).await;
                let functions = rightnow_infra::template::Template::project()?.functions();
                dev::write_watch_env(&aws, &ms, &stack, &functions).await?;
                None
            }
        };
        let door = FrontDoor::start(site_port, api_url.clone(), &ms.endpoint()).await?;
        anyhow::Ok((api_url, watcher, door))
    };
    let (api_url, _watcher, door) = tokio::select! {
        r = startup => r?,
        _ = interrupt.recv() => {
            eprintln!("\nstopping...");
            return Ok(());
        }
    };

    println!();
    println!("  site        http://127.0.0.1:{site_port}/");
    println!(
        "  API         http://127.0.0.1:{site_port}/api/health   (same origin, as CloudFront)"
    );
    println!("  API Gateway {api_url}/api/health");
    println!("  local AWS   {}   (AWS_ENDPOINT_URL)", ms.endpoint());
    if watch {
        println!(
            "  functions   served by cargo lambda watch: edit functions/ or crates/ and call again"
        );
        let address = match dev::watch_host().0 {
            "::1" => String::new(),
            other => format!("--invoke-address {other} "),
        };
        println!(
            "              cargo lambda invoke {address}<function> --data-file events/<function>/<event>.json"
        );
    } else {
        println!(
            "  functions   as deployed; for your own watch: cargo lambda watch --env-file {}",
            dev::WATCH_ENV
        );
    }
    println!("\nCtrl-C stops everything.");

    tokio::select! {
        _ = interrupt.recv() => {}
        r = door.wait() => r?,
    }
    eprintln!("\nstopping...");
    Ok(())
}

/// `rightnow-local fixtures`: writes the fixtures into `out` and prints
/// one line per file.
fn write_fixtures(out: PathBuf) -> Result<()> {
    let written = fixtures::generate(&out)?;
    for f in &written {
        println!("{:<16} {:>7} bytes  {}", f.name, f.size, f.description);
    }
    println!(
        "{} fixtures and README.md in {}",
        written.len(),
        out.display()
    );
    Ok(())
}

/// Runs the report's state machine on the local stack `rightnow` and
/// follows it.
async fn report(port: u16, site_port: u16, date: Option<&str>) -> Result<()> {
    use rightnow_infra::report;
    let endpoint = format!("http://127.0.0.1:{port}");
    let clients = rightnow_infra::gaps::Clients::for_endpoint(&endpoint).await;
    let outputs = clients
        .stack_outputs("rightnow")
        .await
        .context("no local stack: start `make dev` or `make up` first")?;
    let machine = outputs
        .get(report::STATE_MACHINE_OUTPUT)
        .context("the stack has no report state machine")?;
    let input = match date {
        Some(d) => serde_json::json!({ "date": d }),
        None => serde_json::json!({}),
    };
    let sfn = aws_sdk_sfn::Client::new(&rightnow_infra::ministack::sdk_config(&endpoint).await);
    let execution = report::start(&sfn, machine, &input).await?;
    println!("started {execution}\n  input {input}");
    let done = report::wait(
        &sfn,
        &execution,
        std::time::Duration::from_secs(900),
        |state, at| {
            println!("  {:>7.2} s  {state}", at.as_secs_f64());
        },
    )
    .await?;
    println!("{}", done.status);
    match (&done.output, &done.error) {
        (Some(out), _) => {
            println!("  {out}");
            if let Some(day) = out.get("date").and_then(|d| d.as_str()) {
                println!("  curl -s http://127.0.0.1:{site_port}/api/reports/{day}");
            }
            Ok(())
        }
        (None, error) => anyhow::bail!(
            "the report run failed ({}); `curl -s http://127.0.0.1:{site_port}/api/reports/<date>` says why",
            error.as_deref().unwrap_or("no error name")
        ),
    }
}
