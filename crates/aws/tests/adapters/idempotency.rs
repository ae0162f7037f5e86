//! The records of idempotent writes on the app table: taken once, held
//! against a copy, kept with their answer, told apart by payload, let go,
//! and taken over once their lock lapses; the item's golden shape.

use rightnow_domain::idempotency::{Answer, Begun, Fingerprint};
use rightnow_domain::ports::IdempotencyStore;
use time::Duration;
use time::macros::datetime;
use ulid::Ulid;

use crate::dynamodb::{dynamodb_json, raw_item, table};

#[tokio::test]
async fn a_record_runs_once_keeps_its_answer_and_tells_payloads_apart() {
    let t = table().await;
    let now = datetime!(2026-12-04 10:00 UTC);
    let lock = now + Duration::seconds(15);
    let record = format!("POST /api/pages/home/comments#{}", Ulid::new());
    let a = Fingerprint("aaaa".into());
    let b = Fingerprint("bbbb".into());
    // Taken, then held against a copy of it and against another payload.
    assert_eq!(t.take(&record, &a, now, lock).await.unwrap(), Begun::Run);
    assert_eq!(
        t.take(&record, &a, now, lock).await.unwrap(),
        Begun::InProgress
    );
    assert_eq!(
        t.take(&record, &b, now, lock).await.unwrap(),
        Begun::OtherPayload
    );
    // Kept with its answer: given again, but not for the other payload.
    let answer = Answer {
        status: 201,
        body: r#"{"id":"01jdz"}"#.into(),
    };
    let kept_until = now + Duration::days(1);
    t.keep(&record, &a, &answer, kept_until).await.unwrap();
    assert_eq!(
        t.take(&record, &a, now, lock).await.unwrap(),
        Begun::Done(answer.clone())
    );
    assert_eq!(
        t.take(&record, &b, now, lock).await.unwrap(),
        Begun::OtherPayload
    );
    // A done record is not let go; once expired, it is taken again.
    t.release(&record).await.unwrap();
    let later = kept_until + Duration::seconds(1);
    assert_eq!(
        t.take(&record, &a, later, later + Duration::seconds(15))
            .await
            .unwrap(),
        Begun::Run
    );

    let item = dynamodb_json(&raw_item(&t, &format!("IDEMPOTENCY#{record}"), "RECORD").await);
    insta::assert_json_snapshot!("idempotency_held", item, {
        ".pk.S" => "[record]",
        ".expiresAt.N" => "[epoch seconds]",
        ".lockedUntil.N" => "[epoch seconds]",
    });
    t.keep(&record, &a, &answer, kept_until + Duration::days(2))
        .await
        .unwrap();
    let item = dynamodb_json(&raw_item(&t, &format!("IDEMPOTENCY#{record}"), "RECORD").await);
    insta::assert_json_snapshot!("idempotency_done", item, {
        ".pk.S" => "[record]",
        ".expiresAt.N" => "[epoch seconds]",
    });
}

#[tokio::test]
async fn a_released_record_or_a_lapsed_lock_is_taken_again() {
    let t = table().await;
    let now = datetime!(2026-12-04 10:00 UTC);
    let record = format!("POST /api/chat#{}", Ulid::new());
    let a = Fingerprint("aaaa".into());
    let lock = now + Duration::seconds(15);
    assert_eq!(t.take(&record, &a, now, lock).await.unwrap(), Begun::Run);
    t.release(&record).await.unwrap();
    assert_eq!(t.take(&record, &a, now, lock).await.unwrap(), Begun::Run);
    // Its request crashed: a retry after the lock takes it over.
    let after = lock + Duration::seconds(1);
    assert_eq!(
        t.take(&record, &a, after, after + Duration::seconds(15))
            .await
            .unwrap(),
        Begun::Run
    );
    // The first request's late answer is not kept over the second's hold.
    let late = Fingerprint("other".into());
    let answer = Answer {
        status: 201,
        body: "{}".into(),
    };
    t.keep(&record, &late, &answer, now + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(
        t.take(&record, &a, after, after).await.unwrap(),
        Begun::InProgress
    );
}
