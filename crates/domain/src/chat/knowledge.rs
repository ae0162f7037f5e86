//! The knowledge base: what the chat can talk about, as one document of
//! intents (each with example questions, an answer and follow-ups, in
//! English and Korean). The document is the function's to ship; this is
//! its shape and its rules, checked when it is read.

use std::collections::HashSet;

use serde::Deserialize;

use super::text::Language;

/// Every intent the knowledge base must have, in the order the document
/// lists them; [`FALLBACK`] is last.
pub const INTENT_IDS: [&str; 21] = [
    "what-is-serverless",
    "baas-vs-faas",
    "advantages",
    "cold-start",
    "timeouts",
    "vendor-lock-in",
    "integration-testing",
    "statelessness",
    "when-not-serverless",
    "layers",
    "ddos",
    "public-deploy",
    "blue-green",
    "site-comments",
    "site-upload",
    "site-moderation",
    "site-report",
    LIVE_VIEWS,
    LIVE_VIDEO_STATUS,
    LIVE_REPORT,
    FALLBACK,
];

/// A page's view count, read live.
pub const LIVE_VIEWS: &str = "live-views";
/// A video's moderation status, read live.
pub const LIVE_VIDEO_STATUS: &str = "live-video-status";
/// The latest report's figures, read live.
pub const LIVE_REPORT: &str = "live-report";
/// No intent matched with confidence.
pub const FALLBACK: &str = "fallback";

/// A text in both languages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual<T> {
    /// English.
    pub en: T,
    /// Korean.
    pub ko: T,
}

impl<T> Bilingual<T> {
    /// The text in `language`.
    pub fn get(&self, language: Language) -> &T {
        match language {
            Language::En => &self.en,
            Language::Ko => &self.ko,
        }
    }
}

/// One thing the chat can answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intent {
    /// Its id (one of [`INTENT_IDS`]).
    pub id: String,
    /// The question that names it, offered as a follow-up.
    pub title: Bilingual<String>,
    /// Questions a visitor might ask for it: what it is matched on.
    pub examples: Bilingual<Vec<String>>,
    /// The answer (for a live intent: what is said when the question
    /// does not name what to look up).
    pub answer: Bilingual<String>,
    /// The intents to offer next, by id.
    pub suggestions: Vec<String>,
}

/// The knowledge base, checked.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeBase {
    intents: Vec<Intent>,
}

/// A knowledge base document that breaks a rule.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// Not JSON of the document's shape.
    #[error("knowledge base is not a document of intents: {0}")]
    Shape(#[from] serde_json::Error),
    /// A rule of its content.
    #[error("knowledge base: {0}")]
    Content(String),
}

impl KnowledgeBase {
    /// Reads and checks the document: every id of [`INTENT_IDS`] exactly
    /// once, examples for every intent but the fallback, suggestions that
    /// name other intents.
    pub fn parse(json: &str) -> Result<Self, KnowledgeError> {
        let kb: KnowledgeBase = serde_json::from_str(json)?;
        let bad = |m: String| Err(KnowledgeError::Content(m));
        let ids: Vec<&str> = kb.intents.iter().map(|i| i.id.as_str()).collect();
        if ids != INTENT_IDS {
            return bad(format!(
                "intents must be, in order, {INTENT_IDS:?}; found {ids:?}"
            ));
        }
        let known: HashSet<&str> = ids.iter().copied().collect();
        for intent in &kb.intents {
            let empty = intent.examples.en.is_empty() || intent.examples.ko.is_empty();
            if empty != (intent.id == FALLBACK) {
                return bad(format!(
                    "{}: examples in both languages, except for the fallback",
                    intent.id
                ));
            }
            for s in &intent.suggestions {
                if !known.contains(s.as_str()) || s == &intent.id || s == FALLBACK {
                    return bad(format!(
                        "{}: suggestion {s:?} is not another intent",
                        intent.id
                    ));
                }
            }
        }
        Ok(kb)
    }

    /// Every intent, in the document's order.
    pub fn intents(&self) -> &[Intent] {
        &self.intents
    }

    /// The intent `id`. Every id of [`INTENT_IDS`] is there.
    pub fn intent(&self, id: &str) -> &Intent {
        self.intents
            .iter()
            .find(|i| i.id == id)
            .unwrap_or_else(|| panic!("checked at parse: {id} is an intent"))
    }

    /// The follow-ups of `intent`, as questions in `language`.
    pub fn suggestions(&self, intent: &Intent, language: Language) -> Vec<String> {
        intent
            .suggestions
            .iter()
            .map(|id| self.intent(id).title.get(language).clone())
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn document(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let intents: Vec<serde_json::Value> = INTENT_IDS
            .iter()
            .map(|id| {
                let examples = if *id == FALLBACK {
                    vec![]
                } else {
                    vec![format!("about {id}")]
                };
                serde_json::json!({
                    "id": id,
                    "title": {"en": format!("{id}?"), "ko": format!("{id}요?")},
                    "examples": {"en": examples, "ko": examples},
                    "answer": {"en": format!("{id}."), "ko": format!("{id}입니다.")},
                    "suggestions": [],
                })
            })
            .collect();
        let mut doc = serde_json::json!({ "intents": intents });
        edit(&mut doc);
        doc.to_string()
    }

    #[test]
    fn a_complete_document_reads() {
        let kb = KnowledgeBase::parse(&document(|_| {})).unwrap();
        assert_eq!(kb.intents().len(), INTENT_IDS.len());
        assert_eq!(
            kb.intent("layers").answer.get(Language::Ko),
            "layers입니다."
        );
    }

    #[test]
    fn a_missing_intent_or_a_bad_suggestion_is_refused() {
        let missing = document(|d| {
            d["intents"].as_array_mut().unwrap().remove(3);
        });
        assert!(
            KnowledgeBase::parse(&missing)
                .unwrap_err()
                .to_string()
                .contains("in order")
        );
        let to_itself = document(|d| {
            d["intents"][0]["suggestions"] = serde_json::json!(["what-is-serverless"])
        });
        assert!(KnowledgeBase::parse(&to_itself).is_err());
        let unknown_field = document(|d| d["intents"][0]["extra"] = serde_json::json!(1));
        assert!(matches!(
            KnowledgeBase::parse(&unknown_field),
            Err(KnowledgeError::Shape(_))
        ));
    }
}
