use std::sync::Arc;

use crate::DomainError;
use crate::chat::dialogue::{Asked, Assistant, Live};
use crate::chat::knowledge::Intent;
use crate::chat::text::{Language, normalise};
use crate::chat::{ChatReply, Context, NewMessage, Session, SessionId, Turn, TurnRecord, replies};
use crate::clock::Clock;
use crate::idempotency::WriteId;
use crate::limits::Limit;
use crate::ports::{ChatSessions, PortError, ReportIndex, SessionWrite, VideoStore, ViewCounter};
use crate::report::ReportStatus;
use crate::services::{Ids, WriteLimit};

/// Messages a minute allowed to one session. A client address's messages
/// count against its [`WriteLimit`](crate::services::WriteLimit), which the
/// HTTP edge applies before the chat is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatLimits {
    /// Per session.
    pub per_session: u32,
}

/// What the chat reads and writes.
pub struct ChatPorts {
    /// The conversations and the turns' activity.
    pub sessions: Arc<dyn ChatSessions>,
    /// The client's writes, and the session's limit with them.
    pub writes: Arc<WriteLimit>,
    /// Page views, for live answers.
    pub views: Arc<dyn ViewCounter>,
    /// Video records, for live answers.
    pub videos: Arc<dyn VideoStore>,
    /// Reports, for live answers.
    pub reports: Arc<dyn ReportIndex>,
    /// The time.
    pub clock: Arc<dyn Clock>,
}

/// The chat: answers a message in its conversation, and records the turn.
pub struct Chat {
    assistant: Arc<Assistant>,
    ports: ChatPorts,
    limits: ChatLimits,
    ids: Ids,
}

/// An answer, before it is stored.
struct Answer {
    text: String,
    suggestions: Vec<String>,
}

impl Chat {
    /// How many times a turn is recomputed when its session keeps changing
    /// under it: one more than the messages of a session that can race
    /// within its per-minute limit would need, for the default limits.
    pub const MAX_ATTEMPTS: usize = 40;

    /// The chat of `assistant`, on `ports`, within `limits`.
    pub fn new(assistant: Arc<Assistant>, ports: ChatPorts, limits: ChatLimits) -> Self {
        Self {
            assistant,
            ports,
            limits,
            ids: Ids::default(),
        }
    }

    /// Answers `input`, sent from `client` (its address): validates it,
    /// counts it against the client's writes and its session's limit,
    /// then reads the session (a new one if it names none, or one that
    /// expired), answers, and stores the turn with the session,
    /// conditional on the session's version, answering again if another
    /// message of the conversation was stored first.
    ///
    /// A keyed message (`write`, from its `Idempotency-Key`) is stored as
    /// the turn its write id names (its time), in a new session of that id
    /// if it starts one: sent again after a lost answer, it finds that turn
    /// and answers with it instead of storing a second.
    pub async fn send(
        &self,
        input: NewMessage,
        client: &str,
        write: Option<WriteId>,
    ) -> Result<ChatReply, DomainError> {
        let message = input.validate()?;
        let session_limit = message.session.map(|id| Limit {
            key: format!("chat-session#{id}"),
            max: self.limits.per_session,
        });
        self.ports
            .writes
            .admit(client, session_limit.as_slice())
            .await?;
        for _ in 0..Self::MAX_ATTEMPTS {
            let now = write.map_or_else(|| self.ports.clock.now(), |w| w.at());
            let stored = match message.session {
                Some(id) => self.ports.sessions.load(id).await?,
                None => None,
            };
            let live = stored.filter(|s| !s.expired(now));
            if let Some(w) = write {
                // Where an earlier attempt would have stored this turn: the
                // session it continues, or the one it started.
                let started = match &live {
                    Some(_) => None,
                    None => self.ports.sessions.load(SessionId(w.0)).await?,
                };
                if let Some(reply) = live
                    .iter()
                    .chain(started.iter())
                    .find_map(|s| self.stored_reply(s, &message.text, w))
                {
                    return Ok(reply);
                }
            }
            let (mut session, previous) = match live {
                Some(s) => {
                    let v = s.version;
                    (s, Some(v))
                }
                None => {
                    let id = write.map_or_else(|| self.ids.next(now), |w| w.0);
                    (Session::new(SessionId(id), now), None)
                }
            };
            let understood = self.assistant.understand(&message.text, &session.context);
            let language = understood.language;
            let intent = understood.asked.intent_id().to_owned();
            let answer = self
                .answer(&understood.asked, language, &mut session.context)
                .await?;
            session.push(Turn {
                at: now,
                question: message.text.clone(),
                reply: answer.text.clone(),
                intent: intent.clone(),
            });
            let fallback = matches!(understood.asked, Asked::Fallback(_));
            let record = TurnRecord {
                at: now,
                intent: intent.clone(),
                new_session: previous.is_none(),
                unanswered: fallback.then(|| unanswered_key(&message.text)),
            };
            match self
                .ports
                .sessions
                .save(&session, previous, &record)
                .await?
            {
                SessionWrite::Saved => {
                    return Ok(ChatReply {
                        session_id: session.id,
                        reply: answer.text,
                        intent,
                        confidence: understood.confidence,
                        suggestions: answer.suggestions,
                        language,
                    });
                }
                SessionWrite::Conflict => continue,
            }
        }
        Err(DomainError::Unavailable(PortError::new(format!(
            "the session changed under each of {} attempts",
            Self::MAX_ATTEMPTS
        ))))
    }

