//! Rate limits: how many times a key (a client address, a session) may do
//! something in a window of time. Fixed windows, counted in the store, so
//! that every sandbox sees the same count: a function keeps nothing
//! between invocations.

use std::time::Duration;

use time::OffsetDateTime;

/// One key's allowance in the current window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// What is counted, and for whom: `chat-address#203.0.113.7`.
    pub key: String,
    /// The most uses in one window.
    pub max: u32,
}

/// A fixed window of time: the counts of one window expire with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// When it began.
    pub start: OffsetDateTime,
    /// How long it lasts.
    pub length: Duration,
}

impl Window {
    /// The minute (of the Unix epoch) that `now` falls in.
    pub fn minute_of(now: OffsetDateTime) -> Self {
        let secs = now.unix_timestamp();
        let start = OffsetDateTime::from_unix_timestamp(secs - secs.rem_euclid(60))
            .expect("a minute boundary of a valid time is valid");
        Self {
            start,
            length: Duration::from_secs(60),
        }
    }

    /// When it ends.
    pub fn end(&self) -> OffsetDateTime {
        self.start + self.length
    }

    /// Whole seconds from `now` until it ends, at least 1: a client's
    /// `Retry-After`.
    pub fn retry_after(&self, now: OffsetDateTime) -> Duration {
        let left = (self.end() - now).whole_seconds().max(1);
        Duration::from_secs(left.unsigned_abs())
    }
}

/// What [`crate::ports::RateLimiter::admit`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Counted against every limit.
    Admitted,
    /// The limit at this index is used up; nothing was counted.
    Refused(usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_window_is_the_minute_and_says_when_to_retry() {
        let now = datetime!(2026-12-02 10:15:42.5 UTC);
        let w = Window::minute_of(now);
        assert_eq!(w.start, datetime!(2026-12-02 10:15 UTC));
        assert_eq!(w.retry_after(now), Duration::from_secs(17));
        assert_eq!(
            w.retry_after(datetime!(2026-12-02 10:15:59.9 UTC)),
            Duration::from_secs(1)
        );
    }
}
