//! `Idempotency-Key` on a router of counting handlers, on the in-memory
//! fakes: a retry gets the first answer and runs nothing, another body is
//! refused, a failure lets the key go (the retry is the same write), a bad key is refused, and a POST
//! without the key or another method runs as it comes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use rightnow_domain::fakes::{FixedClock, InMemoryStore};
use rightnow_domain::idempotency::Lifetimes;
use rightnow_domain::services::Idempotency;
use rightnow_http::KeyedWrite;
use rightnow_http::idempotency::{REPLAYED, on_writes};
use serde_json::{Value, json};
use time::macros::datetime;
use tower::ServiceExt;

/// How many times each handler ran; `fail_next` makes `/flaky` answer 503 once.
#[derive(Default)]
struct Counts {
    writes: AtomicU32,
    flaky: AtomicU32,
}

fn app() -> (Router, Arc<Counts>) {
    let counts = Arc::new(Counts::default());
    let records = Arc::new(Idempotency::new(
        Arc::new(InMemoryStore::default()),
        Arc::new(FixedClock::at(datetime!(2026-12-04 10:00 UTC))),
        Lifetimes::DEFAULT,
    ));
    let router = Router::new()
        .route(
            "/write",
            post(|State(c): State<Arc<Counts>>, body: String| async move {
                let n = c.writes.fetch_add(1, Ordering::SeqCst) + 1;
                (
                    StatusCode::CREATED,
                    axum::Json(json!({"write": n, "body": body})),
                )
            })
            .get(|| async { "read" }),
        )
        .route(
            "/flaky",
            post(
                |State(c): State<Arc<Counts>>, KeyedWrite(write): KeyedWrite| async move {
                    let write = write.map(|w| w.0.to_string());
                    match c.flaky.fetch_add(1, Ordering::SeqCst) {
                        0 => (
                            StatusCode::SERVICE_UNAVAILABLE,
                            axum::Json(json!({"write": write})),
                        ),
                        n => (
                            StatusCode::CREATED,
                            axum::Json(json!({"flaky": n + 1, "write": write})),
                        ),
                    }
                },
            ),
        )
        .with_state(counts.clone());
    (on_writes(router, records), counts)
}

struct Reply {
    status: StatusCode,
    replayed: bool,
    retry_after: Option<String>,
    json: Value,
}

async fn send(app: &Router, method: &str, uri: &str, key: Option<&str>, body: &str) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json");
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (replayed, retry_after) = (header(REPLAYED).is_some(), header("retry-after"));
    let status = res.status();
    let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
    Reply {
        status,
        replayed,
        retry_after,
        json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

#[tokio::test]
async fn a_retry_with_the_key_gets_the_first_answer_and_writes_nothing() {
    let (app, counts) = app();
    let first = send(&app, "POST", "/write", Some("k-1"), r#"{"a":1}"#).await;
    let again = send(&app, "POST", "/write", Some("k-1"), r#"{"a":1}"#).await;
    assert_eq!(
        (first.status, again.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert_eq!(first.json, again.json);
    assert!(!first.replayed && again.replayed);
    assert_eq!(counts.writes.load(Ordering::SeqCst), 1);
    // Another key, or no key, is another write.
    send(&app, "POST", "/write", Some("k-2"), r#"{"a":1}"#).await;
    send(&app, "POST", "/write", None, r#"{"a":1}"#).await;
    send(&app, "POST", "/write", None, r#"{"a":1}"#).await;
    assert_eq!(counts.writes.load(Ordering::SeqCst), 4);
    // Reads pass by, whatever their headers.
    let read = send(&app, "GET", "/write", Some("k-1"), "").await;
    assert_eq!(read.status, StatusCode::OK);
}

#[tokio::test]
async fn the_key_with_another_body_is_refused_and_writes_nothing() {
    let (app, counts) = app();
    send(&app, "POST", "/write", Some("k"), r#"{"a":1}"#).await;
    let other = send(&app, "POST", "/write", Some("k"), r#"{"a":2}"#).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.json["error"]["code"], "idempotency_key_reused");
    assert_eq!(counts.writes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failure_lets_the_key_go_so_the_retry_runs() {
    let (app, counts) = app();
    let first = send(&app, "POST", "/flaky", Some("k"), "{}").await;
    assert_eq!(first.status, StatusCode::SERVICE_UNAVAILABLE);
    let retry = send(&app, "POST", "/flaky", Some("k"), "{}").await;
    assert_eq!((retry.status, retry.replayed), (StatusCode::CREATED, false));
    // The retry is the same write: what the first made, if it landed, is
    // what the retry makes.
    assert!(first.json["write"].is_string(), "{}", first.json);
    assert_eq!(retry.json["write"], first.json["write"]);
    let again = send(&app, "POST", "/flaky", Some("k"), "{}").await;
    assert_eq!((again.status, again.replayed), (StatusCode::CREATED, true));
    assert_eq!(counts.flaky.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_bad_key_is_refused_before_anything_runs() {
    let (app, counts) = app();
    let long = "k".repeat(65);
    for bad in ["", "a b", long.as_str(), "ключ"] {
        let r = send(&app, "POST", "/write", Some(bad), "{}").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert_eq!(r.json["error"]["code"], "invalid_idempotency_key");
    }
    assert_eq!(counts.writes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_copy_racing_the_first_is_told_to_retry() {
    // Two copies at once: one runs, the other is 409 with Retry-After (or,
    // if the first finished first, its answer).
    let (app, counts) = app();
    let (a, b) = tokio::join!(
        send(&app, "POST", "/write", Some("k"), "{}"),
        send(&app, "POST", "/write", Some("k"), "{}"),
    );
    assert_eq!(counts.writes.load(Ordering::SeqCst), 1);
    for r in [&a, &b] {
        assert!(
            r.status == StatusCode::CREATED
                || (r.status == StatusCode::CONFLICT
                    && r.json["error"]["code"] == "request_in_progress"
                    && r.retry_after.as_deref() == Some("1")),
            "{:?} {}",
            r.status,
            r.json
        );
    }
}
