use std::sync::Arc;

use crate::DomainError;
use crate::clock::Clock;
use crate::limits::{Admission, Limit, Window};
use crate::ports::RateLimiter;

/// One allowance of writes per client address: every route that stores
/// what a visitor sends (a comment, a video's registration, a chat
/// message), in every function, counts against the same budget a minute.
/// A script posting from one address meets it whichever route it floods;
/// the gateway's throttle is the outer guard, for all callers at once.
pub struct WriteLimit {
    limiter: Arc<dyn RateLimiter>,
    clock: Arc<dyn Clock>,
    per_minute: u32,
}

impl WriteLimit {
    /// The writes a minute one address may make, unless set.
    pub const DEFAULT_PER_MINUTE: u32 = 120;

    /// At most `per_minute` writes a minute per address, counted by
    /// `limiter` (shared by every sandbox of every function).
    pub fn new(limiter: Arc<dyn RateLimiter>, clock: Arc<dyn Clock>, per_minute: u32) -> Self {
        Self {
            limiter,
            clock,
            per_minute,
        }
    }

    /// Counts one write from `client` (its address), and against `also`
    /// (a route's own limits, e.g. a chat session's), all or nothing; or
    /// refuses it with the time left in the minute, counting nothing. A
    /// service calls it once the input is valid: a bad input is refused
    /// for what it is and costs nothing.
    pub async fn admit(&self, client: &str, also: &[Limit]) -> Result<(), DomainError> {
        let now = self.clock.now();
        let window = Window::minute_of(now);
        let mut limits = Vec::with_capacity(1 + also.len());
        limits.push(Limit {
            key: format!("writes#{client}"),
            max: self.per_minute,
        });
        limits.extend_from_slice(also);
        match self.limiter.admit(&limits, &window).await? {
            Admission::Admitted => Ok(()),
            Admission::Refused(_) => Err(DomainError::Limited(window.retry_after(now))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use time::macros::datetime;

    use super::*;
    use crate::fakes::{FixedClock, InMemoryStore};

    #[tokio::test]
    async fn an_address_gets_its_allowance_a_minute_and_no_more() {
        let store = Arc::new(InMemoryStore::default());
        let clock = Arc::new(FixedClock::at(datetime!(2026-12-04 10:15:50 UTC)));
        let writes = WriteLimit::new(store, clock.clone(), 2);

        writes.admit("203.0.113.7", &[]).await.unwrap();
        writes.admit("203.0.113.7", &[]).await.unwrap();
        match writes.admit("203.0.113.7", &[]).await {
            Err(DomainError::Limited(after)) => assert_eq!(after, Duration::from_secs(10)),
            other => panic!("expected Limited, got {other:?}"),
        }
        // Another address has its own allowance.
        writes.admit("198.51.100.1", &[]).await.unwrap();
        // The next minute starts afresh.
        clock.advance(time::Duration::seconds(10));
        writes.admit("203.0.113.7", &[]).await.unwrap();
    }
}
