//! Handler-only latency of site-api: the axum router on the in-memory fakes,
//! one request at a time, as in `tests/handlers.rs`, each driven to the end
//! on a current-thread tokio runtime (as in the function). No Lambda, no network,
//! no AWS: what our own code costs per request, apart from cold start and
//! DynamoDB.
//!
//! `cargo bench -p site-api --bench handlers [-- --quick]`. The group is
//! named after the package: `rightnow-bench` reads the medians from
//! `target/criterion/site-api/*/new/estimates.json`.

use std::hint::black_box;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rightnow_domain::fakes::{FakeSigner, FixedClock, InMemoryStore, RecordingPublisher};
use site_api::Services;
use time::macros::datetime;
use tokio::runtime::Runtime;
use tower::ServiceExt;

/// A fresh router on empty fakes.
fn app() -> axum::Router {
    let store = Arc::new(InMemoryStore::default());
    let signer = Arc::new(FakeSigner);
    let clock = Arc::new(FixedClock::at(datetime!(2026-11-27 10:00 UTC)));
    let bus = Arc::new(RecordingPublisher::default());
    // No write limit a benchmark's loop would reach.
    site_api::router(Services::new(
        store,
        signer.clone(),
        signer,
        bus,
        clock,
        u32::MAX,
    ))
}

fn request(method: &str, uri: &str, json: Option<&str>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(uri);
    let built = match json {
        Some(body) => builder
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned())),
        None => builder.body(Body::empty()),
    };
    built.expect("a valid request")
}

/// One request through the router, body read to the end (serialising the
/// answer is part of the handler's cost).
async fn call(app: &axum::Router, req: Request<Body>) -> StatusCode {
    let res = app.clone().oneshot(req).await.expect("infallible router");
    let status = res.status();
    let body = to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("an in-memory body");
    black_box(body);
    status
}

const COMMENT: &str = r#"{"author":"Ada","body":"Hello from the benchmark!"}"#;
const VIDEO: &str = r#"{"title":"Cat","contentType":"video/mp4","size":5}"#;

/// A router whose page `home` exists (viewed once): comments need a page.
fn app_with_page(rt: &Runtime) -> axum::Router {
    let app = app();
    let status = rt.block_on(call(&app, request("POST", "/api/pages/home/views", None)));
    assert_eq!(status, StatusCode::OK, "viewing a page");
    app
}

fn handlers(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let mut g = c.benchmark_group("site-api");

    // Each route is called once outside the timing to check that it is the
    // success path being measured, not an error.
    let expect = |app: &axum::Router, method, uri, json, status| {
        let got = rt.block_on(call(app, request(method, uri, json)));
        assert_eq!(got, status, "{method} {uri}");
    };

    let health = app();
    expect(&health, "GET", "/api/health", None, StatusCode::OK);
    g.bench_function("GET /api/health", |b| {
        b.iter(|| rt.block_on(call(&health, request("GET", "/api/health", None))))
    });

    // A counter: the store does not grow, the same router serves every call.
    let views = app();
    let uri = "/api/pages/home/views";
    expect(&views, "POST", uri, None, StatusCode::OK);
    g.bench_function("POST /api/pages/{slug}/views", |b| {
        b.iter(|| rt.block_on(call(&views, request("POST", uri, None))))
    });

    // A page of 10 from a page with 25 comments.
    let listed = app_with_page(&rt);
    for _ in 0..25 {
        expect(
            &listed,
            "POST",
            "/api/pages/home/comments",
            Some(COMMENT),
            StatusCode::CREATED,
        );
    }
    let uri = "/api/pages/home/comments?limit=10";
    expect(&listed, "GET", uri, None, StatusCode::OK);
    g.bench_function("GET /api/pages/{slug}/comments", |b| {
        b.iter(|| rt.block_on(call(&listed, request("GET", uri, None))))
    });

    // Writes grow the fakes (comments, published events, videos), so each
    // timed call gets a fresh router, built outside the timing.
    let uri = "/api/pages/home/comments";
    expect(
        &app_with_page(&rt),
        "POST",
        uri,
        Some(COMMENT),
        StatusCode::CREATED,
    );
    g.bench_function("POST /api/pages/{slug}/comments", |b| {
        b.iter_batched(
            || app_with_page(&rt),
            |app| rt.block_on(call(&app, request("POST", uri, Some(COMMENT)))),
            BatchSize::SmallInput,
        )
    });

    expect(
        &app(),
        "POST",
        "/api/videos",
        Some(VIDEO),
        StatusCode::CREATED,
    );
    g.bench_function("POST /api/videos", |b| {
        b.iter_batched(
            app,
            |app| rt.block_on(call(&app, request("POST", "/api/videos", Some(VIDEO)))),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, handlers);
criterion_main!(benches);
