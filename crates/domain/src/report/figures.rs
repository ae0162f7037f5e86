//! A day's figures: what the report says, built up record by record from
//! the day's activity. Every part is bounded (the top pages and questions
//! are top-K, the hours a fixed histogram, the reasons the known codes), so
//! the figures stay the same size however busy the day was; the one part
//! of a report that grows with the day, a row per page, is handed back to
//! the caller as it is read (see [`Figures::add`]).

use std::collections::BTreeMap;

use crate::activity::{DayRecord, Unanswered};
use crate::chat::dialogue::CLARIFY;
use crate::chat::knowledge::INTENT_IDS;
use crate::moderation::Reason;
use crate::page::Slug;

/// How many pages and questions the figures rank.
pub const TOP: usize = 10;

/// The reason code that counts rejections for a code this build does not
/// know (a newer or older moderation's).
pub const OTHER_REASON: &str = "other";

/// The same for turns taken to ask an intent this build does not know (a
/// knowledge base's of another version).
pub const OTHER_INTENT: &str = "other";

/// A page's figures for the day: one row of the report's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFigures {
    /// The page.
    pub slug: Slug,
    /// Its views that day.
    pub views: u64,
    /// Its comments that day.
    pub comments: u64,
}

/// What happened in one hour of the day (UTC).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HourFigures {
    /// Page views.
    pub views: u64,
    /// Comments posted.
    pub comments: u64,
    /// Videos registered.
    pub videos: u64,
    /// Chat turns.
    pub chat: u64,
}

impl HourFigures {
    /// Everything that happened in the hour.
    pub fn total(&self) -> u64 {
        self.views + self.comments + self.videos + self.chat
    }
}

/// The day's videos: registered, and judged (with each reason given).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct VideoFigures {
    /// Videos registered.
    pub registered: u64,
    /// Videos approved.
    pub approved: u64,
    /// Videos rejected.
    pub rejected: u64,
    /// Rejections by reason code (the known codes and [`OTHER_REASON`]).
    pub reasons: BTreeMap<String, u64>,
}

/// The day's chat.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChatFigures {
    /// Turns (messages answered).
    pub turns: u64,
    /// Sessions started.
    pub sessions: u64,
    /// Turns answered with confidence.
    pub answered: u64,
    /// Turns that fell back.
    pub fallback: u64,
    /// Turns by what they were taken to ask: the knowledge base's intent
    /// ids, `clarify`, and [`OTHER_INTENT`].
    pub intents: BTreeMap<String, u64>,
}

/// The day's figures, complete or so far.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Figures {
    /// Pages with any activity.
    pub pages: u64,
    /// Views, over all pages.
    pub views: u64,
    /// Comments, over all pages.
    pub comments: u64,
    /// The most viewed pages, at most [`TOP`], most viewed first (then
    /// most commented, then by name).
    pub top_pages: Vec<PageFigures>,
    /// Activity by hour, UTC.
    pub hours: [HourFigures; 24],
    /// Videos registered, approved and rejected, with each reason.
    pub videos: VideoFigures,
    /// The chat.
    pub chat: ChatFigures,
    /// The questions most often left unanswered, at most [`TOP`], most
    /// asked first (then by text).
    pub unanswered: Vec<Unanswered>,
}

impl Figures {
    /// Counts one record of the day's activity in. A page's record is also
    /// returned as its row of the report's table, for the caller to keep
    /// wherever rows are kept: the figures keep only the top pages.
    pub fn add(&mut self, record: DayRecord) -> Option<PageFigures> {
        match record {
            DayRecord::Page(p) => {
                let row = PageFigures {
                    slug: p.slug,
                    views: p.views,
                    comments: p.comments,
                };
                self.pages += 1;
                self.views += p.views;
                self.comments += p.comments;
                for (hour, (v, c)) in self
                    .hours
                    .iter_mut()
                    .zip(p.views_by_hour.0.iter().zip(p.comments_by_hour.0.iter()))
                {
                    hour.views += v;
                    hour.comments += c;
                }
                keep_top(&mut self.top_pages, row.clone(), |a, b| {
                    b.views
                        .cmp(&a.views)
                        .then(b.comments.cmp(&a.comments))
                        .then(a.slug.cmp(&b.slug))
                });
                Some(row)
            }
            DayRecord::Videos(v) => {
                let mine = &mut self.videos;
                mine.registered += v.registered;
                mine.approved += v.approved;
                mine.rejected += v.rejected;
                for (code, n) in v.reasons {
                    let code = if Reason::CODES.contains(&code.as_str()) {
                        code
                    } else {
                        OTHER_REASON.to_owned()
                    };
                    *mine.reasons.entry(code).or_default() += n;
                }
                for (hour, n) in self.hours.iter_mut().zip(v.registered_by_hour.0) {
                    hour.videos += n;
                }
                None
            }
            DayRecord::Chat(c) => {
                let mine = &mut self.chat;
                mine.turns += c.turns;
                mine.sessions += c.sessions;
                mine.answered += c.answered;
                mine.fallback += c.fallback;
                for (id, n) in c.intents {
                    let id = if INTENT_IDS.contains(&id.as_str()) || id == CLARIFY {
                        id
                    } else {
                        OTHER_INTENT.to_owned()
                    };
                    *mine.intents.entry(id).or_default() += n;
                }
                for (hour, n) in self.hours.iter_mut().zip(c.turns_by_hour.0) {
                    hour.chat += n;
                }
                None
            }
            DayRecord::Unanswered(q) => {
                keep_top(&mut self.unanswered, q, |a, b| {
                    b.count.cmp(&a.count).then(a.question.cmp(&b.question))
                });
                None
            }
        }
    }

