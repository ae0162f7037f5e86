//! [`ReportIndex`]: the pointer to the newest report.

use async_trait::async_trait;
use rightnow_domain::ports::{PortResult, ReportIndex};
use rightnow_domain::report::ReportPointer;

use super::items::{ReportPointerItem, from_item, to_item};
use super::{AppTable, port_err};

#[async_trait]
impl ReportIndex for AppTable {
    async fn latest(&self) -> PortResult<Option<ReportPointer>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(ReportPointerItem::key()))
            .send()
            .await
            .map_err(port_err)?;
        out.item
            .map(|item| Ok(from_item::<ReportPointerItem>("report", item)?.into_domain()))
            .transpose()
    }
}

impl AppTable {
    /// Points `REPORT/LATEST` at a report. batch-report's write; here so the
    /// item's shape is defined once, beside its reader.
    pub async fn set_latest_report(&self, pointer: &ReportPointer) -> PortResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&ReportPointerItem::from_domain(pointer))?))
            .send()
            .await
            .map_err(port_err)?;
        Ok(())
    }
}
