//! AWS adapters for the ports of `rightnow-domain`.
//!
//! One module per service, each behind a cargo feature of the same name, so a
//! function links only the SDK crates it uses. Every adapter takes its
//! resource name from the environment the template sets, and every client is
//! built from one shared [`aws_config::SdkConfig`] ([`config::load`]), which
//! honours `AWS_ENDPOINT_URL`: the same code talks to AWS or to the local
//! stack. [`logging`] sets up the logs Lambda's logging controls ask for.

pub mod config;
#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "eventbridge")]
pub mod eventbridge;
pub mod logging;
#[cfg(feature = "s3-objects")]
pub mod objects;
#[cfg(feature = "s3")]
pub mod s3;

/// Reads a required setting from the environment, naming it if missing.
pub fn env_var(name: &'static str) -> Result<String, MissingSetting> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or(MissingSetting(name))
}

/// A setting the template should have set is missing.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {0} is not set (the template sets it for every function)")]
pub struct MissingSetting(pub &'static str);
