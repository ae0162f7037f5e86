//! The adapters against a real local AWS: a MiniStack that this test process
//! starts on a free port (and the kernel stops when the process ends). Each
//! test makes its own table, bucket or bus from the template's own
//! definition of it, so tests run in parallel and meet the resources the
//! functions meet.

mod chat;
mod dynamodb;
mod eventbridge;
mod idempotency;
mod put_events_stub;
mod s3;
mod silent_store;

use aws_config::SdkConfig;
use rightnow_infra::ministack;
use rightnow_infra::resources::{self, Made};
use ulid::Ulid;

async fn sdk() -> SdkConfig {
    ministack::shared().sdk_config().await
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", Ulid::new().to_string().to_ascii_lowercase())
}

/// A fresh copy of the template's resource `id` (`AppTable`, `MediaBucket`,
/// `AppBus`), under a name of its own.
async fn make(id: &str) -> Made {
    resources::create_fresh(&sdk().await, id, "test")
        .await
        .unwrap_or_else(|e| panic!("making {id}: {e:#}"))
}
