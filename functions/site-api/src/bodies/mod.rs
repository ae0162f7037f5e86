//! The API's wire format: every request and response body, and the query of
//! the comment listing, mapped from and to the domain's types here. The
//! domain can rename a field without changing the public API; a change
//! here is a change of the API, and the golden snapshots
//! (`src/snapshots/`) show it in review.

use rightnow_domain::comment::{Comment, CommentPage, NewComment};
use rightnow_domain::page::PageViews;
use rightnow_domain::video::{NewVideo, UploadTicket, VideoView};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

mod reports;

pub use reports::ReportBody;

/// `POST /api/pages/{slug}/comments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCommentBody {
    author: String,
    body: String,
}

impl NewCommentBody {
    pub fn into_domain(self) -> NewComment {
        NewComment {
            author: self.author,
            body: self.body,
        }
    }
}

/// `POST /api/videos`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewVideoBody {
    title: String,
    content_type: String,
    size: u64,
}

impl NewVideoBody {
    pub fn into_domain(self) -> NewVideo {
        NewVideo {
            title: self.title,
            content_type: self.content_type,
            size: self.size,
        }
    }
}

/// The query of `GET /api/pages/{slug}/comments`: both as text, so that
/// the domain's rules, not the extractor, say what a bad value is.
#[derive(Debug, Deserialize)]
pub struct ListCommentsQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// `GET /api/health`.
#[derive(Debug, Serialize)]
pub struct HealthBody {
    pub status: &'static str,
    pub version: &'static str,
}

/// `GET` and `POST /api/pages/{slug}/views`.
#[derive(Debug, Serialize)]
pub struct PageViewsBody {
    slug: String,
    views: u64,
}

impl From<PageViews> for PageViewsBody {
    fn from(p: PageViews) -> Self {
        Self {
            slug: p.slug.to_string(),
            views: p.views,
        }
    }
}

/// A comment, as posted (201) and as listed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentBody {
    id: String,
    page: String,
    author: String,
    body: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl From<Comment> for CommentBody {
    fn from(c: Comment) -> Self {
        Self {
            id: c.id.to_string(),
            page: c.page.to_string(),
            author: c.author,
            body: c.body,
            created_at: c.created_at,
        }
    }
}

/// `GET /api/pages/{slug}/comments`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentListBody {
    comments: Vec<CommentBody>,
    /// Pass back as `cursor` for the next (older) page; null on the last.
    next_cursor: Option<String>,
}

impl From<CommentPage> for CommentListBody {
    fn from(p: CommentPage) -> Self {
        Self {
            comments: p.comments.into_iter().map(CommentBody::from).collect(),
            next_cursor: p.next.map(|c| c.encode()),
        }
    }
}

/// `POST /api/videos` (201).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadTicketBody {
    id: String,
    upload_url: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
}

impl From<UploadTicket> for UploadTicketBody {
    fn from(t: UploadTicket) -> Self {
        Self {
            id: t.id.to_string(),
            upload_url: t.upload_url,
            expires_at: t.expires_at,
        }
    }
}

/// `GET /api/videos/{id}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoBody {
    id: String,
    title: String,
    status: &'static str,
    /// Why it was rejected: a stable code and a message each.
    reasons: Vec<ReasonBody>,
    /// What moderation found, once it has judged the upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    found: Option<FoundBody>,
    /// Only once the video is approved.
    #[serde(skip_serializing_if = "Option::is_none")]
    playback_url: Option<String>,
}

/// A reason a video was rejected.
#[derive(Debug, Serialize)]
pub struct ReasonBody {
    code: String,
    message: String,
}

/// What moderation found in an upload; what could not be read is left out.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FoundBody {
    size: u64,
    sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    codec: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
}

