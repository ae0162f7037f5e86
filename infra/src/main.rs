//! `rightnow-local`: the local cloud from the command line.
//!
//! - `rightnow-local dev`: what `make dev` runs. MiniStack on
//!   127.0.0.1:4566, template.yaml deployed onto it with sam, the functions
//!   pointed at `cargo lambda watch` (edits reload), and one local origin
//!   serving site/ and /api/*. Ctrl-C stops all of it.
//! - `rightnow-local up`: the same stack running the built artefacts, no
//!   watch; for trying what tests deploy.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use rightnow_infra::dev;
use rightnow_infra::ministack::MiniStack;
use rightnow_infra::stack::{self, BuildMode};
use tokio::signal::unix::{SignalKind, signal};

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("dev");
    let port = env_port("MINISTACK_PORT", 4566)?;
    let site_port = env_port("SITE_PORT", 8080)?;
    let watch = match mode {
        "dev" => true,
        "up" => false,
        other => bail!("unknown command {other:?}; use `dev` or `up`"),
    };

    // Take over Ctrl-C before anything starts: a SIGINT during start-up
    // then stops the foreground step (sam, cargo) and this program returns,
    // dropping the guards that stop MiniStack and watch, instead of dying
    // and leaving them behind.
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the Ctrl-C handler")?;

    eprintln!("starting MiniStack on 127.0.0.1:{port}");
    let ms = tokio::task::spawn_blocking(move || MiniStack::start(Some(port))).await??;
    let startup = async {
        let build_mode = if watch {
            BuildMode::Debug
        } else {
            BuildMode::Release
        };
        let built: PathBuf = tokio::task::block_in_place(|| stack::build(&ms, build_mode))?;
        let stack = stack::deploy(&ms, &built, "rightnow").await?;
        let api_url = stack.api_url()?;
        let watcher = match watch {
            true => Some(dev::watch_functions(&ms, &stack).await?),
            false => None,
        };
        let door = dev::front_door(site_port, api_url.clone()).await?;
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
    }
    println!("\nCtrl-C stops everything.");

    tokio::select! {
        _ = interrupt.recv() => {}
        r = door => r??,
    }
    eprintln!("\nstopping...");
    Ok(())
}

fn env_port(name: &str, default: u16) -> Result<u16> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .with_context(|| format!("{name}={v} is not a port")),
        Err(_) => Ok(default),
    }
}
