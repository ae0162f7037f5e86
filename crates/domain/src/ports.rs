//! The ports: one narrow trait per capability the business needs from
//! outside. A function wires only the ports it uses, and its IAM policy
//! grants exactly those. Adapters: `rightnow-aws`; fakes: [`crate::fakes`].

use std::time::Duration;

use async_trait::async_trait;
use time::{Date, OffsetDateTime};

use crate::activity::{ActivityCursor, ActivityError, ActivityPage};
use crate::chat::{Session, SessionId, TurnRecord};
use crate::comment::{Comment, CommentId, CommentPage};
use crate::events::DomainEvent;
use crate::idempotency::{Answer, Begun, Fingerprint, WriteId};
use crate::limits::{Admission, Limit, Window};
use crate::page::Slug;
use crate::report::{DayReport, Failure, Figures, ReportPointer, RunId};
use crate::video::{Verdict, Video, VideoId, VideoType};

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
    /// Adds one view to the page's total and to the activity of the day
    /// and hour (UTC) of `at`, all or nothing: on an error nothing was
    /// counted, so a retry counts once. Returns the page's total including
    /// this view (and any counted concurrently).
    async fn record_view(&self, page: &Slug, at: OffsetDateTime) -> PortResult<u64>;
}

/// The outcome of storing a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentWrite {
    /// The comment, its page's count and its day's count were written.
    Stored,
    /// A comment of this id was stored before (the same keyed write, sent
    /// again); nothing was written.
    AlreadyStored,
    /// The page is not known; nothing was written.
    UnknownPage,
}

/// Comments, newest first.
#[async_trait]
pub trait CommentStore: Send + Sync {
    /// Stores the comment only if its page is known, counting it in the
    /// page's and in its day's and hour's activity (of `created_at`, UTC)
    /// in the same all-or-nothing write.
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

/// The outcome of recording a new video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoWrite {
    /// The record and its day's count were written.
    Stored,
    /// A video of this id was recorded before (the same keyed write, sent
    /// again); nothing was written.
    AlreadyStored,
}

/// Video records.
#[async_trait]
pub trait VideoStore: Send + Sync {
    /// Stores a new record, counting it as registered in the activity of
    /// its `created_at` day and hour (UTC), all or nothing; never
    /// overwrites an existing id ([`VideoWrite::AlreadyStored`]).
    async fn create(&self, video: &Video) -> PortResult<VideoWrite>;
    /// The record of `id`, if there is one.
    async fn get(&self, id: VideoId) -> PortResult<Option<Video>>;
    /// Takes video `id` into `processing` for the upload `etag`, leased
    /// until `lease_until`: only if it is awaiting its upload, or if it is
    /// `processing` under a lease that expired by `now` (its worker
    /// crashed). Of two callers racing on the same video, one claims it.
    async fn claim(
        &self,
        id: VideoId,
        etag: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> PortResult<Claim>;
    /// Records `verdict` on the upload `etag`, only if the video is still
    /// `processing` that upload, and counts it (approved or rejected, and
    /// each reason) in the activity of `at`'s day, all or nothing: `false`,
    /// having written nothing, when the video is not (the lease was lost
    /// to another worker).
    async fn settle(
        &self,
        id: VideoId,
        etag: &str,
        verdict: &Verdict,
        at: OffsetDateTime,
    ) -> PortResult<bool>;
}

/// What [`VideoStore::claim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The video is now `processing` under the caller's lease.
    Claimed(Video),
    /// Another worker's lease on it has not expired.
    Held(Video),
    /// It already has its verdict.
    Settled(Video),
    /// There is no such video.
    Missing,
}

/// Byte ranges of stored objects, so that a large one is never read whole.
#[async_trait]
pub trait ObjectRanges: Send + Sync {
    /// Up to `len` bytes of object `key` from byte `start`: fewer only
    /// where the object ends.
    async fn read_range(&self, key: &str, start: u64, len: u64) -> PortResult<Vec<u8>>;
}

/// An object as stored: its size and the ETag that names these bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectVersion {
    /// Its size, in bytes.
    pub size: u64,
    /// Its ETag, quotes included, as the store gives it.
    pub etag: String,
}

