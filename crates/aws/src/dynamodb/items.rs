//! The items of the app table, as stored: one struct per kind, its keys
//! beside its attributes, mapped to and from the domain's types here so
//! that a rename in the domain cannot change what is stored. The golden
//! shapes (`tests/snapshots/`) pin each kind as DynamoDB holds it.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use rightnow_domain::activity::{
    ActivityError, ChatDay, DayRecord, Hourly, PageDay, Unanswered, VideoDay,
};
use rightnow_domain::chat::{Context, Session, SessionId, Turn};
use rightnow_domain::comment::{Comment, CommentId};
use rightnow_domain::container::Container;
use rightnow_domain::idempotency::{Answer, Begun, Fingerprint, WriteId};
use rightnow_domain::page::Slug;
use rightnow_domain::ports::PortError;
use rightnow_domain::report::{
    ChatFigures, DayReport, Failure, Figures, HourFigures, PageFigures, ReportPointer,
    ReportStatus, RunId, VideoFigures,
};
use rightnow_domain::video::{Found, ReasonNote, Video, VideoId, VideoStatus, VideoType};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::{Item, key};

/// The TTL attribute: epoch seconds after which DynamoDB deletes the item.
pub const EXPIRES_AT: &str = "expiresAt";

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// An item that does not hold what its kind promises.
fn corrupt(kind: &str, id: &str, what: impl std::fmt::Display) -> PortError {
    PortError::new(format!("corrupt {kind} item {id}: {what}"))
}

fn page_pk(slug: &Slug) -> String {
    format!("PAGE#{slug}")
}

/// `PAGE#<slug>` / `PAGE`: a page's counters, made by its first view and
/// only ever changed by `ADD`. A missing counter is 0; one that is not a
/// non-negative number fails to read, rather than reading as 0.
#[derive(Debug, Deserialize)]
pub struct PageItem {
    #[serde(default)]
    pub views: u64,
    #[serde(default)]
    #[expect(dead_code, reason = "read by the daily report, to come")]
    pub comments: u64,
}

impl PageItem {
    pub const VIEWS: &'static str = "views";
    pub const COMMENTS: &'static str = "comments";

    pub fn key(page: &Slug) -> Item {
        key(page_pk(page), "PAGE")
    }
}

/// A day's activity (`DAY#<date>`), what the daily report reads with one
/// paginated Query. Every attribute but the keys, the expiry and an
/// unanswered question's text is a counter changed only by `ADD`; a
/// missing counter is 0, one that is not a count fails to read. Counters
/// by hour are `<counter>At<HH>` (UTC), on the same item as their total,
/// so that counting by hour costs no extra write.
///
/// | sort key               | counters                                          |
/// |------------------------|---------------------------------------------------|
/// | `CHAT`                 | `turns`, `sessions`, `answered`, `fallback`, `turnsAtHH`, `intent:<id>` |
/// | `PAGE#<slug>`          | `views`, `comments`, `viewsAtHH`, `commentsAtHH`  |
/// | `UNANSWERED#<question>`| `count` (and `question`, the text)                |
/// | `VIDEOS`               | `registered`, `approved`, `rejected`, `registeredAtHH`, `reason:<code>` |
pub struct DayItem;

impl DayItem {
    pub const VIEWS: &'static str = "views";
    pub const COMMENTS: &'static str = "comments";
    pub const REGISTERED: &'static str = "registered";
    pub const APPROVED: &'static str = "approved";
    pub const REJECTED: &'static str = "rejected";
    pub const TURNS: &'static str = "turns";
    pub const SESSIONS: &'static str = "sessions";
    pub const ANSWERED: &'static str = "answered";
    pub const FALLBACK: &'static str = "fallback";
    pub const COUNT: &'static str = "count";
    pub const QUESTION: &'static str = "question";
    pub const VIDEOS_SK: &'static str = "VIDEOS";
    pub const CHAT_SK: &'static str = "CHAT";
    pub const UNANSWERED_PREFIX: &'static str = "UNANSWERED#";
    const REASON_PREFIX: &'static str = "reason:";
    const INTENT_PREFIX: &'static str = "intent:";

