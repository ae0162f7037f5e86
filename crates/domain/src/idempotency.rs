//! Idempotent writes: a client that sends a write again with the same
//! `Idempotency-Key` (a retry after a timeout or a 503) gets the first
//! answer back instead of writing twice. The model is Powertools for AWS
//! Lambda's idempotency: a key, a fingerprint of the payload, an expiry,
//! and an in-progress lock so that two copies racing run once.
//!
//! The record of a key is kept in the store ([`IdempotencyStore`]), shared
//! by every sandbox: a function keeps nothing between invocations.

use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use ulid::Ulid;

use crate::ValidationError;

/// A client's name for one write: 1 to 64 characters of `A-Z a-z 0-9 - _`
/// (a UUID fits), chosen by the client, unique per write it means.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The longest key.
    pub const MAX_LEN: usize = 64;

    /// Checks a key as the client sent it.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::new(
                "Idempotency-Key",
                format!(
                    "must be 1 to {} characters of A-Z, a-z, 0-9, - and _",
                    Self::MAX_LEN
                ),
            ))
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a write's payload was, so that a key sent again with another
/// payload is told apart from a retry: a digest of the route and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(pub String);

/// The first answer to a write, kept to be given again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Its HTTP status.
    pub status: u16,
    /// Its body, as sent.
    pub body: String,
}

/// What a keyed write names the thing it makes (a comment, a video): an
/// id, and the time it was made. Chosen when the key is first taken and
/// kept by its record, so that every retry of the write makes the same
/// thing. A write that landed although its answer was lost (the store
/// answered after the client gave up) is then found by the retry, which
/// writes the same item under a condition that it is new, rather than
/// made a second time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WriteId(pub Ulid);

impl WriteId {
    /// A new one, for a write first seen at `at`.
    pub fn new(at: OffsetDateTime) -> Self {
        Self(Ulid::from_datetime(SystemTime::from(at)))
    }

    /// When the write was first seen: the made thing's creation time.
    pub fn at(&self) -> OffsetDateTime {
        OffsetDateTime::from(self.0.datetime())
    }
}

/// What the store knows of a key when a write arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// The key was free (or its record expired, or its lock lapsed, or its
    /// last request let it go): this request holds it now and runs the
    /// write, making what the [`WriteId`] names.
    Run(WriteId),
    /// The write ran with this payload: its answer.
    Done(Answer),
    /// Another request with this key runs now.
    InProgress,
    /// The key was used for another payload.
    OtherPayload,
}

/// How long a key's record lives, and how long its lock holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// How long the first answer is kept: retries within it get it back.
    pub record: Duration,
    /// How long a request holds the key before another may take it over:
    /// longer than the function's timeout, so only a crashed request's
    /// lock is ever taken.
    pub lock: Duration,
}

impl Lifetimes {
    /// A day of answers; a lock of 15 s (the API functions time out at 10).
    pub const DEFAULT: Self = Self {
        record: Duration::from_secs(24 * 60 * 60),
        lock: Duration::from_secs(15),
    };

    /// When a record made at `now` expires.
    pub fn record_until(&self, now: OffsetDateTime) -> OffsetDateTime {
        now + self.record
    }

    /// When a lock taken at `now` lapses.
    pub fn lock_until(&self, now: OffsetDateTime) -> OffsetDateTime {
        now + self.lock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_id_keeps_the_time_it_was_first_seen_to_the_millisecond() {
        let at = time::macros::datetime!(2026-12-04 10:00:01.234 UTC);
        let id = WriteId::new(at);
        assert_eq!(id.at(), at);
        assert_ne!(WriteId::new(at), id, "two writes at once are two ids");
    }

    #[test]
    fn a_key_is_short_and_plain() {
        for ok in [
            "a",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            &"k".repeat(64),
            "A_b-9",
        ] {
            assert_eq!(IdempotencyKey::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["", &"k".repeat(65), "a b", "a/b", "ключ", "a\nb"] {
            let e = IdempotencyKey::parse(bad).unwrap_err();
            assert_eq!(e.field, "Idempotency-Key", "{bad:?}");
        }
    }
}