/// What a conditional move did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moved {
    /// The object is at its new key and gone from the old.
    Moved,
    /// The object at the old key is not the version asked for (it was
    /// replaced) or is gone; nothing was moved.
    NotThatVersion,
}

/// Stored objects, looked up and moved only as the version inspected.
#[async_trait]
pub trait StoredObjects: Send + Sync {
    /// The object's current version, `None` if there is no object at `key`.
    async fn version(&self, key: &str) -> PortResult<Option<ObjectVersion>>;
    /// Copies `from` to `to` only if `from` is still version `etag`, then
    /// deletes `from` only if it still is. A copy whose delete was
    /// refused (a newer upload arrived) still returns `Moved`: the newer
    /// object stays, for its own event.
    async fn move_version(&self, from: &str, etag: &str, to: &str) -> PortResult<Moved>;
}

/// Digests of whole stored objects, read as a stream in constant memory.
#[async_trait]
pub trait ObjectDigests: Send + Sync {
    /// The SHA-256 of version `etag` of `key`, in lower-case hex, and the
    /// number of bytes hashed; `None` if that version is no longer there.
    async fn sha256(&self, key: &str, etag: &str) -> PortResult<Option<(String, u64)>>;
}

/// The SHA-256 digests of files known to be harmful, kept by operators.
#[async_trait]
pub trait HashBlocklist: Send + Sync {
    /// Whether `sha256` (lower-case hex) is on the list.
    async fn is_blocked(&self, sha256: &str) -> PortResult<bool>;
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

/// A day's activity, read back in pages for the daily report.
#[async_trait]
pub trait DayActivityLog: Send + Sync {
    /// Up to `limit` records of `day`'s activity, in a stable order, after
    /// `after` when given. Never reads another day.
    async fn read(
        &self,
        day: Date,
        after: Option<&ActivityCursor>,
        limit: u16,
    ) -> Result<ActivityPage, ActivityError>;
}

/// The reports that exist: the pointer to the newest, and each day's record.
#[async_trait]
pub trait ReportIndex: Send + Sync {
    /// The newest report, `None` before the first.
    async fn latest(&self) -> PortResult<Option<ReportPointer>>;
    /// `day`'s report record, `None` if no run ever took that day.
    async fn report(&self, day: Date) -> PortResult<Option<DayReport>>;
}

/// What [`ReportRuns::begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// The caller's run holds the day's lease now.
    Started,
    /// Another run holds an unexpired lease on the day.
    Running {
        /// The run that holds it.
        holder: RunId,
    },
}

/// The report job's record of each day: a lease, so that one run works on
/// a day at a time, and the outcome.
#[async_trait]
pub trait ReportRuns: Send + Sync {
    /// Takes `day`'s lease for `run` until `lease_until`: unless another
    /// run holds a lease that has not expired by `now`. Taking it again
    /// for the same run (a retried call) succeeds. Of two runs racing,
    /// one starts. The figures of an earlier finished run are kept.
    async fn begin(
        &self,
        day: Date,
        run: &RunId,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> PortResult<Begin>;
    /// Extends `run`'s lease on `day` to `lease_until`; `false`, changing
    /// nothing, if `run` no longer holds it.
    async fn renew(&self, day: Date, run: &RunId, lease_until: OffsetDateTime) -> PortResult<bool>;
    /// Records `figures` as `day`'s finished report and ends the lease,
    /// only if `run` holds it (or already finished it: a retried call);
    /// `false`, changing nothing, otherwise.
    async fn complete(&self, day: Date, run: &RunId, figures: &Figures) -> PortResult<bool>;
    /// Records that `run` failed on `day` and ends its lease, only if `run`
    /// holds it; `false`, changing nothing, otherwise.
    async fn fail(&self, day: Date, run: &RunId, failure: &Failure) -> PortResult<bool>;
    /// Points the latest report at `pointer`, unless it points at a later
    /// day already: `false` then, changing nothing.
    async fn point_latest(&self, pointer: &ReportPointer) -> PortResult<bool>;
}

/// An object made of others: `head`, then each object of `parts` in
/// order, then `tail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concat {
    /// The bytes before the parts.
    pub head: Vec<u8>,
    /// The keys of the objects to copy in, in order.
    pub parts: Vec<String>,
    /// The bytes after the parts.
    pub tail: Vec<u8>,
    /// The parts' sizes, summed (so the whole is known before it is read).
    pub parts_len: u64,
}

