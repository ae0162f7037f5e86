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
#[derive(thiserror::Error)]
#[error(
    "{0} is not set. template.yaml sets it for the deployed function; to run the function \
     under `cargo lambda watch`, start the stack (`make dev` or `make up`) and pass the \
     settings it wrote: `cargo lambda watch --env-file .local/watch.env`"
)]
pub struct MissingSetting(pub &'static str);

/// What `main` prints when init fails (`Error: {:?}`): the plain sentence,
/// not the struct.
impl std::fmt::Debug for MissingSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_setting_is_one_plain_line_naming_it_and_the_way_to_get_it() {
        let printed = format!("Error: {:?}", MissingSetting("TABLE_NAME"));
        assert!(!printed.contains('\n'), "{printed}");
        assert!(
            printed.starts_with("Error: TABLE_NAME is not set."),
            "{printed}"
        );
        assert!(printed.contains("--env-file .local/watch.env"), "{printed}");
    }
}
