//! The chat: a visitor's message in, an answer from the knowledge base or
//! from the app's live data out, in the message's language. Nothing is
//! kept between invocations: a conversation is a [`Session`] in the store,
//! read and written back with each turn.
//!
//! - [`text`]: normalisation and the features matched on;
//! - [`knowledge`]: the knowledge base document and its rules;
//! - [`index`]: BM25 over the examples, and the confidence;
//! - [`mentions`]: the page or video a message names;
//! - [`dialogue`]: what a message asks, given the conversation so far;
//! - [`replies`]: the live answers' wording, in both languages.

pub mod dialogue;
pub mod index;
pub mod knowledge;
pub mod mentions;
pub mod replies;
pub mod text;

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;
use ulid::Ulid;

use crate::ValidationError;
use crate::page::Slug;
use crate::video::VideoId;
pub use text::Language;

/// A conversation's id: a ULID, as the API hands it out (lower case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId(pub Ulid);

impl SessionId {
    /// The id `raw`, if it is one this API could have handed out.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = || {
            ValidationError::new(
                "sessionId",
                "must be a sessionId this API returned (26 letters and digits)",
            )
        };
        // A ULID's first character is 0-7 (its 128 bits in 26 base-32
        // digits); the ulid crate wraps a larger one around.
        if raw.len() != ulid::ULID_LEN || !raw.starts_with(|c: char| ('0'..='7').contains(&c)) {
            return Err(invalid());
        }
        Ulid::from_string(&raw.to_ascii_uppercase())
            .map(Self)
            .map_err(|_| invalid())
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_string().to_ascii_lowercase())
    }
}

impl FromStr for SessionId {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A message as the visitor sent it.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// The conversation it continues, if any.
    pub session_id: Option<String>,
    /// What they wrote.
    pub message: String,
}

/// A message that keeps the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMessage {
    /// The conversation it continues, if any.
    pub session: Option<SessionId>,
    /// What they wrote, trimmed.
    pub text: String,
}

impl NewMessage {
    /// The longest message, in characters.
    pub const MAX_CHARS: usize = 1000;

    /// Checks the rules: a message of 1-1000 characters that is not only
    /// spaces, and a session id of the API's format when there is one.
    pub fn validate(self) -> Result<ValidMessage, ValidationError> {
        let text = self.message.trim();
        if text.is_empty() {
            return Err(ValidationError::new("message", "must not be empty"));
        }
        if self.message.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new(
                "message",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        let session = self
            .session_id
            .as_deref()
            .map(SessionId::parse)
            .transpose()?;
        Ok(ValidMessage {
            session,
            text: text.to_owned(),
        })
    }
}

/// One exchange of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// When it was answered.
    pub at: OffsetDateTime,
    /// The visitor's message.
    pub question: String,
    /// The answer.
    pub reply: String,
    /// What it was taken to ask (an intent id, `clarify` or `fallback`).
    pub intent: String,
}

/// What a conversation last referred to, so that a follow-up ("is it
/// approved yet?", "and the page home?") is about the right thing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The page last asked about.
    pub page: Option<Slug>,
    /// The video last asked about.
    pub video: Option<VideoId>,
    /// The intent of the last answered turn.
    pub intent: Option<String>,
}

/// A conversation, as stored between turns.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Its id.
    pub id: SessionId,
    /// How many turns it has had: the version its next write expects.
    pub version: u64,
    /// The last [`Session::KEPT_TURNS`] turns, oldest first.
    pub turns: Vec<Turn>,
    /// What it last referred to.
    pub context: Context,
    /// When its last turn was answered.
    pub updated_at: OffsetDateTime,
}

impl Session {
    /// Turns kept in a session.
    pub const KEPT_TURNS: usize = 10;
    /// How long a session lives after its last message.
    pub const TTL: time::Duration = time::Duration::hours(24);

    /// A session with no turns yet.
    pub fn new(id: SessionId, now: OffsetDateTime) -> Self {
        Self {
            id,
            version: 0,
            turns: Vec::new(),
            context: Context::default(),
            updated_at: now,
        }
    }

