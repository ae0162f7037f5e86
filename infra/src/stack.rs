//! template.yaml deployed onto MiniStack with `sam build` and `sam deploy`,
//! then the post-deploy steps for MiniStack's gaps.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::gaps;
use crate::ministack::MiniStack;
use crate::template;
use crate::tools::{path_with_venv, venv_bin, workspace_root};

/// A stack deployed on a MiniStack.
#[derive(Debug, Clone)]
pub struct Stack {
    /// The stack's name.
    pub name: String,
    /// The template's Outputs, by key.
    pub outputs: HashMap<String, String>,
    /// MiniStack's endpoint the stack lives on.
    pub endpoint: String,
    /// Routes the HTTP API had right after `sam deploy`, before the
    /// post-deploy step added the template's (gap 1: none on a new stack).
    pub routes_after_sam_deploy: usize,
}

impl Stack {
    /// The Output `key`, or an error naming it.
    pub fn output(&self, key: &str) -> Result<&str> {
        self.outputs
            .get(key)
            .map(String::as_str)
            .with_context(|| format!("stack output {key} missing"))
    }

    /// The HTTP API's local URL, the stand-in for the `ApiUrl` output:
    /// `http://127.0.0.1:<port>/_aws/execute-api/<apiId>/$default`.
    pub fn api_url(&self) -> Result<String> {
        Ok(format!(
            "{}/_aws/execute-api/{}/$default",
            self.endpoint,
            self.output("HttpApiId")?
        ))
    }
}

/// How the functions are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildMode {
    /// `sam build` as for the cloud: release profile. What tests deploy.
    Release,
    /// `SAM_BUILD_MODE=debug`: faster to build, for `make dev`, whose
    /// functions are served by `cargo lambda watch` anyway.
    Debug,
}

/// `sam <args>` against `ms`, run from the workspace with the project's
/// samconfig.toml and tools.
pub fn sam(ms: &MiniStack, args: &[&str]) -> Command {
    let mut cmd = Command::new(venv_bin("sam"));
    cmd.current_dir(workspace_root())
        .args(args)
        // sam looks for samconfig.toml beside the template; the deployed
        // template is in .aws-sam/build, so name it.
        .arg("--config-file")
        .arg(workspace_root().join("samconfig.toml"))
        .envs(ms.aws_env())
        .env("PATH", path_with_venv())
        // Poll CloudFormation every half second, not every five.
        .env("SAM_CLI_POLL_DELAY", "0.5")
        // Build for this machine with plain cargo; zig is only needed to
        // cross-compile for arm64 (`make build-arm64`).
        .env("CARGO_LAMBDA_COMPILER", "cargo");
    cmd
}

fn run(mut cmd: Command, what: &str) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("running {what} (run `make setup`)"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// `sam build --config-env local`: the template's functions, built as
/// `sam deploy` ships them, into `.aws-sam/build`.
pub fn build(ms: &MiniStack, mode: BuildMode) -> Result<PathBuf> {
    let started = Instant::now();
    let mut cmd = sam(ms, &["build", "--config-env", "local"]);
    if mode == BuildMode::Debug {
        cmd.env("SAM_BUILD_MODE", "debug");
    }
    run(cmd, "sam build")?;
    eprintln!("sam build: {:.1?}", started.elapsed());
    Ok(workspace_root().join(".aws-sam/build/template.yaml"))
}

/// Deploys the built template as stack `name` with `sam deploy --config-env
/// <config_env>` (samconfig.toml's `local`; `e2e` and `bench` are the same
/// with the report's schedule every minute, or the per-client limits
/// raised), applies the post-deploy steps, and reads the
/// outputs.
pub async fn deploy(
    ms: &MiniStack,
    built: &std::path::Path,
    name: &str,
    config_env: &str,
) -> Result<Stack> {
    let started = Instant::now();
    let local = template::write_local_copy(built)?;
    let local = local.to_str().context("utf-8 path")?;
    run(
        sam(
            ms,
            &[
                "deploy",
                "--config-env",
                config_env,
                "--stack-name",
                name,
                "--template-file",
                local,
            ],
        ),
        "sam deploy",
    )?;
    let aws = gaps::Clients::new(ms).await;
    let outputs = aws.stack_outputs(name).await?;
    let routes = template::Template::project()?.http_routes();
    let routes_after_sam_deploy =
        gaps::create_http_api_routes(&aws, name, &outputs, &routes).await?;
    eprintln!("sam deploy + post-deploy steps: {:.1?}", started.elapsed());
    Ok(Stack {
        name: name.to_owned(),
        outputs,
        endpoint: ms.endpoint(),
        routes_after_sam_deploy,
    })
}
