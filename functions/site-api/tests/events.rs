//! Every sample event in events/site-api/ is a real API Gateway v2 event:
//! lambda_http parses it and the router answers it (on the fakes) with a
//! route of its own, never the fallback. The files are what
//! `cargo lambda invoke --data-file` sends.

use std::sync::Arc;

use axum::body::to_bytes;
use lambda_http::request::from_str;
use rightnow_domain::fakes::{FakeSigner, FixedClock, InMemoryStore, RecordingPublisher};
use rightnow_domain::services::WriteLimit;
use site_api::Services;
use time::macros::datetime;
use tower::ServiceExt;

#[tokio::test]
async fn every_sample_event_reaches_its_route() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/site-api");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let request = from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));

        let store = Arc::new(InMemoryStore::default());
        let signer = Arc::new(FakeSigner);
        let clock = Arc::new(FixedClock::at(datetime!(2026-11-27 10:00 UTC)));
        let services = Services::new(
            store,
            signer.clone(),
            signer,
            Arc::new(RecordingPublisher::default()),
            clock,
            WriteLimit::DEFAULT_PER_MINUTE,
        );
        let response = site_api::router(services)
            .oneshot(request.map(axum::body::Body::new))
            .await
            .unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("\"not_found\""),
            "{}: fell through to no route",
            path.display()
        );
        assert!(status.as_u16() < 500, "{}: {status} {text}", path.display());
        seen += 1;
    }
    assert!(seen >= 8, "one event per route at least, found {seen}");
}