    pub fn pk(day: Date) -> String {
        format!("DAY#{day}")
    }

    pub fn page_key(day: Date, page: &Slug) -> Item {
        key(Self::pk(day), page_pk(page))
    }

    pub fn chat_key(day: Date) -> Item {
        key(Self::pk(day), Self::CHAT_SK)
    }

    pub fn unanswered_key(day: Date, question: &str) -> Item {
        key(
            Self::pk(day),
            format!("{}{question}", Self::UNANSWERED_PREFIX),
        )
    }

    pub fn videos_key(day: Date) -> Item {
        key(Self::pk(day), Self::VIDEOS_SK)
    }

    /// The counter of `counter` in the hour `hour` (0-23).
    pub fn hourly(counter: &str, hour: usize) -> String {
        format!("{counter}At{hour:02}")
    }

    /// The counter of chat turns taken to ask `intent`.
    pub fn intent(intent: &str) -> String {
        format!("{}{intent}", Self::INTENT_PREFIX)
    }

    /// The counter of rejections for reason `code`.
    pub fn reason(code: &str) -> String {
        format!("{}{code}", Self::REASON_PREFIX)
    }

    /// Reads a stored day item as the record its sort key says it is.
    pub fn into_domain(mut item: Item) -> Result<DayRecord, ActivityError> {
        let text = |item: &mut Item, name: &str| match item.remove(name) {
            Some(AttributeValue::S(s)) => Some(s),
            _ => None,
        };
        let pk = text(&mut item, "pk").unwrap_or_default();
        let sk = text(&mut item, "sk").unwrap_or_default();
        let unreadable = |why: String| ActivityError::Unreadable {
            record: format!("{pk} / {sk}"),
            why,
        };
        item.remove(EXPIRES_AT);
        let question = text(&mut item, Self::QUESTION);
        let mut counters = Counters::default();
        for (name, value) in item {
            let count = match &value {
                AttributeValue::N(n) => n.parse::<u64>().ok(),
                _ => None,
            };
            let count = count.ok_or_else(|| unreadable(format!("{name} is not a count")))?;
            counters.0.insert(name, count);
        }
        let c = &mut counters;
        let record = if let Some(slug) = sk.strip_prefix("PAGE#") {
            DayRecord::Page(PageDay {
                slug: Slug::parse(slug).map_err(|e| unreadable(e.to_string()))?,
                views: c.take(Self::VIEWS),
                comments: c.take(Self::COMMENTS),
                views_by_hour: c.hours(Self::VIEWS),
                comments_by_hour: c.hours(Self::COMMENTS),
            })
        } else if sk == Self::VIDEOS_SK {
            DayRecord::Videos(VideoDay {
                registered: c.take(Self::REGISTERED),
                approved: c.take(Self::APPROVED),
                rejected: c.take(Self::REJECTED),
                registered_by_hour: c.hours(Self::REGISTERED),
                reasons: c.prefixed(Self::REASON_PREFIX),
            })
        } else if sk == Self::CHAT_SK {
            DayRecord::Chat(ChatDay {
                turns: c.take(Self::TURNS),
                sessions: c.take(Self::SESSIONS),
                answered: c.take(Self::ANSWERED),
                fallback: c.take(Self::FALLBACK),
                turns_by_hour: c.hours(Self::TURNS),
                intents: c.prefixed(Self::INTENT_PREFIX),
            })
        } else if sk.starts_with(Self::UNANSWERED_PREFIX) {
            DayRecord::Unanswered(Unanswered {
                question: question.ok_or_else(|| unreadable("no question".into()))?,
                count: c.take(Self::COUNT),
            })
        } else {
            return Err(unreadable("not a kind of activity".into()));
        };
        Ok(record)
    }
}

