//! The records of idempotent writes on the app table: taken once, held
//! against a copy, kept with their answer, told apart by payload, let go,
//! and taken over once their lock lapses, as the same write each time;
//! the item's golden shape.

use rightnow_domain::idempotency::{Answer, Begun, Fingerprint, WriteId};
use rightnow_domain::ports::IdempotencyStore;
use time::Duration;
use time::macros::datetime;
use ulid::Ulid;

use crate::dynamodb::{dynamodb_json, raw_item, table};

/// The id a request that runs the write holds.
fn runs(begun: Begun) -> WriteId {
    match begun {
        Begun::Run(id) => id,
        other => panic!("expected Run, got {other:?}"),
    }
}

#[tokio::test]
async fn a_record_runs_once_keeps_its_answer_and_tells_payloads_apart() {
    let t = table().await;
    let now = datetime!(2026-12-04 10:00 UTC);
    let lock = now + Duration::seconds(15);
    let record = format!("POST /api/pages/home/comments#{}", Ulid::new());
    let a = Fingerprint("aaaa".into());
    let b = Fingerprint("bbbb".into());
    let fresh = WriteId::new(now);
    // Taken, then held against a copy of it and against another payload.
    assert_eq!(
        runs(t.take(&record, &a, now, lock, fresh).await.unwrap()),
        fresh
    );
    let copy = WriteId::new(now);
    assert_eq!(
        t.take(&record, &a, now, lock, copy).await.unwrap(),
        Begun::InProgress
    );
    assert_eq!(
        t.take(&record, &b, now, lock, copy).await.unwrap(),
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
        t.take(&record, &a, now, lock, copy).await.unwrap(),
        Begun::Done(answer.clone())
    );
    assert_eq!(
        t.take(&record, &b, now, lock, copy).await.unwrap(),
        Begun::OtherPayload
    );
    // A done record is not let go; once expired, it is a new write.
    t.release(&record).await.unwrap();
    let later = kept_until + Duration::seconds(1);
    let next = WriteId::new(later);
    let taken = t.take(&record, &a, later, later + Duration::seconds(15), next);
    assert_eq!(runs(taken.await.unwrap()), next);

    let item = dynamodb_json(&raw_item(&t, &format!("IDEMPOTENCY#{record}"), "RECORD").await);
    insta::assert_json_snapshot!("idempotency_held", item, {
        ".pk.S" => "[record]",
        ".expiresAt.N" => "[epoch seconds]",
        ".lockedUntil.N" => "[epoch seconds]",
        ".writeId.S" => "[ulid]",
    });
    t.keep(&record, &a, &answer, kept_until + Duration::days(2))
        .await
        .unwrap();
    let item = dynamodb_json(&raw_item(&t, &format!("IDEMPOTENCY#{record}"), "RECORD").await);
    insta::assert_json_snapshot!("idempotency_done", item, {
        ".pk.S" => "[record]",
        ".expiresAt.N" => "[epoch seconds]",
        ".writeId.S" => "[ulid]",
    });
}

#[tokio::test]
async fn a_released_record_or_a_lapsed_lock_is_taken_again_as_the_same_write() {
    let t = table().await;
    let now = datetime!(2026-12-04 10:00 UTC);
    let record = format!("POST /api/chat#{}", Ulid::new());
    let a = Fingerprint("aaaa".into());
    let lock = now + Duration::seconds(15);
    let first = runs(
        t.take(&record, &a, now, lock, WriteId::new(now))
            .await
            .unwrap(),
    );
    // Its write failed, perhaps after it landed: the retry is the same write.
    t.release(&record).await.unwrap();
    let retry = t.take(&record, &a, now, lock, WriteId::new(now));
    assert_eq!(runs(retry.await.unwrap()), first);
    // Let go, the key is still this payload's.
    t.release(&record).await.unwrap();
    let other = Fingerprint("other".into());
    assert_eq!(
        t.take(&record, &other, now, lock, WriteId::new(now))
            .await
            .unwrap(),
        Begun::OtherPayload
    );
    assert_eq!(
        runs(
            t.take(&record, &a, now, lock, WriteId::new(now))
                .await
                .unwrap()
        ),
        first
    );
    // Its request crashed: a retry after the lock takes it over.
    let after = lock + Duration::seconds(1);
    let taken = t.take(
        &record,
        &a,
        after,
        after + Duration::seconds(15),
        WriteId::new(after),
    );
    assert_eq!(runs(taken.await.unwrap()), first);
    // The first request's late answer for another payload is not kept.
    let answer = Answer {
        status: 201,
        body: "{}".into(),
    };
    t.keep(&record, &other, &answer, now + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(
        t.take(&record, &a, after, after, WriteId::new(after))
            .await
            .unwrap(),
        Begun::InProgress
    );
}
