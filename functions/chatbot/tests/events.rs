//! Every sample event in events/chatbot/ is a real API Gateway v2 event:
//! lambda_http parses it, and the router answers it (on the fakes) as its
//! name says. The files are what `cargo lambda invoke --data-file` sends.

use std::sync::Arc;

use axum::body::to_bytes;
use lambda_http::request::from_str;
use rightnow_domain::fakes::{FixedClock, InMemoryStore, chat_ports};
use rightnow_domain::idempotency::Lifetimes;
use rightnow_domain::services::{Chat, Idempotency, WriteLimit};
use serde_json::Value;
use time::macros::datetime;
use tower::ServiceExt;

fn chat() -> axum::Router {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at(datetime!(2026-12-02 10:00 UTC)));
    let ports = chat_ports(&store, &clock, WriteLimit::DEFAULT_PER_MINUTE);
    let assistant = Arc::new(chatbot::assistant().unwrap());
    let idempotency = Arc::new(Idempotency::new(store, clock, Lifetimes::DEFAULT));
    chatbot::router(
        Chat::new(assistant, ports, chatbot::settings::DEFAULT_LIMITS),
        idempotency,
    )
}

#[tokio::test]
async fn every_sample_event_is_answered_as_its_name_says() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/chatbot");
    let expected = [
        ("first-message", 200, "en"),
        ("follow-up", 200, "en"),
        ("korean-message", 200, "ko"),
        ("message-invalid", 422, ""),
    ];
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        expected.map(|e| e.0),
        "a new sample event needs its line here"
    );
    for (name, status, language) in expected {
        let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        let request = from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let response = chat()
            .oneshot(request.map(axum::body::Body::new))
            .await
            .unwrap();
        let got = response.status().as_u16();
        let body: Value =
            serde_json::from_slice(&to_bytes(response.into_body(), usize::MAX).await.unwrap())
                .unwrap();
        assert_eq!(got, status, "{name}: {body}");
        if status == 200 {
            assert_eq!(body["language"], language, "{name}: {body}");
            assert_ne!(body["intent"], "fallback", "{name}: {body}");
        } else {
            assert_eq!(body["error"]["code"], "validation_failed", "{name}: {body}");
        }
    }
}
