//! The chat's adapters on the app table: sessions written only on the
//! version read, with each turn's activity in the same transaction, and
//! the rate limits.

use std::sync::Arc;
use std::time::Duration;

use rightnow_domain::activity::DayRecord;
use rightnow_domain::chat::{Context, Session, SessionId, Turn, TurnRecord};
use rightnow_domain::limits::{Admission, Limit, Window};
use rightnow_domain::page::Slug;
use rightnow_domain::ports::{ChatSessions, DayActivityLog, RateLimiter, SessionWrite};
use time::OffsetDateTime;
use time::macros::{date, datetime};
use ulid::Ulid;

use crate::dynamodb::{dynamodb_json, raw_item, table};

const AT: OffsetDateTime = datetime!(2026-12-02 10:15 UTC);

fn turn(question: &str, intent: &str) -> Turn {
    Turn {
        at: AT,
        question: question.into(),
        reply: format!("the answer to {question}"),
        intent: intent.into(),
    }
}

fn record(intent: &str, new_session: bool, unanswered: Option<&str>) -> TurnRecord {
    TurnRecord {
        at: AT,
        intent: intent.into(),
        new_session,
        unanswered: unanswered.map(str::to_owned),
    }
}

#[tokio::test]
async fn a_session_is_written_only_on_the_version_read_with_its_turn_counted() {
    // GIVEN a new session with one turn
    let t = table().await;
    let id = SessionId(Ulid::from_parts(1_795_000_000_000, 9));
    let mut s = Session::new(id, AT);
    s.push(turn("what is serverless?", "what-is-serverless"));
    s.context = Context {
        page: Some(Slug::parse("home").unwrap()),
        video: None,
        intent: Some("what-is-serverless".into()),
    };
    let first = record("what-is-serverless", true, None);
    // WHEN it is saved as new, twice
    assert_eq!(t.save(&s, None, &first).await.unwrap(), SessionWrite::Saved);
    assert_eq!(
        t.save(&s, None, &first).await.unwrap(),
        SessionWrite::Conflict
    );
    // THEN it reads back as written, counted once
    assert_eq!(t.load(id).await.unwrap(), Some(s.clone()));
    // WHEN a second turn is saved on version 1, then again on version 1
    let mut next = s.clone();
    next.push(turn("weather?", "fallback"));
    let fallback = record("fallback", false, Some("weather?"));
    assert_eq!(
        t.save(&next, Some(1), &fallback).await.unwrap(),
        SessionWrite::Saved
    );
    assert_eq!(
        t.save(&next, Some(1), &fallback).await.unwrap(),
        SessionWrite::Conflict
    );
    // THEN the day's activity counts each saved turn once, nothing for a conflict
    let day = t.read(date!(2026 - 12 - 02), None, 100).await.unwrap();
    let chat = day
        .records
        .iter()
        .find_map(|r| match r {
            DayRecord::Chat(c) => Some(c.clone()),
            _ => None,
        })
        .expect("the day's chat");
    assert_eq!(
        (chat.turns, chat.sessions, chat.answered, chat.fallback),
        (2, 1, 1, 1)
    );
    assert_eq!(chat.turns_by_hour.0[10], 2);
    assert_eq!(chat.intents.get("fallback"), Some(&1));
    assert_eq!(chat.intents.get("what-is-serverless"), Some(&1));
    assert!(day.records.iter().any(|r| matches!(r,
        DayRecord::Unanswered(u) if u.question == "weather?" && u.count == 1)));
    // AND each item keeps its golden shape
    for (kind, pk, sk) in [
        ("session", format!("SESSION#{id}"), "SESSION".to_owned()),
        ("day_chat", "DAY#2026-12-02".into(), "CHAT".into()),
        (
            "day_unanswered",
            "DAY#2026-12-02".into(),
            "UNANSWERED#weather?".into(),
        ),
    ] {
        let item = dynamodb_json(&raw_item(&t, &pk, &sk).await);
        insta::assert_json_snapshot!(kind, item, {
            ".expiresAt.N" => "[epoch seconds]",
        });
    }
    // A session that is not there is None.
    assert_eq!(
        t.load(SessionId(Ulid::from_parts(1, 1))).await.unwrap(),
        None
    );
}

/// Ten writers on one session, each reading, adding its turn and saving on
/// the version it read, retrying on a conflict: every turn lands, each
/// counted once.
#[tokio::test]
async fn racing_turns_on_one_session_are_all_kept() {
    let t = Arc::new(table().await);
    let id = SessionId(Ulid::from_parts(1_795_000_000_000, 10));
    t.save(&Session::new(id, AT), None, &record("layers", true, None))
        .await
        .unwrap();
    let writers = (0..10).map(|i| {
        let t = t.clone();
        tokio::spawn(async move {
            loop {
                let mut s = t.load(id).await.unwrap().unwrap();
                let read = s.version;
                s.push(turn(&format!("q{i}"), "layers"));
                let r = record("layers", false, None);
                if t.save(&s, Some(read), &r).await.unwrap() == SessionWrite::Saved {
                    return;
                }
            }
        })
    });
    for w in writers {
        w.await.unwrap();
    }
    let s = t.load(id).await.unwrap().unwrap();
    assert_eq!(s.version, 10);
    let mut questions: Vec<&str> = s.turns.iter().map(|t| t.question.as_str()).collect();
    questions.sort();
    assert_eq!(questions.len(), 10);
    let day = raw_item(&t, "DAY#2026-12-02", "CHAT").await;
    assert_eq!(day["turns"].as_n().unwrap(), "11");
}

#[tokio::test]
async fn a_limit_counts_all_or_nothing_within_its_window() {
    let t = table().await;
    let window = Window::minute_of(AT);
    let address = Limit {
        key: format!("writes#{}", Ulid::new()),
        max: 3,
    };
    let session = Limit {
        key: format!("chat-session#{}", Ulid::new()),
        max: 1,
    };
    // The session's one use.
    let both = [address.clone(), session.clone()];
    assert_eq!(t.admit(&both, &window).await.unwrap(), Admission::Admitted);
    // The session is full: refused, and the address is not counted either.
    assert_eq!(
        t.admit(&both, &window).await.unwrap(),
        Admission::Refused(1)
    );
    let uses = |key: &str| {
        let key = key.to_owned();
        let t = &t;
        async move {
            let item = raw_item(
                t,
                &format!("LIMIT#{key}"),
                &window.start.unix_timestamp().to_string(),
            )
            .await;
            (
                item["uses"].as_n().unwrap().clone(),
                item["expiresAt"].as_n().unwrap().clone(),
            )
        }
    };
    let (n, expires) = uses(&address.key).await;
    assert_eq!(n, "1");
    assert_eq!(
        expires,
        (window.end() + Duration::from_secs(60))
            .unix_timestamp()
            .to_string()
    );
    // The address alone: two more, then full.
    let alone = [address.clone()];
    assert_eq!(t.admit(&alone, &window).await.unwrap(), Admission::Admitted);
    assert_eq!(t.admit(&alone, &window).await.unwrap(), Admission::Admitted);
    assert_eq!(
        t.admit(&alone, &window).await.unwrap(),
        Admission::Refused(0)
    );
    assert_eq!(uses(&address.key).await.0, "3");
    // The next minute starts afresh.
    let next = Window::minute_of(window.end());
    assert_eq!(t.admit(&both, &next).await.unwrap(), Admission::Admitted);
}