/// A day item's counters by name, taken out one by one.
#[derive(Default)]
struct Counters(BTreeMap<String, u64>);

impl Counters {
    fn take(&mut self, name: &str) -> u64 {
        self.0.remove(name).unwrap_or(0)
    }

    /// The counters named `<prefix><name>`, by name.
    fn prefixed(&self, prefix: &str) -> BTreeMap<String, u64> {
        self.0
            .iter()
            .filter_map(|(name, n)| Some((name.strip_prefix(prefix)?.to_owned(), *n)))
            .collect()
    }

    fn hours(&mut self, counter: &str) -> Hourly {
        let mut h = Hourly::default();
        for (hour, slot) in h.0.iter_mut().enumerate() {
            *slot = self.take(&DayItem::hourly(counter, hour));
        }
        h
    }
}

/// `PAGE#<slug>` / `COMMENT#<ulid>`: one comment.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentItem {
    pk: String,
    sk: String,
    id: String,
    page: String,
    author: String,
    body: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl CommentItem {
    pub const SK_PREFIX: &'static str = "COMMENT#";

    pub fn page_pk(page: &Slug) -> String {
        page_pk(page)
    }

    pub fn key(page: &Slug, id: CommentId) -> Item {
        key(page_pk(page), format!("{}{id}", Self::SK_PREFIX))
    }

    pub fn from_domain(c: &Comment) -> Self {
        Self {
            pk: page_pk(&c.page),
            sk: format!("{}{}", Self::SK_PREFIX, c.id),
            id: c.id.to_string(),
            page: c.page.to_string(),
            author: c.author.clone(),
            body: c.body.clone(),
            created_at: c.created_at,
        }
    }

    pub fn into_domain(self) -> Result<Comment, PortError> {
        let bad = |what: &dyn std::fmt::Display| corrupt("comment", &self.sk, what);
        Ok(Comment {
            id: self.id.parse().map_err(|e| bad(&e))?,
            page: self.page.parse().map_err(|e| bad(&e))?,
            author: self.author,
            body: self.body,
            created_at: self.created_at,
        })
    }
}

/// `VIDEO#<id>` / `VIDEO`: a video's record. Indexed by status on GSI1
/// (`VIDEOS#<status>` / creation time), so the index key moves with it.
/// While `processing`, `uploadEtag` names the upload being inspected and
/// `leaseUntil` (epoch seconds) when another worker may take it over.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoItem {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    id: String,
    title: String,
    content_type: String,
    size: u64,
    status: String,
    #[serde(default)]
    reasons: Vec<ReasonItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    found: Option<FoundItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upload_etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lease_until: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

/// A reason a video was rejected, as stored in its record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReasonItem {
    code: String,
    message: String,
}

/// What moderation found in an upload, as stored in its record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FoundItem {
    size: u64,
    sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    container: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    codec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
}

impl ReasonItem {
    pub fn from_domain(r: &ReasonNote) -> Self {
        Self {
            code: r.code.clone(),
            message: r.message.clone(),
        }
    }
}

impl FoundItem {
    pub fn from_domain(f: &Found) -> Self {
        Self {
            size: f.size,
            sha256: f.sha256.clone(),
            container: f.container.map(|c| c.as_str().to_owned()),
            duration_ms: f.duration_ms,
            codec: f.codec.clone(),
            width: f.width,
            height: f.height,
        }
    }

    fn into_domain(
        self,
        bad: impl Fn(&dyn std::fmt::Display) -> PortError,
    ) -> Result<Found, PortError> {
        let container = match self.container {
            Some(c) => {
                Some(Container::from_name(&c).ok_or_else(|| bad(&format!("container {c:?}")))?)
            }
            None => None,
        };
        Ok(Found {
            size: self.size,
            sha256: self.sha256,
            container,
            duration_ms: self.duration_ms,
            codec: self.codec,
            width: self.width,
            height: self.height,
        })
    }
}

