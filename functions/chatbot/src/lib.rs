//! chatbot: the site's chat, `POST /api/chat`, as an axum router.
//!
//! The route turns the body into one call of the domain's
//! [`Chat`](rightnow_domain::services::Chat) service and its answer into
//! JSON. Matching, the conversation, the limits and the live answers are
//! the domain's; the error codes and the body rules are the HTTP API's
//! (`rightnow-http`), the same as site-api's.
//!
//! - `bodies`: the request and response bodies;
//! - [`settings`]: the message limits, from the environment.

mod bodies;
pub mod settings;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use rightnow_domain::chat::dialogue::Assistant;
use rightnow_domain::chat::index::{IndexError, Matcher, fingerprint};
use rightnow_domain::chat::knowledge::{KnowledgeBase, KnowledgeError};
use rightnow_domain::services::{Chat, Idempotency};
use rightnow_http::{ApiError, ClientAddress, ErrorCode, JsonBody, KeyedWrite};

use crate::bodies::{ChatReplyBody, NewMessageBody};

/// The knowledge base, compiled in: what the chat can talk about.
pub const KNOWLEDGE_BASE: &str = include_str!("../knowledge-base.json");

/// Its fingerprint, computed by the compiler: what the index must name.
pub const KNOWLEDGE_FINGERPRINT: u64 = fingerprint(KNOWLEDGE_BASE.as_bytes());

/// Its index, built by `tests/index.rs` and compiled in, so that init
/// reads arrays instead of cutting every example into features.
pub const KNOWLEDGE_INDEX: &[u8] = include_bytes!("../knowledge-index.bin");

/// Why the compiled-in knowledge base cannot be used.
#[derive(thiserror::Error)]
pub enum StartError {
    /// The document breaks a rule.
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    /// The index is not the document's.
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// What `main` prints when init fails (`Error: {:?}`): the sentence, which
/// says what to do, not the enum.
impl std::fmt::Debug for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// The compiled-in knowledge base, checked, with its compiled-in index.
pub fn assistant() -> Result<Assistant, StartError> {
    let kb = KnowledgeBase::parse(KNOWLEDGE_BASE)?;
    let index = Matcher::from_bytes(KNOWLEDGE_INDEX, KNOWLEDGE_FINGERPRINT)?;
    Ok(Assistant::with_index(kb, index))
}

/// The chat route, a message sent again with its `Idempotency-Key`
/// answered from `idempotency`. template.yaml declares the same route; an
/// e2e test checks that every declared route answers.
pub fn router(chat: Chat, idempotency: Arc<Idempotency>) -> Router {
    let router = Router::new()
        .route("/api/chat", post(send))
        .fallback(not_found)
        .with_state(Arc::new(chat));
    let router = rightnow_http::idempotency::on_writes(router, idempotency);
    // The whole request, its idempotency record included, within its
    // invocation's deadline.
    let router = rightnow_http::budget::within_deadline(router);
    rightnow_http::log::each_request(router, env!("CARGO_PKG_NAME"))
}

/// 200 with the answer; 422 `validation_failed` for an empty or
/// whitespace-only message, one over 1000 characters, or a session id
/// that is not one; 429 `rate_limited` with `Retry-After` over the
/// session's limit or the client's writes; and the body errors of
/// [`JsonBody`]. Nothing is written for any of these.
async fn send(
    State(chat): State<Arc<Chat>>,
    client: ClientAddress,
    KeyedWrite(write): KeyedWrite,
    JsonBody(input): JsonBody<NewMessageBody>,
) -> Result<Json<ChatReplyBody>, ApiError> {
    let reply = chat
        .send(input.into_domain(), client.as_str(), write)
        .await?;
    Ok(Json(reply.into()))
}

/// Only reached when the function is called directly (cargo lambda watch);
/// behind API Gateway an undeclared route never invokes the function.
async fn not_found() -> impl IntoResponse {
    ApiError::new(ErrorCode::NotFound, "no such route")
}
