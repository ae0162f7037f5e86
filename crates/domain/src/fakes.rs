//! In-memory implementations of every port, for unit tests of the services
//! and handler tests of the functions. Test doubles only: no function can be
//! run on them.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use time::{Date, OffsetDateTime};

use crate::activity::{
    ActivityCursor, ActivityError, ActivityPage, ChatDay, DayRecord, Hourly, PageDay, Unanswered,
    VideoDay, utc_hour,
};
use crate::chat::{Session, SessionId, Turn, TurnRecord};
use crate::clock::Clock;
use crate::comment::{Comment, CommentId, CommentPage, Cursor};
use crate::events::DomainEvent;
use crate::idempotency::{Answer, Begun, Fingerprint, WriteId};
use crate::limits::{Admission, Limit, Window};
use crate::page::Slug;
use crate::ports::{
    Begin, ChatSessions, Claim, CommentStore, CommentWrite, Concat, Concatenated, DayActivityLog,
    DownloadUrls, EventPublisher, HashBlocklist, IdempotencyStore, Moved, ObjectDigests,
    ObjectRanges, ObjectVersion, PortError, PortResult, RateLimiter, ReportIndex, ReportObjects,
    ReportRuns, SessionWrite, StoredObjects, UploadUrls, VideoStore, VideoWrite, ViewCounter,
};
use crate::report::{DayReport, Failure, Figures, ReportPointer, ReportStatus, RunId};
use crate::video::{Verdict, Video, VideoId, VideoStatus, VideoType};

const VIDEOS_PLACE: &str = "VIDEOS";

fn place_of_page(page: &Slug) -> String {
    format!("PAGE#{page}")
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug, Default)]
struct Tables {
    views: HashMap<Slug, u64>,
    comments: HashMap<Slug, BTreeMap<CommentId, Comment>>,
    /// A day's records by their place in the day, ordered as the table
    /// orders its sort keys.
    days: BTreeMap<(Date, String), DayRecord>,
    videos: HashMap<String, Video>,
    leases: HashMap<String, OffsetDateTime>,
    blocked_hashes: std::collections::HashSet<String>,
    latest_report: Option<ReportPointer>,
    reports: BTreeMap<Date, DayReport>,
    sessions: HashMap<SessionId, Session>,
    /// Uses by (limit key, window start).
    limits: HashMap<(String, OffsetDateTime), u32>,
    /// Saves still to lose to a simulated concurrent message.
    raced_saves: usize,
    /// Idempotency records by name.
    idempotency: HashMap<String, FakeRecord>,
}

/// An idempotency record, in memory.
#[derive(Debug, Clone)]
struct FakeRecord {
    fingerprint: Fingerprint,
    /// What the write makes, kept across its retries.
    id: WriteId,
    /// `None` until done.
    answer: Option<Answer>,
    /// Until when it is held; `None` once let go or done.
    locked_until: Option<OffsetDateTime>,
    /// When it expires.
    expires: OffsetDateTime,
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

    /// `page`'s activity on `day`, if it had any.
    pub fn page_day(&self, day: Date, page: &Slug) -> Option<PageDay> {
        match locked(&self.tables).days.get(&(day, place_of_page(page))) {
            Some(DayRecord::Page(p)) => Some(p.clone()),
            _ => None,
        }
    }

    /// The videos' activity on `day`.
    pub fn video_day(&self, day: Date) -> VideoDay {
        match locked(&self.tables)
            .days
            .get(&(day, VIDEOS_PLACE.to_owned()))
        {
            Some(DayRecord::Videos(v)) => v.clone(),
            _ => VideoDay::default(),
        }
    }

    /// Adds `record` to `day`'s activity as it is (replacing one of the
    /// same kind and name), as the functions that record it would have.
    pub fn seed_day(&self, day: Date, record: DayRecord) {
        let place = match &record {
            DayRecord::Page(p) => place_of_page(&p.slug),
            DayRecord::Videos(_) => VIDEOS_PLACE.to_owned(),
            DayRecord::Chat(_) => "CHAT".to_owned(),
            DayRecord::Unanswered(q) => format!("UNANSWERED#{}", q.question),
        };
        locked(&self.tables).days.insert((day, place), record);
    }

