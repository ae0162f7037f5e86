//! site-api's router on the in-memory fakes: each route's status and JSON,
//! and every bad input's error, with proof that nothing was written.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use rightnow_domain::fakes::{FakeSigner, FixedClock, InMemoryStore, RecordingPublisher};
use rightnow_domain::page::Slug;
use rightnow_domain::services::WriteLimit;
use serde_json::{Value, json};
use site_api::{MAX_BODY_BYTES, Services};
use time::macros::datetime;
use tower::ServiceExt;

struct Harness {
    store: Arc<InMemoryStore>,
    bus: Arc<RecordingPublisher>,
    app: axum::Router,
}

fn harness() -> Harness {
    harness_with_writes(WriteLimit::DEFAULT_PER_MINUTE)
}

/// A router on fresh fakes whose clients may write `per_minute` times a
/// minute (the clock stands at the start of one).
fn harness_with_writes(per_minute: u32) -> Harness {
    let store = Arc::new(InMemoryStore::default());
    let bus = Arc::new(RecordingPublisher::default());
    let clock = Arc::new(FixedClock::at(datetime!(2026-11-27 10:00 UTC)));
    let signer = Arc::new(FakeSigner);
    let services = Services::new(
        store.clone(),
        signer.clone(),
        signer,
        bus.clone(),
        clock,
        per_minute,
    );
    Harness {
        store,
        bus,
        app: site_api::router(services),
    }
}

impl Harness {
    async fn call(
        &self,
        method: &str,
        uri: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = self
            .app
            .clone()
            .oneshot(req.body(body.into()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, json)
    }

    /// A JSON POST as API Gateway delivers it from `ip`: status,
    /// `Retry-After`, body.
    async fn post_from(
        &self,
        ip: &str,
        uri: &str,
        body: Value,
    ) -> (StatusCode, Option<String>, Value) {
        let mut req = Request::builder()
            .method("POST")
            .uri(uri)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let mut ctx = ApiGatewayV2httpRequestContext::default();
        ctx.http.source_ip = Some(ip.to_owned());
        req.extensions_mut()
            .insert(RequestContext::ApiGatewayV2(ctx));
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let retry_after = res
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
        (
            status,
            retry_after,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.call("GET", uri, None, Body::empty()).await
    }

    async fn post_json(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.call("POST", uri, Some("application/json"), body.to_string())
            .await
    }
}

/// A bad request: its name, content type and body, and the expected status
/// and error code.
type Case<'a> = (&'a str, Option<&'a str>, Body, StatusCode, &'a str);

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn health_answers_ok() {
    let h = harness();
    let (status, body) = h.get("/api/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn views_count_up_and_read_back() {
    let h = harness();
    assert_eq!(
        h.get("/api/pages/home/views").await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = h
        .call("POST", "/api/pages/home/views", None, Body::empty())
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"slug":"home","views":1}))
    );
    h.call("POST", "/api/pages/home/views", None, Body::empty())
        .await;
    assert_eq!(h.get("/api/pages/home/views").await.1["views"], 2);
}

