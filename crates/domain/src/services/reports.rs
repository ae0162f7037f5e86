use std::sync::Arc;
use std::time::Duration;

use crate::ports::{DownloadUrls, ReportIndex};
use crate::report::LatestReport;
use crate::{DomainError, Resource};

/// Reports: where the latest one is.
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
    pub async fn latest(&self) -> Result<LatestReport, DomainError> {
        let pointer = self
            .index
            .latest()
            .await?
            .ok_or(DomainError::NotFound(Resource::Report))?;
        let url = self
            .downloads
            .presign_get(&pointer.key, Self::URL_TTL)
            .await?;
        Ok(LatestReport { pointer, url })
    }
}
