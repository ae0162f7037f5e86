//! The chat through the local API Gateway URL, as the site's chat panel
//! calls it: a conversation that carries its context, live answers, 20
//! messages racing on one session (all kept, each counted once for the
//! report), the limit's 429, and bad input.

use aws_sdk_dynamodb::types::AttributeValue;
use futures::future::join_all;
use serde_json::{Value, json};

use crate::api::{Answer, call, fresh_slug, post, post_json};
use crate::{sdk, stack};

async fn say(session: Option<&str>, message: &str) -> Answer {
    let mut body = json!({ "message": message });
    if let Some(id) = session {
        body["sessionId"] = json!(id);
    }
    post_json("/api/chat", body).await
}

fn session_of(a: &Answer) -> String {
    a.json["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no sessionId: {a:?}"))
        .to_owned()
}

/// The session's stored version: how many turns it has had.
pub(crate) async fn stored_version(session: &str) -> u64 {
    let table = stack().output("AppTableName").unwrap().to_owned();
    let item = aws_sdk_dynamodb::Client::new(&sdk().await)
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(format!("SESSION#{session}")))
        .key("sk", AttributeValue::S("SESSION".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap_or_else(|| panic!("no session {session}"));
    item["version"].as_n().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_conversation_answers_live_and_carries_its_context() {
    // GIVEN two pages with views
    let (first, second) = (fresh_slug("chat"), fresh_slug("chat"));
    for _ in 0..2 {
        post(&format!("/api/pages/{first}/views")).await;
    }
    post(&format!("/api/pages/{second}/views")).await;
    // WHEN a visitor asks about the first, then "and the page <second>?",
    // then in Korean
    let a = say(None, &format!("how many views does the page {first} have")).await;
    assert_eq!(a.status, 200, "{a:?}");
    let id = session_of(&a);
    let b = say(Some(&id), &format!("and the page {second}?")).await;
    let c = say(Some(&id), "콜드 스타트가 뭐예요?").await;
    // THEN each answer is about the right thing, in the message's language
    assert_eq!(a.json["intent"], "live-views", "{a:?}");
    assert!(
        a.json["reply"]
            .as_str()
            .unwrap()
            .contains(&format!("\"{first}\" has 2 views")),
        "{a:?}"
    );
    assert_eq!(b.json["intent"], "live-views", "{b:?}");
    assert!(
        b.json["reply"]
            .as_str()
            .unwrap()
            .contains(&format!("\"{second}\" has 1 view.")),
        "{b:?}"
    );
    assert_eq!(
        (c.json["intent"].as_str(), c.json["language"].as_str()),
        (Some("cold-start"), Some("ko")),
        "{c:?}"
    );
    assert_eq!(session_of(&b), id);
    assert_eq!(session_of(&c), id);
    // AND the conversation is one session in the table, three turns long
    assert_eq!(stored_version(&id).await, 3);
}

#[tokio::test]
async fn twenty_messages_racing_on_one_session_are_all_kept_and_counted_once() {
    let id = session_of(&say(None, "what is serverless?").await);
    // The same question the chat cannot answer, 20 times at once: each is
    // counted in the day's activity under its text, which no other test
    // asks.
    let place = fresh_slug("zorblax").replace('-', "");
    let question = format!("is it raining in {place} today");
    let answers = join_all((0..20).map(|_| say(Some(&id), &question))).await;
    for a in &answers {
        assert_eq!(a.status, 200, "{a:?}");
        assert_eq!(session_of(a), id);
        assert_eq!(a.json["intent"], "fallback", "{a:?}");
    }
    // Every turn was stored on the session: none lost to a race.
    assert_eq!(stored_version(&id).await, 21);
    // And the day's activity, as the report reads it, counts each once:
    // a turn that lost a race was counted with nothing.
    assert_eq!(unanswered_today(&place).await, Some(20));
}

/// How often today's activity says a question naming `place` went
/// unanswered, read through the report's own port.
async fn unanswered_today(place: &str) -> Option<u64> {
    use rightnow_domain::activity::DayRecord;
    use rightnow_domain::ports::DayActivityLog;

    let table = rightnow_aws::dynamodb::AppTable::new(
        aws_sdk_dynamodb::Client::new(&sdk().await),
        stack().output("AppTableName").unwrap(),
    );
    let today = time::OffsetDateTime::now_utc().date();
    let mut after = None;
    loop {
        let page = table.read(today, after.as_ref(), 1000).await.unwrap();
        for record in page.records {
            if let DayRecord::Unanswered(q) = record
                && q.question.contains(place)
            {
                return Some(q.count);
            }
        }
        after = Some(page.next?);
    }
}

#[tokio::test]
async fn over_the_session_limit_the_answer_is_429_with_retry_after() {
    // The limit counts messages per calendar minute: start the 31 early in
    // one, or the window turns over halfway and the last one fits.
    let second = time::OffsetDateTime::now_utc().second();
    if second > 40 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second))).await;
    }
    let id = session_of(&say(None, "what is serverless?").await);
    // The first message had no session to count against: 30 more fit.
    for i in 0..30 {
        let a = say(Some(&id), "and layers?").await;
        assert_eq!(a.status, 200, "message {i}: {a:?}");
    }
    let over = say(Some(&id), "and layers?").await;
    assert_eq!(
        (over.status, over.error_code()),
        (429, "rate_limited"),
        "{over:?}"
    );
    let after: u64 = over.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&after), "{after}");
    // Nothing was written for the refused message.
    assert_eq!(stored_version(&id).await, 31);
}

/// A bad request: its name, content type and body, and the expected status
/// and error code.
type Case<'a> = (&'a str, Option<&'a str>, Vec<u8>, u16, &'a str);

#[tokio::test]
async fn every_bad_input_is_a_clear_4xx_and_writes_nothing() {
    let id = session_of(&say(None, "what is serverless?").await);
    let json_ct = Some("application/json");
    let body = |v: Value| v.to_string().into_bytes();
    let cases: Vec<Case> = vec![
        (
            "empty",
            json_ct,
            body(json!({"sessionId": id, "message": ""})),
            422,
            "validation_failed",
        ),
        (
            "whitespace",
            json_ct,
            body(json!({"sessionId": id, "message": "   "})),
            422,
            "validation_failed",
        ),
        (
            "too long",
            json_ct,
            body(json!({"sessionId": id, "message": "a".repeat(1001)})),
            422,
            "validation_failed",
        ),
        (
            "bad session id",
            json_ct,
            body(json!({"sessionId": "../x", "message": "hi"})),
            422,
            "validation_failed",
        ),
        (
            "invalid JSON",
            json_ct,
            b"{\"message\":".to_vec(),
            400,
            "malformed_json",
        ),
        (
            "invalid UTF-8",
            json_ct,
            b"{\"message\":\"\xff\"}".to_vec(),
            400,
            "invalid_utf8",
        ),
        (
            "wrong content type",
            Some("text/plain"),
            body(json!({"sessionId": id, "message": "hi"})),
            415,
            "unsupported_media_type",
        ),
        (
            "over 16 KiB",
            json_ct,
            body(json!({"sessionId": id, "message": "a".repeat(17 * 1024)})),
            413,
            "payload_too_large",
        ),
    ];
    for (name, ct, bytes, status, code) in cases {
        let a = call(reqwest::Method::POST, "/api/chat", ct, bytes).await;
        assert_eq!((a.status, a.error_code()), (status, code), "{name}: {a:?}");
    }
    assert_eq!(stored_version(&id).await, 1);
}
