//! [`CommentStore`]: comments stored with their counts in one transaction,
//! listed newest first.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use rightnow_domain::comment::{Comment, CommentId, CommentPage, Cursor};
use rightnow_domain::page::Slug;
use rightnow_domain::ports::{CommentStore, CommentWrite, PortError, PortResult};

use super::items::{CommentItem, DayItem, PageItem, from_item, to_item};
use super::{AppTable, condition_failed, first_condition_failed, port_err, s};

#[async_trait]
impl CommentStore for AppTable {
    async fn add(&self, comment: &Comment) -> PortResult<CommentWrite> {
        let count_on_page = Update::builder()
            .table_name(&self.table)
            .set_key(Some(PageItem::key(&comment.page)))
            .update_expression("ADD #c :one")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#c", PageItem::COMMENTS)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .build()
            .map_err(PortError::new)?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&CommentItem::from_domain(comment))?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(PortError::new)?;
        let count_on_day =
            self.page_day_update(&comment.page, comment.created_at, DayItem::COMMENTS);
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(count_on_page).build())
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(count_on_day).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(CommentWrite::Stored),
            // The first action's condition is "the page exists".
            Err(e) if first_condition_failed(&e) => Ok(CommentWrite::UnknownPage),
            // The second's is "no comment of this id": a keyed write again.
            Err(e) if condition_failed(&e, 1) => Ok(CommentWrite::AlreadyStored),
            Err(e) => Err(port_err(e)),
        }
    }

    async fn list(
        &self,
        page: &Slug,
        limit: u16,
        before: Option<CommentId>,
    ) -> PortResult<Option<CommentPage>> {
        // One more than asked, to know whether another page follows.
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(CommentItem::page_pk(page)))
            .expression_attribute_values(":prefix", s(CommentItem::SK_PREFIX))
            .scan_index_forward(false)
            .limit(i32::from(limit) + 1)
            .set_exclusive_start_key(before.map(|id| CommentItem::key(page, id)))
            .send();
        let (known, out) = tokio::join!(self.page_exists(page), query);
        if !known? {
            return Ok(None);
        }
        let items = out.map_err(port_err)?.items.unwrap_or_default();
        let more = items.len() > usize::from(limit);
        let comments = items
            .into_iter()
            .take(limit.into())
            .map(|item| from_item::<CommentItem>("comment", item)?.into_domain())
            .collect::<PortResult<Vec<_>>>()?;
        let next = match (more, comments.last()) {
            (true, Some(last)) => Some(Cursor(last.id)),
            _ => None,
        };
        Ok(Some(CommentPage { comments, next }))
    }
}

impl AppTable {
    async fn page_exists(&self, page: &Slug) -> PortResult<bool> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(PageItem::key(page)))
            .projection_expression("pk")
            .send()
            .await
            .map_err(port_err)?;
        Ok(out.item.is_some())
    }
}