    /// The rejections by reason, most frequent first (then by code).
    pub fn reasons_ranked(&self) -> Vec<(&str, u64)> {
        ranked(&self.videos.reasons)
    }

    /// The chat's turns by intent, most frequent first (then by id).
    pub fn intents_ranked(&self) -> Vec<(&str, u64)> {
        ranked(&self.chat.intents)
    }

    /// The share of chat turns answered, in thousandths (rounded half up),
    /// `None` without turns. An integer, so every run prints it alike.
    pub fn answered_per_mille(&self) -> Option<u64> {
        let turns = self.chat.answered + self.chat.fallback;
        (turns > 0).then(|| (self.chat.answered * 1000 + turns / 2) / turns)
    }

    /// Whether the day saw anything at all.
    pub fn is_empty(&self) -> bool {
        self.pages == 0
            && self.videos == VideoFigures::default()
            && self.chat == ChatFigures::default()
    }
}

/// The counts of `by_key`, largest first, then by key.
fn ranked(by_key: &BTreeMap<String, u64>) -> Vec<(&str, u64)> {
    let mut ranked: Vec<(&str, u64)> = by_key.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    ranked
}

/// Inserts `item` into `top`, kept sorted by `order` and at most [`TOP`]
/// long. The order is total, so the result does not depend on the order
/// items arrive in.
fn keep_top<T>(top: &mut Vec<T>, item: T, order: impl Fn(&T, &T) -> std::cmp::Ordering) {
    let at = top.partition_point(|x| order(x, &item).is_lt());
    if at < TOP {
        top.insert(at, item);
        top.truncate(TOP);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{ChatDay, Hourly, PageDay, VideoDay};

    fn page(slug: &str, views: u64, comments: u64) -> DayRecord {
        let mut views_by_hour = Hourly::default();
        views_by_hour.0[3] = views;
        DayRecord::Page(PageDay {
            slug: Slug::parse(slug).unwrap(),
            views,
            comments,
            views_by_hour,
            comments_by_hour: Hourly::default(),
        })
    }

    fn question(q: &str, count: u64) -> DayRecord {
        DayRecord::Unanswered(Unanswered {
            question: q.into(),
            count,
        })
    }

    #[test]
    fn totals_hours_and_rows() {
        let mut f = Figures::default();
        let row = f.add(page("home", 5, 2));
        assert_eq!(row.unwrap().views, 5);
        f.add(page("about", 1, 0));
        assert_eq!((f.pages, f.views, f.comments), (2, 6, 2));
        assert_eq!(f.hours[3].views, 6);
        assert_eq!(f.hours[3].total(), 6);
        assert!(!f.is_empty());
        assert!(Figures::default().is_empty());
    }

    #[test]
    fn the_top_is_bounded_and_does_not_depend_on_arrival_order() {
        let records: Vec<DayRecord> = (0..30u64)
            .map(|i| page(&format!("p{i:02}"), i % 7, i % 3))
            .chain((0..30u64).map(|i| question(&format!("q{i}"), i % 5)))
            .collect();
        let mut forward = Figures::default();
        for r in records.iter().cloned() {
            forward.add(r);
        }
        let mut backward = Figures::default();
        for r in records.iter().rev().cloned() {
            backward.add(r);
        }
        assert_eq!(forward, backward);
        assert_eq!(forward.top_pages.len(), TOP);
        assert_eq!(forward.unanswered.len(), TOP);
        // Most viewed first; ties by comments, then by name.
        let top: Vec<_> = forward
            .top_pages
            .iter()
            .map(|p| p.slug.as_str())
            .take(3)
            .collect();
        assert_eq!(top, ["p20", "p13", "p06"]);
        assert_eq!(forward.unanswered[0].count, 4);
    }

    #[test]
    fn unknown_reasons_count_as_other_and_rank_by_frequency() {
        let mut f = Figures::default();
        f.add(DayRecord::Videos(VideoDay {
            registered: 4,
            approved: 1,
            rejected: 3,
            reasons: [("too_long".into(), 1), ("from_the_future".into(), 2)].into(),
            registered_by_hour: Hourly::default(),
        }));
        assert_eq!(f.reasons_ranked(), [("other", 2), ("too_long", 1)]);
    }

    #[test]
    fn turns_by_intent_add_up_with_unknown_ids_as_other() {
        let mut f = Figures::default();
        let day = |intents: &[(&str, u64)]| {
            DayRecord::Chat(ChatDay {
                intents: intents.iter().map(|(k, n)| ((*k).into(), *n)).collect(),
                ..ChatDay::default()
            })
        };
        f.add(day(&[("cold-start", 2), ("fallback", 1)]));
        f.add(day(&[
            ("cold-start", 1),
            ("clarify", 1),
            ("retired-intent", 4),
        ]));
        assert_eq!(
            f.intents_ranked(),
            [
                ("other", 4),
                ("cold-start", 3),
                ("clarify", 1),
                ("fallback", 1)
            ]
        );
    }

    #[test]
    fn the_answered_share_is_an_integer_of_thousandths() {
        let mut f = Figures::default();
        assert_eq!(f.answered_per_mille(), None);
        f.chat.answered = 2;
        f.chat.fallback = 1;
        assert_eq!(f.answered_per_mille(), Some(667));
    }
}
