//! The edge of the HTTP API that its functions share: site-api and the
//! chatbot sit behind the same gateway, so a caller meets one error body,
//! one set of codes and one set of body rules, whichever answers.
//!
//! - [`budget`]: the time a request may take, from its invocation's deadline;
//! - [`client`]: the caller's address, as API Gateway saw it;
//! - [`error`]: the error codes, their statuses, and the error body;
//! - [`idempotency`]: `Idempotency-Key` on the write routes;
//! - [`json`]: the JSON body extractor and its errors;
//! - [`log`]: one log line per request answered;
//! - [`path`]: the path parameter extractor and its error;
//! - [`settings`]: the functions' numeric settings, from the environment.
//!
//! Each function still owns its request and response bodies.

pub mod budget;
pub mod client;
pub mod error;
pub mod idempotency;
pub mod json;
pub mod log;
pub mod path;
pub mod settings;

pub use client::ClientAddress;
pub use error::{ApiError, ErrorCode};
pub use idempotency::KeyedWrite;
pub use json::{JsonBody, MAX_BODY_BYTES};
pub use path::PathParam;
