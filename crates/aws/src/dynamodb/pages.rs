//! [`ViewCounter`]: a page's total and its day's activity, counted together.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use rightnow_domain::page::Slug;
use rightnow_domain::ports::{PortResult, ViewCounter};
use time::OffsetDateTime;

use super::items::{DayItem, PageItem, from_item};
use super::{AppTable, port_err};

impl AppTable {
    /// The page's counters, `None` for a page never viewed.
    pub(super) async fn page(&self, page: &Slug, consistent: bool) -> PortResult<Option<PageItem>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(PageItem::key(page)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(port_err)?;
        out.item.map(|item| from_item("page", item)).transpose()
    }
}

#[async_trait]
impl ViewCounter for AppTable {
    async fn views(&self, page: &Slug) -> PortResult<Option<u64>> {
        Ok(self.page(page, false).await?.map(|p| p.views))
    }

    async fn record_view(&self, page: &Slug, at: OffsetDateTime) -> PortResult<u64> {
        let on_page = Update::builder()
            .table_name(&self.table)
            .set_key(Some(PageItem::key(page)))
            .update_expression("ADD #v :one")
            .expression_attribute_names("#v", PageItem::VIEWS)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .build()
            .map_err(port_err)?;
        let on_day = self.page_day_update(page, at, DayItem::VIEWS);
        // Both or neither: two independent updates could count the total
        // and fail on the day, and the caller's retry would count twice.
        // (The SDK gives the transaction an idempotency token, so its own
        // retries of this call cannot count twice either.)
        self.client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(on_page).build())
            .transact_items(TransactWriteItem::builder().update(on_day).build())
            .send()
            .await
            .map_err(port_err)?;
        // A transaction returns no values: read the total it made.
        let total = self.page(page, true).await?.map_or(0, |p| p.views);
        Ok(total)
    }
}
