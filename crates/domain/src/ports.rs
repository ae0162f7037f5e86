//! The ports: one narrow trait per capability the business needs from
//! outside. A function wires only the ports it uses, and its IAM policy
//! grants exactly those. Adapters: `rightnow-aws`; fakes: [`crate::fakes`].

use std::time::Duration;

use async_trait::async_trait;
use time::Date;

use crate::comment::{Comment, CommentId, CommentPage};
use crate::events::DomainEvent;
use crate::page::Slug;
use crate::report::ReportPointer;
use crate::video::{Video, VideoId, VideoStatus, VideoType};

/// A backing service failed. Carries the cause for the logs; never shown to
/// a caller.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PortError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl PortError {
    /// Wraps the cause of a failure.
    pub fn new(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(e.into())
    }
}

/// What every port returns.
pub type PortResult<T> = Result<T, PortError>;

/// Page view counters.
#[async_trait]
pub trait ViewCounter: Send + Sync {
    /// The page's total, or `None` if the page was never viewed. A stored
    /// count that is not a count is an error, never 0.
    async fn views(&self, page: &Slug) -> PortResult<Option<u64>>;
    /// Adds one view to the page's total and to `day`'s activity, both or
    /// neither: on an error nothing was counted, so a retry counts once.
    /// Returns the page's total including this view (and any counted
    /// concurrently).
    async fn record_view(&self, page: &Slug, day: Date) -> PortResult<u64>;
}

/// The outcome of storing a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentWrite {
    /// The comment, its page's count and its day's count were written.
    Stored,
    /// The page is not known; nothing was written.
    UnknownPage,
}

/// Comments, newest first.
#[async_trait]
pub trait CommentStore: Send + Sync {
    /// Stores the comment only if its page is known, counting it in the
    /// page's and the day's activity in the same all-or-nothing write.
    async fn add(&self, comment: &Comment) -> PortResult<CommentWrite>;
    /// Up to `limit` comments of `page`, newest first, older than `before`
    /// when given; `None` if the page is not known.
    async fn list(
        &self,
        page: &Slug,
        limit: u16,
        before: Option<CommentId>,
    ) -> PortResult<Option<CommentPage>>;
}

/// Video records.
#[async_trait]
pub trait VideoStore: Send + Sync {
    /// Stores a new record; never overwrites an existing id.
    async fn create(&self, video: &Video) -> PortResult<()>;
    /// The record of `id`, if there is one.
    async fn get(&self, id: VideoId) -> PortResult<Option<Video>>;
    /// Moves video `id` to status `to` with `reasons`, only if its status
    /// is `from` at the moment of the write: of two callers racing on the
    /// same video, one moves it. Returns `false`, having written nothing,
    /// when the video is not in `from` (or does not exist).
    async fn transition(
        &self,
        id: VideoId,
        from: VideoStatus,
        to: VideoStatus,
        reasons: &[String],
    ) -> PortResult<bool>;
}

/// Byte ranges of stored objects, so that a large one is never read whole.
#[async_trait]
pub trait ObjectRanges: Send + Sync {
    /// Up to `len` bytes of object `key` from byte `start`: fewer only
    /// where the object ends.
    async fn read_range(&self, key: &str, start: u64, len: u64) -> PortResult<Vec<u8>>;
}

/// Short-lived URLs that let a browser PUT one object directly to storage.
#[async_trait]
pub trait UploadUrls: Send + Sync {
    /// A PUT URL valid for `ttl`, that only accepts this key, this content
    /// type and exactly this many bytes.
    async fn presign_put(
        &self,
        key: &str,
        content_type: VideoType,
        size: u64,
        ttl: Duration,
    ) -> PortResult<String>;
}

/// Short-lived URLs that let a browser GET one private object.
#[async_trait]
pub trait DownloadUrls: Send + Sync {
    /// A GET URL for `key`, valid for `ttl`.
    async fn presign_get(&self, key: &str, ttl: Duration) -> PortResult<String>;
}

/// The pointer to the newest report.
#[async_trait]
pub trait ReportIndex: Send + Sync {
    /// The newest report, `None` before the first.
    async fn latest(&self) -> PortResult<Option<ReportPointer>>;
}

/// Publishes domain events to the bus.
#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publishes all of `events`, retrying those the bus did not take.
    async fn publish(&self, events: &[DomainEvent]) -> PortResult<()>;
}
