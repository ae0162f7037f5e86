use std::sync::Arc;
use std::time::Duration;

use time::Date;

use crate::ports::{DownloadUrls, ReportIndex};
use crate::report::{DayReport, ReportStatus, ReportView};
use crate::{DomainError, Resource};

/// Reports: the latest, and any day's, with a link to read a ready one.
pub struct Reports {
    index: Arc<dyn ReportIndex>,
    downloads: Arc<dyn DownloadUrls>,
}

impl Reports {
    /// How long a report's download URL stays valid.
    pub const URL_TTL: Duration = Duration::from_secs(15 * 60);

    /// Reports found through `index`, downloaded through `downloads`.
    pub fn new(index: Arc<dyn ReportIndex>, downloads: Arc<dyn DownloadUrls>) -> Self {
        Self { index, downloads }
    }

    /// The latest report and a download URL; not found before the first.
    pub async fn latest(&self) -> Result<ReportView, DomainError> {
        let pointer = self
            .index
            .latest()
            .await?
            .ok_or(DomainError::NotFound(Resource::Report))?;
        self.day(pointer.date).await
    }

    /// `day`'s report, running, ready (with a download URL) or failed (with
    /// why); not found for a day no run took.
    pub async fn day(&self, day: Date) -> Result<ReportView, DomainError> {
        let report = self
            .index
            .report(day)
            .await?
            .ok_or(DomainError::NotFound(Resource::Report))?;
        let url = match report.status {
            ReportStatus::Ready => Some(self.link(&report).await?),
            _ => None,
        };
        Ok(ReportView { report, url })
    }

    async fn link(&self, report: &DayReport) -> Result<String, DomainError> {
        let key = crate::report::ReportKeys::of(report.date).html;
        Ok(self.downloads.presign_get(&key, Self::URL_TTL).await?)
    }
}