impl VideoItem {
    pub const STATUS: &'static str = "status";
    pub const REASONS: &'static str = "reasons";
    pub const FOUND: &'static str = "found";
    pub const UPLOAD_ETAG: &'static str = "uploadEtag";
    pub const LEASE_UNTIL: &'static str = "leaseUntil";
    pub const GSI1PK: &'static str = "gsi1pk";

    pub fn key(id: VideoId) -> Item {
        key(format!("VIDEO#{id}"), "VIDEO")
    }

    /// GSI1's partition of the videos in `status`.
    pub fn status_partition(status: VideoStatus) -> String {
        format!("VIDEOS#{status}")
    }

    pub fn from_domain(v: &Video) -> Self {
        Self {
            pk: format!("VIDEO#{}", v.id),
            sk: "VIDEO".into(),
            gsi1pk: Self::status_partition(v.status),
            gsi1sk: v.created_at.unix_timestamp().to_string(),
            id: v.id.to_string(),
            title: v.title.clone(),
            content_type: v.content_type.mime().into(),
            size: v.size,
            status: v.status.to_string(),
            reasons: v.reasons.iter().map(ReasonItem::from_domain).collect(),
            found: v.found.as_ref().map(FoundItem::from_domain),
            upload_etag: v.upload_etag.clone(),
            lease_until: None,
            created_at: v.created_at,
        }
    }

    pub fn into_domain(self) -> Result<Video, PortError> {
        let pk = self.pk.clone();
        let bad = |what: &dyn std::fmt::Display| corrupt("video", &pk, what);
        Ok(Video {
            id: self.id.parse::<VideoId>().map_err(|e| bad(&e))?,
            content_type: VideoType::from_mime(&self.content_type)
                .ok_or_else(|| bad(&format!("content type {:?}", self.content_type)))?,
            status: self.status.parse().map_err(|e| bad(&e))?,
            found: self.found.map(|f| f.into_domain(bad)).transpose()?,
            title: self.title,
            size: self.size,
            reasons: self
                .reasons
                .into_iter()
                .map(|r| ReasonNote {
                    code: r.code,
                    message: r.message,
                })
                .collect(),
            upload_etag: self.upload_etag,
            created_at: self.created_at,
        })
    }
}

/// `BLOCKED#<sha256>` / `HASH`: a file known to be harmful, by the SHA-256
/// of its bytes, put there by an operator (README: "Moderation").
/// Its key is all it holds; an operator may add a note attribute.
#[derive(Debug)]
pub struct BlockedHashItem;

impl BlockedHashItem {
    pub fn key(sha256: &str) -> Item {
        key(format!("BLOCKED#{sha256}"), "HASH")
    }
}

/// `REPORT` / `LATEST`: where the newest report is, overwritten by each run.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportPointerItem {
    pk: String,
    sk: String,
    #[serde(with = "iso_date")]
    date: Date,
    key: String,
    #[serde(with = "time::serde::rfc3339")]
    generated_at: OffsetDateTime,
}

impl ReportPointerItem {
    pub fn key() -> Item {
        key("REPORT".into(), "LATEST")
    }

    pub fn from_domain(p: &ReportPointer) -> Self {
        Self {
            pk: "REPORT".into(),
            sk: "LATEST".into(),
            date: p.date,
            key: p.key.clone(),
            generated_at: p.generated_at,
        }
    }

    pub fn into_domain(self) -> ReportPointer {
        ReportPointer {
            date: self.date,
            key: self.key,
            generated_at: self.generated_at,
        }
    }
}

/// `REPORT#<date>` / `REPORT`: a day's report: the lease of the run
/// working on it (`run`, `leaseUntil` in epoch seconds, while `running`),
/// its outcome (`ready` with `figures`, or `failed` with `failure`). The
/// figures of the last finished run stay through a rerun.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportItem {
    pk: String,
    sk: String,
    #[serde(with = "iso_date")]
    date: Date,
    status: String,
    run: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lease_until: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    figures: Option<FiguresItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure: Option<FailureItem>,
}