    /// Whether it expired by `now` (the store may not have removed it yet).
    pub fn expired(&self, now: OffsetDateTime) -> bool {
        self.updated_at + Self::TTL <= now
    }

    /// When the store should remove it.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.updated_at + Self::TTL
    }

    /// Adds `turn`, keeping the last [`Session::KEPT_TURNS`].
    pub fn push(&mut self, turn: Turn) {
        self.updated_at = turn.at;
        self.turns.push(turn);
        let excess = self.turns.len().saturating_sub(Self::KEPT_TURNS);
        self.turns.drain(..excess);
        self.version += 1;
    }
}

/// What a turn adds to the day's activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnRecord {
    /// When it was answered (its day and hour, UTC).
    pub at: OffsetDateTime,
    /// Its intent (an intent id, `clarify` or `fallback`).
    pub intent: String,
    /// Whether it started its session.
    pub new_session: bool,
    /// The question, for a fallback: at most
    /// [`TurnRecord::MAX_QUESTION_CHARS`] characters.
    pub unanswered: Option<String>,
}

impl TurnRecord {
    /// The longest unanswered question kept for the report, in characters.
    pub const MAX_QUESTION_CHARS: usize = 200;

    /// Whether it was answered (not a fallback).
    pub fn answered(&self) -> bool {
        self.unanswered.is_none()
    }

    /// `question`, cut to [`TurnRecord::MAX_QUESTION_CHARS`] characters.
    pub fn truncate(question: &str) -> String {
        question.chars().take(Self::MAX_QUESTION_CHARS).collect()
    }
}

/// The answer to a message.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatReply {
    /// The conversation (new if the message named none, or one that expired).
    pub session_id: SessionId,
    /// The answer.
    pub reply: String,
    /// What the message was taken to ask.
    pub intent: String,
    /// How sure the matcher was, 0 to 1.
    pub confidence: f32,
    /// Questions to offer next.
    pub suggestions: Vec<String>,
    /// The language of the message, and of the answer.
    pub language: Language,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str, session: Option<&str>) -> NewMessage {
        NewMessage {
            session_id: session.map(str::to_owned),
            message: text.to_owned(),
        }
    }

    #[test]
    fn a_message_is_trimmed_and_bounded() {
        assert_eq!(message("  hi  ", None).validate().unwrap().text, "hi");
        for blank in ["", "   ", "\n\t "] {
            let e = message(blank, None).validate().unwrap_err();
            assert_eq!(
                (e.field, e.message.as_str()),
                ("message", "must not be empty")
            );
        }
        assert!(message(&"가".repeat(1000), None).validate().is_ok());
        let e = message(&"가".repeat(1001), None).validate().unwrap_err();
        assert_eq!(e.message, "must be at most 1000 characters");
    }

    #[test]
    fn a_session_id_must_be_one_the_api_made() {
        let id = SessionId(Ulid::from_parts(1, 2)).to_string();
        let valid = message("hi", Some(&id)).validate().unwrap();
        assert_eq!(valid.session.unwrap().to_string(), id);
        for bad in [
            "",
            "abc",
            "../../etc/passwd",
            &"z".repeat(26),
            &"0".repeat(27),
        ] {
            let e = message("hi", Some(bad)).validate().unwrap_err();
            assert_eq!(e.field, "sessionId", "{bad:?}");
        }
    }

    #[test]
    fn a_session_keeps_its_last_ten_turns_and_counts_all() {
        let t0 = time::macros::datetime!(2026-12-02 10:00 UTC);
        let mut s = Session::new(SessionId(Ulid::nil()), t0);
        for i in 0..12 {
            s.push(Turn {
                at: t0 + time::Duration::minutes(i),
                question: format!("q{i}"),
                reply: "r".into(),
                intent: "layers".into(),
            });
        }
        assert_eq!(s.version, 12);
        assert_eq!(s.turns.len(), 10);
        assert_eq!(s.turns[0].question, "q2");
        assert!(!s.expired(t0 + time::Duration::hours(24)));
        assert!(s.expired(t0 + time::Duration::minutes(11) + Session::TTL));
    }
}
