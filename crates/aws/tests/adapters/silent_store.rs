//! A store that stops answering (a paused endpoint: connections accepted,
//! nothing ever sent back), reached by the real DynamoDB client with the
//! call timeouts the template gives the API functions: the call fails
//! within its budget, instead of holding the function until Lambda's own
//! timeout, and the API answers 503 (functions/site-api/tests/handlers.rs).

use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use rightnow_aws::config::{ATTEMPT_TIMEOUT_MS, OPERATION_TIMEOUT_MS, loader, timeouts};
use rightnow_aws::dynamodb::AppTable;
use rightnow_domain::page::Slug;
use rightnow_domain::ports::ViewCounter;
use tokio::net::TcpListener;

#[tokio::test]
async fn a_store_that_stops_answering_fails_the_call_within_its_budget() {
    // GIVEN an endpoint that accepts connections and never answers
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    // AND the client set up as the API functions are, with short budgets
    let config = timeouts(|name| match name {
        ATTEMPT_TIMEOUT_MS => Some("300".into()),
        OPERATION_TIMEOUT_MS => Some("800".into()),
        _ => None,
    });
    let sdk = loader()
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .endpoint_url(endpoint)
        .timeout_config(config)
        .load()
        .await;
    let table = AppTable::new(aws_sdk_dynamodb::Client::new(&sdk), "paused");

    // WHEN a call is made
    let started = Instant::now();
    let result = table.views(&Slug::parse("home").unwrap()).await;

    // THEN it fails, well before a function's 10 s, near its own budget
    let took = started.elapsed();
    assert!(result.is_err(), "{result:?}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
    // Without them (as video-moderation runs), the same call still waits.
    let unbounded = loader()
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .endpoint_url(sdk.endpoint_url().unwrap())
        .timeout_config(timeouts(|_| None))
        .load()
        .await;
    let waiting = AppTable::new(aws_sdk_dynamodb::Client::new(&unbounded), "paused");
    let home = Slug::parse("home").unwrap();
    let call = waiting.views(&home);
    assert!(
        tokio::time::timeout(Duration::from_millis(1500), call)
            .await
            .is_err()
    );
    held.abort();
}