    fn page_day_mut<'a>(t: &'a mut Tables, day: Date, page: &Slug) -> &'a mut PageDay {
        let record = t.days.entry((day, place_of_page(page))).or_insert_with(|| {
            DayRecord::Page(PageDay {
                slug: page.clone(),
                views: 0,
                comments: 0,
                views_by_hour: Hourly::default(),
                comments_by_hour: Hourly::default(),
            })
        });
        match record {
            DayRecord::Page(p) => p,
            _ => unreachable!("a page's place holds a page record"),
        }
    }

    fn video_day_mut(t: &mut Tables, day: Date) -> &mut VideoDay {
        let record = t
            .days
            .entry((day, VIDEOS_PLACE.to_owned()))
            .or_insert_with(|| DayRecord::Videos(VideoDay::default()));
        match record {
            DayRecord::Videos(v) => v,
            _ => unreachable!("the videos' place holds the videos' record"),
        }
    }

    /// Makes `pointer` the latest report, as batch-report would.
    pub fn set_latest_report(&self, pointer: ReportPointer) {
        locked(&self.tables).latest_report = Some(pointer);
    }

    /// Records `report` as its day's, as batch-report would.
    pub fn set_report(&self, report: DayReport) {
        locked(&self.tables).reports.insert(report.date, report);
    }
}

#[async_trait]
impl ViewCounter for InMemoryStore {
    async fn views(&self, page: &Slug) -> PortResult<Option<u64>> {
        self.check()?;
        Ok(locked(&self.tables).views.get(page).copied())
    }

