//! A day's activity, as the functions that see it record it and the daily
//! report reads it back: counters kept per day (per page, for videos, for
//! chat) and one counter per distinct unanswered question. Counters, not
//! one record per event, so that a busy day costs the report as many
//! records as it has pages and questions, not as many as it had requests.

use std::collections::BTreeMap;

use time::{OffsetDateTime, UtcOffset};

use crate::page::Slug;
use crate::ports::PortError;

/// The hour of the day (0-23, UTC) that `at` falls in: the report's
/// histograms are by UTC hour, as its days are UTC days.
pub fn utc_hour(at: OffsetDateTime) -> usize {
    usize::from(at.to_offset(UtcOffset::UTC).hour())
}

/// A count for each hour of a day, UTC.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Hourly(pub [u64; 24]);

impl Hourly {
    /// Adds `other`'s counts, hour by hour.
    pub fn add(&mut self, other: &Hourly) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine = mine.saturating_add(theirs);
        }
    }

    /// The sum over the day.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

/// A page's activity on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageDay {
    /// The page.
    pub slug: Slug,
    /// Views counted that day.
    pub views: u64,
    /// Comments posted that day.
    pub comments: u64,
    /// The views, by hour.
    pub views_by_hour: Hourly,
    /// The comments, by hour.
    pub comments_by_hour: Hourly,
}

/// Videos on one day: registered (by the hour they were registered) and
/// judged (by the day of their verdict), with each rejection reason.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct VideoDay {
    /// Videos registered that day.
    pub registered: u64,
    /// Videos approved that day.
    pub approved: u64,
    /// Videos rejected that day.
    pub rejected: u64,
    /// How many rejections gave each reason code (a video may give several).
    pub reasons: BTreeMap<String, u64>,
    /// The registrations, by hour.
    pub registered_by_hour: Hourly,
}

/// The chat on one day.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChatDay {
    /// Messages answered (turns).
    pub turns: u64,
    /// Sessions started.
    pub sessions: u64,
    /// Turns answered from the knowledge base or live data.
    pub answered: u64,
    /// Turns that fell back (no confident answer).
    pub fallback: u64,
    /// Turns by what they were taken to ask (intent id, `clarify`,
    /// `fallback`).
    pub intents: BTreeMap<String, u64>,
    /// The turns, by hour.
    pub turns_by_hour: Hourly,
}

/// A question the chat could not answer, and how often it was asked that day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unanswered {
    /// The question, as first asked (truncated by the chat to 200 characters).
    pub question: String,
    /// How many times it was asked.
    pub count: u64,
}

/// One record of a day's activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayRecord {
    /// A page's views and comments.
    Page(PageDay),
    /// The day's videos.
    Videos(VideoDay),
    /// The day's chat.
    Chat(ChatDay),
    /// One unanswered question.
    Unanswered(Unanswered),
}

/// Where a read of a day's activity stopped: the next read resumes after
/// it. Opaque to the business; the adapter that made it reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityCursor(String);

impl ActivityCursor {
    /// The longest cursor accepted (a sort key's limit).
    pub const MAX_LEN: usize = 1024;

    /// A cursor from its stored form; `None` if it is empty or too long to
    /// be one this app made.
    pub fn parse(raw: &str) -> Option<Self> {
        (!raw.is_empty() && raw.len() <= Self::MAX_LEN).then(|| Self(raw.to_owned()))
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A page of a day's activity, in a stable order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityPage {
    /// The records, in the order the store keeps them.
    pub records: Vec<DayRecord>,
    /// Where to resume, `None` when the day is read to its end.
    pub next: Option<ActivityCursor>,
}

/// Why a day's activity could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ActivityError {
    /// A record that does not hold what its kind promises. Retrying will
    /// not help: it needs an operator.
    #[error("activity record {record} is unreadable: {why}")]
    Unreadable {
        /// Which record (its key).
        record: String,
        /// What is wrong with it.
        why: String,
    },
    /// The store failed.
    #[error(transparent)]
    Port(#[from] PortError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn hours_are_utc_hours() {
        assert_eq!(utc_hour(datetime!(2026-12-01 23:59:59 UTC)), 23);
        assert_eq!(utc_hour(datetime!(2026-12-02 08:30 +09:00)), 23);
        assert_eq!(utc_hour(datetime!(2026-12-01 00:00 UTC)), 0);
    }

    #[test]
    fn cursors_are_bounded() {
        assert!(ActivityCursor::parse("").is_none());
        assert!(ActivityCursor::parse(&"x".repeat(1025)).is_none());
        assert_eq!(
            ActivityCursor::parse("PAGE#home").unwrap().as_str(),
            "PAGE#home"
        );
    }
}
