//! In-memory implementations of every port, for unit tests of the services
//! and handler tests of the functions. Test doubles only: no function can be
//! run on them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use time::{Date, OffsetDateTime};

use crate::clock::Clock;
use crate::comment::{Comment, CommentId, CommentPage, Cursor};
use crate::events::DomainEvent;
use crate::page::Slug;
use crate::ports::{
    CommentStore, CommentWrite, DownloadUrls, EventPublisher, PortError, PortResult, ReportIndex,
    UploadUrls, VideoStore, ViewCounter,
};
use crate::report::ReportPointer;
use crate::video::{Video, VideoId, VideoStatus, VideoType};

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Per-day activity of one page, as the store counts it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DayActivity {
    /// Views counted on that day.
    pub views: u64,
    /// Comments posted on that day.
    pub comments: u64,
}

#[derive(Debug, Default)]
struct Tables {
    views: HashMap<Slug, u64>,
    comments: HashMap<Slug, BTreeMap<CommentId, Comment>>,
    days: HashMap<(Date, Slug), DayActivity>,
    videos: HashMap<String, Video>,
    latest_report: Option<ReportPointer>,
}

/// The app table, in memory. Set `fail` to make every call fail, as an
/// unreachable store would.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    tables: Mutex<Tables>,
    /// Makes every call fail, as an unreachable store would.
    pub fail: std::sync::atomic::AtomicBool,
}

impl InMemoryStore {
    fn check(&self) -> PortResult<()> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(PortError::new("store unreachable (fake)"));
        }
        Ok(())
    }

    /// How many comments `page` has.
    pub fn comment_count(&self, page: &Slug) -> usize {
        locked(&self.tables)
            .comments
            .get(page)
            .map_or(0, BTreeMap::len)
    }

    /// How many videos are recorded.
    pub fn video_count(&self) -> usize {
        locked(&self.tables).videos.len()
    }

    /// `page`'s activity on `day`.
    pub fn day(&self, day: Date, page: &Slug) -> DayActivity {
        locked(&self.tables)
            .days
            .get(&(day, page.clone()))
            .copied()
            .unwrap_or_default()
    }

    /// Makes `pointer` the latest report, as batch-report would.
    pub fn set_latest_report(&self, pointer: ReportPointer) {
        locked(&self.tables).latest_report = Some(pointer);
    }
}

#[async_trait]
impl ViewCounter for InMemoryStore {
    async fn views(&self, page: &Slug) -> PortResult<Option<u64>> {
        self.check()?;
        Ok(locked(&self.tables).views.get(page).copied())
    }

    async fn record_view(&self, page: &Slug, day: Date) -> PortResult<u64> {
        self.check()?;
        let mut t = locked(&self.tables);
        t.days.entry((day, page.clone())).or_default().views += 1;
        let total = t.views.entry(page.clone()).or_default();
        *total += 1;
        Ok(*total)
    }
}

#[async_trait]
impl CommentStore for InMemoryStore {
    async fn add(&self, comment: &Comment) -> PortResult<CommentWrite> {
        self.check()?;
        let mut t = locked(&self.tables);
        if !t.views.contains_key(&comment.page) {
            return Ok(CommentWrite::UnknownPage);
        }
        t.comments
            .entry(comment.page.clone())
            .or_default()
            .insert(comment.id, comment.clone());
        let day = (comment.created_at.date(), comment.page.clone());
        t.days.entry(day).or_default().comments += 1;
        Ok(CommentWrite::Stored)
    }

    async fn list(
        &self,
        page: &Slug,
        limit: u16,
        before: Option<CommentId>,
    ) -> PortResult<Option<CommentPage>> {
        self.check()?;
        let t = locked(&self.tables);
        if !t.views.contains_key(page) {
            return Ok(None);
        }
        let empty = BTreeMap::new();
        let all = t.comments.get(page).unwrap_or(&empty);
        let mut newer_first = all
            .values()
            .rev()
            .filter(|c| before.is_none_or(|b| c.id < b));
        let comments: Vec<Comment> = newer_first.by_ref().take(limit.into()).cloned().collect();
        let more = newer_first.next().is_some();
        let next = match (more, comments.last()) {
            (true, Some(last)) => Some(Cursor(last.id)),
            _ => None,
        };
        Ok(Some(CommentPage { comments, next }))
    }
}

#[async_trait]
impl VideoStore for InMemoryStore {
    async fn create(&self, video: &Video) -> PortResult<()> {
        self.check()?;
        let mut t = locked(&self.tables);
        let key = video.id.to_string();
        if t.videos.contains_key(&key) {
            return Err(PortError::new("video id already exists"));
        }
        t.videos.insert(key, video.clone());
        Ok(())
    }

    async fn get(&self, id: VideoId) -> PortResult<Option<Video>> {
        self.check()?;
        Ok(locked(&self.tables).videos.get(&id.to_string()).cloned())
    }

    async fn transition(
        &self,
        id: VideoId,
        from: VideoStatus,
        to: VideoStatus,
        reasons: &[String],
    ) -> PortResult<bool> {
        self.check()?;
        let mut t = locked(&self.tables);
        match t.videos.get_mut(&id.to_string()) {
            Some(video) if video.status == from => {
                video.status = to;
                video.reasons = reasons.to_vec();
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[async_trait]
impl ReportIndex for InMemoryStore {
    async fn latest(&self) -> PortResult<Option<ReportPointer>> {
        self.check()?;
        Ok(locked(&self.tables).latest_report.clone())
    }
}

/// Signs nothing: returns a readable fake URL that names what it was asked.
#[derive(Debug, Default)]
pub struct FakeSigner;

#[async_trait]
impl UploadUrls for FakeSigner {
    async fn presign_put(
        &self,
        key: &str,
        content_type: VideoType,
        size: u64,
        ttl: Duration,
    ) -> PortResult<String> {
        Ok(format!(
            "https://fake-storage/{key}?method=PUT&type={}&size={size}&ttl={}",
            content_type.mime(),
            ttl.as_secs()
        ))
    }
}

#[async_trait]
impl DownloadUrls for FakeSigner {
    async fn presign_get(&self, key: &str, ttl: Duration) -> PortResult<String> {
        Ok(format!(
            "https://fake-storage/{key}?method=GET&ttl={}",
            ttl.as_secs()
        ))
    }
}

/// Keeps every published event; set `fail` to make publishing fail.
#[derive(Debug, Default)]
pub struct RecordingPublisher {
    events: Mutex<Vec<DomainEvent>>,
    /// Makes every publish fail, as an unreachable bus would.
    pub fail: std::sync::atomic::AtomicBool,
}

impl RecordingPublisher {
    /// Every event published so far, in order.
    pub fn published(&self) -> Vec<DomainEvent> {
        locked(&self.events).clone()
    }
}

#[async_trait]
impl EventPublisher for RecordingPublisher {
    async fn publish(&self, events: &[DomainEvent]) -> PortResult<()> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(PortError::new("bus unreachable (fake)"));
        }
        locked(&self.events).extend_from_slice(events);
        Ok(())
    }
}

/// A clock that stands still until moved.
#[derive(Debug)]
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    /// A clock stopped at `t`.
    pub fn at(t: OffsetDateTime) -> Self {
        Self(Mutex::new(t))
    }
    /// Moves the clock on by `by`.
    pub fn advance(&self, by: time::Duration) {
        *locked(&self.0) += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *locked(&self.0)
    }
}
