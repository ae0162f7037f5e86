//! The daily report's inputs: its checkpoint, the opaque string a run
//! hands from step to step, and whole step requests, through
//! batch-report's handler on the fakes.

use std::sync::Arc;

use batch_report::checkpoint;
use lambda_runtime::{Context, LambdaEvent};
use rightnow_domain::fakes::{FixedClock, InMemoryBucket, InMemoryStore, RecordingPublisher};
use rightnow_domain::services::{JobSettings, ReportJob, ReportJobPorts};
use time::macros::datetime;

use crate::block_on;

/// A checkpoint, with the day and run it must name: the first line is the
/// day, the second the run, the rest the token. A token that decodes
/// encodes back to one that decodes to the same progress.
pub fn report_checkpoint(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(3, '\n');
    let (Some(date), Some(run), Some(token)) = (lines.next(), lines.next(), lines.next()) else {
        return;
    };
    if let Ok((progress, tuning)) = checkpoint::decode(token, date, run) {
        let again = checkpoint::encode(&progress, tuning);
        let (reread, retuned) =
            checkpoint::decode(&again, date, run).expect("an encoded checkpoint decodes");
        assert_eq!((reread, retuned), (progress, tuning));
    }
}

/// Any JSON as the state machine's request to a step: refused by the
/// runtime (not a request), or answered, with an error that names what was
/// wrong; never a panic.
pub fn report_step(data: &[u8]) {
    let Ok(request) = serde_json::from_slice::<batch_report::request::Request>(data) else {
        return;
    };
    let store = Arc::new(InMemoryStore::default());
    let job = ReportJob::new(
        ReportJobPorts {
            activity: store.clone(),
            runs: store,
            objects: Arc::new(InMemoryBucket::default()),
            bus: Arc::new(RecordingPublisher::default()),
            clock: Arc::new(FixedClock::at(datetime!(2026-12-04 00:15 UTC))),
        },
        JobSettings {
            lease: time::Duration::minutes(15),
        },
    );
    let mut ctx = Context::default();
    // A minute left, as a fresh invocation has.
    ctx.deadline = u64::try_from(
        (std::time::SystemTime::now() + std::time::Duration::from_secs(60))
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after the epoch")
            .as_millis(),
    )
    .expect("milliseconds fit u64");
    if let Err(e) = block_on(batch_report::handle(&job, LambdaEvent::new(request, ctx))) {
        assert!(
            !e.error_type.is_empty() && !e.error_message.is_empty(),
            "{e:?}"
        );
    }
}