#[tokio::test]
async fn posting_and_listing_comments() {
    let h = harness();
    h.call("POST", "/api/pages/home/views", None, Body::empty())
        .await;
    let (status, posted) = h
        .post_json(
            "/api/pages/home/comments",
            json!({"author":"Ada","body":"Hello"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(posted["author"], "Ada");
    assert_eq!(posted["createdAt"], "2026-11-27T10:00:00Z");
    assert_eq!(h.bus.published().len(), 1);

    let (status, list) = h.get("/api/pages/home/comments?limit=10").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["comments"][0]["id"], posted["id"]);
    assert_eq!(list["nextCursor"], Value::Null);
}

#[tokio::test]
async fn comment_errors_are_clear_and_write_nothing() {
    let h = harness();
    h.call("POST", "/api/pages/home/views", None, Body::empty())
        .await;
    let url = "/api/pages/home/comments";
    let ok_body = json!({"author":"Ada","body":"Hi"}).to_string();
    let cases: Vec<Case> = vec![
        (
            "malformed",
            Some("application/json"),
            Body::from("{\"author\":"),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "not utf-8",
            Some("application/json"),
            Body::from(vec![b'{', 0xff, 0xfe, b'}']),
            StatusCode::BAD_REQUEST,
            "invalid_utf8",
        ),
        (
            "too large",
            Some("application/json"),
            Body::from(format!(
                "{{\"author\":\"Ada\",\"body\":\"{}\"}}",
                "x".repeat(MAX_BODY_BYTES)
            )),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "no content type",
            None,
            Body::from(ok_body.clone()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "text/plain",
            Some("text/plain"),
            Body::from(ok_body.clone()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "missing field",
            Some("application/json"),
            Body::from("{\"author\":\"Ada\"}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "unknown field",
            Some("application/json"),
            Body::from("{\"author\":\"Ada\",\"body\":\"x\",\"admin\":true}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "blank author",
            Some("application/json"),
            Body::from("{\"author\":\"  \",\"body\":\"x\"}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "long body",
            Some("application/json"),
            Body::from(json!({"author":"Ada","body":"b".repeat(2001)}).to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
    ];
    for (name, ct, body, want_status, want_code) in cases {
        let (status, json) = h.call("POST", url, ct, body).await;
        assert_eq!(
            (status, error_code(&json)),
            (want_status, want_code),
            "{name}: {json}"
        );
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{name}"
        );
    }
    // A rule broken by one input names it, for the form to show the
    // message beside that input.
    for (body, field) in [
        (json!({"author": "  ", "body": "x"}), "author"),
        (json!({"author": "Ada", "body": "b".repeat(2001)}), "body"),
    ] {
        let ct = Some("application/json");
        let (_, json) = h.call("POST", url, ct, Body::from(body.to_string())).await;
        assert_eq!(json["error"]["field"], field, "{json}");
    }
    let (status, json) = h
        .post_json(
            "/api/pages/Bad_Slug/comments",
            json!({"author":"Ada","body":"Hi"}),
        )
        .await;
    assert_eq!(
        (status, error_code(&json)),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
    );
    let (status, json) = h
        .post_json(
            "/api/pages/unknown/comments",
            json!({"author":"Ada","body":"Hi"}),
        )
        .await;
    assert_eq!(
        (status, error_code(&json)),
        (StatusCode::NOT_FOUND, "page_not_found")
    );

    assert_eq!(h.store.comment_count(&Slug::parse("home").unwrap()), 0);
    assert_eq!(h.store.comment_count(&Slug::parse("unknown").unwrap()), 0);
    assert!(h.bus.published().is_empty());
}

#[tokio::test]
async fn listing_errors() {
    let h = harness();
    h.call("POST", "/api/pages/home/views", None, Body::empty())
        .await;
    let (status, json) = h.get("/api/pages/home/comments?cursor=nope").await;
    assert_eq!(
        (status, error_code(&json)),
        (StatusCode::BAD_REQUEST, "invalid_cursor")
    );
    let (status, json) = h.get("/api/pages/home/comments?limit=1000").await;
    assert_eq!(
        (status, error_code(&json)),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
    );
    let (status, json) = h.get("/api/pages/home/comments?limit=1&limit=2").await;
    assert_eq!(
        (status, error_code(&json)),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        "{json}"
    );
    let (status, json) = h.get("/api/pages/elsewhere/comments").await;
    assert_eq!(
        (status, error_code(&json)),
        (StatusCode::NOT_FOUND, "page_not_found")
    );
}

#[tokio::test]
async fn registering_a_video_and_reading_its_status() {
    let h = harness();
    let (status, ticket) = h
        .post_json(
            "/api/videos",
            json!({"title":"Cat","contentType":"video/mp4","size":42}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    assert_eq!(ticket["expiresAt"], "2026-11-27T10:15:00Z");
    let id = ticket["id"].as_str().unwrap();
    assert!(
        ticket["uploadUrl"]
            .as_str()
            .unwrap()
            .contains(&format!("uploads/{id}"))
    );

    let (status, view) = h.get(&format!("/api/videos/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["status"], "awaiting_upload");
    assert!(view.get("playbackUrl").is_none());
}

#[tokio::test]
async fn video_errors_write_nothing() {
    let h = harness();
    for (body, field) in [
        (
            json!({"title":"","contentType":"video/mp4","size":1}),
            "title",
        ),
        (
            json!({"title":"Cat","contentType":"image/gif","size":1}),
            "contentType",
        ),
        (
            json!({"title":"Cat","contentType":"video/mp4","size":0}),
            "size",
        ),
        (
            json!({"title":"Cat","contentType":"video/mp4","size":524_288_001u64}),
            "size",
        ),
        (
            json!({"title":"Cat","contentType":"video/mp4","size":-1}),
            "size",
        ),
    ] {
        let (status, json) = h.post_json("/api/videos", body).await;
        assert_eq!(
            (status, error_code(&json)),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
        );
        assert!(
            json["error"]["message"].as_str().unwrap().contains(field),
            "{json}"
        );
    }
    assert_eq!(h.store.video_count(), 0);
    let (status, json) = h.get("/api/videos/01jdzzzzzzzzzzzzzzzzzzzzzz").await;
    assert_eq!(
        (status, error_code(&json)),
        (StatusCode::NOT_FOUND, "video_not_found")
    );
}

#[tokio::test]
async fn no_report_yet_is_a_404() {
    let h = harness();
    for path in ["/api/reports/latest", "/api/reports/2026-11-30"] {
        let (status, json) = h.get(path).await;
        assert_eq!(
            (status, error_code(&json)),
            (StatusCode::NOT_FOUND, "report_not_found"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_report_date_that_is_not_a_day_is_a_422_naming_the_date() {
    let h = harness();
    for (date, says) in [
        ("2026-1-30", "must be a day as YYYY-MM-DD"),
        ("yesterday", "must be a day as YYYY-MM-DD"),
        ("2026-02-30", "2026-02-30 is not a day of the calendar"),
    ] {
        let (status, json) = h.get(&format!("/api/reports/{date}")).await;
        assert_eq!(
            (status, error_code(&json)),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            "{date}"
        );
        let message = json["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{date}: {message}");
    }
}

#[tokio::test]
async fn a_failing_store_is_a_503_to_retry_that_leaks_nothing() {
    let h = harness();
    h.store
        .fail
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let (status, json) = h.get("/api/pages/home/views").await;
    assert_eq!(
        (status, error_code(&json)),
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    );
    assert!(!json.to_string().contains("fake"), "{json}");
    // A write says when to try again; the site does, with its key.
    let (status, retry_after, json) = h
        .post_from(
            "203.0.113.7",
            "/api/pages/home/comments",
            json!({"author": "A", "body": "B"}),
        )
        .await;
    assert_eq!(
        (status, retry_after.as_deref()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("1"))
    );
    assert!(!json.to_string().contains("unreachable"), "{json}");
}

#[tokio::test]
async fn a_body_the_gateway_decoded_lossily_is_invalid_utf8() {
    let h = harness();
    h.call("POST", "/api/pages/home/views", None, Body::empty())
        .await;
    let body = json!({"author": "Ada", "body": "bad \u{FFFD} bytes"}).to_string();
    let (status, json) = h
        .call(
            "POST",
            "/api/pages/home/comments",
            Some("application/json"),
            body,
        )
        .await;
    assert_eq!(
        (status, error_code(&json)),
        (StatusCode::BAD_REQUEST, "invalid_utf8")
    );
    let (status, json) = h
        .call("POST", "/api/videos", Some("application/json"), "[1,2")
        .await;
    assert_eq!(
        (status, error_code(&json)),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    assert_eq!(h.store.comment_count(&Slug::parse("home").unwrap()), 0);
}

/// Found by the `site_api_request` fuzz target: axum answered a path
/// parameter that decodes to bytes that are not UTF-8 with a text body.
#[tokio::test]
async fn a_path_parameter_that_is_not_utf8_once_decoded_is_invalid_utf8() {
    let h = harness();
    h.call("POST", "/api/pages/home/views", None, Body::empty())
        .await;
    for (method, path) in [
        ("GET", "/api/pages/%C6/views"),
        ("POST", "/api/pages/ho%C6me/views"),
        ("GET", "/api/pages/%C6%28/comments"),
        ("POST", "/api/pages/%FF/comments"),
        ("GET", "/api/videos/01ab12j3;%c6]9{"),
        ("GET", "/api/reports/2026-12-0%C6"),
    ] {
        let (status, json) = h
            .call(
                method,
                path,
                Some("application/json"),
                json!({"author": "Ada", "body": "Hi"}).to_string(),
            )
            .await;
        assert_eq!(
            (status, error_code(&json)),
            (StatusCode::BAD_REQUEST, "invalid_utf8"),
            "{method} {path}: {json}"
        );
    }
    assert_eq!(h.store.comment_count(&Slug::parse("home").unwrap()), 0);
}

#[tokio::test]
async fn comments_and_video_registrations_share_one_write_limit_per_address() {
    // GIVEN an address allowed 2 writes a minute, on a known page
    let h = harness_with_writes(2);
    h.post_json("/api/pages/home/views", json!({})).await;
    let comment = json!({"author": "Ada", "body": "Hi"});
    let video = json!({"title": "Cat", "contentType": "video/mp4", "size": 10});
    let ip = "203.0.113.7";
    // WHEN it posts a bad comment (refused for what it is, at no cost),
    // a comment, a video, and then one more of each
    let (status, _, _) = h
        .post_from(
            ip,
            "/api/pages/home/comments",
            json!({"author": "", "body": "Hi"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = h
        .post_from(ip, "/api/pages/home/comments", comment.clone())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, _) = h.post_from(ip, "/api/videos", video.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    // THEN each further write is 429 rate_limited, saying when to retry
    // (the whole minute is left), and nothing more is stored
    for (uri, body) in [
        ("/api/pages/home/comments", comment.clone()),
        ("/api/videos", video),
    ] {
        let (status, retry_after, json) = h.post_from(ip, uri, body).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{uri}: {json}");
        assert_eq!(json["error"]["code"], "rate_limited");
        assert_eq!(retry_after.as_deref(), Some("60"));
    }
    assert_eq!(h.store.comment_count(&Slug::parse("home").unwrap()), 1);
    assert_eq!(h.store.video_count(), 1);
    // AND another address has its own allowance
    let (status, _, _) = h
        .post_from("198.51.100.1", "/api/pages/home/comments", comment)
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_comment_sent_again_with_its_idempotency_key_is_stored_once() {
    let h = harness();
    h.post_json("/api/pages/home/views", json!({})).await;
    let post = |body: Value| {
        let req = Request::builder()
            .method("POST")
            .uri("/api/pages/home/comments")
            .header("content-type", "application/json")
            .header("idempotency-key", "5f0c4b1e-retry")
            .body(Body::from(body.to_string()))
            .unwrap();
        let app = h.app.clone();
        async move {
            let res = app.oneshot(req).await.unwrap();
            let replayed = res.headers().contains_key("idempotent-replayed");
            let status = res.status();
            let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
            (
                status,
                replayed,
                serde_json::from_slice::<Value>(&bytes).unwrap(),
            )
        }
    };
    // GIVEN a comment posted with a key
    let (status, replayed, first) = post(json!({"author": "Ada", "body": "Hi"})).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, false));
    // WHEN the client sends it again (its first answer lost to a timeout)
    let (status, replayed, again) = post(json!({"author": "Ada", "body": "Hi"})).await;
    // THEN it gets the first answer, the same comment, and one is stored
    assert_eq!((status, replayed), (StatusCode::CREATED, true));
    assert_eq!(again, first);
    assert_eq!(h.store.comment_count(&Slug::parse("home").unwrap()), 1);
    assert_eq!(h.bus.published().len(), 1);
    // AND the key with another comment is refused, storing nothing
    let (status, _, other) = post(json!({"author": "Ada", "body": "Other"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other["error"]["code"], "idempotency_key_reused");
    assert_eq!(h.store.comment_count(&Slug::parse("home").unwrap()), 1);
}
