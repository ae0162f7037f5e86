//! video-moderation's Lambda entry point: wire the adapters once, at init,
//! then moderate each upload the rule delivers until the sandbox ends.

use std::sync::Arc;
use std::time::Duration;

use lambda_runtime::{LambdaEvent, service_fn};
use rightnow_aws::config;
use rightnow_aws::dynamodb::AppTable;
use rightnow_aws::eventbridge::EventBus;
use rightnow_aws::objects::BucketObjects;
use rightnow_domain::clock::SystemClock;
use rightnow_domain::services::moderation::{ModerationPorts, Moderator};
use video_moderation::event::S3Event;

/// The most the warm-up may add to init.
const WARM_UP_LIMIT: Duration = Duration::from_millis(500);

// One event at a time per sandbox: a single-threaded runtime is enough and
// starts faster.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    rightnow_aws::logging::init();
    let settings = video_moderation::settings::from(|name| std::env::var(name).ok())?;

    // Clients are built here, once per sandbox; building them opens no
    // connection.
    let sdk = config::load().await;
    let table = Arc::new(AppTable::from_env(&sdk)?);
    let media = Arc::new(BucketObjects::from_env(&sdk, "MEDIA_BUCKET")?);
    let bucket = media.bucket().to_owned();
    // Every event starts with a HEAD on S3, then a write to DynamoDB: open
    // both connections while init has the CPU.
    if config::warm_up_enabled() {
        let (t, m) = (table.clone(), media.clone());
        config::warm_up(
            WARM_UP_LIMIT,
            vec![
                Box::pin(async move { t.touch().await }),
                Box::pin(async move { m.touch().await }),
            ],
        )
        .await;
    }
    let ports = ModerationPorts {
        videos: table.clone(),
        blocklist: table,
        ranges: media.clone(),
        objects: media.clone(),
        digests: media,
        bus: Arc::new(EventBus::from_env(&sdk)?),
        clock: Arc::new(SystemClock),
    };
    let moderator = Moderator::new(ports, settings);
    let (moderator, bucket) = (&moderator, bucket.as_str());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| async move {
        video_moderation::handle(moderator, bucket, event).await
    }))
    .await
}