impl ReportItem {
    pub const STATUS: &'static str = "status";
    pub const RUN: &'static str = "run";
    pub const DATE: &'static str = "date";
    pub const LEASE_UNTIL: &'static str = "leaseUntil";
    pub const FIGURES: &'static str = "figures";
    pub const FAILURE: &'static str = "failure";
    pub const RUNNING: &'static str = "running";
    pub const READY: &'static str = "ready";
    pub const FAILED: &'static str = "failed";

    pub fn key(day: Date) -> Item {
        key(format!("REPORT#{day}"), "REPORT")
    }

    pub fn into_domain(self) -> Result<DayReport, PortError> {
        let bad = |what: &dyn std::fmt::Display| corrupt("report", &self.pk, what);
        let status = match (self.status.as_str(), self.lease_until, self.failure) {
            (Self::RUNNING, Some(until), _) => ReportStatus::Running {
                lease_until: OffsetDateTime::from_unix_timestamp(until).map_err(|e| bad(&e))?,
            },
            (Self::READY, _, _) => ReportStatus::Ready,
            (Self::FAILED, _, Some(f)) => ReportStatus::Failed(Failure {
                code: f.code,
                message: f.message,
            }),
            (other, _, _) => return Err(bad(&format!("status {other:?} without its details"))),
        };
        Ok(DayReport {
            date: self.date,
            status,
            run: RunId::parse(&self.run).map_err(|e| bad(&e))?,
            figures: self
                .figures
                .map(FiguresItem::into_domain)
                .transpose()
                .map_err(|e| bad(&e))?,
        })
    }
}

/// Why a day's report failed, as stored.
#[derive(Debug, Serialize, Deserialize)]
pub struct FailureItem {
    code: String,
    message: String,
}

impl FailureItem {
    pub fn from_domain(f: &Failure) -> Self {
        Self {
            code: f.code.clone(),
            message: f.message.clone(),
        }
    }
}

