//! Daily reports: batch-report turns a day's activity into figures and
//! three files in the reports bucket, records the day's report and moves
//! a pointer to the latest; site-api reads them.

mod figures;

use std::fmt;

use time::{Date, OffsetDateTime};

use crate::ValidationError;

pub use figures::{
    ChatFigures, Figures, HourFigures, OTHER_REASON, PageFigures, TOP, VideoFigures,
};

/// A day as the API and the job name it: `YYYY-MM-DD`, a real calendar
/// day. `2026-02-30` is well-formed but not a day, and says so.
pub fn parse_day(raw: &str) -> Result<Date, ValidationError> {
    let well_formed = raw.len() == 10
        && raw.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !well_formed {
        return Err(ValidationError::new("date", "must be a day as YYYY-MM-DD"));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw, &format)
        .map_err(|_| ValidationError::new("date", format!("{raw} is not a day of the calendar")))
}

/// The object keys of a day's report in the reports bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportKeys {
    /// Every figure, as JSON.
    pub json: String,
    /// One row per page, as CSV.
    pub csv: String,
    /// The page a person reads, with its charts.
    pub html: String,
}

impl ReportKeys {
    /// Where `day`'s report lives: `reports/YYYY-MM-DD/report.{json,csv,html}`.
    pub fn of(day: Date) -> Self {
        let dir = format!("reports/{day}");
        Self {
            json: format!("{dir}/report.json"),
            csv: format!("{dir}/report.csv"),
            html: format!("{dir}/report.html"),
        }
    }
}

/// One run of the report job: its name (the state machine's execution
/// name), which also names its working files. `[A-Za-z0-9_-]{1,80}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunId(String);

impl RunId {
    /// The run named `raw`, if it is a name this job can use in a key.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok = !raw.is_empty()
            && raw.len() <= 80
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(ValidationError::new(
                "run",
                "must be 1-80 characters of A-Z, a-z, 0-9, '-' and '_'",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a day's report failed, as its record keeps it and the API shows it:
/// a stable code and a sentence, never the internal cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// A stable code: `unreadable_activity`, `storage_unavailable`, ...
    pub code: String,
    /// What happened and what to do, for a person.
    pub message: String,
}

/// Where a day's report is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportStatus {
    /// A run is working on it, leased until the time given.
    Running {
        /// When another run may take over if this one stops renewing.
        lease_until: OffsetDateTime,
    },
    /// Written: its files are in the reports bucket.
    Ready,
    /// The last run failed.
    Failed(Failure),
}

/// A day's report, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayReport {
    /// The day it covers.
    pub date: Date,
    /// Where it is.
    pub status: ReportStatus,
    /// The run that last took it.
    pub run: RunId,
    /// The figures of the last run that finished it (kept while a rerun
    /// works, and after a rerun fails).
    pub figures: Option<Figures>,
}

/// Where the newest report is. One record, moved by each run that
/// finishes a day later than (or the same as) the one it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPointer {
    /// The day the report covers.
    pub date: Date,
    /// Its HTML page's key in the reports bucket, `reports/YYYY-MM-DD/report.html`.
    pub key: String,
    /// When the report was written.
    pub generated_at: OffsetDateTime,
}

/// A day's report and a link to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportView {
    /// The report's record.
    pub report: DayReport,
    /// A short-lived GET URL of its HTML page, when it is ready.
    pub url: Option<String>,
}

/// The latest report and a link to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestReport {
    /// Which report it is.
    pub pointer: ReportPointer,
    /// A short-lived GET URL for the report itself.
    pub url: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn days_parse_strictly() {
        assert_eq!(parse_day("2026-12-01").unwrap(), date!(2026 - 12 - 01));
        for bad in [
            "",
            "2026-1-01",
            "2026/12/01",
            "20261201",
            "2026-12-01T00",
            "yesterday",
        ] {
            let e = parse_day(bad).unwrap_err();
            assert_eq!(e.message, "must be a day as YYYY-MM-DD", "{bad}");
        }
        for impossible in ["2026-02-30", "2026-13-01", "2026-00-10", "2025-02-29"] {
            let e = parse_day(impossible).unwrap_err();
            assert!(
                e.message.contains("is not a day of the calendar"),
                "{impossible}"
            );
        }
    }

    #[test]
    fn run_ids_are_safe_in_keys() {
        assert!(RunId::parse("a1b2-c3_d4").is_ok());
        for bad in ["", "../x", "a b", &"x".repeat(81), "é"] {
            assert!(RunId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_day_has_three_keys() {
        let k = ReportKeys::of(date!(2026 - 12 - 01));
        assert_eq!(k.html, "reports/2026-12-01/report.html");
        assert_eq!(k.csv, "reports/2026-12-01/report.csv");
        assert_eq!(k.json, "reports/2026-12-01/report.json");
    }
}
