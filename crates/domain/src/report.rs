//! Daily reports: batch-report writes them to the reports bucket and moves a
//! pointer to the latest; site-api reads the pointer.

use time::{Date, OffsetDateTime};

/// Where the newest report is. One record, overwritten by each run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPointer {
    /// The day the report covers.
    pub date: Date,
    /// Its object key in the reports bucket, `reports/YYYY-MM-DD/...`.
    pub key: String,
    /// When the report was written.
    pub generated_at: OffsetDateTime,
}

/// The latest report and a link to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestReport {
    /// Which report it is.
    pub pointer: ReportPointer,
    /// A short-lived GET URL for the report itself.
    pub url: String,
}
