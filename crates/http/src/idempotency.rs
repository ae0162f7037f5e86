//! `Idempotency-Key` on the write routes: a POST sent again with the key
//! of an earlier one gets that one's answer, and writes nothing more (the
//! domain's [`Idempotency`] keeps the records). A POST without the header
//! is served as it comes; every other method passes through.
//!
//! The record is scoped by method and path (`POST /api/pages/home/comments`),
//! so a key reused on another route is another record. Its fingerprint is
//! a SHA-256 of the content type and body: the same key with another
//! payload is refused, not replayed.
//!
//! A write that runs gets the record's [`WriteId`] (the [`KeyedWrite`]
//! extractor): what it makes is named by it, so that a retry after a lost
//! answer finds what the first attempt made instead of making it again.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::FromRequestParts;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rightnow_domain::idempotency::{Answer, Begun, Fingerprint, IdempotencyKey, WriteId};
use rightnow_domain::services::Idempotency;
use sha2::{Digest, Sha256};

use crate::{ApiError, ErrorCode, MAX_BODY_BYTES};

/// The request header a client names its write with.
pub const HEADER: &str = "idempotency-key";

/// The response header that marks an answer given again.
pub const REPLAYED: &str = "idempotent-replayed";

/// How long keeping a write's answer, or letting its key go, may add to
/// the answer: both need the store, which may be what just failed. Either
/// left undone, the key's lock lapses, and a retry runs as the same write
/// (it finds what the write made).
const BOOKKEEPING_WITHIN: Duration = Duration::from_millis(500);

/// Adds the middleware to `router`: every POST with the header is run once.
pub fn on_writes(router: axum::Router, records: Arc<Idempotency>) -> axum::Router {
    router.layer(axum::middleware::from_fn_with_state(records, run_once))
}

async fn run_once(
    State(records): State<Arc<Idempotency>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(raw) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let key = match raw
        .to_str()
        .map_err(|_| ())
        .and_then(|k| IdempotencyKey::parse(k).map_err(|_| ()))
    {
        Ok(key) => key,
        Err(()) => {
            return ApiError::new(
                ErrorCode::InvalidIdempotencyKey,
                format!(
                    "Idempotency-Key must be 1 to {} characters of A-Z, a-z, 0-9, - and _",
                    IdempotencyKey::MAX_LEN
                ),
            )
            .into_response();
        }
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body is over {} KiB", MAX_BODY_BYTES / 1024),
        )
        .into_response();
    };
    let record = format!("{} {}#{}", parts.method, parts.uri.path(), key.as_str());
    let fingerprint = fingerprint(
        parts
            .headers
            .get(header::CONTENT_TYPE)
            .map(HeaderValue::as_bytes),
        &bytes,
    );

    match records.begin(&record, &fingerprint).await {
        Err(e) => ApiError::from(e).into_response(),
        Ok(Begun::Done(answer)) => replay(answer),
        Ok(Begun::InProgress) => ApiError {
            retry_after: Some(Duration::from_secs(1)),
            ..ApiError::new(
                ErrorCode::RequestInProgress,
                "a request with this Idempotency-Key is being answered; retry shortly",
            )
        }
        .into_response(),
        Ok(Begun::OtherPayload) => ApiError::new(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was used for another request body",
        )
        .into_response(),
        Ok(Begun::Run(write)) => {
            let mut request = Request::from_parts(parts, Body::from(bytes));
            request.extensions_mut().insert(write);
            let response = next.run(request).await;
            keep(&records, &record, &fingerprint, response).await
        }
    }
}

/// Keeps the answer of a write that ran, when it is one to give again: a
/// success, or a refusal of the request itself. One that says "not now"
/// (429, 5xx) lets the key go, so that the client's retry runs.
async fn keep(
    records: &Idempotency,
    record: &str,
    fingerprint: &Fingerprint,
    response: Response,
) -> Response {
    let status = response.status();
    let final_answer = status.is_success()
        || (status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS);
    if !final_answer {
        match tokio::time::timeout(BOOKKEEPING_WITHIN, records.release(record)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, record, "idempotency key not released"),
            Err(_) => tracing::error!(record, "idempotency key not released in time"),
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    // The API's answers are small JSON bodies; one that is not cannot be
    // kept, and is answered once.
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError::new(ErrorCode::Internal, "the answer could not be kept").into_response();
    };
    let answer = Answer {
        status: status.as_u16(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    };
    // The write is done: answer it, kept or not. A retry finds the key
    // held until its lock lapses.
    let kept = records.finish(record, fingerprint, &answer);
    match tokio::time::timeout(BOOKKEEPING_WITHIN, kept).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, record, "idempotent answer not kept"),
        Err(_) => tracing::error!(record, "idempotent answer not kept in time"),
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The [`WriteId`] of a write sent with an `Idempotency-Key`, `None`
/// without one: the name of what the handler makes.
#[derive(Debug, Clone, Copy)]
pub struct KeyedWrite(pub Option<WriteId>);

impl<S: Send + Sync> FromRequestParts<S> for KeyedWrite {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<WriteId>().copied()))
    }
}

fn replay(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

/// The content type and body, hashed: what makes two requests the same.
fn fingerprint(content_type: Option<&[u8]>, body: &[u8]) -> Fingerprint {
    let mut hash = Sha256::new();
    hash.update(content_type.unwrap_or_default());
    hash.update([0]);
    hash.update(body);
    let digest = hash.finalize();
    Fingerprint(digest.iter().map(|b| format!("{b:02x}")).collect())
}
