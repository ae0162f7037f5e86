//! site-api: the HTTP API of the site, as an axum router.
//!
//! Each route turns a request into one call on a domain service and the
//! result into JSON. No business rule lives here: validation, the 404 for an
//! unknown page and what gets published are the domain's. The router is
//! built on ports, so handler tests run it on the in-memory fakes.
//!
//! - `bodies`: the wire format, every request and response body;
//! - `routes`: the handlers.
//!
//! The error codes and body and the JSON body rules are the HTTP API's,
//! shared with the chatbot (`rightnow-http`).

mod bodies;
mod routes;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use rightnow_domain::clock::Clock;
use rightnow_domain::idempotency::Lifetimes;
use rightnow_domain::ports::{
    CommentStore, DownloadUrls, EventPublisher, IdempotencyStore, RateLimiter, ReportIndex,
    UploadUrls, VideoStore, ViewCounter,
};
use rightnow_domain::services::{
    Comments, Idempotency, PageViewsService, Reports, Videos, WriteLimit,
};

pub use rightnow_http::{ApiError, ErrorCode, MAX_BODY_BYTES};

/// The domain services the routes call, built once per sandbox.
pub struct Services {
    /// Page views.
    pub views: PageViewsService,
    /// Comments.
    pub comments: Comments,
    /// Video uploads.
    pub videos: Videos,
    /// Reports.
    pub reports: Reports,
    /// The records of writes sent with an `Idempotency-Key`.
    pub idempotency: Arc<Idempotency>,
}

impl Services {
    /// Wires the services to their ports: `store` is the app table (it
    /// also counts each client's writes, at most `writes_per_minute` a
    /// minute over comments and video registrations, and keeps the records
    /// of idempotent writes), `media` signs uploads and playback, `reports`
    /// signs report downloads.
    pub fn new<S, M, R>(
        store: Arc<S>,
        media: Arc<M>,
        reports: Arc<R>,
        bus: Arc<dyn EventPublisher>,
        clock: Arc<dyn Clock>,
        writes_per_minute: u32,
    ) -> Self
    where
        S: ViewCounter
            + CommentStore
            + VideoStore
            + ReportIndex
            + RateLimiter
            + IdempotencyStore
            + 'static,
        M: UploadUrls + DownloadUrls + 'static,
        R: DownloadUrls + 'static,
    {
        // One limit for every write route, built once.
        let writes = Arc::new(WriteLimit::new(
            store.clone(),
            clock.clone(),
            writes_per_minute,
        ));
        Self {
            views: PageViewsService::new(store.clone(), clock.clone()),
            comments: Comments::new(store.clone(), bus, clock.clone(), writes.clone()),
            videos: Videos::new(store.clone(), media.clone(), media, clock.clone(), writes),
            reports: Reports::new(store.clone(), reports),
            idempotency: Arc::new(Idempotency::new(store, clock, Lifetimes::DEFAULT)),
        }
    }
}

/// Every route of site-api. template.yaml declares the same list; an e2e test
/// checks that the two agree.
pub fn router(services: Services) -> Router {
    let router = Router::new()
        .route("/api/health", get(routes::health))
        .route(
            "/api/pages/{slug}/views",
            get(routes::page_views).post(routes::record_view),
        )
        .route(
            "/api/pages/{slug}/comments",
            get(routes::list_comments).post(routes::post_comment),
        )
        .route("/api/videos", post(routes::register_video))
        .route("/api/videos/{id}", get(routes::video_status))
        .route("/api/reports/latest", get(routes::latest_report))
        .route("/api/reports/{date}", get(routes::day_report))
        .fallback(routes::not_found);
    let idempotency = services.idempotency.clone();
    let router = router.with_state(Arc::new(services));
    // A POST sent again with its Idempotency-Key gets the first answer.
    let router = rightnow_http::idempotency::on_writes(router, idempotency);
    // The whole request, its idempotency record included, within its
    // invocation's deadline.
    let router = rightnow_http::budget::within_deadline(router);
    rightnow_http::log::each_request(router, env!("CARGO_PKG_NAME"))
}
