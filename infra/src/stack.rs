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
use crate::tools::{path_with_venv, venv_bin, without_cargo_run_env, workspace_root};

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
    /// For `make dev`: each function built once, exactly as `cargo lambda
    /// watch` builds it, and that binary deployed (see [`build_for_watch`]).
    Watch,
}

/// `sam <args>` against `ms`, run from the workspace with the project's
/// samconfig.toml and tools.
pub fn sam(ms: &MiniStack, args: &[&str]) -> Command {
    let mut cmd = Command::new(venv_bin("sam"));
    without_cargo_run_env(&mut cmd)
        .current_dir(workspace_root())
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

/// The template's functions built, and the template that deploys them:
/// `sam build --config-env local` into `.aws-sam/build` for
/// [`BuildMode::Release`], [`build_for_watch`] for [`BuildMode::Watch`].
pub fn build(ms: &MiniStack, mode: BuildMode) -> Result<PathBuf> {
    let started = Instant::now();
    let built = match mode {
        BuildMode::Release => {
            run(sam(ms, &["build", "--config-env", "local"]), "sam build")?;
            workspace_root().join(".aws-sam/build/template.yaml")
        }
        BuildMode::Watch => build_for_watch()?,
    };
    eprintln!("build: {:.1?}", started.elapsed());
    Ok(built)
}

/// `make dev`'s build. `cargo lambda watch` runs each function with `cargo
/// run --bin <binary>` (the dev profile, this machine's target); building
/// each the same way here, and deploying those binaries, makes one build
/// serve both: watch finds them fresh and starts them at once. (`sam
/// build` would be a second build of the same code with other settings.)
fn build_for_watch() -> Result<PathBuf> {
    let root = workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let out = root.join(".local/dev-code");
    let mut code = HashMap::new();
    for f in template::Template::project()?.functions() {
        eprintln!("building {} (as cargo lambda watch does)", f.binary);
        let mut cargo = Command::new("cargo");
        without_cargo_run_env(&mut cargo)
            .current_dir(&root)
            .args(["build", "--quiet", "--bin", &f.binary]);
        run(cargo, &format!("cargo build --bin {}", f.binary))?;
        let dir = out.join(&f.logical_id);
        std::fs::create_dir_all(&dir)?;
        let bin = target.join("debug").join(&f.binary);
        std::fs::copy(&bin, dir.join("bootstrap"))
            .with_context(|| format!("copying {}", bin.display()))?;
        code.insert(f.logical_id, dir);
    }
    let built = out.join("template.yaml");
    template::write_prebuilt(&root.join("template.yaml"), &code, &built)?;
    Ok(built)
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
                // One line per artefact, not a line of progress per chunk.
                "--no-progressbar",
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
