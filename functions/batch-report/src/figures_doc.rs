//! The figures as this function writes them: in `report.json` and, between
//! steps, inside the checkpoint. One shape for both, owned here; the golden
//! snapshot of `report.json` (render::json) makes every change visible.

use std::collections::BTreeMap;

use rightnow_domain::activity::Unanswered;
use rightnow_domain::page::Slug;
use rightnow_domain::report::{ChatFigures, Figures, HourFigures, PageFigures, VideoFigures};
use serde::{Deserialize, Serialize};

/// Every figure of a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FiguresDoc {
    pub pages: u64,
    pub views: u64,
    pub comments: u64,
    pub top_pages: Vec<PageDoc>,
    /// 24 entries, hour 0 to 23 (UTC).
    pub hours: Vec<HourDoc>,
    pub videos: VideosDoc,
    pub chat: ChatDoc,
    pub unanswered: Vec<QuestionDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageDoc {
    pub slug: String,
    pub views: u64,
    pub comments: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HourDoc {
    pub hour: u8,
    pub views: u64,
    pub comments: u64,
    pub videos: u64,
    pub chat: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideosDoc {
    pub registered: u64,
    pub approved: u64,
    pub rejected: u64,
    /// Rejections by reason code, in code order.
    pub reasons: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChatDoc {
    pub turns: u64,
    pub sessions: u64,
    pub answered: u64,
    pub fallback: u64,
    /// Answered over answered and fallback, to three decimals (computed
    /// from integers, so every run prints the same digits); `null`
    /// without turns. Recomputed, not read back.
    #[serde(default)]
    pub answered_share: Option<f64>,
    /// Turns by intent id (and `clarify`), in id order; absent from a
    /// checkpoint written before the chat counted them.
    #[serde(default)]
    pub intents: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionDoc {
    pub question: String,
    pub count: u64,
}

impl PageDoc {
    pub fn from_domain(p: &PageFigures) -> Self {
        Self {
            slug: p.slug.to_string(),
            views: p.views,
            comments: p.comments,
        }
    }

    pub fn into_domain(self) -> Result<PageFigures, String> {
        Ok(PageFigures {
            slug: Slug::parse(&self.slug).map_err(|e| e.to_string())?,
            views: self.views,
            comments: self.comments,
        })
    }
}

impl FiguresDoc {
    pub fn from_domain(f: &Figures) -> Self {
        Self {
            pages: f.pages,
            views: f.views,
            comments: f.comments,
            top_pages: f.top_pages.iter().map(PageDoc::from_domain).collect(),
            hours: (0u8..)
                .zip(f.hours.iter())
                .map(|(hour, h)| HourDoc {
                    hour,
                    views: h.views,
                    comments: h.comments,
                    videos: h.videos,
                    chat: h.chat,
                })
                .collect(),
            videos: VideosDoc {
                registered: f.videos.registered,
                approved: f.videos.approved,
                rejected: f.videos.rejected,
                reasons: f.videos.reasons.clone(),
            },
            chat: ChatDoc {
                turns: f.chat.turns,
                sessions: f.chat.sessions,
                answered: f.chat.answered,
                fallback: f.chat.fallback,
                answered_share: f.answered_per_mille().map(|m| m as f64 / 1000.0),
                intents: f.chat.intents.clone(),
            },
            unanswered: f
                .unanswered
                .iter()
                .map(|q| QuestionDoc {
                    question: q.question.clone(),
                    count: q.count,
                })
                .collect(),
        }
    }

    /// The figures again; an error says what does not fit.
    pub fn into_domain(self) -> Result<Figures, String> {
        let mut hours = [HourFigures::default(); 24];
        if self.hours.len() != 24 {
            return Err(format!("{} hours, not 24", self.hours.len()));
        }
        for (slot, h) in hours.iter_mut().zip(self.hours) {
            *slot = HourFigures {
                views: h.views,
                comments: h.comments,
                videos: h.videos,
                chat: h.chat,
            };
        }
        Ok(Figures {
            pages: self.pages,
            views: self.views,
            comments: self.comments,
            top_pages: self
                .top_pages
                .into_iter()
                .map(PageDoc::into_domain)
                .collect::<Result<_, _>>()?,
            hours,
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
