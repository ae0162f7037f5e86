//! A deployed function served straight from cargo lambda's emulator, not
//! through MiniStack's gateway and Lambda service: `cargo lambda watch
//! --only-lambda-apis` provides the Runtime API, the Invoke API and
//! function URLs, and processes of the function's `sam build` artefact
//! take the invocations, with the deployed function's environment (its
//! table, buckets and bus on the MiniStack the stack lives on).
//!
//! Two uses need it. The fault test pauses MiniStack, which locally is
//! the gateway as well as the store; served from here, the function still
//! answers, and what a paused store does to its answers shows. And the
//! load run measures the function without the emulator's own cost
//! capping it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::gaps::Clients;
use crate::ministack::{MiniStack, REGION};
use crate::process::ChildGroup;
use crate::stack::Stack;
use crate::template::Function;
use crate::tools::{free_port, path_with_venv, venv_bin, workspace_root};

/// cargo lambda's name for a function it did not start itself.
const OUTSIDE: &str = "_";

/// A function served directly; dropping it stops the emulator and every
/// process of the function.
pub struct Direct {
    // Declared first: the processes stop before the emulator they poll.
    processes: Vec<ChildGroup>,
    _emulator: ChildGroup,
    port: u16,
    log: PathBuf,
}

impl Direct {
    /// Starts the emulator and `processes` processes of `function`'s
    /// `sam build` artefact (`.aws-sam/build/<LogicalId>/bootstrap`), each
    /// taking one invocation at a time as a Lambda sandbox does, with the
    /// environment `stack` deployed it with. Logs go to
    /// `.local/direct-<port>.log`.
    pub async fn start(
        ms: &MiniStack,
        stack: &Stack,
        function: &Function,
        processes: usize,
    ) -> Result<Self> {
        let bootstrap = workspace_root()
            .join(".aws-sam/build")
            .join(&function.logical_id)
            .join("bootstrap");
        if !bootstrap.is_file() {
            bail!("{} is not built (sam build)", bootstrap.display());
        }
        let (_, deployed) = Clients::new(ms)
            .await
            .function_environment(&stack.name, &function.logical_id)
            .await?;

        let port = free_port();
        let log = workspace_root().join(format!(".local/direct-{port}.log"));
        let out = std::fs::File::create(&log)?;
        let mut emulator = Command::new(venv_bin("cargo-lambda"));
        emulator
            .current_dir(workspace_root())
            .args(["lambda", "watch", "--only-lambda-apis", "--ignore-changes"])
            .args(["--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &port.to_string()])
            .env("PATH", path_with_venv())
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out.try_clone()?);
        let emulator = ChildGroup::spawn("cargo lambda watch", emulator)
            .context("starting cargo lambda watch (make setup installs it)")?;
        wait_for_port(port, Duration::from_secs(30))?;

        let mut started = Vec::new();
        for _ in 0..processes.max(1) {
            let mut cmd = Command::new(&bootstrap);
            // What a Lambda sandbox gives the function, and nothing of the
            // test's own environment.
            cmd.env_clear()
                .env("PATH", "/usr/local/bin:/usr/bin:/bin")
                .env(
                    "AWS_LAMBDA_RUNTIME_API",
                    format!("http://127.0.0.1:{port}/.rt"),
                )
                .env("AWS_LAMBDA_FUNCTION_NAME", OUTSIDE)
                .env(
                    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                    function.memory_mb.to_string(),
                )
                .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
                .env("AWS_REGION", REGION)
                .env("AWS_SESSION_TOKEN", "test")
                .envs(ms.aws_env())
                .envs(&deployed)
                .stdin(Stdio::null())
                .stdout(out.try_clone()?)
                .stderr(out.try_clone()?);
            started.push(
                ChildGroup::spawn("the function", cmd)
                    .with_context(|| format!("starting {}", bootstrap.display()))?,
            );
        }
        Ok(Self {
            processes: started,
            _emulator: emulator,
            port,
            log,
        })
    }

    /// The function's URL: `<url>/api/health` is the route `/api/health`,
    /// sent as a function URL event (payload 2.0, as the HTTP API sends).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/lambda-url/{OUTSIDE}", self.port)
    }

    /// The Invoke API's URL, to post an event to.
    pub fn invocations(&self) -> String {
        format!(
            "http://127.0.0.1:{}/2015-03-31/functions/{OUTSIDE}/invocations",
            self.port
        )
    }

    /// The process ids of the function's processes.
    pub fn pids(&mut self) -> Vec<u32> {
        self.processes.iter_mut().map(|p| p.child().id()).collect()
    }

    /// Where the emulator and the function log.
    pub fn log(&self) -> &std::path::Path {
        &self.log
    }
}

fn wait_for_port(port: u16, timeout: Duration) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("cargo lambda watch not listening on 127.0.0.1:{port} after {timeout:?}")
}
