//! The checkpoint: where a run is, handed from step to step through the
//! state machine as one opaque string (base64url of JSON), so the state
//! machine needs to know nothing of it but `done`. It names its day and
//! run inside, and a step refuses one that names another day or run than
//! the state that carries it: a checkpoint cannot be replayed elsewhere.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rightnow_domain::activity::ActivityCursor;
use rightnow_domain::report::{RunId, parse_day};
use rightnow_domain::services::{Progress, RowsBytes};
use serde::{Deserialize, Serialize};

use crate::figures_doc::{FiguresDoc, PageDoc};

/// The version of the checkpoint's shape this code reads and writes.
const VERSION: u32 = 1;

/// The most a checkpoint may be: well under Step Functions' 256 KiB state.
pub const MAX_LEN: usize = 192 * 1024;

/// How a run reads the day: from the execution's input, carried through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tuning {
    /// Each step stops reading after this long, if it is sooner than the
    /// function's deadline allows.
    pub step_budget_ms: Option<u64>,
    /// Records per read of the day.
    pub page_size: u16,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Wire {
    version: u32,
    date: String,
    run: String,
    cursor: Option<String>,
    parts: u32,
    /// The bytes of the working files, CSV and JSON.
    rows_bytes: [u64; 2],
    pending: Vec<PageDoc>,
    figures: FiguresDoc,
    done: bool,
    tuning: Tuning,
}

/// Why a checkpoint was refused.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadCheckpoint(pub String);

/// The checkpoint of `progress`, run with `tuning`.
pub fn encode(progress: &Progress, tuning: Tuning) -> String {
    let wire = Wire {
        version: VERSION,
        date: progress.day.to_string(),
        run: progress.run.to_string(),
        cursor: progress.cursor.as_ref().map(|c| c.as_str().to_owned()),
        parts: progress.parts,
        rows_bytes: [progress.rows_bytes.csv, progress.rows_bytes.json],
        pending: progress.pending.iter().map(PageDoc::from_domain).collect(),
        figures: FiguresDoc::from_domain(&progress.figures),
        done: progress.done,
        tuning,
    };
    let json = serde_json::to_vec(&wire).expect("a checkpoint is plain data");
    URL_SAFE_NO_PAD.encode(json)
}

/// The progress in `token`, which must be `date`'s and `run`'s.
pub fn decode(token: &str, date: &str, run: &str) -> Result<(Progress, Tuning), BadCheckpoint> {
    let bad = |why: String| BadCheckpoint(why);
    if token.len() > MAX_LEN {
        return Err(bad(format!("the checkpoint is over {MAX_LEN} bytes")));
    }
    let json = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| bad("the checkpoint is not base64url".into()))?;
    let wire: Wire = serde_json::from_slice(&json)
        .map_err(|e| bad(format!("the checkpoint does not decode: {e}")))?;
    if wire.version != VERSION {
        return Err(bad(format!(
            "checkpoint version {} is not {VERSION}",
            wire.version
        )));
    }
    if wire.date != date || wire.run != run {
        return Err(bad(format!(
            "the checkpoint belongs to {} (run {}), not to {date} (run {run})",
            wire.date, wire.run
        )));
    }
    let cursor = match wire.cursor {
        Some(c) => Some(ActivityCursor::parse(&c).ok_or_else(|| bad("a bad cursor".into()))?),
        None => None,
    };
    let pending = wire
        .pending
        .into_iter()
        .map(|p| {
            p.into_domain()
                .map_err(|e| bad(format!("a pending row: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let progress = Progress {
        day: parse_day(&wire.date).map_err(|e| bad(e.to_string()))?,
        run: RunId::parse(&wire.run).map_err(|e| bad(e.to_string()))?,
        cursor,
        parts: wire.parts,
        rows_bytes: RowsBytes {
            csv: wire.rows_bytes[0],
            json: wire.rows_bytes[1],
        },
        pending,
        figures: wire.figures.into_domain().map_err(bad)?,
        done: wire.done,
    };
    Ok((progress, wire.tuning))
}

#[cfg(test)]
mod tests {
    use rightnow_domain::report::Figures;
    use time::macros::date;

    use super::*;

    fn progress() -> Progress {
        let mut figures = Figures {
            views: 3,
            ..Figures::default()
        };
        figures.hours[5].views = 3;
        Progress {
            day: date!(2026 - 12 - 01),
            run: RunId::parse("nightly").unwrap(),
            cursor: ActivityCursor::parse("PAGE#home"),
            parts: 2,
            rows_bytes: RowsBytes { csv: 40, json: 90 },
            pending: vec![],
            figures,
            done: false,
        }
    }

    const TUNING: Tuning = Tuning {
        step_budget_ms: Some(5),
        page_size: 100,
    };

    #[test]
    fn a_checkpoint_round_trips() {
        let token = encode(&progress(), TUNING);
        let (back, tuning) = decode(&token, "2026-12-01", "nightly").unwrap();
        assert_eq!(back, progress());
        assert_eq!(tuning, TUNING);
    }

    #[test]
    fn a_checkpoint_of_another_day_or_run_is_refused() {
        let token = encode(&progress(), TUNING);
        let e = decode(&token, "2026-11-30", "nightly").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the checkpoint belongs to 2026-12-01 (run nightly), not to 2026-11-30 (run nightly)"
        );
        assert!(decode(&token, "2026-12-01", "other").is_err());
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        for (token, says) in [
            ("!!!", "not base64url"),
            (&URL_SAFE_NO_PAD.encode(b"{}"), "does not decode"),
            (&"A".repeat(MAX_LEN + 1), "over"),
        ] {
            let e = decode(token, "2026-12-01", "nightly").unwrap_err();
            assert!(e.to_string().contains(says), "{e}");
        }
    }
}
