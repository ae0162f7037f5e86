use std::sync::Arc;

use crate::DomainError;
use crate::clock::Clock;
use crate::idempotency::{Answer, Begun, Fingerprint, Lifetimes, WriteId};
use crate::ports::IdempotencyStore;

/// The records of idempotent writes: a write named by a key runs once, and
/// its answer is given again to every retry with the same key and payload
/// until the record expires (see [`crate::idempotency`]).
pub struct Idempotency {
    store: Arc<dyn IdempotencyStore>,
    clock: Arc<dyn Clock>,
    lifetimes: Lifetimes,
}

impl Idempotency {
    /// Records kept in `store`, timed by `clock`, for `lifetimes`.
    pub fn new(
        store: Arc<dyn IdempotencyStore>,
        clock: Arc<dyn Clock>,
        lifetimes: Lifetimes,
    ) -> Self {
        Self {
            store,
            clock,
            lifetimes,
        }
    }

    /// A write named `record` (its route and key) with `fingerprint`
    /// arrives: whether it runs (the caller then holds the key until it
    /// calls [`finish`](Self::finish) or [`release`](Self::release), or the
    /// lock lapses), or what to answer instead.
    pub async fn begin(
        &self,
        record: &str,
        fingerprint: &Fingerprint,
    ) -> Result<Begun, DomainError> {
        let now = self.clock.now();
        Ok(self
            .store
            .take(
                record,
                fingerprint,
                now,
                self.lifetimes.lock_until(now),
                WriteId::new(now),
            )
            .await?)
    }

    /// The write ran and `answer` is its answer, to give again.
    pub async fn finish(
        &self,
        record: &str,
        fingerprint: &Fingerprint,
        answer: &Answer,
    ) -> Result<(), DomainError> {
        let now = self.clock.now();
        Ok(self
            .store
            .keep(
                record,
                fingerprint,
                answer,
                self.lifetimes.record_until(now),
            )
            .await?)
    }

    /// The write did not finish (it failed, perhaps after landing, or was
    /// refused for now): the key is free again, so that a retry runs it,
    /// as the same [`WriteId`].
    pub async fn release(&self, record: &str) -> Result<(), DomainError> {
        Ok(self.store.release(record).await?)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::fakes::{FixedClock, InMemoryStore};

    fn records() -> (Idempotency, Arc<FixedClock>) {
        let clock = Arc::new(FixedClock::at(datetime!(2026-12-04 10:00 UTC)));
        let records = Idempotency::new(
            Arc::new(InMemoryStore::default()),
            clock.clone(),
            Lifetimes::DEFAULT,
        );
        (records, clock)
    }

    fn fp(s: &str) -> Fingerprint {
        Fingerprint(s.to_owned())
    }

    /// The id a request that runs the write holds.
    fn runs(begun: Begun) -> crate::idempotency::WriteId {
        match begun {
            Begun::Run(id) => id,
            other => panic!("expected Run, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_write_runs_once_and_its_answer_is_given_again() {
        let (records, _) = records();
        let answer = Answer {
            status: 201,
            body: r#"{"id":"c1"}"#.into(),
        };
        let first = runs(records.begin("k", &fp("a")).await.unwrap());
        // A copy racing the first finds it held.
        assert_eq!(
            records.begin("k", &fp("a")).await.unwrap(),
            Begun::InProgress
        );
        records.finish("k", &fp("a"), &answer).await.unwrap();
        assert_eq!(
            records.begin("k", &fp("a")).await.unwrap(),
            Begun::Done(answer)
        );
        // The same key for another payload is not a retry.
        assert_eq!(
            records.begin("k", &fp("b")).await.unwrap(),
            Begun::OtherPayload
        );
        // Another key is another write, making another thing.
        assert_ne!(runs(records.begin("k2", &fp("a")).await.unwrap()), first);
    }

    #[tokio::test]
    async fn a_released_key_and_a_lapsed_lock_run_again_as_the_same_write() {
        let (records, clock) = records();
        let first = runs(records.begin("k", &fp("a")).await.unwrap());
        // Its write failed, perhaps after it landed: the retry makes the
        // same thing, which the store then finds rather than makes twice.
        records.release("k").await.unwrap();
        clock.advance(time::Duration::seconds(2));
        assert_eq!(runs(records.begin("k", &fp("a")).await.unwrap()), first);
        // Its request crashed: the lock lapses, and a retry takes it over.
        clock.advance(time::Duration::seconds(16));
        assert_eq!(runs(records.begin("k", &fp("a")).await.unwrap()), first);
        // A let-go key is still this payload's.
        records.release("k").await.unwrap();
        assert_eq!(
            records.begin("k", &fp("b")).await.unwrap(),
            Begun::OtherPayload
        );
    }

    #[tokio::test]
    async fn a_done_record_lasts_a_day_then_the_key_is_a_new_write() {
        let (records, clock) = records();
        let first = runs(records.begin("k", &fp("a")).await.unwrap());
        let answer = Answer {
            status: 201,
            body: "{}".into(),
        };
        records.finish("k", &fp("a"), &answer).await.unwrap();
        // A done record is not released, and lasts a day.
        records.release("k").await.unwrap();
        clock.advance(time::Duration::hours(23));
        assert_eq!(
            records.begin("k", &fp("a")).await.unwrap(),
            Begun::Done(answer)
        );
        clock.advance(time::Duration::hours(2));
        assert_ne!(runs(records.begin("k", &fp("a")).await.unwrap()), first);
    }
}
