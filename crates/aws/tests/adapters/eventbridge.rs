//! Publishing domain events: what reaches the bus, in how many calls, and
//! what happens to the entries the bus refuses.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use rightnow_aws::eventbridge::EventBus;
use rightnow_domain::comment::CommentId;
use rightnow_domain::events::{CommentPosted, DomainEvent};
use rightnow_domain::page::Slug;
use rightnow_domain::ports::EventPublisher;
use rightnow_infra::ministack;
use serde_json::Value;
use time::macros::datetime;
use ulid::Ulid;

use crate::put_events_stub::PutEventsStub;
use crate::{make, sdk, unique};

fn posted(n: u64) -> DomainEvent {
    DomainEvent::CommentPosted(CommentPosted {
        page: Slug::parse("home").unwrap(),
        comment_id: CommentId(Ulid::from_parts(1_795_000_000_000 + n, 0)),
        author: format!("author {n}"),
        posted_at: datetime!(2026-11-27 10:00 UTC),
    })
}

/// A queue that receives everything the app publishes on `bus`, as a rule
/// of the bus delivers it.
async fn queue_on(bus: &str) -> (aws_sdk_sqs::Client, String) {
    let sdk = sdk().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let url = sqs
        .create_queue()
        .queue_name(unique("published"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    events
        .put_rule()
        .name("everything-published")
        .event_bus_name(bus)
        .event_pattern(r#"{"source":["rightnow"]}"#)
        .send()
        .await
        .unwrap();
    events
        .put_targets()
        .rule("everything-published")
        .event_bus_name(bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn(arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    (sqs, url)
}

/// Reads `want` messages off the queue, or what came within 20 s.
async fn receive(sqs: &aws_sdk_sqs::Client, url: &str, want: usize) -> Vec<Value> {
    read_queue(sqs, url, want, Duration::from_secs(20)).await
}

/// Every message that comes within `wait`.
async fn receive_for(sqs: &aws_sdk_sqs::Client, url: &str, wait: Duration) -> Vec<Value> {
    read_queue(sqs, url, usize::MAX, wait).await
}

async fn read_queue(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    want: usize,
    wait: Duration,
) -> Vec<Value> {
    let mut got = Vec::new();
    let deadline = Instant::now() + wait;
    while got.len() < want && Instant::now() < deadline {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        for m in out.messages() {
            got.push(serde_json::from_str(m.body().unwrap()).unwrap());
        }
    }
    got
}

/// What the bus received is what was published: every event of a batch
/// larger than PutEvents takes, once, with its detail-type and versioned
/// detail.
#[tokio::test]
async fn every_event_reaches_the_bus_once() {
    let bus = make("AppBus").await.name;
    let (sqs, url) = queue_on(&bus).await;
    let published: Vec<DomainEvent> = (0..23).map(posted).collect();

    EventBus::new(&sdk().await, &bus)
        .publish(&published)
        .await
        .unwrap();

    let mut received = receive(&sqs, &url, published.len()).await;
    // Then nothing more: each event arrived once.
    received.extend(receive_for(&sqs, &url, Duration::from_secs(2)).await);
    assert_eq!(received.len(), published.len(), "{received:#?}");
    let back: BTreeSet<String> = received
        .iter()
        .map(|e| {
            assert_eq!(
                (e["source"].as_str(), e["detail-type"].as_str()),
                (Some("rightnow"), Some("CommentPosted"))
            );
            let detail = e["detail"].to_string();
            match DomainEvent::from_detail("CommentPosted", &detail).unwrap() {
                DomainEvent::CommentPosted(c) => c.comment_id.to_string(),
                other => panic!("{other:?}"),
            }
        })
        .collect();
    let sent: BTreeSet<String> = published
        .iter()
        .map(|e| match e {
            DomainEvent::CommentPosted(c) => c.comment_id.to_string(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(back, sent);
}

/// PutEvents takes at most 10 entries: 23 events are 3 calls.
#[tokio::test]
async fn a_large_batch_is_sent_in_calls_of_ten() {
    let stub = PutEventsStub::start(|_, _| false).await;
    let bus = EventBus::new(&ministack::sdk_config(&stub.endpoint).await, "bus");
    let events: Vec<DomainEvent> = (0..23).map(posted).collect();

    bus.publish(&events).await.unwrap();

    let sizes: Vec<usize> = stub.calls().iter().map(Vec::len).collect();
    assert_eq!(sizes, [10, 10, 3]);
}

/// A call that succeeds but refuses an entry: that entry, and only that
/// one, is sent again.
#[tokio::test]
async fn a_refused_entry_is_sent_again_alone() {
    let stub = PutEventsStub::start(|call, i| call == 0 && i == 1).await;
    let bus = EventBus::new(&ministack::sdk_config(&stub.endpoint).await, "bus");
    let events: Vec<DomainEvent> = (0..3).map(posted).collect();

    bus.publish(&events).await.unwrap();

    let calls = stub.calls();
    let sizes: Vec<usize> = calls.iter().map(Vec::len).collect();
    assert_eq!(sizes, [3, 1]);
    assert_eq!(calls[1][0], calls[0][1], "the retry is the refused entry");
}

/// An entry refused on every attempt is an error after the last attempt,
/// not a silent loss.
#[tokio::test]
async fn an_entry_refused_every_time_is_an_error() {
    let stub = PutEventsStub::start(|_, i| i == 0).await;
    let bus = EventBus::new(&ministack::sdk_config(&stub.endpoint).await, "bus");

    let result = bus.publish(&[posted(0), posted(1)]).await;

    let err = result.unwrap_err().to_string();
    assert!(err.contains("1 event(s) refused after 3 attempts"), "{err}");
    let sizes: Vec<usize> = stub.calls().iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 1, 1]);
}
