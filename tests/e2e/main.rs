//! End to end: template.yaml built with `sam build` (release, as it ships),
//! deployed with `sam deploy` onto a MiniStack this test process starts on a
//! free port, and called through the HTTP API's local URL exactly as a user
//! calls the cloud one. One deploy per run, shared by every test.

mod api;
mod bad_inputs;
mod browser;
mod chat;
mod faults;
mod idempotency;
mod journeys;
mod leaks;
mod limits;
mod ministack_gaps;
mod moderation;
mod report_kills;
mod reports;
mod routes;
mod sources;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rightnow_infra::ministack::{self, MiniStack};
use rightnow_infra::stack::{self, BuildMode, Stack};

/// The stack, deployed on first use.
pub fn stack() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| deploy_on(ministack::shared(), "rightnow-e2e", "e2e"))
}

/// The template as `sam build` builds it, built once per run.
pub fn built() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| stack::build(ministack::shared(), BuildMode::Release).expect("sam build"))
}

/// [`built`] deployed on `ms` as stack `name` with samconfig's
/// `config_env`. On a runtime of its own: tests each run on theirs.
pub fn deploy_on(ms: &MiniStack, name: &str, config_env: &str) -> Stack {
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(stack::deploy(ms, built(), name, config_env))
                .expect("sam deploy")
        })
        .join()
        .expect("deploy thread")
    })
}

/// SDK config for checking state behind the API's back.
pub async fn sdk() -> aws_config::SdkConfig {
    ministack::shared().sdk_config().await
}