    /// The answer `session` holds for `text` sent as `write`, if an earlier
    /// attempt stored it: its reply and intent as stored, the rest as the
    /// message is understood now.
    fn stored_reply(&self, session: &Session, text: &str, write: WriteId) -> Option<ChatReply> {
        let turn = session
            .turns
            .iter()
            .find(|t| t.at == write.at() && t.question == text)?;
        let understood = self.assistant.understand(text, &session.context);
        let kb = self.assistant.knowledge();
        let suggestions = kb
            .intents()
            .iter()
            .find(|i| i.id == turn.intent)
            .map(|i| kb.suggestions(i, understood.language))
            .unwrap_or_default();
        Some(ChatReply {
            session_id: session.id,
            reply: turn.reply.clone(),
            intent: turn.intent.clone(),
            confidence: understood.confidence,
            suggestions,
            language: understood.language,
        })
    }

    /// The answer to what was asked, reading live data for a live
    /// question and noting in `context` what it referred to.
    async fn answer(
        &self,
        asked: &Asked<'_>,
        language: Language,
        context: &mut Context,
    ) -> Result<Answer, DomainError> {
        let kb = self.assistant.knowledge();
        let from_kb = |i: &Intent| Answer {
            text: i.answer.get(language).clone(),
            suggestions: kb.suggestions(i, language),
        };
        let answer = match asked {
            Asked::Fallback(i) => return Ok(from_kb(i)),
            Asked::Clarify(a, b) => {
                return Ok(Answer {
                    text: replies::clarify(language, a, b),
                    suggestions: vec![a.title.get(language).clone(), b.title.get(language).clone()],
                });
            }
            Asked::Answer(i) => from_kb(i),
            Asked::Live(i, live) => {
                let text = match live {
                    Live::Views(Some(page)) => {
                        context.page = Some(page.clone());
                        let views = self.ports.views.views(page).await?;
                        Some(replies::views(language, page, views))
                    }
                    Live::Video(Some(id)) => {
                        context.video = Some(*id);
                        let video = self.ports.videos.get(*id).await?;
                        Some(replies::video(language, *id, video.as_ref()))
                    }
                    Live::Report => self.latest_report(language).await?,
                    Live::Views(None) | Live::Video(None) => None,
                };
                match text {
                    Some(text) => Answer {
                        text,
                        suggestions: kb.suggestions(i, language),
                    },
                    None => from_kb(i),
                }
            }
        };
        context.intent = Some(asked.intent_id().to_owned());
        Ok(answer)
    }

    /// The latest report's figures in words; `None` before the first.
    async fn latest_report(&self, language: Language) -> Result<Option<String>, DomainError> {
        let Some(pointer) = self.ports.reports.latest().await? else {
            return Ok(None);
        };
        let report = self.ports.reports.report(pointer.date).await?;
        Ok(Some(
            match report.and_then(|r| r.figures.filter(|_| r.status == ReportStatus::Ready)) {
                Some(figures) => replies::report(language, pointer.date, &figures),
                None => replies::report_not_ready(language, pointer.date),
            },
        ))
    }
}

/// How an unanswered question is counted: normalised and with its spaces
/// collapsed, so that the same question asked twice counts twice, cut to
/// the report's length.
fn unanswered_key(question: &str) -> String {
    let normal = normalise(question);
    TurnRecord::truncate(&normal.split_whitespace().collect::<Vec<_>>().join(" "))
}
