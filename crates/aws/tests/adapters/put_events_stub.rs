//! A loopback stand-in for EventBridge's `PutEvents` that refuses the
//! entries a test chooses: it drives the real SDK client through a real
//! partial failure, which the local AWS never produces, and records every
//! call it was sent.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// Which entries to refuse: `(call, index)`, both from 0.
type Refuse = fn(usize, usize) -> bool;

#[derive(Clone)]
struct Stub {
    calls: Arc<Mutex<Vec<Vec<Value>>>>,
    refuse: Refuse,
}

/// A running stub; it stops with the test's runtime.
pub struct PutEventsStub {
    pub endpoint: String,
    calls: Arc<Mutex<Vec<Vec<Value>>>>,
}

impl PutEventsStub {
    pub async fn start(refuse: Refuse) -> Self {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new().fallback(put_events).with_state(Stub {
            calls: calls.clone(),
            refuse,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { endpoint, calls }
    }

    /// The entries of each call received, in order.
    pub fn calls(&self) -> Vec<Vec<Value>> {
        self.calls.lock().unwrap().clone()
    }
}

async fn put_events(State(stub): State<Stub>, body: String) -> impl IntoResponse {
    let request: Value = serde_json::from_str(&body).unwrap_or_default();
    let entries = request["Entries"].as_array().cloned().unwrap_or_default();
    let call = {
        let mut calls = stub.calls.lock().unwrap();
        calls.push(entries.clone());
        calls.len() - 1
    };
    let results: Vec<Value> = (0..entries.len())
        .map(|i| match (stub.refuse)(call, i) {
            true => json!({"ErrorCode": "InternalFailure", "ErrorMessage": "refused by the stub"}),
            false => json!({"EventId": format!("stub-{call}-{i}")}),
        })
        .collect();
    let failed = results
        .iter()
        .filter(|r| r.get("ErrorCode").is_some())
        .count();
    (
        [(header::CONTENT_TYPE, "application/x-amz-json-1.1")],
        json!({"FailedEntryCount": failed, "Entries": results}).to_string(),
    )
}
