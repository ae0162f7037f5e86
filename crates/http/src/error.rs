//! The API's errors: `{"error":{"code","message"}}` with the status of its
//! code, and `field` for `validation_failed`, so a form can show the
//! message beside the input it is about. Messages tell the caller what was wrong with *their* request;
//! internal causes go to the logs only.

use axum::Json;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rightnow_domain::{DomainError, Resource};
use serde::Serialize;

/// Every error code the API answers with, and its status. The README's
/// table of errors is checked against this list (site-api's tests/readme.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The body is not JSON.
    MalformedJson,
    /// The body is not UTF-8.
    InvalidUtf8,
    /// A cursor this API did not hand out.
    InvalidCursor,
    /// An `Idempotency-Key` header that is not one.
    InvalidIdempotencyKey,
    /// A page never viewed.
    PageNotFound,
    /// No video with that id.
    VideoNotFound,
    /// No report yet.
    ReportNotFound,
    /// A path no route serves (only when the function is called directly).
    NotFound,
    /// A request with the same `Idempotency-Key` is being answered;
    /// `Retry-After` says when to ask again.
    RequestInProgress,
    /// The body is over [`crate::MAX_BODY_BYTES`].
    PayloadTooLarge,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// Well-formed input that breaks a rule; the message names the field.
    ValidationFailed,
    /// An `Idempotency-Key` already used for another request body.
    IdempotencyKeyReused,
    /// Too many requests from this client or session; `Retry-After` says
    /// when to try again.
    RateLimited,
    /// Our side failed; nothing about it is told.
    Internal,
    /// A service behind the API (the table, the bus, a signer) did not
    /// answer; `Retry-After` says when to try again. Nothing about it is
    /// told.
    Unavailable,
}

impl ErrorCode {
    /// Every code, in the README's order.
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::MalformedJson,
        ErrorCode::InvalidUtf8,
        ErrorCode::InvalidCursor,
        ErrorCode::InvalidIdempotencyKey,
        ErrorCode::PageNotFound,
        ErrorCode::VideoNotFound,
        ErrorCode::ReportNotFound,
        ErrorCode::NotFound,
        ErrorCode::RequestInProgress,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::ValidationFailed,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::Unavailable,
    ];

    /// The code as it appears in `error.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::InvalidUtf8 => "invalid_utf8",
            ErrorCode::InvalidCursor => "invalid_cursor",
            ErrorCode::InvalidIdempotencyKey => "invalid_idempotency_key",
            ErrorCode::PageNotFound => "page_not_found",
            ErrorCode::VideoNotFound => "video_not_found",
            ErrorCode::ReportNotFound => "report_not_found",
            ErrorCode::NotFound => "not_found",
            ErrorCode::RequestInProgress => "request_in_progress",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
        }
    }

    /// The status every error of this code is answered with.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::MalformedJson
            | ErrorCode::InvalidUtf8
            | ErrorCode::InvalidCursor
            | ErrorCode::InvalidIdempotencyKey => StatusCode::BAD_REQUEST,
            ErrorCode::PageNotFound
            | ErrorCode::VideoNotFound
            | ErrorCode::ReportNotFound
            | ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::RequestInProgress => StatusCode::CONFLICT,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::ValidationFailed | ErrorCode::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The input that broke a rule, for `validation_failed`.
    pub field: Option<&'static str>,
    /// When to try again (`Retry-After`), for a limit.
    pub retry_after: Option<Duration>,
}

/// The error body, as sent.
#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    /// An error of `code`, with a message for the caller.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    fn envelope(&self) -> Envelope<'_> {
        Envelope {
            error: Body {
                code: self.code.as_str(),
                message: &self.message,
                field: self.field,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.code.status(), Json(self.envelope())).into_response();
        if let Some(after) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(after.as_secs()));
        }
        response
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(v) => ApiError {
                field: Some(v.field),
                ..ApiError::new(ErrorCode::ValidationFailed, v.to_string())
            },
            DomainError::BadCursor => ApiError::new(
                ErrorCode::InvalidCursor,
                "cursor must be a nextCursor value returned by this API",
            ),
            DomainError::NotFound(what) => {
                let code = match what {
                    Resource::Page => ErrorCode::PageNotFound,
                    Resource::Video => ErrorCode::VideoNotFound,
                    Resource::Report => ErrorCode::ReportNotFound,
                };
                ApiError::new(code, format!("no such {}", what.as_str()))
            }
            DomainError::Limited(after) => ApiError {
                retry_after: Some(after),
                ..ApiError::new(
                    ErrorCode::RateLimited,
                    format!("too many requests; try again in {} s", after.as_secs()),
                )
            },
            // A store or bus that failed is most often one that is busy
            // or briefly away: say so, and when to ask again (the site
            // does, with the same Idempotency-Key). The cause is logged.
            DomainError::Unavailable(cause) => {
                tracing::error!(error = %cause, "backing service failed");
                ApiError {
                    retry_after: Some(Duration::from_secs(1)),
                    ..ApiError::new(
                        ErrorCode::Unavailable,
                        "the service is unavailable just now; try again in a moment",
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The golden shape of the error body.
    #[test]
    fn error_envelope() {
        let e = ApiError::from(DomainError::Invalid(rightnow_domain::ValidationError::new(
            "author",
            "must be 1-40 characters",
        )));
        insta::assert_json_snapshot!(e.envelope());
    }

    #[test]
    fn only_a_validation_error_names_a_field() {
        let e = ApiError::from(DomainError::BadCursor);
        let body = serde_json::to_value(e.envelope()).unwrap();
        assert!(body["error"].get("field").is_none(), "{body}");
    }
}
