//! [`RateLimiter`]: the counts of every rate limit (a client's writes, a
//! chat session's messages), one item per key and window, all of one
//! admission changed in one transaction.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use rightnow_domain::limits::{Admission, Limit, Window};
use rightnow_domain::ports::{PortResult, RateLimiter};

use super::items::{EXPIRES_AT, LimitItem};
use super::{AppTable, port_err};

#[async_trait]
impl RateLimiter for AppTable {
    async fn admit(&self, limits: &[Limit], window: &Window) -> PortResult<Admission> {
        let expires = (window.end() + window.length).unix_timestamp();
        let mut tx = self.client.transact_write_items();
        for limit in limits {
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(LimitItem::key(&limit.key, window.start)))
                .update_expression("ADD #n :one SET #exp = :exp")
                .condition_expression("attribute_not_exists(#n) OR #n < :max")
                .expression_attribute_names("#n", LimitItem::USES)
                .expression_attribute_names("#exp", EXPIRES_AT)
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":max", AttributeValue::N(limit.max.to_string()))
                .expression_attribute_values(":exp", AttributeValue::N(expires.to_string()))
                .build()
                .map_err(port_err)?;
            tx = tx.transact_items(TransactWriteItem::builder().update(update).build());
        }
        match tx.send().await {
            Ok(_) => Ok(Admission::Admitted),
            Err(e) => match refused(&e) {
                Some(at) => Ok(Admission::Refused(at)),
                None => Err(port_err(e)),
            },
        }
    }
}

/// Which action's condition cancelled a transaction, if one did.
fn refused<R>(
    e: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        R,
    >,
) -> Option<usize> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(tc)) => tc
            .cancellation_reasons()
            .iter()
            .position(|r| r.code() == Some("ConditionalCheckFailed")),
        _ => None,
    }
}
