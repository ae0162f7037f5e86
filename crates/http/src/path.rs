//! The path parameter extractor: a parameter that cannot be read gets the
//! API's error body, like every other bad input, instead of axum's text.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::error::{ApiError, ErrorCode};

/// The one parameter of a route's path, percent-decoded.
///
/// - decoding to bytes that are not UTF-8 (`%C6` alone) → 400
///   `invalid_utf8`
///
/// What the value must be (a slug, an id, a day) is the handler's to check.
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(PathParam(value)),
            Err(PathRejection::FailedToDeserializePathParams(e))
                if matches!(
                    e.kind(),
                    axum::extract::path::ErrorKind::InvalidUtf8InPathParam { .. }
                ) =>
            {
                Err(ApiError::new(
                    ErrorCode::InvalidUtf8,
                    "the path is not valid UTF-8 once decoded",
                ))
            }
            // A route without exactly one parameter: ours to fix, not the
            // caller's, and nothing about it is told.
            Err(e) => {
                tracing::error!(error = %e, "path parameter not extracted");
                Err(ApiError::new(
                    ErrorCode::Internal,
                    "the request could not be answered",
                ))
            }
        }
    }
}
