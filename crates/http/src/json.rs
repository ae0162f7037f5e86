//! The JSON body extractor: every way a body can be wrong gets its own clear
//! error, checked before anything is written.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};

/// Bodies over this many bytes are refused with 413. Every body this API
/// takes fits in far less (a 2000-character comment is at most 8 KiB, a
/// 1000-character chat message 4 KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A JSON request body of type `T`.
///
/// - not `application/json` → 415 `unsupported_media_type`
/// - over [`MAX_BODY_BYTES`] → 413 `payload_too_large`
/// - not UTF-8 (or holding U+FFFD, the gateway's mark of bytes that were
///   not) → 400 `invalid_utf8`
/// - not JSON → 400 `malformed_json`
/// - JSON of the wrong shape (missing field, wrong type, unknown field) →
///   422 `validation_failed`
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the body as Content-Type: application/json",
            ));
        }
        let bytes = to_bytes(Body::new(req.into_body()), MAX_BODY_BYTES)
            .await
            .map_err(|_| {
                ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("the body is over {MAX_BODY_BYTES} bytes"),
                )
            })?;
        // API Gateway hands a JSON body to the function as text, with bytes
        // that are not UTF-8 already replaced by U+FFFD; a body that reaches
        // us as raw bytes may still hold them. Refuse both.
        let invalid_utf8 = || ApiError::new(ErrorCode::InvalidUtf8, "the body is not valid UTF-8");
        let text = std::str::from_utf8(&bytes).map_err(|_| invalid_utf8())?;
        if text.contains(char::REPLACEMENT_CHARACTER) {
            return Err(invalid_utf8());
        }
        parse(text).map(JsonBody)
    }
}

fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    use serde_json::error::Category;
    let malformed = |e: &serde_json::Error| {
        ApiError::new(
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON ({})", strip_position(e)),
        )
    };
    // Syntax first, so that `[1,2` is malformed JSON, not a wrong shape.
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| malformed(&e))?;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            // Well-formed JSON of the wrong shape: say which field.
            Category::Data => {
                let message = match path.as_str() {
                    "." => strip_position(&inner),
                    field => format!("{field}: {}", strip_position(&inner)),
                };
                ApiError::new(ErrorCode::ValidationFailed, message)
            }
            Category::Syntax | Category::Eof | Category::Io => malformed(&inner),
        }
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

/// serde_json's message without " at line 1 column 9": the field and the
/// problem are what the caller needs.
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}
