//! site-api's Lambda entry point: wire the adapters once, at init, then serve
//! API Gateway HTTP API events with the axum router until the sandbox ends.

use std::sync::Arc;
use std::time::Duration;

use rightnow_aws::config;
use rightnow_aws::dynamodb::AppTable;
use rightnow_aws::eventbridge::EventBus;
use rightnow_aws::s3::BucketUrls;
use rightnow_domain::clock::SystemClock;
use rightnow_domain::services::WriteLimit;
use rightnow_http::settings::{WRITES_PER_ADDRESS_PER_MINUTE, whole_number};
use site_api::Services;

/// The most the warm-up may add to init.
const WARM_UP_LIMIT: Duration = Duration::from_millis(500);

// One request at a time per sandbox: a single-threaded runtime is enough and
// starts faster.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    // JSON logs when the function's LoggingConfig says so (the template does).
    rightnow_aws::logging::init();
    let writes_per_minute = whole_number(
        |name| std::env::var(name).ok(),
        WRITES_PER_ADDRESS_PER_MINUTE,
        WriteLimit::DEFAULT_PER_MINUTE,
    )?;

    // Clients are built here, once per sandbox, and reused by every request.
    // Building them opens no connection and loads no certificate.
    let sdk = config::load().await;
    let table = Arc::new(AppTable::from_env(&sdk)?);
    // Deliberate warm-up (the template turns it on): open the connection
    // to DynamoDB, the first call of nearly every route, while init has the
    // CPU. S3 URLs are signed locally; events follow a DynamoDB write.
    if config::warm_up_enabled() {
        let t = table.clone();
        config::warm_up(
            WARM_UP_LIMIT,
            vec![Box::pin(async move { t.touch().await })],
        )
        .await;
    }
    let media = Arc::new(BucketUrls::from_env(&sdk, "MEDIA_BUCKET")?);
    let reports = Arc::new(BucketUrls::from_env(&sdk, "REPORTS_BUCKET")?);
    let bus = Arc::new(EventBus::from_env(&sdk)?);

    let services = Services::new(
        table,
        media,
        reports,
        bus,
        Arc::new(SystemClock),
        writes_per_minute,
    );
    lambda_http::run(site_api::router(services)).await
}