/// A day's figures, as a report's record stores them (a map, under 4 KB:
/// every part is bounded).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FiguresItem {
    pages: u64,
    views: u64,
    comments: u64,
    top_pages: Vec<PageFiguresItem>,
    /// 24 entries, one per hour (UTC).
    hours: Vec<HourItem>,
    videos: VideoFiguresItem,
    chat: ChatFiguresItem,
    unanswered: Vec<UnansweredItem>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PageFiguresItem {
    slug: String,
    views: u64,
    comments: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct HourItem {
    views: u64,
    comments: u64,
    videos: u64,
    chat: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct VideoFiguresItem {
    registered: u64,
    approved: u64,
    rejected: u64,
    reasons: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ChatFiguresItem {
    turns: u64,
    sessions: u64,
    answered: u64,
    fallback: u64,
    /// Absent from the reports written before the chat counted intents.
    #[serde(default)]
    intents: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct UnansweredItem {
    question: String,
    count: u64,
}

impl FiguresItem {
    pub fn from_domain(f: &Figures) -> Self {
        Self {
            pages: f.pages,
            views: f.views,
            comments: f.comments,
            top_pages: f
                .top_pages
                .iter()
                .map(|p| PageFiguresItem {
                    slug: p.slug.to_string(),
                    views: p.views,
                    comments: p.comments,
                })
                .collect(),
            hours: f
                .hours
                .iter()
                .map(|h| HourItem {
                    views: h.views,
                    comments: h.comments,
                    videos: h.videos,
                    chat: h.chat,
                })
                .collect(),
            videos: VideoFiguresItem {
                registered: f.videos.registered,
                approved: f.videos.approved,
                rejected: f.videos.rejected,
                reasons: f.videos.reasons.clone(),
            },
            chat: ChatFiguresItem {
                turns: f.chat.turns,
                sessions: f.chat.sessions,
                answered: f.chat.answered,
                fallback: f.chat.fallback,
                intents: f.chat.intents.clone(),
            },
            unanswered: f
                .unanswered
                .iter()
                .map(|q| UnansweredItem {
                    question: q.question.clone(),
                    count: q.count,
                })
                .collect(),
        }
    }

    fn into_domain(self) -> Result<Figures, String> {
        let hours: [HourItem; 24] = self
            .hours
            .try_into()
            .map_err(|h: Vec<HourItem>| format!("{} hours, not 24", h.len()))?;
        Ok(Figures {
            pages: self.pages,
            views: self.views,
            comments: self.comments,
            top_pages: self
                .top_pages
                .into_iter()
                .map(|p| {
                    Ok(PageFigures {
                        slug: Slug::parse(&p.slug).map_err(|e| e.to_string())?,
                        views: p.views,
                        comments: p.comments,
                    })
                })
                .collect::<Result<_, String>>()?,
            hours: hours.map(|h| HourFigures {
                views: h.views,
                comments: h.comments,
                videos: h.videos,
                chat: h.chat,
            }),
            videos: VideoFigures {
                registered: self.videos.registered,
                approved: self.videos.approved,
                rejected: self.videos.rejected,
                reasons: self.videos.reasons,
            },
            chat: ChatFigures {
                turns: self.chat.turns,
                sessions: self.chat.sessions,
                answered: self.chat.answered,
                fallback: self.chat.fallback,
                intents: self.chat.intents,
            },
            unanswered: self
                .unanswered
                .into_iter()
                .map(|q| Unanswered {
                    question: q.question,
                    count: q.count,
                })
                .collect(),
        })
    }
}

/// Reads a stored item as `T`, naming the item in the error.
pub fn from_item<T: serde::de::DeserializeOwned>(kind: &str, item: Item) -> Result<T, PortError> {
    let id = item
        .get("pk")
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default();
    serde_dynamo::from_item(item).map_err(|e| corrupt(kind, &id, e))
}

/// An item to store.
pub fn to_item<T: Serialize>(item: &T) -> Result<Item, PortError> {
    serde_dynamo::to_item(item).map_err(PortError::new)
}

/// `SESSION#<id>` / `SESSION`: a chat conversation: its last turns, what
/// it last referred to, and `version`, the number of turns it has had,
/// which each write is conditional on. Expires 24 hours after its last
/// turn.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionItem {
    pk: String,
    sk: String,
    version: u64,
    turns: Vec<TurnItem>,
    context: ContextItem,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    expires_at: i64,
}

/// One turn of a conversation, as stored.
#[derive(Debug, Serialize, Deserialize)]
pub struct TurnItem {
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    question: String,
    reply: String,
    intent: String,
}

/// What a conversation last referred to, as stored.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ContextItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    video: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    intent: Option<String>,
}

impl SessionItem {
    pub const VERSION: &'static str = "version";

    pub fn key(id: SessionId) -> Item {
        key(format!("SESSION#{id}"), "SESSION")
    }

    pub fn from_domain(s: &Session) -> Self {
        Self {
            pk: format!("SESSION#{}", s.id),
            sk: "SESSION".into(),
            version: s.version,
            turns: s
                .turns
                .iter()
                .map(|t| TurnItem {
                    at: t.at,
                    question: t.question.clone(),
                    reply: t.reply.clone(),
                    intent: t.intent.clone(),
                })
                .collect(),
            context: ContextItem {
                page: s.context.page.as_ref().map(|p| p.to_string()),
                video: s.context.video.map(|v| v.to_string()),
                intent: s.context.intent.clone(),
            },
            updated_at: s.updated_at,
            expires_at: s.expires_at().unix_timestamp(),
        }
    }

    pub fn into_domain(self) -> Result<Session, PortError> {
        let pk = self.pk.clone();
        let bad = |what: &dyn std::fmt::Display| corrupt("session", &pk, what);
        let id = pk
            .strip_prefix("SESSION#")
            .and_then(|id| SessionId::parse(id).ok())
            .ok_or_else(|| bad(&"not a session key"))?;
        Ok(Session {
            id,
            version: self.version,
            turns: self
                .turns
                .into_iter()
                .map(|t| Turn {
                    at: t.at,
                    question: t.question,
                    reply: t.reply,
                    intent: t.intent,
                })
                .collect(),
            context: Context {
                page: self
                    .context
                    .page
                    .map(|p| Slug::parse(&p))
                    .transpose()
                    .map_err(|e| bad(&e))?,
                video: self
                    .context
                    .video
                    .map(|v| v.parse::<VideoId>())
                    .transpose()
                    .map_err(|e| bad(&e))?,
                intent: self.context.intent,
            },
            updated_at: self.updated_at,
        })
    }
}

/// `LIMIT#<key>` / `<window start, epoch seconds>`: the uses of one rate
/// limit in one window, changed only by a conditional `ADD`. Expires a
/// minute after its window; a window is never read after it ends, so TTL's
/// lag does not matter.
pub struct LimitItem;

impl LimitItem {
    pub const USES: &'static str = "uses";

    pub fn key(limit: &str, window_start: OffsetDateTime) -> Item {
        key(
            format!("LIMIT#{limit}"),
            window_start.unix_timestamp().to_string(),
        )
    }
}

/// `IDEMPOTENCY#<method> <path>#<key>` / `RECORD`: one idempotent write.
/// `pending` until its write is done, held by a request while `lockedUntil`
/// is there and not past (a request that fails lets it go by removing it),
/// then `done` with the answer (`status`, `body`) kept until `expiresAt`.
/// The fingerprint tells a retry from another payload under the same key;
/// `writeId` is what the write makes, the same for each of its retries.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyItem {
    pk: String,
    sk: String,
    state: String,
    fingerprint: String,
    write_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locked_until: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    expires_at: i64,
}

impl IdempotencyItem {
    pub const STATE: &'static str = "state";
    pub const FINGERPRINT: &'static str = "fingerprint";
    pub const LOCKED_UNTIL: &'static str = "lockedUntil";
    pub const STATUS: &'static str = "status";
    pub const BODY: &'static str = "body";
    pub const PENDING: &'static str = "pending";
    pub const DONE: &'static str = "done";
    const SK: &'static str = "RECORD";

    pub fn key(record: &str) -> Item {
        key(format!("IDEMPOTENCY#{record}"), Self::SK)
    }

    /// A new record for `fingerprint`, making `write`, held until
    /// `lock_until`, removed by TTL at `expires` if nothing finishes it.
    pub fn held(
        record: &str,
        fingerprint: &Fingerprint,
        write: WriteId,
        lock_until: OffsetDateTime,
        expires: OffsetDateTime,
    ) -> Self {
        Self {
            pk: format!("IDEMPOTENCY#{record}"),
            sk: Self::SK.to_owned(),
            state: Self::PENDING.to_owned(),
            fingerprint: fingerprint.0.clone(),
            write_id: write.0.to_string(),
            locked_until: Some(lock_until.unix_timestamp()),
            status: None,
            body: None,
            expires_at: expires.unix_timestamp(),
        }
    }

    /// What the write makes.
    pub fn write_id(&self) -> Result<WriteId, PortError> {
        self.write_id
            .parse()
            .map(WriteId)
            .map_err(|e| corrupt("idempotency", &self.pk, format!("writeId: {e}")))
    }

    /// What a request with `fingerprint` is told, this record standing in
    /// its way and not free to take.
    pub fn outcome_for(&self, fingerprint: &Fingerprint) -> Begun {
        if self.fingerprint != fingerprint.0 {
            return Begun::OtherPayload;
        }
        match (self.state.as_str(), self.status, &self.body) {
            (Self::DONE, Some(status), Some(body)) => Begun::Done(Answer {
                status,
                body: body.clone(),
            }),
            _ => Begun::InProgress,
        }
    }
}
