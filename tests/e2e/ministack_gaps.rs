//! MiniStack's gaps that this project works around, each pinned: if an
//! upgrade of MiniStack closes one, a test here fails, and the workaround in
//! infra/ can go. Numbered as in the README's list ("The local cloud and
//! its known gaps"), which a test of infra checks against these names.

use rightnow_infra::ministack;
use rightnow_infra::stack;
use rightnow_infra::tools::workspace_root;

/// README gap 1: `sam deploy` leaves the HTTP API without routes (MiniStack ignores
/// the OpenAPI Body SAM generates); infra/src/gaps.rs creates them.
#[test]
fn gap_1_sam_deploy_creates_no_http_api_routes() {
    assert_eq!(
        crate::stack().routes_after_sam_deploy,
        0,
        "MiniStack now creates the HttpApi's routes itself: drop gaps::create_http_api_routes"
    );
}

/// README gap 2: the template as built, with its canary `DeploymentPreference`,
/// does not deploy on MiniStack (no CodeDeploy); the local copy without it
/// does (every other test runs on it).
#[test]
fn gap_2_codedeploy_resources_are_refused() {
    crate::stack(); // sam build has run
    let built = workspace_root().join(".aws-sam/build/template.yaml");
    let ms = ministack::shared();
    let built = built.to_str().unwrap();
    let out = stack::sam(
        ms,
        &[
            "deploy",
            "--config-env",
            "local",
            "--stack-name",
            "gap2-probe",
            "--template-file",
            built,
        ],
    )
    .output()
    .expect("sam runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success() && text.contains("AWS::CodeDeploy"),
        "MiniStack now deploys DeploymentPreference: drop template::drop_deployment_preferences\n{text}"
    );
}

/// README gap 3: a function invoked by an EventBridge rule gets no retries
/// and no on-failure destination (nor are the rule target's retry policy
/// and dead-letter queue used); an asynchronous invoke does get both, but
/// only from an EventInvokeConfig on `$LATEST`, not from the one SAM puts
/// on the `live` alias. video-moderation's exactly-once is shown by
/// redelivering events itself (tests/e2e/moderation.rs).
#[tokio::test]
async fn gap_3_rule_invoked_functions_get_no_retries_or_failure_destination() {
    use std::time::Duration;

    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::InvocationType;
    use rightnow_domain::ports::{Claim, VideoStore};

    use crate::moderation::{fixture, put, register, s3_event};

    let sdk = crate::sdk().await;
    let stack = crate::stack();
    let queue = stack.output("ModerationFailuresQueueUrl").unwrap();
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    // Messages in the failures queue about `key`, waiting up to `wait`.
    let failures_about = |key: String, wait: Duration| {
        let sqs = sqs.clone();
        async move {
            let start = std::time::Instant::now();
            loop {
                let got = sqs
                    .receive_message()
                    .queue_url(queue)
                    .max_number_of_messages(10)
                    .wait_time_seconds(1)
                    .send()
                    .await
                    .unwrap();
                let n = got
                    .messages()
                    .iter()
                    .filter(|m| m.body().unwrap_or_default().contains(&key))
                    .count();
                if n > 0 || start.elapsed() > wait {
                    return n;
                }
            }
        }
    };

    // GIVEN a video another invocation holds (a lease of an hour), so its
    // moderation fails with VideoBusy every time
    let bytes = fixture("h264.mp4");
    let (id, url) = register("Busy", "video/mp4", bytes.len()).await;
    let table = rightnow_aws::dynamodb::AppTable::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        stack.output("AppTableName").unwrap(),
    );
    let now = time::OffsetDateTime::now_utc();
    let held = table
        .claim(
            id.parse().unwrap(),
            "held",
            now,
            now + time::Duration::hours(1),
        )
        .await
        .unwrap();
    assert!(matches!(held, Claim::Claimed(_)));

    // WHEN its upload arrives through S3 → default bus → rule → function
    put(&url, "video/mp4", bytes.clone()).await;
    let key = format!("uploads/{id}");
    // THEN nothing reaches the on-failure destination (on AWS: after two
    // retries, the event would)
    assert_eq!(
        failures_about(key.clone(), Duration::from_secs(12)).await,
        0,
        "MiniStack now retries rule-invoked functions and routes their failures: \
         drop README gap 3 and show the template's retries and queues instead"
    );

    // AND the same event, invoked asynchronously by hand with an on-failure
    // destination of $LATEST's, is retried and then lands there: the queue
    // and the failure are real; the rule path (and SAM's config, which is
    // on the `live` alias) is the gap
    let function = stack.output("VideoModerationFunctionName").unwrap();
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(queue)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .cloned()
        })
        .unwrap();
    lambda
        .put_function_event_invoke_config()
        .function_name(function)
        .maximum_retry_attempts(1)
        .destination_config(
            aws_sdk_lambda::types::DestinationConfig::builder()
                .on_failure(
                    aws_sdk_lambda::types::OnFailure::builder()
                        .destination(queue_arn)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let head = crate::moderation::head(&key).await;
    lambda
        .invoke()
        .function_name(function)
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(s3_event(&key, bytes.len(), &head).to_string()))
        .send()
        .await
        .unwrap();
    let routed = failures_about(key, Duration::from_secs(30)).await;
    lambda
        .delete_function_event_invoke_config()
        .function_name(function)
        .send()
        .await
        .unwrap();
    assert_eq!(
        routed, 1,
        "a direct async invoke's failure reaches the on-failure queue"
    );
}

