//! End to end: template.yaml built with `sam build` (release, as it ships),
//! deployed with `sam deploy` onto a MiniStack this test process starts on a
//! free port, and called through the HTTP API's local URL exactly as a user
//! calls the cloud one. One deploy per run, shared by every test.

mod api;
mod bad_inputs;
mod browser;
mod chat;
mod idempotency;
mod journeys;
mod limits;
mod ministack_gaps;
mod moderation;
mod reports;
mod routes;
mod sources;

use std::sync::OnceLock;

use rightnow_infra::ministack;
use rightnow_infra::stack::{self, BuildMode, Stack};

/// The stack, deployed on first use.
pub fn stack() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| {
        // Deploy on a runtime of its own: tests each run on theirs.
        std::thread::spawn(|| {
            let ms = ministack::shared();
            let built = stack::build(ms, BuildMode::Release).expect("sam build");
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(stack::deploy(ms, &built, "rightnow-e2e", "e2e"))
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
