//! How a function process is started: the bootstrap, the environment
//! Lambda gives it, and the events it is sent.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::body::Bytes;
use rightnow_infra::ministack::REGION;
use rightnow_infra::template::Function;
use serde::Serialize;

use crate::discover::{Binary, Kind};

/// The system CA bundle: Debian's, then Amazon Linux's.
const CA_BUNDLES: [&str; 2] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
];

/// One event file, or the floor's payload.
#[derive(Debug, Clone)]
pub struct Event {
    /// The file's stem (`get-page-views`), or `echo` for the floor.
    pub name: String,
    /// The JSON sent as the invocation.
    pub payload: Bytes,
}

/// Everything needed to start one binary as Lambda would.
#[derive(Debug, Clone)]
pub struct Target {
    /// The binary it runs.
    pub binary: Binary,
    /// The staged `bootstrap` to execute.
    pub bootstrap: PathBuf,
    /// The template's view of it (`None` for the floor).
    pub spec: Option<Function>,
    /// The function's own variables, resources resolved, plus the AWS
    /// endpoint and credentials.
    pub env: Vec<(String, String)>,
    /// The events to measure, the first being the headline one.
    pub events: Vec<Event>,
    /// Where the process's stdout and stderr go.
    pub log: PathBuf,
    /// What sets this target apart from another of the same binary, if
    /// anything.
    pub variant: Option<Variant>,
}

/// A binary measured otherwise than as deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Variant {
    /// With `WARM_UP_CONNECTIONS=false`: init without the deliberate
    /// connection warm-up.
    #[serde(rename = "no warm-up")]
    NoWarmUp,
    /// Served directly through cargo lambda's Invoke API, not through the
    /// gateway (the latency benchmark's direct path).
    #[serde(rename = "direct")]
    Direct,
}

impl Variant {
    /// The name in reports, as serialised: `no warm-up`, `direct`.
    pub fn label(self) -> &'static str {
        match self {
            Variant::NoWarmUp => "no warm-up",
            Variant::Direct => "direct",
        }
    }
}

impl Target {
    /// The binary's name: `site-api`.
    pub fn name(&self) -> &str {
        &self.binary.name
    }

    /// The name in reports: `site-api`, or `site-api (no warm-up)`.
    pub fn label(&self) -> String {
        match self.variant {
            Some(v) => format!("{} ({})", self.name(), v.label()),
            None => self.name().to_owned(),
        }
    }

    /// The invoke deadline Lambda would give: the template's Timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.spec.as_ref().map_or(10, |s| s.timeout_s))
    }

    /// The command for `program` (the bootstrap, or valgrind running it),
    /// with the environment of a Lambda sandbox and nothing of ours: the
    /// environment is cleared so that figures do not depend on the shell
    /// the benchmark runs from.
    pub fn command(&self, program: &Path, runtime_api: &str) -> Result<tokio::process::Command> {
        let name = self.name();
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .with_context(|| format!("opening {}", self.log.display()))?;
        let memory = self.spec.as_ref().map_or(128, |s| s.memory_mb);
        let task_root = self
            .bootstrap
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let mut cmd = tokio::process::Command::new(program);
        cmd.env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory.to_string())
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]bench")
            .env("AWS_REGION", REGION)
            .env("AWS_DEFAULT_REGION", REGION)
            // What Lambda's execution role gives: temporary credentials.
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_SESSION_TOKEN", "test")
            .env("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023")
            .env("_HANDLER", "bootstrap")
            .env("LAMBDA_TASK_ROOT", task_root)
            .env("TZ", ":UTC")
            .env("LANG", "en_US.UTF-8")
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Never outlive the harness, whatever stops it.
            .kill_on_drop(true);
        // One CA bundle, as on Lambda's Amazon Linux 2023, where the
        // certificate directory holds only links to that bundle. Left to
        // probe, a Debian machine also reads /etc/ssl/certs file by file,
        // and the first TLS connection parses every root twice, nearly
        // doubling init's instructions with the warm-up on.
        if let Some(bundle) = CA_BUNDLES.iter().find(|p| Path::new(p).is_file()) {
            cmd.env("SSL_CERT_FILE", bundle);
        }
        if let Some(spec) = &self.spec {
            if let Some(f) = &spec.log_format {
                cmd.env("AWS_LAMBDA_LOG_FORMAT", f);
            }
            if let Some(l) = &spec.log_level {
                cmd.env("AWS_LAMBDA_LOG_LEVEL", l);
            }
        }
        Ok(cmd)
    }
}

/// The events to measure a binary with.
///
/// For a function, from `events/<binary>/`: the first event (by name) that
/// is not an error case (`invalid`, `malformed`) is the headline, as it
/// exercises a route's real work; `health.json`, if present, is added as
/// the baseline that calls no AWS service. With no folder, `{}`. For the
/// floor, a small JSON object it echoes.
pub fn events(root: &Path, bin: &Binary) -> Result<Vec<Event>> {
    if bin.kind == Kind::Floor {
        return Ok(vec![Event {
            name: "echo".into(),
            payload: Bytes::from_static(br#"{"bench":"floor"}"#),
        }]);
    }
    let files = rightnow_infra::tools::sample_events(root, &bin.name);
    let stem = |p: &PathBuf| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let headline = files.iter().find(|p| {
        let s = stem(p);
        s != "health" && !s.contains("invalid") && !s.contains("malformed")
    });
    let health = files.iter().find(|p| stem(p) == "health");
    let chosen: Vec<&PathBuf> = headline.into_iter().chain(health).collect();
    if chosen.is_empty() {
        return Ok(vec![Event {
            name: "empty".into(),
            payload: Bytes::from_static(b"{}"),
        }]);
    }
    chosen
        .into_iter()
        .map(|p| {
            let text = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            // Fail here, not as a confusing function error.
            serde_json::from_slice::<serde_json::Value>(&text)
                .with_context(|| format!("{} is not JSON", p.display()))?;
            Ok(Event {
                name: stem(p),
                payload: text.into(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variant_is_serialised_as_its_label() {
        for v in [Variant::NoWarmUp, Variant::Direct] {
            assert_eq!(serde_json::to_value(v).unwrap(), v.label());
        }
        assert_eq!(Variant::NoWarmUp.label(), "no warm-up");
        assert_eq!(Variant::Direct.label(), "direct");
    }

    #[test]
    fn site_api_is_measured_on_a_real_route_and_on_health() {
        let root = rightnow_infra::tools::workspace_root();
        let bin = Binary {
            package: "site-api".into(),
            name: "site-api".into(),
            kind: Kind::Function,
        };
        let names: Vec<_> = events(&root, &bin)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["get-page-views", "health"]);
    }
}
