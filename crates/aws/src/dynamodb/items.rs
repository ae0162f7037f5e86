//! The items of the app table, as stored: one struct per kind, its keys
//! beside its attributes, mapped to and from the domain's types here so
//! that a rename in the domain cannot change what is stored. The golden
//! shapes (`tests/snapshots/`) pin each kind as DynamoDB holds it.

use rightnow_domain::comment::{Comment, CommentId};
use rightnow_domain::page::Slug;
use rightnow_domain::ports::PortError;
use rightnow_domain::report::ReportPointer;
use rightnow_domain::video::{Video, VideoId, VideoStatus, VideoType};
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

/// `DAY#<date>` / `PAGE#<slug>`: a page's activity on one day, what the
/// daily report reads. Counters by `ADD`, expiring after a retention.
#[derive(Debug, Deserialize)]
#[expect(dead_code, reason = "read by the daily report, to come")]
pub struct DayActivityItem {
    #[serde(default)]
    pub views: u64,
    #[serde(default)]
    pub comments: u64,
}

impl DayActivityItem {
    pub const VIEWS: &'static str = "views";
    pub const COMMENTS: &'static str = "comments";

    pub fn key(day: Date, page: &Slug) -> Item {
        key(format!("DAY#{day}"), page_pk(page))
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
    reasons: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl VideoItem {
    pub const STATUS: &'static str = "status";
    pub const REASONS: &'static str = "reasons";
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
            reasons: v.reasons.clone(),
            created_at: v.created_at,
        }
    }

    pub fn into_domain(self) -> Result<Video, PortError> {
        let bad = |what: &dyn std::fmt::Display| corrupt("video", &self.pk, what);
        Ok(Video {
            id: self.id.parse::<VideoId>().map_err(|e| bad(&e))?,
            content_type: VideoType::from_mime(&self.content_type)
                .ok_or_else(|| bad(&format!("content type {:?}", self.content_type)))?,
            status: self.status.parse().map_err(|e| bad(&e))?,
            title: self.title,
            size: self.size,
            reasons: self.reasons,
            created_at: self.created_at,
        })
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
