use std::sync::Mutex;
use std::time::SystemTime;

use time::OffsetDateTime;
use ulid::{Generator, Ulid};

/// Makes ULIDs from the service clock's time. Monotonic within one process,
/// so two comments posted in the same millisecond still list in order.
#[derive(Default)]
pub struct Ids(Mutex<Generator>);

impl Ids {
    /// A new id for something made at `at`, after every id this made before.
    pub fn next(&self, at: OffsetDateTime) -> Ulid {
        let mut generator = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // Overflow needs 2^80 ids in one millisecond; fall back to a random one.
        generator
            .generate_from_datetime(SystemTime::from(at))
            .unwrap_or_else(|_| Ulid::from_datetime(SystemTime::from(at)))
    }
}
