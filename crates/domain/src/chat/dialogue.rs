//! What a message asks, given the conversation so far: an answer from the
//! knowledge base, a live question, a choice between two close intents,
//! or the fallback. Pure: the service does the lookups.

use super::Context;
use super::index::{Matcher, Scored};
use super::knowledge::{
    FALLBACK, Intent, KnowledgeBase, LIVE_REPORT, LIVE_VIDEO_STATUS, LIVE_VIEWS,
};
use super::mentions::mentions;
use super::text::Language;
use crate::page::Slug;
use crate::video::VideoId;

/// Below this confidence a message falls back. Chosen on the labelled set
/// (`functions/chatbot/tests/`), where it separates the out-of-scope
/// questions from the rest.
pub const THRESHOLD: f32 = 0.19;
/// A runner-up at least this share of the best one's confidence is too
/// close to call: the visitor is asked which they meant.
pub const TOO_CLOSE: f32 = 0.92;

/// The intent id of a turn that asked the visitor to choose.
pub const CLARIFY: &str = "clarify";

/// A question about the app's live data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Live {
    /// A page's views; `None` if neither the message nor the conversation
    /// names a page.
    Views(Option<Slug>),
    /// A video's status; `None` if no video is named.
    Video(Option<VideoId>),
    /// The latest report's figures.
    Report,
}

/// What a message asks.
#[derive(Debug, Clone)]
pub enum Asked<'kb> {
    /// An intent answered from the knowledge base.
    Answer(&'kb Intent),
    /// A live question, of the intent given.
    Live(&'kb Intent, Live),
    /// Two intents too close to tell apart.
    Clarify(&'kb Intent, &'kb Intent),
    /// Nothing with confidence.
    Fallback(&'kb Intent),
}

impl Asked<'_> {
    /// The id a turn of this kind is recorded under.
    pub fn intent_id(&self) -> &str {
        match self {
            Asked::Answer(i) | Asked::Live(i, _) | Asked::Fallback(i) => &i.id,
            Asked::Clarify(..) => CLARIFY,
        }
    }
}

/// A message, understood.
#[derive(Debug, Clone)]
pub struct Understanding<'kb> {
    /// What it asks.
    pub asked: Asked<'kb>,
    /// The best intent's confidence, 0 to 1.
    pub confidence: f32,
    /// Its language.
    pub language: Language,
}

/// The knowledge base and its index, built once per sandbox.
#[derive(Debug)]
pub struct Assistant {
    kb: KnowledgeBase,
    matcher: Matcher,
}

impl Assistant {
    /// Indexes `kb`.
    pub fn new(kb: KnowledgeBase) -> Self {
        let matcher = Matcher::new(&kb);
        Self { kb, matcher }
    }

    /// The knowledge base.
    pub fn knowledge(&self) -> &KnowledgeBase {
        &self.kb
    }

    /// The intents ranked for `message` alone, best first: what the
    /// accuracy test scores.
    pub fn rank(&self, message: &str) -> Vec<(&Intent, f32)> {
        self.matcher
            .rank(message)
            .into_iter()
            .map(|s| (&self.kb.intents()[s.intent], s.confidence))
            .collect()
    }

    /// What `message` asks, after a conversation that left `context`.
    pub fn understand(&self, message: &str, context: &Context) -> Understanding<'_> {
        let language = Language::of(message);
        let ranked = self.matcher.rank(message);
        let named = mentions(message);
        let intent = |s: &Scored| &self.kb.intents()[s.intent];
        let confidence = ranked.first().map_or(0.0, |s| s.confidence);
        let confident: Vec<&Scored> = ranked
            .iter()
            .filter(|s| s.confidence >= THRESHOLD)
            .collect();
        let live = |i: &'_ Intent| -> Option<Live> {
            match i.id.as_str() {
                LIVE_VIEWS => Some(Live::Views(named.page.clone().or(context.page.clone()))),
                LIVE_VIDEO_STATUS => Some(Live::Video(named.video.or(context.video))),
                LIVE_REPORT => Some(Live::Report),
                _ => None,
            }
        };
        let asked = match confident.as_slice() {
            [best, second, ..] if second.confidence >= best.confidence * TOO_CLOSE => {
                Asked::Clarify(intent(best), intent(second))
            }
            [best, ..] => {
                let i = intent(best);
                match live(i) {
                    Some(l) => Asked::Live(i, l),
                    None => Asked::Answer(i),
                }
            }
            // Not confident, but it names a video, or names a page right
            // after a question about a page's views: a follow-up.
            [] if named.video.is_some() => {
                let i = self.kb.intent(LIVE_VIDEO_STATUS);
                Asked::Live(i, Live::Video(named.video))
            }
            [] if named.page.is_some() && context.intent.as_deref() == Some(LIVE_VIEWS) => {
                Asked::Live(self.kb.intent(LIVE_VIEWS), Live::Views(named.page.clone()))
            }
            [] => Asked::Fallback(self.kb.intent(FALLBACK)),
        };
        Understanding {
            asked,
            confidence,
            language,
        }
    }
}
