//! The fuzz targets, one function each: every parser of input from outside
//! driven with arbitrary bytes, through the code that really reads it
//! (the routers, the moderator, the report's step), on the in-memory fakes.
//!
//! `fuzz/` (cargo-fuzz, `make fuzz`) calls them from libFuzzer; the test
//! `tests/corpus.rs` replays every file of every corpus through them in
//! `make test`. A target panics on what must never happen: a crash, a 5xx
//! for bad input, an error body without a known code, a round trip that
//! does not hold.

mod bodies;
mod moderation;
mod report;
mod text;

pub use bodies::{chat_request, site_api_request};
pub use moderation::{moderation_event, moderation_upload};
pub use report::{report_checkpoint, report_step};
pub use text::{chat_text, comment_cursor};

/// A fuzz target: the bytes libFuzzer (or a corpus file) gives it.
pub type Target = fn(&[u8]);

/// Every target, by the name of its corpus (`fuzz/corpus/<name>/`) and of
/// its `fuzz/fuzz_targets/<name>.rs`.
pub const TARGETS: &[(&str, Target)] = &[
    ("site_api_request", site_api_request),
    ("chat_request", chat_request),
    ("comment_cursor", comment_cursor),
    ("chat_text", chat_text),
    ("moderation_upload", moderation_upload),
    ("moderation_event", moderation_event),
    ("report_checkpoint", report_checkpoint),
    ("report_step", report_step),
];

/// Runs `future` to its end on this thread's runtime: one per thread,
/// built once, as a Lambda sandbox has one.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime");
    }
    RUNTIME.with(|rt| rt.block_on(future))
}
