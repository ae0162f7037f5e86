//! The edge of the HTTP API that its functions share: site-api and the
//! chatbot sit behind the same gateway, so a caller meets one error body,
//! one set of codes and one set of body rules, whichever answers.
//!
//! - [`error`]: the error codes, their statuses, and the error body;
//! - [`json`]: the JSON body extractor and its errors;
//! - [`log`]: one log line per request answered.
//!
//! Each function still owns its request and response bodies.

pub mod error;
pub mod json;
pub mod log;

pub use error::{ApiError, ErrorCode};
pub use json::{JsonBody, MAX_BODY_BYTES};
