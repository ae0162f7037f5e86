//! `Idempotency-Key` through the local API Gateway URL, as a client that
//! retries after a timeout sends it: the retry gets the first answer and
//! nothing is written twice; the key with another body is refused.

use reqwest::Method;
use serde_json::{Value, json};

use crate::api::{Answer, call_with, fresh_slug, get, post};

async fn post_keyed(path: &str, key: &str, body: Value) -> Answer {
    call_with(
        Method::POST,
        path,
        Some("application/json"),
        &[("idempotency-key", key)],
        body.to_string().into_bytes(),
    )
    .await
}

fn replayed(a: &Answer) -> bool {
    a.headers.contains_key("idempotent-replayed")
}

#[tokio::test]
async fn a_retried_comment_and_chat_message_are_written_once() {
    // GIVEN a page, and a key per write, as a client makes them
    let slug = fresh_slug("idem");
    assert_eq!(post(&format!("/api/pages/{slug}/views")).await.status, 200);
    let path = format!("/api/pages/{slug}/comments");
    let key = format!("k-{}", ulid::Ulid::new());
    let comment = json!({"author": "Ada", "body": "Sent twice"});

    // WHEN the comment is sent, then sent again with the same key
    let first = post_keyed(&path, &key, comment.clone()).await;
    let again = post_keyed(&path, &key, comment).await;
    // THEN both are the same 201, the second marked as given again
    assert_eq!(
        (first.status, again.status),
        (201, 201),
        "{first:?} {again:?}"
    );
    assert_eq!(first.json, again.json);
    assert!(!replayed(&first) && replayed(&again), "{:?}", again.headers);
    // AND the page has one comment
    let listed = get(&path).await;
    assert_eq!(
        listed.json["comments"].as_array().unwrap().len(),
        1,
        "{listed:?}"
    );

    // WHEN the key is sent with another comment
    let other = post_keyed(&path, &key, json!({"author": "Ada", "body": "Else"})).await;
    // THEN it is refused, and still one comment is there
    assert_eq!(
        (other.status, other.error_code()),
        (422, "idempotency_key_reused")
    );
    assert_eq!(
        get(&path).await.json["comments"].as_array().unwrap().len(),
        1
    );

    // A chat message, retried: the same session and reply, one turn.
    let key = format!("k-{}", ulid::Ulid::new());
    let message = json!({"message": "what is a cold start?"});
    let said = post_keyed("/api/chat", &key, message.clone()).await;
    let resaid = post_keyed("/api/chat", &key, message).await;
    assert_eq!((said.status, resaid.status), (200, 200), "{said:?}");
    assert_eq!(said.json, resaid.json);
    assert!(replayed(&resaid));
    let session = said.json["sessionId"].as_str().unwrap();
    assert_eq!(crate::chat::stored_version(session).await, 1);

    // A bad key is refused for what it is.
    let bad = post_keyed(&path, "not a key", json!({"author": "A", "body": "B"})).await;
    assert_eq!(
        (bad.status, bad.error_code()),
        (400, "invalid_idempotency_key")
    );
}
