//! chatbot's Lambda entry point: index the knowledge base and wire the
//! adapters once, at init, then answer API Gateway HTTP API events until
//! the sandbox ends. Nothing else is kept between invocations: every
//! conversation is in DynamoDB.

use std::sync::Arc;
use std::time::Duration;

use rightnow_aws::config;
use rightnow_aws::dynamodb::AppTable;
use rightnow_domain::clock::SystemClock;
use rightnow_domain::idempotency::Lifetimes;
use rightnow_domain::services::{Chat, ChatPorts, Idempotency, WriteLimit};

/// The most the warm-up may add to init.
const WARM_UP_LIMIT: Duration = Duration::from_millis(500);

// One request at a time per sandbox: a single-threaded runtime is enough and
// starts faster.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    rightnow_aws::logging::init();
    let env = |name: &str| std::env::var(name).ok();
    let limits = chatbot::settings::limits(env)?;
    let writes_per_minute = chatbot::settings::writes_per_minute(env)?;
    let assistant = Arc::new(chatbot::assistant()?);

    let sdk = config::load().await;
    let table = Arc::new(AppTable::from_env(&sdk)?);
    // Every message starts with the limiter's write to DynamoDB.
    if config::warm_up_enabled() {
        let t = table.clone();
        config::warm_up(
            WARM_UP_LIMIT,
            vec![Box::pin(async move { t.touch().await })],
        )
        .await;
    }
    let clock = Arc::new(SystemClock);
    let ports = ChatPorts {
        sessions: table.clone(),
        writes: Arc::new(WriteLimit::new(
            table.clone(),
            clock.clone(),
            writes_per_minute,
        )),
        views: table.clone(),
        videos: table.clone(),
        reports: table.clone(),
        clock: clock.clone(),
    };
    let idempotency = Arc::new(Idempotency::new(table, clock, Lifetimes::DEFAULT));
    let chat = Chat::new(assistant, ports, limits);
    lambda_http::run(chatbot::router(chat, idempotency)).await
}
