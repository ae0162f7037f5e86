//! Errors the business can report. Each maps to one HTTP status in the
//! functions; none carries infrastructure detail to the caller.

use crate::ports::PortError;

/// An input broke a rule. `field` names the offending input so a caller can
/// point at it; `message` says what the rule is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The input's name, as the caller wrote it (`author`, `contentType`).
    pub field: &'static str,
    /// The rule it broke.
    pub message: String,
}

impl ValidationError {
    /// `field` broke the rule `message` says.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// The kinds of thing a request can name that may not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// A page of the site.
    Page,
    /// An uploaded video.
    Video,
    /// A daily report.
    Report,
}

impl Resource {
    /// The kind's name in messages: `page`.
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Page => "page",
            Resource::Video => "video",
            Resource::Report => "report",
        }
    }
}

/// Everything a service call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// An input broke a rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A cursor that this API did not hand out (or that was altered).
    #[error("the cursor is not one this API returned")]
    BadCursor,
    /// The request names something that does not exist.
    #[error("no such {}", .0.as_str())]
    NotFound(Resource),
    /// The caller used up a rate limit; it may try again after this long.
    #[error("rate limited; retry after {} s", .0.as_secs())]
    Limited(std::time::Duration),
    /// A port failed: the store, the signer or the bus. The source is for
    /// logs only; callers see a generic message.
    #[error("a backing service failed: {0}")]
    Unavailable(#[from] PortError),
}