impl From<VideoView> for VideoBody {
    fn from(v: VideoView) -> Self {
        Self {
            id: v.id.to_string(),
            title: v.title,
            status: v.status.as_str(),
            reasons: v
                .reasons
                .into_iter()
                .map(|r| ReasonBody {
                    code: r.code,
                    message: r.message,
                })
                .collect(),
            found: v.found.map(|f| FoundBody {
                size: f.size,
                sha256: f.sha256,
                container: f.container.map(|c| c.as_str()),
                duration_ms: f.duration_ms,
                codec: f.codec,
                width: f.width,
                height: f.height,
            }),
            playback_url: v.playback_url,
        }
    }
}

/// The golden shape of every response body, from fixed domain values.
#[cfg(test)]
mod tests {
    use rightnow_domain::comment::{CommentId, Cursor};
    use rightnow_domain::container::Container;
    use rightnow_domain::page::Slug;
    use rightnow_domain::video::{Found, ReasonNote, VideoId, VideoStatus};
    use time::macros::datetime;
    use ulid::Ulid;

    use super::*;

    fn comment(n: u128) -> Comment {
        Comment {
            id: CommentId(Ulid(0x0193_7a2b_0000_0000_0000_0000_0000_0000 + n)),
            page: Slug::parse("home").unwrap(),
            author: "Ada".into(),
            body: "Hello <b>there</b>".into(),
            created_at: datetime!(2026-11-27 10:00 UTC),
        }
    }

    fn video_id() -> VideoId {
        VideoId(Ulid(0x0193_7a2b_0000_0000_0000_0000_0000_0042))
    }

    #[test]
    fn health() {
        insta::assert_json_snapshot!(HealthBody {
            status: "ok",
            version: "0.1.0"
        });
    }

    #[test]
    fn page_views() {
        insta::assert_json_snapshot!(PageViewsBody::from(PageViews {
            slug: Slug::parse("home").unwrap(),
            views: 42,
        }));
    }

    #[test]
    fn comment_posted() {
        insta::assert_json_snapshot!(CommentBody::from(comment(1)));
    }

    #[test]
    fn comment_list() {
        insta::assert_json_snapshot!(CommentListBody::from(CommentPage {
            comments: vec![comment(2), comment(1)],
            next: Some(Cursor(comment(1).id)),
        }));
        insta::assert_json_snapshot!(
            "comment_list_last_page",
            CommentListBody::from(CommentPage {
                comments: vec![],
                next: None,
            })
        );
    }

    #[test]
    fn upload_ticket() {
        insta::assert_json_snapshot!(UploadTicketBody::from(UploadTicket {
            id: video_id(),
            upload_url: "https://media.example/uploads/x?X-Amz-Signature=abc".into(),
            expires_at: datetime!(2026-11-27 10:15 UTC),
        }));
    }

    #[test]
    fn video() {
        insta::assert_json_snapshot!(
            "video_rejected",
            VideoBody::from(VideoView {
                id: video_id(),
                title: "Cat".into(),
                status: VideoStatus::Rejected,
                reasons: vec![ReasonNote {
                    code: "not_a_video".into(),
                    message: "the file is not an MP4 or QuickTime video: no ftyp box".into(),
                }],
                found: Some(Found {
                    size: 21,
                    sha256: "ab".repeat(32),
                    container: None,
                    duration_ms: None,
                    codec: None,
                    width: None,
                    height: None,
                }),
                playback_url: None,
            })
        );
        insta::assert_json_snapshot!(
            "video_approved",
            VideoBody::from(VideoView {
                id: video_id(),
                title: "Cat".into(),
                status: VideoStatus::Approved,
                reasons: vec![],
                found: Some(Found {
                    size: 34947,
                    sha256: "cd".repeat(32),
                    container: Some(Container::Mp4),
                    duration_ms: Some(2000),
                    codec: Some("avc1".into()),
                    width: Some(320),
                    height: Some(240),
                }),
                playback_url: Some("https://media.example/videos/x?X-Amz-Signature=abc".into()),
            })
        );
    }
}
