//! The API's errors: `{"error":{"code","message"}}` with the right status.
//! Messages tell the caller what was wrong with *their* request; internal
//! causes go to the logs only.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rightnow_domain::DomainError;
use serde::Serialize;

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Envelope {
            error: Body {
                code: self.code,
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(v) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                v.to_string(),
            ),
            DomainError::BadCursor => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
                "cursor must be a nextCursor value returned by this API",
            ),
            DomainError::NotFound(what) => {
                let code = match what {
                    rightnow_domain::Resource::Page => "page_not_found",
                    rightnow_domain::Resource::Video => "video_not_found",
                    rightnow_domain::Resource::Report => "report_not_found",
                };
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    code,
                    format!("no such {}", what.as_str()),
                )
            }
            DomainError::Unavailable(cause) => {
                tracing::error!(error = %cause, "backing service failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side; try again",
                )
            }
        }
    }
}
