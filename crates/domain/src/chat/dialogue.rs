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

    /// `kb` with its index already built (see [`Matcher::from_bytes`]).
    pub fn with_index(kb: KnowledgeBase, matcher: Matcher) -> Self {
        Self { kb, matcher }
    }

    /// The index.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::knowledge::tests::document;
    use serde_json::json;

    /// The test document, with `examples` for the intents named.
    fn assistant(examples: &[(&str, &str)]) -> Assistant {
        let doc = document(|d| {
            for intent in d["intents"].as_array_mut().unwrap() {
                if let Some((_, text)) = examples.iter().find(|(id, _)| intent["id"] == *id) {
                    intent["examples"] = json!({"en": [text], "ko": [format!("{text} 질문")]});
                }
            }
        });
        Assistant::new(KnowledgeBase::parse(&doc).unwrap())
    }

    fn video() -> VideoId {
        VideoId(ulid::Ulid::from_parts(1_795_773_600_000, 1))
    }

    #[test]
    fn two_intents_too_close_to_call_are_offered_both() {
        let a = assistant(&[
            ("layers", "shared runtime code"),
            ("timeouts", "shared runtime code"),
        ]);
        let u = a.understand("shared runtime code", &Context::default());
        match u.asked {
            Asked::Clarify(first, second) => {
                let mut both = [first.id.as_str(), second.id.as_str()];
                both.sort();
                assert_eq!(both, ["layers", "timeouts"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            Asked::Clarify(a.kb.intent("layers"), a.kb.intent("timeouts")).intent_id(),
            CLARIFY
        );
    }

    #[test]
    fn a_live_question_without_a_name_uses_the_conversations() {
        let a = assistant(&[(LIVE_VIDEO_STATUS, "is my video approved yet")]);
        let context = Context {
            video: Some(video()),
            ..Context::default()
        };
        let u = a.understand("is it approved yet?", &context);
        assert!(
            matches!(u.asked, Asked::Live(_, Live::Video(Some(v))) if v == video()),
            "{:?}",
            u.asked
        );
        // With nothing to go on, the question is still a live one, unnamed.
        let u = a.understand("is it approved yet?", &Context::default());
        assert!(
            matches!(u.asked, Asked::Live(_, Live::Video(None))),
            "{:?}",
            u.asked
        );
    }

    #[test]
    fn a_bare_name_is_a_follow_up_only_after_a_question_about_it() {
        let a = assistant(&[(LIVE_VIEWS, "how many views does a page have")]);
        let after_views = Context {
            intent: Some(LIVE_VIEWS.into()),
            ..Context::default()
        };
        let home = Slug::parse("home").unwrap();
        let u = a.understand("and home page?", &after_views);
        assert!(
            matches!(&u.asked, Asked::Live(_, Live::Views(Some(p))) if *p == home),
            "{:?}",
            u.asked
        );
        // A video id alone is always about that video.
        let u = a.understand(&format!("{} ?", video()), &Context::default());
        assert!(
            matches!(u.asked, Asked::Live(_, Live::Video(Some(_)))),
            "{:?}",
            u.asked
        );
        // Words the knowledge base does not know fall back.
        let u = a.understand("quantum banana", &after_views);
        assert!(matches!(u.asked, Asked::Fallback(_)), "{:?}", u.asked);
        assert!(u.confidence < THRESHOLD, "{}", u.confidence);
    }
}
