//! chatbot's router on the in-memory fakes, with the real knowledge base:
//! answers in both languages, live answers, context carried over, the
//! race on one session, the limits, and every bad input's error with proof
//! that nothing was written.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use rightnow_domain::activity::DayRecord;
use rightnow_domain::chat::SessionId;
use rightnow_domain::fakes::{FixedClock, InMemoryStore, chat_ports};
use rightnow_domain::idempotency::Lifetimes;
use rightnow_domain::page::Slug;
use rightnow_domain::ports::{DayActivityLog, VideoStore, ViewCounter};
use rightnow_domain::report::{DayReport, Figures, ReportPointer, ReportStatus, RunId};
use rightnow_domain::services::{Chat, ChatLimits, Idempotency, WriteLimit};
use rightnow_domain::video::{ReasonNote, Video, VideoId, VideoStatus, VideoType};
use rightnow_http::MAX_BODY_BYTES;
use serde_json::{Value, json};
use time::macros::{date, datetime};
use tower::ServiceExt;

const TODAY: time::Date = date!(2026 - 12 - 02);

struct Harness {
    store: Arc<InMemoryStore>,
    app: axum::Router,
}

/// A router on fresh fakes, with `limits` per session and `writes_per_minute`
/// per client address.
fn harness_with(limits: ChatLimits, writes_per_minute: u32) -> Harness {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at(datetime!(2026-12-02 10:00:05 UTC)));
    let ports = chat_ports(&store, &clock, writes_per_minute);
    let assistant = Arc::new(chatbot::assistant().expect("the knowledge base reads"));
    let idempotency = Arc::new(Idempotency::new(store.clone(), clock, Lifetimes::DEFAULT));
    Harness {
        store,
        app: chatbot::router(Chat::new(assistant, ports, limits), idempotency),
    }
}

fn harness() -> Harness {
    harness_with(
        chatbot::settings::DEFAULT_LIMITS,
        WriteLimit::DEFAULT_PER_MINUTE,
    )
}

/// An answer: status, `Retry-After`, body.
struct Answer {
    status: StatusCode,
    retry_after: Option<String>,
    json: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("<none>")
    }

    fn session(&self) -> SessionId {
        SessionId::parse(self.json["sessionId"].as_str().expect("a sessionId")).unwrap()
    }

    fn reply(&self) -> &str {
        self.json["reply"].as_str().unwrap_or_default()
    }
}

