//! MiniStack, the local AWS, as a child process.
//!
//! It runs in its own process group, so that stopping it also stops the
//! function processes it starts. [`MiniStack`] stops the group when dropped;
//! [`shared`] starts one per test process, which the kernel stops when the
//! test process exits (see [`ChildGroup`]), also when a test panics.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::process::ChildGroup;
use crate::tools::{free_port, venv_bin, workspace_root};

/// The region MiniStack serves.
pub const REGION: &str = "us-east-1";
/// The account MiniStack's resources belong to.
pub const ACCOUNT: &str = "000000000000";

/// A running MiniStack.
pub struct MiniStack {
    group: ChildGroup,
    port: u16,
    log: PathBuf,
}

impl MiniStack {
    /// Starts MiniStack on `port` (a free one if `None`), bound to loopback
    /// only, and waits until it answers its health check.
    pub fn start(port: Option<u16>) -> Result<Self> {
        let port = port.unwrap_or_else(free_port);
        let dir = workspace_root().join(".local");
        std::fs::create_dir_all(&dir)?;
        let log = dir.join(format!("ministack-{port}.log"));
        let out = File::create(&log)?;
        let mut cmd = Command::new(venv_bin("ministack"));
        cmd.env("GATEWAY_PORT", port.to_string())
            // Loopback only: by default it listens on every interface.
            .env("BIND_HOST", "127.0.0.1")
            .env("S3_DATA_DIR", dir.join(format!("s3-{port}")))
            .env("LOG_LEVEL", "WARNING")
            // Functions inherit MiniStack's environment: this is how their
            // SDKs find the local endpoint instead of AWS.
            .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
            // An IoT listener would otherwise bind 0.0.0.0:8883.
            .env("IOT_MTLS_ENABLED", "0")
            .env("SFTP_ENABLED", "0")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        let group = ChildGroup::spawn("MiniStack", cmd).with_context(|| {
            format!(
                "starting {} (run `make setup`)",
                venv_bin("ministack").display()
            )
        })?;
        let mut ms = Self { group, port, log };
        ms.wait_healthy(Duration::from_secs(30))?;
        Ok(ms)
    }

    fn wait_healthy(&mut self, timeout: Duration) -> Result<()> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Some(status) = self.group.child().try_wait()? {
                bail!("MiniStack exited ({status}); see {}", self.log.display());
            }
            if http_get_ok(self.port, "/_ministack/health") {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!(
            "MiniStack not healthy after {timeout:?}; see {}",
            self.log.display()
        )
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.group.id()
    }

    /// The functions' processes it runs: it extracts each function's code
    /// under `ministack-provided-code-<port>/`.
    pub fn function_pids(&self) -> Vec<u32> {
        let marker = format!("ministack-provided-code-{}/", self.port);
        crate::process::pids_where(|dir| {
            std::fs::read_link(dir.join("exe"))
                .is_ok_and(|exe| exe.to_string_lossy().contains(&marker))
        })
    }

    /// The port it listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment a process needs to talk to this MiniStack with an
    /// AWS SDK or CLI: endpoint, region and dummy credentials.
    pub fn aws_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_REGION", REGION.into()),
            ("AWS_DEFAULT_REGION", REGION.into()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("SAM_CLI_TELEMETRY", "0".into()),
        ]
    }

    /// An SDK config for this MiniStack: its endpoint, its region, and the
    /// credentials it checks signatures with.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        sdk_config(&self.endpoint()).await
    }

    /// Stops MiniStack and every process it started.
    pub fn stop(&mut self) {
        self.group.stop();
    }

    /// Freezes MiniStack (SIGSTOP to its process, not its group: the
    /// function processes it started run on). The kernel still accepts
    /// connections and takes what clients send, but nothing is answered
    /// until the returned guard is dropped (SIGCONT), whatever ends its
    /// scope, a failed assertion included. What was sent meanwhile is then
    /// served, even to a client that gave up waiting: a timed-out write may
    /// land after its caller saw it fail.
    pub fn pause(&mut self) -> Paused<'_> {
        signal(self.pid(), libc::SIGSTOP);
        Paused(self)
    }
}

/// A paused MiniStack ([`MiniStack::pause`]); dropping it resumes it.
pub struct Paused<'a>(&'a mut MiniStack);

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        signal(self.0.pid(), libc::SIGCONT);
    }
}

#[expect(unsafe_code, reason = "kill(2) on a child we started")]
fn signal(pid: u32, signal: libc::c_int) {
    // SAFETY: signalling our own child, which is not reaped while we hold it.
    unsafe { libc::kill(pid as libc::pid_t, signal) };
}

/// An SDK config for the MiniStack at `endpoint` (MiniStack checks
/// signatures with the secret `test`).
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    rightnow_aws::config::loader()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "test",
            "test",
            None,
            None,
            "ministack",
        ))
        .load()
        .await
}

/// One MiniStack for this test process, started on first use on a free
/// port. A static is never dropped, so the kernel stops it instead: it gets
/// SIGTERM when the process ends, however it ends (see [`ChildGroup`]).
pub fn shared() -> &'static MiniStack {
    static SHARED: OnceLock<MiniStack> = OnceLock::new();
    SHARED.get_or_init(|| MiniStack::start(None).expect("MiniStack starts"))
}

/// A tiny HTTP/1.1 GET on loopback; true on a 2xx answer.
fn http_get_ok(port: u16, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 2")
}