/// README gap 4: the HTTP API's throttles reach the stage but are never
/// applied: a burst over the chat route's is all answered. (MiniStack
/// keeps the stage's route settings in the template's casing, so the API
/// reads them back empty: only their presence is checked.) The function's
/// own limits, in the table, do apply (chat.rs shows their 429); the
/// gateway's are checked by cfn-lint and applied by AWS only.
#[tokio::test]
async fn gap_4_gateway_throttles_are_not_applied() {
    use futures::future::join_all;
    use serde_json::json;

    let stack = crate::stack();
    let aws = rightnow_infra::gaps::Clients::for_endpoint(&stack.endpoint).await;
    // GIVEN the deployed stage, with a throttle for the chat route
    let stage = aws
        .apigateway
        .get_stage()
        .api_id(stack.output("HttpApiId").unwrap())
        .stage_name("$default")
        .send()
        .await
        .unwrap();
    assert!(
        stage
            .route_settings()
            .is_some_and(|r| r.contains_key("POST /api/chat")),
        "no throttle for the chat route: {stage:?}"
    );
    let template = rightnow_infra::template::Template::project().unwrap();
    let burst = template.document()["Parameters"]["ChatBurstLimit"]["Default"]
        .as_u64()
        .unwrap();
    // WHEN ten more messages than its burst arrive at once (each its own
    // session, so the function's per-session limit does not apply)
    let answers =
        join_all((0..burst + 10).map(|_| {
            crate::api::post_json("/api/chat", json!({ "message": "what is serverless?" }))
        }))
        .await;
    // THEN none is refused (on AWS, those over the burst get 429)
    let refused: Vec<_> = answers.iter().filter(|a| a.status != 200).collect();
    assert!(
        refused.is_empty(),
        "MiniStack now applies the stage's throttles: drop README gap 4 and \
         show the gateway's 429 end to end instead: {refused:?}"
    );
}

/// README gap 5: every HTTP API event carries `sourceIp` 127.0.0.1, whoever
/// called: a comment sent from another loopback address is counted against
/// 127.0.0.1's writes. The limit per address is shown with events from
/// addresses of their own (tests/e2e/limits.rs, `gaps::as_sent_from`).
#[tokio::test]
async fn gap_5_every_http_api_event_comes_from_127_0_0_1() {
    use aws_sdk_dynamodb::types::AttributeValue;

    let slug = crate::api::fresh_slug("gap5");
    crate::api::post(&format!("/api/pages/{slug}/views")).await;
    // GIVEN a client on another loopback address
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let window = |t: time::OffsetDateTime| t.unix_timestamp() - t.unix_timestamp().rem_euclid(60);
    let before = window(time::OffsetDateTime::now_utc());
    // WHEN it posts a comment through the gateway
    let res = client
        .post(crate::api::url(&format!("/api/pages/{slug}/comments")))
        .json(&serde_json::json!({"author": "Ada", "body": "from 127.0.0.2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let after = window(time::OffsetDateTime::now_utc());
    // THEN the write was counted for 127.0.0.1, not for its own address
    let ddb = aws_sdk_dynamodb::Client::new(&crate::sdk().await);
    let table = crate::stack().output("AppTableName").unwrap();
    let counted = |ip: &'static str| {
        let ddb = ddb.clone();
        async move {
            let mut found = false;
            for start in [before, after] {
                let item = ddb
                    .get_item()
                    .table_name(table)
                    .key("pk", AttributeValue::S(format!("LIMIT#writes#{ip}")))
                    .key("sk", AttributeValue::S(start.to_string()))
                    .send()
                    .await
                    .unwrap();
                found |= item.item().is_some();
            }
            found
        }
    };
    assert!(
        !counted("127.0.0.2").await && counted("127.0.0.1").await,
        "MiniStack now gives events the caller's address: drop README gap 5, \
         lower the e2e environment's WritesPerAddressPerMinute and send \
         tests/e2e/limits.rs through the gateway"
    );
}