    async fn record_view(&self, page: &Slug, at: OffsetDateTime) -> PortResult<u64> {
        self.check()?;
        let mut t = locked(&self.tables);
        let day = Self::page_day_mut(&mut t, at.date(), page);
        day.views += 1;
        day.views_by_hour.0[utc_hour(at)] += 1;
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
        let on_page = t.comments.entry(comment.page.clone()).or_default();
        if on_page.contains_key(&comment.id) {
            return Ok(CommentWrite::AlreadyStored);
        }
        on_page.insert(comment.id, comment.clone());
        let at = comment.created_at;
        let day = Self::page_day_mut(&mut t, at.date(), &comment.page);
        day.comments += 1;
        day.comments_by_hour.0[utc_hour(at)] += 1;
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
    async fn create(&self, video: &Video) -> PortResult<VideoWrite> {
        self.check()?;
        let mut t = locked(&self.tables);
        let key = video.id.to_string();
        if t.videos.contains_key(&key) {
            return Ok(VideoWrite::AlreadyStored);
        }
        t.videos.insert(key, video.clone());
        let day = Self::video_day_mut(&mut t, video.created_at.date());
        day.registered += 1;
        day.registered_by_hour.0[utc_hour(video.created_at)] += 1;
        Ok(VideoWrite::Stored)
    }

    async fn get(&self, id: VideoId) -> PortResult<Option<Video>> {
        self.check()?;
        Ok(locked(&self.tables).videos.get(&id.to_string()).cloned())
    }

    async fn claim(
        &self,
        id: VideoId,
        etag: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> PortResult<Claim> {
        self.check()?;
        let mut t = locked(&self.tables);
        let key = id.to_string();
        let lease = t.leases.get(&key).copied();
        let Some(video) = t.videos.get_mut(&key) else {
            return Ok(Claim::Missing);
        };
        let claimable = match video.status {
            VideoStatus::AwaitingUpload => true,
            VideoStatus::Processing => lease.is_none_or(|until| until < now),
            VideoStatus::Approved | VideoStatus::Rejected => {
                return Ok(Claim::Settled(video.clone()));
            }
        };
        if !claimable {
            return Ok(Claim::Held(video.clone()));
        }
        video.status = VideoStatus::Processing;
        video.upload_etag = Some(etag.to_owned());
        let claimed = video.clone();
        t.leases.insert(key, lease_until);
        Ok(Claim::Claimed(claimed))
    }

    async fn settle(
        &self,
        id: VideoId,
        etag: &str,
        verdict: &Verdict,
        at: OffsetDateTime,
    ) -> PortResult<bool> {
        self.check()?;
        let mut t = locked(&self.tables);
        let key = id.to_string();
        match t.videos.get_mut(&key) {
            Some(video)
                if video.status == VideoStatus::Processing
                    && video.upload_etag.as_deref() == Some(etag) =>
            {
                video.status = verdict.status;
                video.reasons = verdict.reasons.clone();
                video.found = Some(verdict.found.clone());
                t.leases.remove(&key);
                let day = Self::video_day_mut(&mut t, at.date());
                match verdict.status {
                    VideoStatus::Approved => day.approved += 1,
                    _ => day.rejected += 1,
                }
                for reason in &verdict.reasons {
                    *day.reasons.entry(reason.code.clone()).or_default() += 1;
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[async_trait]
impl HashBlocklist for InMemoryStore {
    async fn is_blocked(&self, sha256: &str) -> PortResult<bool> {
        self.check()?;
        Ok(locked(&self.tables).blocked_hashes.contains(sha256))
    }
}

impl InMemoryStore {
    /// Puts `sha256` on the list of known-bad files.
    pub fn block_hash(&self, sha256: &str) {
        locked(&self.tables)
            .blocked_hashes
            .insert(sha256.to_owned());
    }

    /// The record of video `id`, as stored.
    pub fn video(&self, id: VideoId) -> Option<Video> {
        locked(&self.tables).videos.get(&id.to_string()).cloned()
    }
}

/// A bucket in memory: objects with ETags that change on every write, read
/// by range, moved only as the version asked for. Its digest is a fake
/// (distinct per content, not SHA-256); the S3 adapter's is tested on S3.
#[derive(Debug, Default)]
pub struct InMemoryBucket {
    objects: Mutex<BTreeMap<String, (Vec<u8>, String)>>,
    writes: std::sync::atomic::AtomicU64,
    /// Bytes returned by ranged reads so far.
    pub bytes_read: std::sync::atomic::AtomicU64,
    /// Makes every call fail, as an unreachable store would.
    pub fail: std::sync::atomic::AtomicBool,
}

impl InMemoryBucket {
    fn check(&self) -> PortResult<()> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(PortError::new("bucket unreachable (fake)"));
        }
        Ok(())
    }

    /// Stores `data` at `key`, as a PUT does; returns its new ETag (without
    /// quotes, as the S3 adapter gives them).
    pub fn put(&self, key: &str, data: Vec<u8>) -> String {
        let n = self
            .writes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let etag = format!("etag-{n}");
        locked(&self.objects).insert(key.to_owned(), (data, etag.clone()));
        etag
    }

    /// The object at `key`, if there is one.
    pub fn object(&self, key: &str) -> Option<Vec<u8>> {
        locked(&self.objects).get(key).map(|(data, _)| data.clone())
    }

    /// Every key, in order.
    pub fn keys(&self) -> Vec<String> {
        locked(&self.objects).keys().cloned().collect()
    }

    /// The fake digest of `data`, as [`ObjectDigests::sha256`] gives it.
    pub fn digest_of(data: &[u8]) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        data.hash(&mut h);
        format!("{:064x}", h.finish())
    }
}

#[async_trait]
impl ObjectRanges for InMemoryBucket {
    async fn read_range(&self, key: &str, start: u64, len: u64) -> PortResult<Vec<u8>> {
        self.check()?;
        let objects = locked(&self.objects);
        let (data, _) = objects
            .get(key)
            .ok_or_else(|| PortError::new(format!("no object {key}")))?;
        let start = usize::try_from(start).unwrap_or(usize::MAX).min(data.len());
        let end = start
            .saturating_add(usize::try_from(len).unwrap_or(usize::MAX))
            .min(data.len());
        self.bytes_read
            .fetch_add((end - start) as u64, std::sync::atomic::Ordering::SeqCst);
        Ok(data[start..end].to_vec())
    }
}

#[async_trait]
impl StoredObjects for InMemoryBucket {
    async fn version(&self, key: &str) -> PortResult<Option<ObjectVersion>> {
        self.check()?;
        Ok(locked(&self.objects)
            .get(key)
            .map(|(data, etag)| ObjectVersion {
                size: data.len() as u64,
                etag: etag.clone(),
            }))
    }

    async fn move_version(&self, from: &str, etag: &str, to: &str) -> PortResult<Moved> {
        self.check()?;
        let mut objects = locked(&self.objects);
        match objects.get(from) {
            Some((_, current)) if current == etag.trim_matches('"') => {
                let object = objects.remove(from).expect("present");
                objects.insert(to.to_owned(), object);
                Ok(Moved::Moved)
            }
            _ => Ok(Moved::NotThatVersion),
        }
    }
}

#[async_trait]
impl ObjectDigests for InMemoryBucket {
    async fn sha256(&self, key: &str, etag: &str) -> PortResult<Option<(String, u64)>> {
        self.check()?;
        Ok(locked(&self.objects)
            .get(key)
            .filter(|(_, current)| current == etag.trim_matches('"'))
            .map(|(data, _)| (Self::digest_of(data), data.len() as u64)))
    }
}

#[async_trait]
impl DayActivityLog for InMemoryStore {
    async fn read(
        &self,
        day: Date,
        after: Option<&ActivityCursor>,
        limit: u16,
    ) -> Result<ActivityPage, ActivityError> {
        self.check()?;
        let t = locked(&self.tables);
        let start = match after {
            Some(c) => Bound::Excluded((day, c.as_str().to_owned())),
            None => Bound::Included((day, String::new())),
        };
        let mut places = t
            .days
            .range((start, Bound::Unbounded))
            .take_while(|((d, _), _)| *d == day);
        let mut records = Vec::new();
        let mut last = None;
        for ((_, place), record) in places.by_ref().take(usize::from(limit)) {
            records.push(record.clone());
            last = Some(place);
        }
        let next = match (places.next(), last) {
            (Some(_), Some(place)) => ActivityCursor::parse(place),
            _ => None,
        };
        Ok(ActivityPage { records, next })
    }
}

#[async_trait]
impl ReportIndex for InMemoryStore {
    async fn latest(&self) -> PortResult<Option<ReportPointer>> {
        self.check()?;
        Ok(locked(&self.tables).latest_report.clone())
    }

    async fn report(&self, day: Date) -> PortResult<Option<DayReport>> {
        self.check()?;
        Ok(locked(&self.tables).reports.get(&day).cloned())
    }
}

impl InMemoryStore {
    /// `day`'s report if `run` holds its lease (or, with `finished`, has
    /// finished it).
    fn held<'a>(
        t: &'a mut Tables,
        day: Date,
        run: &RunId,
        finished: bool,
    ) -> Option<&'a mut DayReport> {
        t.reports.get_mut(&day).filter(|r| {
            r.run == *run
                && match r.status {
                    ReportStatus::Running { .. } => true,
                    ReportStatus::Ready => finished,
                    ReportStatus::Failed(_) => false,
                }
        })
    }
}

#[async_trait]
impl ReportRuns for InMemoryStore {
    async fn begin(
        &self,
        day: Date,
        run: &RunId,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> PortResult<Begin> {
        self.check()?;
        let mut t = locked(&self.tables);
        let running = ReportStatus::Running { lease_until };
        match t.reports.get_mut(&day) {
            Some(r) => match r.status {
                ReportStatus::Running { lease_until: held } if held >= now && r.run != *run => {
                    Ok(Begin::Running {
                        holder: r.run.clone(),
                    })
                }
                _ => {
                    r.status = running;
                    r.run = run.clone();
                    Ok(Begin::Started)
                }
            },
            None => {
                t.reports.insert(
                    day,
                    DayReport {
                        date: day,
                        status: running,
                        run: run.clone(),
                        figures: None,
                    },
                );
                Ok(Begin::Started)
            }
        }
    }

    async fn renew(&self, day: Date, run: &RunId, lease_until: OffsetDateTime) -> PortResult<bool> {
        self.check()?;
        let mut t = locked(&self.tables);
        Ok(match Self::held(&mut t, day, run, false) {
            Some(r) => {
                r.status = ReportStatus::Running { lease_until };
                true
            }
            None => false,
        })
    }

    async fn complete(&self, day: Date, run: &RunId, figures: &Figures) -> PortResult<bool> {
        self.check()?;
        let mut t = locked(&self.tables);
        Ok(match Self::held(&mut t, day, run, true) {
            Some(r) => {
                r.status = ReportStatus::Ready;
                r.figures = Some(figures.clone());
                true
            }
            None => false,
        })
    }

    async fn fail(&self, day: Date, run: &RunId, failure: &Failure) -> PortResult<bool> {
        self.check()?;
        let mut t = locked(&self.tables);
        Ok(match Self::held(&mut t, day, run, false) {
            Some(r) => {
                r.status = ReportStatus::Failed(failure.clone());
                true
            }
            None => false,
        })
    }

    async fn point_latest(&self, pointer: &ReportPointer) -> PortResult<bool> {
        self.check()?;
        let mut t = locked(&self.tables);
        if t.latest_report
            .as_ref()
            .is_some_and(|p| p.date > pointer.date)
        {
            return Ok(false);
        }
        t.latest_report = Some(pointer.clone());
        Ok(true)
    }
}

#[async_trait]
impl ReportObjects for InMemoryBucket {
    async fn put(&self, key: &str, _content_type: &str, body: Vec<u8>) -> PortResult<()> {
        self.check()?;
        InMemoryBucket::put(self, key, body);
        Ok(())
    }

    async fn concat(
        &self,
        key: &str,
        _content_type: &str,
        concat: Concat,
    ) -> PortResult<Concatenated> {
        self.check()?;
        let mut whole = concat.head;
        let mut parts_len = 0;
        for part in &concat.parts {
            let Some(data) = self.object(part) else {
                return Ok(Concatenated::MissingPart(part.clone()));
            };
            parts_len += data.len() as u64;
            whole.extend_from_slice(&data);
        }
        if parts_len != concat.parts_len {
            return Err(PortError::new(format!(
                "the parts of {key} are {parts_len} bytes, not {}",
                concat.parts_len
            )));
        }
        whole.extend_from_slice(&concat.tail);
        InMemoryBucket::put(self, key, whole);
        Ok(Concatenated::Stored)
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
pub struct FixedClock {
    now: Mutex<OffsetDateTime>,
    tick: time::Duration,
}

impl FixedClock {
    /// A clock stopped at `t`.
    pub fn at(t: OffsetDateTime) -> Self {
        Self::ticking(t, time::Duration::ZERO)
    }
    /// A clock at `t` that moves on by `tick` each time it is read, as
    /// work takes time.
    pub fn ticking(t: OffsetDateTime, tick: time::Duration) -> Self {
        Self {
            now: Mutex::new(t),
            tick,
        }
    }
    /// Moves the clock on by `by`.
    pub fn advance(&self, by: time::Duration) {
        *locked(&self.now) += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        let mut now = locked(&self.now);
        let t = *now;
        *now += self.tick;
        t
    }
}

impl InMemoryStore {
    /// The session `id` as stored.
    pub fn session(&self, id: SessionId) -> Option<Session> {
        locked(&self.tables).sessions.get(&id).cloned()
    }

    /// Stores `session` as it is.
    pub fn seed_session(&self, session: Session) {
        locked(&self.tables).sessions.insert(session.id, session);
    }

    /// The chat's activity on `day`.
    pub fn chat_day(&self, day: Date) -> ChatDay {
        match locked(&self.tables).days.get(&(day, "CHAT".to_owned())) {
            Some(DayRecord::Chat(c)) => c.clone(),
            _ => ChatDay::default(),
        }
    }

    /// Each of the next `n` saves of an existing session loses the race to
    /// another message of the same conversation: that message's turn is
    /// stored first, and the save answers `Conflict`.
    pub fn race_next_saves(&self, n: usize) {
        locked(&self.tables).raced_saves = n;
    }
}

#[async_trait]
impl ChatSessions for InMemoryStore {
    async fn load(&self, id: SessionId) -> PortResult<Option<Session>> {
        self.check()?;
        Ok(locked(&self.tables).sessions.get(&id).cloned())
    }

    async fn save(
        &self,
        session: &Session,
        previous: Option<u64>,
        turn: &TurnRecord,
    ) -> PortResult<SessionWrite> {
        self.check()?;
        let mut t = locked(&self.tables);
        if previous.is_some() && t.raced_saves > 0 {
            t.raced_saves -= 1;
            if let Some(other) = t.sessions.get_mut(&session.id) {
                other.push(Turn {
                    at: turn.at,
                    question: "(a concurrent message)".into(),
                    reply: "(its answer)".into(),
                    intent: "fallback".into(),
                });
            }
        }
        let stored = t.sessions.get(&session.id).map(|s| s.version);
        if stored != previous {
            return Ok(SessionWrite::Conflict);
        }
        t.sessions.insert(session.id, session.clone());
        let day = turn.at.date();
        let record = t
            .days
            .entry((day, "CHAT".to_owned()))
            .or_insert_with(|| DayRecord::Chat(ChatDay::default()));
        if let DayRecord::Chat(c) = record {
            c.turns += 1;
            c.turns_by_hour.0[utc_hour(turn.at)] += 1;
            c.sessions += u64::from(turn.new_session);
            if turn.answered() {
                c.answered += 1;
            } else {
                c.fallback += 1;
            }
            *c.intents.entry(turn.intent.clone()).or_default() += 1;
        }
        if let Some(q) = &turn.unanswered {
            let record = t
                .days
                .entry((day, format!("UNANSWERED#{q}")))
                .or_insert_with(|| {
                    DayRecord::Unanswered(Unanswered {
                        question: q.clone(),
                        count: 0,
                    })
                });
            if let DayRecord::Unanswered(u) = record {
                u.count += 1;
            }
        }
        Ok(SessionWrite::Saved)
    }
}

#[async_trait]
impl RateLimiter for InMemoryStore {
    async fn admit(&self, limits: &[Limit], window: &Window) -> PortResult<Admission> {
        self.check()?;
        let mut t = locked(&self.tables);
        let used = |t: &Tables, l: &Limit| t.limits.get(&(l.key.clone(), window.start)).copied();
        if let Some(full) = limits
            .iter()
            .position(|l| used(&t, l).unwrap_or(0) >= l.max)
        {
            return Ok(Admission::Refused(full));
        }
        for l in limits {
            *t.limits.entry((l.key.clone(), window.start)).or_default() += 1;
        }
        Ok(Admission::Admitted)
    }
}

#[async_trait]
impl IdempotencyStore for InMemoryStore {
    async fn take(
        &self,
        record: &str,
        fingerprint: &Fingerprint,
        now: OffsetDateTime,
        lock_until: OffsetDateTime,
        fresh: WriteId,
    ) -> PortResult<Begun> {
        self.check()?;
        let mut t = locked(&self.tables);
        if let Some(r) = t.idempotency.get_mut(record)
            && r.expires >= now
        {
            return Ok(if &r.fingerprint != fingerprint {
                Begun::OtherPayload
            } else if let Some(answer) = &r.answer {
                Begun::Done(answer.clone())
            } else if r.locked_until.is_some_and(|l| l >= now) {
                Begun::InProgress
            } else {
                r.locked_until = Some(lock_until);
                Begun::Run(r.id)
            });
        }
        t.idempotency.insert(
            record.to_owned(),
            FakeRecord {
                fingerprint: fingerprint.clone(),
                id: fresh,
                answer: None,
                locked_until: Some(lock_until),
                expires: lock_until + time::Duration::days(1),
            },
        );
        Ok(Begun::Run(fresh))
    }

    async fn keep(
        &self,
        record: &str,
        fingerprint: &Fingerprint,
        answer: &Answer,
        expires: OffsetDateTime,
    ) -> PortResult<()> {
        self.check()?;
        let mut t = locked(&self.tables);
        if let Some(r) = t.idempotency.get_mut(record)
            && r.locked_until.is_some()
            && &r.fingerprint == fingerprint
        {
            r.answer = Some(answer.clone());
            r.locked_until = None;
            r.expires = expires;
        }
        Ok(())
    }

    async fn release(&self, record: &str) -> PortResult<()> {
        self.check()?;
        let mut t = locked(&self.tables);
        if let Some(r) = t.idempotency.get_mut(record) {
            r.locked_until = None;
        }
        Ok(())
    }
}

/// The chat's ports, all on `store`, timed by `clock`, each client allowed
/// `writes_per_minute` writes a minute: the chat on fakes, as its tests,
/// its benchmark and its fuzz target run it.
pub fn chat_ports(
    store: &Arc<InMemoryStore>,
    clock: &Arc<FixedClock>,
    writes_per_minute: u32,
) -> crate::services::ChatPorts {
    let writes = crate::services::WriteLimit::new(store.clone(), clock.clone(), writes_per_minute);
    crate::services::ChatPorts {
        sessions: store.clone(),
        writes: Arc::new(writes),
        views: store.clone(),
        videos: store.clone(),
        reports: store.clone(),
        clock: clock.clone(),
    }
}
