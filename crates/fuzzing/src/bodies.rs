//! The HTTP API's requests, as the gateway hands them to the functions:
//! a method, a path with its query, and a body, through each function's
//! real router on fresh fakes.
//!
//! Input: one byte choosing the method, the path and query up to the first
//! newline, then the body. For the chat, the whole input is the body.

use std::sync::{Arc, OnceLock};

use axum::body::{Body, to_bytes};
use axum::http::{Method, Request};
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use rightnow_domain::chat::dialogue::Assistant;
use rightnow_domain::fakes::{
    FakeSigner, FixedClock, InMemoryStore, RecordingPublisher, chat_ports,
};
use rightnow_domain::idempotency::Lifetimes;
use rightnow_domain::services::{Chat, Idempotency, WriteLimit};
use rightnow_http::ErrorCode;
use time::macros::datetime;
use tower::ServiceExt;

use crate::block_on;

const NOW: time::OffsetDateTime = datetime!(2026-12-04 10:00 UTC);

/// site-api: any method, path, query and body.
pub fn site_api_request(data: &[u8]) {
    let Some((&m, rest)) = data.split_first() else {
        return;
    };
    let method = match m % 4 {
        0 => Method::GET,
        1 => Method::POST,
        2 => Method::PUT,
        _ => Method::DELETE,
    };
    let (target, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let Ok(target) = std::str::from_utf8(target) else {
        return;
    };
    let store = Arc::new(InMemoryStore::default());
    let signer = Arc::new(FakeSigner);
    let services = site_api::Services::new(
        store,
        signer.clone(),
        signer,
        Arc::new(RecordingPublisher::default()),
        Arc::new(FixedClock::at(NOW)),
        WriteLimit::DEFAULT_PER_MINUTE,
    );
    answer_well(site_api::router(services), method, target, body);
}

/// The chatbot: any body to `POST /api/chat`.
pub fn chat_request(data: &[u8]) {
    static ASSISTANT: OnceLock<Arc<Assistant>> = OnceLock::new();
    let assistant =
        ASSISTANT.get_or_init(|| Arc::new(chatbot::assistant().expect("the knowledge base reads")));
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at(NOW));
    let ports = chat_ports(&store, &clock, WriteLimit::DEFAULT_PER_MINUTE);
    let chat = Chat::new(assistant.clone(), ports, chatbot::settings::DEFAULT_LIMITS);
    let idempotency = Arc::new(Idempotency::new(store, clock, Lifetimes::DEFAULT));
    answer_well(
        chatbot::router(chat, idempotency),
        Method::POST,
        "/api/chat",
        data,
    );
}

/// Sends the request and checks the answer: never a 5xx (the fakes do not
/// fail, so a 5xx is a bug), and every error a JSON body with a code of
/// the API's.
fn answer_well(router: axum::Router, method: Method, target: &str, body: &[u8]) {
    let Ok(mut request) = Request::builder()
        .method(method)
        .uri(target)
        .header("content-type", "application/json")
        .body(Body::from(body.to_vec()))
    else {
        return; // not a request line a gateway would pass on
    };
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.http.source_ip = Some("203.0.113.7".into());
    request
        .extensions_mut()
        .insert(RequestContext::ApiGatewayV2(ctx));
    let response = block_on(router.oneshot(request)).expect("the router answers");
    let status = response.status();
    assert!(
        !status.is_server_error(),
        "{status} for {target:?} with {} body bytes",
        body.len()
    );
    if status.is_client_error() && status != axum::http::StatusCode::METHOD_NOT_ALLOWED {
        let bytes = block_on(to_bytes(response.into_body(), usize::MAX)).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&bytes).expect("an error body is JSON");
        let code = json["error"]["code"].as_str().expect("an error has a code");
        assert!(
            ErrorCode::ALL.iter().any(|c| c.as_str() == code),
            "unknown code {code}"
        );
    }
}