impl Harness {
    async fn call(
        &self,
        content_type: Option<&str>,
        body: impl Into<Body>,
        from: Option<&str>,
    ) -> Answer {
        let mut req = Request::builder().method("POST").uri("/api/chat");
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let mut req = req.body(body.into()).unwrap();
        if let Some(ip) = from {
            let mut ctx = ApiGatewayV2httpRequestContext::default();
            ctx.http.source_ip = Some(ip.to_owned());
            req.extensions_mut()
                .insert(RequestContext::ApiGatewayV2(ctx));
        }
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let retry_after = res
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
        Answer {
            status,
            retry_after,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    async fn say(&self, session: Option<SessionId>, message: &str) -> Answer {
        let mut body = json!({ "message": message });
        if let Some(id) = session {
            body["sessionId"] = json!(id.to_string());
        }
        let a = self
            .call(Some("application/json"), body.to_string(), None)
            .await;
        assert!(
            a.status == StatusCode::OK || a.status == StatusCode::TOO_MANY_REQUESTS,
            "{message}: {} {}",
            a.status,
            a.json
        );
        a
    }

    async fn unanswered(&self) -> Vec<(String, u64)> {
        let page = self.store.read(TODAY, None, 100).await.unwrap();
        page.records
            .into_iter()
            .filter_map(|r| match r {
                DayRecord::Unanswered(u) => Some((u.question, u.count)),
                _ => None,
            })
            .collect()
    }
}

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

#[tokio::test]
async fn a_first_message_starts_a_session_and_counts_a_turn() {
    // GIVEN no conversation
    let h = harness();
    // WHEN a visitor asks about cold starts
    let a = h.say(None, "What is a cold start?").await;
    // THEN the answer is the knowledge base's, in English, with follow-ups
    assert_eq!(a.json["intent"], "cold-start", "{}", a.json);
    assert_eq!(a.json["language"], "en");
    assert!(a.json["confidence"].as_f64().unwrap() > 0.3);
    assert!(!a.json["suggestions"].as_array().unwrap().is_empty());
    // AND the session and the day's activity hold the turn
    let session = h.store.session(a.session()).unwrap();
    assert_eq!((session.version, session.turns.len()), (1, 1));
    let day = h.store.chat_day(TODAY);
    assert_eq!(
        (day.turns, day.sessions, day.answered, day.fallback),
        (1, 1, 1, 0)
    );
    assert_eq!(day.intents.get("cold-start"), Some(&1));
    assert_eq!(day.turns_by_hour.0[10], 1);
}

#[tokio::test]
async fn a_korean_message_is_answered_in_korean() {
    let h = harness();
    let a = h.say(None, "콜드 스타트가 뭐예요?").await;
    assert_eq!(a.json["intent"], "cold-start", "{}", a.json);
    assert_eq!(a.json["language"], "ko");
    assert!(
        a.reply().chars().any(|c| ('가'..='힣').contains(&c)),
        "{}",
        a.reply()
    );
    let suggestion = a.json["suggestions"][0].as_str().unwrap();
    assert!(
        suggestion.chars().any(|c| ('가'..='힣').contains(&c)),
        "{suggestion}"
    );
}

#[tokio::test]
async fn views_are_read_live_and_a_follow_up_names_another_page() {
    // GIVEN pages with views
    let h = harness();
    for _ in 0..3 {
        h.store
            .record_view(&slug("welcome"), datetime!(2026-12-01 09:00 UTC))
            .await
            .unwrap();
    }
    h.store
        .record_view(&slug("home"), datetime!(2026-12-01 09:00 UTC))
        .await
        .unwrap();
    // WHEN asked about one page, then "and the page home?"
    let first = h
        .say(None, "how many views does the page welcome have")
        .await;
    let id = first.session();
    let second = h.say(Some(id), "and the page home?").await;
    // THEN each answer reads its page's counter
    assert_eq!(first.json["intent"], "live-views", "{}", first.json);
    assert!(
        first.reply().contains("\"welcome\" has 3 views"),
        "{}",
        first.reply()
    );
    assert_eq!(second.json["intent"], "live-views", "{}", second.json);
    assert!(
        second.reply().contains("\"home\" has 1 view."),
        "{}",
        second.reply()
    );
    // AND the conversation is one session that remembers the page
    assert_eq!(second.session(), id);
    let session = h.store.session(id).unwrap();
    assert_eq!(session.version, 2);
    assert_eq!(session.context.page, Some(slug("home")));
    // A page never viewed is said to be so, not counted as 0.
    let none = h.say(Some(id), "views of the page nowhere").await;
    assert!(
        none.reply().contains("No page called \"nowhere\""),
        "{}",
        none.reply()
    );
}

#[tokio::test]
async fn a_video_is_looked_up_live_and_it_is_the_one_asked_about_before() {
    // GIVEN a rejected video
    let h = harness();
    let id = VideoId(ulid::Ulid::from_parts(1_795_773_600_000, 42));
    h.store
        .create(&Video {
            id,
            title: "Cat".into(),
            content_type: VideoType::Mp4,
            size: 10,
            status: VideoStatus::Rejected,
            reasons: vec![ReasonNote {
                code: "too_long".into(),
                message: "it lasts 700 s; the most is 600 s".into(),
            }],
            found: None,
            upload_etag: None,
            created_at: datetime!(2026-12-01 09:00 UTC),
        })
        .await
        .unwrap();
    // WHEN asked about it by id, then "is it approved yet?"
    let first = h
        .say(None, &format!("what's the status of video {id}?"))
        .await;
    let second = h.say(Some(first.session()), "is it approved yet?").await;
    // THEN both answers read its record, with the reason
    for a in [&first, &second] {
        assert_eq!(a.json["intent"], "live-video-status", "{}", a.json);
        assert!(a.reply().contains(&id.to_string()), "{}", a.reply());
        assert!(
            a.reply().contains("rejected: it lasts 700 s"),
            "{}",
            a.reply()
        );
    }
    // A video that does not exist is said so.
    let other = VideoId(ulid::Ulid::from_parts(1_795_773_600_000, 43));
    let missing = h.say(None, &format!("status of video {other}")).await;
    assert!(
        missing.reply().contains("no video with the id"),
        "{}",
        missing.reply()
    );
}

#[tokio::test]
async fn the_latest_report_is_read_live() {
    let h = harness();
    // Before the first report: the knowledge base's answer.
    let before = h.say(None, "show me the latest report").await;
    assert_eq!(before.json["intent"], "live-report", "{}", before.json);
    assert!(!before.reply().contains("The latest report is for"));
    // GIVEN a finished report
    let day = date!(2026 - 12 - 01);
    let figures = Figures {
        views: 1234,
        pages: 12,
        comments: 5,
        ..Figures::default()
    };
    h.store.set_report(DayReport {
        date: day,
        status: ReportStatus::Ready,
        run: RunId::parse("run-1").unwrap(),
        figures: Some(figures),
    });
    h.store.set_latest_report(ReportPointer {
        date: day,
        key: "reports/2026-12-01/report.html".into(),
        generated_at: datetime!(2026-12-02 00:16 UTC),
    });
    let after = h.say(None, "show me the latest report").await;
    assert!(
        after
            .reply()
            .contains("The latest report is for 2026-12-01: 1234 views on 12 pages, 5 comments"),
        "{}",
        after.reply()
    );
    let ko = h.say(None, "최신 리포트 보여줘").await;
    assert!(ko.reply().contains("조회 1234회"), "{}", ko.reply());
}

#[tokio::test]
async fn an_out_of_scope_question_falls_back_and_is_kept_for_the_report() {
    let h = harness();
    let a = h.say(None, "What's the  weather in Paris TOMORROW?").await;
    assert_eq!(a.json["intent"], "fallback", "{}", a.json);
    assert!(!a.json["suggestions"].as_array().unwrap().is_empty());
    h.say(None, "what's the weather in paris tomorrow?").await;
    let day = h.store.chat_day(TODAY);
    assert_eq!((day.turns, day.answered, day.fallback), (2, 0, 2));
    // The same question, however written, is one unanswered question.
    assert_eq!(
        h.unanswered().await,
        [("what's the weather in paris tomorrow?".to_owned(), 2)]
    );
    // Kept to 200 characters.
    h.say(None, &"zebra ".repeat(100)).await;
    let long = h
        .unanswered()
        .await
        .into_iter()
        .find(|(q, _)| q.starts_with("zebra"))
        .unwrap();
    assert_eq!(long.0.chars().count(), 200);
}

#[tokio::test]
async fn an_unknown_session_starts_a_new_one() {
    let h = harness();
    let unknown = SessionId(ulid::Ulid::from_parts(1, 1));
    let a = h.say(Some(unknown), "what is serverless?").await;
    assert_ne!(a.session(), unknown);
    assert!(h.store.session(unknown).is_none());
    assert_eq!(h.store.chat_day(TODAY).sessions, 1);
}

#[tokio::test]
async fn a_turn_that_loses_a_race_is_answered_again_and_no_turn_is_lost() {
    // GIVEN a conversation
    let h = harness();
    let id = h.say(None, "what is serverless?").await.session();
    // WHEN three other messages of it are stored while this one is answered
    h.store.race_next_saves(3);
    let a = h.say(Some(id), "what about layers?").await;
    // THEN this turn is stored after them: none lost, this one counted once
    assert_eq!(a.json["intent"], "layers", "{}", a.json);
    let session = h.store.session(id).unwrap();
    assert_eq!(session.version, 1 + 3 + 1);
    assert_eq!(session.turns.last().unwrap().question, "what about layers?");
    assert_eq!(
        session
            .turns
            .iter()
            .filter(|t| t.question == "(a concurrent message)")
            .count(),
        3
    );
    assert_eq!(h.store.chat_day(TODAY).turns, 2);
}

#[tokio::test]
async fn over_a_limit_the_answer_is_429_with_retry_after_and_nothing_is_written() {
    // GIVEN a limit of 3 messages a minute per session
    let h = harness_with(ChatLimits { per_session: 3 }, 100);
    let id = h.say(None, "what is serverless?").await.session();
    h.say(Some(id), "what about layers?").await;
    h.say(Some(id), "and cold starts?").await;
    h.say(Some(id), "and timeouts?").await;
    // WHEN a fifth message (the first had no session yet) comes within the minute
    let over = h.say(Some(id), "and blue/green?").await;
    // THEN it is refused, saying when to retry (the clock is 5 s into the minute)
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(over.code(), "rate_limited");
    assert_eq!(over.retry_after.as_deref(), Some("55"));
    assert!(
        over.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("55 s")
    );
    // AND nothing was written
    assert_eq!(h.store.session(id).unwrap().version, 4);
    assert_eq!(h.store.chat_day(TODAY).turns, 4);
}

#[tokio::test]
async fn the_client_write_limit_holds_whatever_the_session() {
    let h = harness_with(ChatLimits { per_session: 100 }, 2);
    let body = json!({"message": "what is serverless?"}).to_string();
    for _ in 0..2 {
        let a = h
            .call(Some("application/json"), body.clone(), Some("203.0.113.7"))
            .await;
        assert_eq!(a.status, StatusCode::OK);
    }
    let over = h
        .call(Some("application/json"), body.clone(), Some("203.0.113.7"))
        .await;
    assert_eq!(
        (over.status, over.code()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    // Another address is not limited by this one.
    let other = h
        .call(Some("application/json"), body, Some("198.51.100.1"))
        .await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(h.store.chat_day(TODAY).turns, 3);
}

#[tokio::test]
async fn every_bad_input_is_a_clear_4xx_and_writes_nothing() {
    // A limit of one message: a bad input must not use it up either.
    let h = harness_with(ChatLimits { per_session: 1 }, 1);
    let json_ct = Some("application/json");
    let cases: Vec<(&str, Option<&str>, Body, StatusCode, &str)> = vec![
        (
            "empty message",
            json_ct,
            json!({"message": ""}).to_string().into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "whitespace only",
            json_ct,
            json!({"message": " \n\t "}).to_string().into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "over 1000 characters",
            json_ct,
            json!({"message": "a".repeat(1001)}).to_string().into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "no message",
            json_ct,
            json!({"sessionId": null}).to_string().into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "a message that is not text",
            json_ct,
            json!({"message": 42}).to_string().into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "an unknown field",
            json_ct,
            json!({"message": "hi", "admin": true}).to_string().into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "a bad session id",
            json_ct,
            json!({"message": "hi", "sessionId": "../../x"})
                .to_string()
                .into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "invalid JSON",
            json_ct,
            "{\"message\": ".into(),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "invalid UTF-8",
            json_ct,
            Body::from(b"{\"message\": \"\xff\xfe\"}".to_vec()),
            StatusCode::BAD_REQUEST,
            "invalid_utf8",
        ),
        (
            "wrong content type",
            Some("text/plain"),
            json!({"message": "hi"}).to_string().into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "no content type",
            None,
            json!({"message": "hi"}).to_string().into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "body over 16 KiB",
            json_ct,
            json!({"message": "a".repeat(MAX_BODY_BYTES)})
                .to_string()
                .into(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (name, ct, body, status, code) in cases {
        let a = h.call(ct, body, None).await;
        assert_eq!((a.status, a.code()), (status, code), "{name}: {}", a.json);
        let message = a.json["error"]["message"].as_str().unwrap();
        assert!(!message.is_empty(), "{name}");
    }
    let e = h
        .call(json_ct, json!({"message": ""}).to_string(), None)
        .await;
    assert_eq!(e.json["error"]["message"], "message: must not be empty");
    let e = h
        .call(
            json_ct,
            json!({"message": "hi", "sessionId": "nope"}).to_string(),
            None,
        )
        .await;
    assert!(
        e.json["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("sessionId: ")
    );
    // Nothing was written, and the one allowed message is still there.
    assert_eq!(h.store.chat_day(TODAY).turns, 0);
    assert_eq!(
        h.say(None, "what is serverless?").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_keyed_message_sent_again_is_answered_from_its_stored_turn() {
    use rightnow_domain::chat::NewMessage;
    use rightnow_domain::idempotency::WriteId;
    use rightnow_domain::ports::ChatSessions;
    // GIVEN the chat, and a keyed message whose first answer was lost after
    // its turn was stored (its idempotency record never kept the answer)
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(FixedClock::at(datetime!(2026-12-02 10:00:05 UTC)));
    let assistant = Arc::new(chatbot::assistant().unwrap());
    let ports = chat_ports(&store, &clock, WriteLimit::DEFAULT_PER_MINUTE);
    let chat = Chat::new(assistant, ports, chatbot::settings::DEFAULT_LIMITS);
    let ask = |session: Option<SessionId>| NewMessage {
        session_id: session.map(|s| s.0.to_string()),
        message: "what is a cold start?".into(),
    };
    let write = WriteId::new(datetime!(2026-12-02 10:00:04 UTC));
    let first = chat
        .send(ask(None), "203.0.113.9", Some(write))
        .await
        .unwrap();

    // WHEN it is sent again as the same write
    let again = chat
        .send(ask(None), "203.0.113.9", Some(write))
        .await
        .unwrap();

    // THEN the answer is the stored turn's, in the same session, stored once
    assert_eq!(again.session_id, first.session_id);
    assert_eq!((&again.reply, &again.intent), (&first.reply, &first.intent));
    assert_eq!(again.suggestions, first.suggestions);
    assert_eq!(again.language, first.language);
    let session = store.load(first.session_id).await.unwrap().unwrap();
    assert_eq!(session.version, 1, "{:?}", session.turns);

    // AND a keyed follow-up in that session, sent twice, is one more turn
    let follow_up = WriteId::new(datetime!(2026-12-02 10:00:06 UTC));
    let next = ask(Some(first.session_id));
    chat.send(next.clone(), "203.0.113.9", Some(follow_up))
        .await
        .unwrap();
    chat.send(next, "203.0.113.9", Some(follow_up))
        .await
        .unwrap();
    let session = store.load(first.session_id).await.unwrap().unwrap();
    assert_eq!(session.version, 2, "{:?}", session.turns);
    // AND without a key, the same message twice is two turns
    chat.send(ask(Some(first.session_id)), "203.0.113.9", None)
        .await
        .unwrap();
    chat.send(ask(Some(first.session_id)), "203.0.113.9", None)
        .await
        .unwrap();
    let session = store.load(first.session_id).await.unwrap().unwrap();
    assert_eq!(session.version, 4);
}
