//! Handler-only latency of the chatbot: the axum router on the in-memory
//! fakes with the real knowledge base, one message at a time on a
//! current-thread tokio runtime (as in the function). No Lambda, no
//! network, no AWS: what matching, the dialogue and the bodies cost per
//! turn. And what loading the knowledge base costs at init, beside what
//! building its index would.
//!
//! `cargo bench -p chatbot --bench handlers [-- --quick]`. The group is
//! named after the package: `rightnow-bench` reads the medians from
//! `target/criterion/chatbot/*/new/estimates.json`.

use std::hint::black_box;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rightnow_domain::chat::dialogue::Assistant;
use rightnow_domain::chat::index::Matcher;
use rightnow_domain::chat::knowledge::KnowledgeBase;
use rightnow_domain::fakes::{FixedClock, InMemoryStore, chat_ports};
use rightnow_domain::idempotency::Lifetimes;
use rightnow_domain::page::Slug;
use rightnow_domain::ports::ViewCounter;
use rightnow_domain::services::{Chat, ChatLimits, Idempotency};
use time::macros::datetime;
use tower::ServiceExt;

/// A router on empty fakes, with limits no benchmark reaches.
fn app(assistant: &Arc<Assistant>) -> (axum::Router, Arc<InMemoryStore>) {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at(datetime!(2026-12-02 10:00 UTC)));
    let ports = chat_ports(&store, &clock, u32::MAX);
    let limits = ChatLimits {
        per_session: u32::MAX,
    };
    let idempotency = Arc::new(Idempotency::new(store.clone(), clock, Lifetimes::DEFAULT));
    let app = chatbot::router(Chat::new(assistant.clone(), ports, limits), idempotency);
    (app, store)
}

fn message(text: &str) -> Request<Body> {
    let body = serde_json::json!({ "message": text }).to_string();
    Request::builder()
        .method("POST")
        .uri("/api/chat")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("a valid request")
}

/// One message through the router, body read to the end.
async fn call(app: &axum::Router, req: Request<Body>) -> StatusCode {
    let res = app.clone().oneshot(req).await.expect("infallible router");
    let status = res.status();
    let body = to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("an in-memory body");
    black_box(body);
    status
}

fn handlers(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let mut g = c.benchmark_group("chatbot");

    // What init does: read the document and load the compiled-in index.
    g.bench_function("knowledge base: load (init)", |b| {
        b.iter(|| black_box(chatbot::assistant().expect("the knowledge base reads")))
    });
    // What init would do without the compiled-in index.
    let kb = KnowledgeBase::parse(chatbot::KNOWLEDGE_BASE).expect("the knowledge base reads");
    g.bench_function("knowledge base: build the index", |b| {
        b.iter(|| black_box(Matcher::new(&kb)))
    });

    let assistant = Arc::new(chatbot::assistant().expect("the knowledge base reads"));
    // Each turn stores a session in the fakes: a fresh router per batch,
    // built outside the timing, so the store does not grow.
    for (name, text) in [
        ("POST /api/chat", "What is a cold start?"),
        ("POST /api/chat, Korean", "콜드 스타트가 뭐예요?"),
        (
            "POST /api/chat, live views",
            "how many views does the page home have",
        ),
        (
            "POST /api/chat, fallback",
            "what's the weather in Paris tomorrow?",
        ),
    ] {
        let fresh = || {
            let (app, store) = app(&assistant);
            let home = Slug::parse("home").expect("a slug");
            rt.block_on(store.record_view(&home, datetime!(2026-12-02 09:00 UTC)))
                .expect("a view");
            app
        };
        assert_eq!(
            rt.block_on(call(&fresh(), message(text))),
            StatusCode::OK,
            "{name}"
        );
        g.bench_function(name, |b| {
            b.iter_batched(
                fresh,
                |app| rt.block_on(call(&app, message(text))),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, handlers);
criterion_main!(benches);
