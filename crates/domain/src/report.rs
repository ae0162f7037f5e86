//! Daily reports: batch-report writes them to the reports bucket and moves a
//! pointer to the latest; site-api reads the pointer.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Where the newest report is. One item, overwritten by each run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportPointer {
    /// The day the report covers.
    #[serde(with = "iso_date")]
    pub date: Date,
    /// Its object key in the reports bucket, `reports/YYYY-MM-DD/...`.
    pub key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
}

/// What `GET /api/reports/latest` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LatestReport {
    #[serde(flatten)]
    pub pointer: ReportPointer,
    /// A short-lived GET URL for the report itself.
    pub url: String,
}
