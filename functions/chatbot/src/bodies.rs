//! The wire format of `POST /api/chat`: the request body in, the answer
//! out, mapped to and from the domain's types here so that a rename in the
//! domain cannot change the public API. Golden shapes pin the answer.

use rightnow_domain::chat::{ChatReply, NewMessage};
use serde::{Deserialize, Serialize};

/// `{"sessionId"?: string, "message": string}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewMessageBody {
    #[serde(default)]
    session_id: Option<String>,
    message: String,
}

impl NewMessageBody {
    /// The message, for the domain to check.
    pub fn into_domain(self) -> NewMessage {
        NewMessage {
            session_id: self.session_id,
            message: self.message,
        }
    }
}

/// `{"sessionId","reply","intent","confidence","suggestions","language"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatReplyBody {
    session_id: String,
    reply: String,
    intent: String,
    /// Two decimals: more would only be noise.
    confidence: f64,
    suggestions: Vec<String>,
    language: &'static str,
}

impl From<ChatReply> for ChatReplyBody {
    fn from(r: ChatReply) -> Self {
        Self {
            session_id: r.session_id.to_string(),
            reply: r.reply,
            intent: r.intent,
            confidence: (f64::from(r.confidence) * 100.0).round() / 100.0,
            suggestions: r.suggestions,
            language: r.language.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rightnow_domain::chat::{Language, SessionId};

    /// The golden shape of the answer.
    #[test]
    fn chat_reply() {
        let body = ChatReplyBody::from(ChatReply {
            session_id: SessionId(ulid::Ulid::from_parts(1_795_773_600_000, 7)),
            reply: "Lambda runs your code on demand.".into(),
            intent: "what-is-serverless".into(),
            confidence: 0.8765,
            suggestions: vec!["What is a cold start?".into()],
            language: Language::En,
        });
        insta::assert_json_snapshot!(body);
    }

    #[test]
    fn a_body_with_an_unknown_field_or_no_message_is_refused() {
        assert!(serde_json::from_str::<NewMessageBody>(r#"{"message":"hi","extra":1}"#).is_err());
        assert!(serde_json::from_str::<NewMessageBody>(r#"{"sessionId":"x"}"#).is_err());
        let ok: NewMessageBody = serde_json::from_str(r#"{"message":"hi"}"#).unwrap();
        assert!(ok.into_domain().session_id.is_none());
    }
}