/// What [`ReportObjects::concat`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Concatenated {
    /// The object is stored.
    Stored,
    /// A part is not there (its key); nothing was stored.
    MissingPart(String),
}

/// The report job's files: the reports themselves and its working files.
#[async_trait]
pub trait ReportObjects: Send + Sync {
    /// Stores `body` at `key` as `content_type`, replacing what was there.
    async fn put(&self, key: &str, content_type: &str, body: Vec<u8>) -> PortResult<()>;
    /// Stores at `key`, as `content_type`, the object `concat` describes,
    /// streamed: never more than a chunk of one part in memory, whatever
    /// the whole's size. A part whose size does not add up to `parts_len`
    /// fails the call, storing nothing.
    async fn concat(
        &self,
        key: &str,
        content_type: &str,
        concat: Concat,
    ) -> PortResult<Concatenated>;
}

/// Publishes domain events to the bus.
#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publishes all of `events`, retrying those the bus did not take.
    async fn publish(&self, events: &[DomainEvent]) -> PortResult<()>;
}

/// What [`ChatSessions::save`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionWrite {
    /// The session and its turn's activity are stored.
    Saved,
    /// The session changed since it was read (another message of the same
    /// conversation was answered first); nothing was written.
    Conflict,
}

/// Conversations, each kept between its turns.
#[async_trait]
pub trait ChatSessions: Send + Sync {
    /// The session `id`, if the store still has it (it may have expired
    /// but not yet been removed: the caller checks).
    async fn load(&self, id: SessionId) -> PortResult<Option<Session>>;
    /// Stores `session` only if the stored one is still at version
    /// `previous` (`None`: only if there is none), and counts `turn` in
    /// the activity of its day and hour (UTC): a turn, answered or
    /// fallback, its intent, a new session, the unanswered question. All
    /// or nothing: on `Conflict` or an error nothing was written or
    /// counted, so a retry counts once. The session expires at
    /// [`Session::expires_at`].
    async fn save(
        &self,
        session: &Session,
        previous: Option<u64>,
        turn: &TurnRecord,
    ) -> PortResult<SessionWrite>;
}

/// Counts uses against rate limits, shared by every sandbox.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one use against each of `limits` in `window`, only if none
    /// of them is used up in that window: all or nothing. `Refused`,
    /// counting nothing, names the first that is. Counts are forgotten
    /// after their window.
    async fn admit(&self, limits: &[Limit], window: &Window) -> PortResult<Admission>;
}

/// The records of idempotent writes ([`crate::idempotency`]), shared by
/// every sandbox.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Takes `record` for a write of `fingerprint`, held until
    /// `lock_until`, unless a record stands in the way: the answer of a
    /// write of this payload ([`Begun::Done`]), a record of another payload
    /// ([`Begun::OtherPayload`]), or a request of this one whose lock has
    /// not lapsed at `now` ([`Begun::InProgress`]). A new key, or one whose
    /// record expired, is taken with `fresh`; a record of this payload that
    /// was let go, or whose lock lapsed, is taken again with the
    /// [`WriteId`] it holds, so that the retry makes the same thing. At
    /// most one caller holds a record.
    async fn take(
        &self,
        record: &str,
        fingerprint: &Fingerprint,
        now: OffsetDateTime,
        lock_until: OffsetDateTime,
        fresh: WriteId,
    ) -> PortResult<Begun>;
    /// Keeps `answer` as the record's until `expires`, if the record is
    /// still held for `fingerprint` (a lapsed lock taken over is not).
    async fn keep(
        &self,
        record: &str,
        fingerprint: &Fingerprint,
        answer: &Answer,
        expires: OffsetDateTime,
    ) -> PortResult<()>;
    /// Lets the record go if it is still held, so that a retry runs; the
    /// record keeps its payload and [`WriteId`] until it expires.
    async fn release(&self, record: &str) -> PortResult<()>;
}
