//! [`IdempotencyStore`]: one item per idempotent write (`IDEMPOTENCY#<route
//! and key>`), taken with a conditional Put, completed or let go on
//! condition that it is still held.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use rightnow_domain::idempotency::{Answer, Begun, Fingerprint};
use rightnow_domain::ports::{IdempotencyStore, PortResult};
use time::OffsetDateTime;

use super::items::{EXPIRES_AT, IdempotencyItem, from_item, to_item};
use super::{AppTable, n, port_err, s};

/// How long a held record outlives its lock before TTL removes it, if its
/// request never finished nor let it go (a crash).
const HELD_RECORD_DAYS: i64 = 1;

#[async_trait]
impl IdempotencyStore for AppTable {
    async fn take(
        &self,
        record: &str,
        fingerprint: &Fingerprint,
        now: OffsetDateTime,
        lock_until: OffsetDateTime,
    ) -> PortResult<Begun> {
        let item = IdempotencyItem::held(
            record,
            fingerprint,
            lock_until,
            lock_until + time::Duration::days(HELD_RECORD_DAYS),
        );
        // Free, expired (TTL lags), or held by a request whose lock lapsed.
        let taken = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .condition_expression(
                "attribute_not_exists(pk) OR #exp < :now OR (#state = :held AND #lock < :now)",
            )
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_names("#state", IdempotencyItem::STATE)
            .expression_attribute_names("#lock", IdempotencyItem::LOCKED_UNTIL)
            .expression_attribute_values(":now", n(now.unix_timestamp()))
            .expression_attribute_values(":held", s(IdempotencyItem::HELD))
            .send()
            .await;
        match taken {
            Ok(_) => return Ok(Begun::Run),
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => {}
                _ => return Err(port_err(e)),
            },
        }
        // Someone has it: what it says decides the answer.
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(IdempotencyItem::key(record)))
            .consistent_read(true)
            .send()
            .await
            .map_err(port_err)?;
        let Some(found) = found.item else {
            // Let go between the two calls: the caller's retry takes it.
            return Ok(Begun::InProgress);
        };
        let found: IdempotencyItem = from_item("idempotency record", found)?;
        Ok(found.outcome_for(fingerprint))
    }

    async fn keep(
        &self,
        record: &str,
        fingerprint: &Fingerprint,
        answer: &Answer,
        expires: OffsetDateTime,
    ) -> PortResult<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(IdempotencyItem::key(record)))
            .update_expression(
                "SET #state = :done, #status = :status, #body = :body, #exp = :exp REMOVE #lock",
            )
            .condition_expression("#state = :held AND #fp = :fp")
            .expression_attribute_names("#state", IdempotencyItem::STATE)
            .expression_attribute_names("#status", IdempotencyItem::STATUS)
            .expression_attribute_names("#body", IdempotencyItem::BODY)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_names("#lock", IdempotencyItem::LOCKED_UNTIL)
            .expression_attribute_names("#fp", IdempotencyItem::FINGERPRINT)
            .expression_attribute_values(":done", s(IdempotencyItem::DONE))
            .expression_attribute_values(":held", s(IdempotencyItem::HELD))
            .expression_attribute_values(":status", n(i64::from(answer.status)))
            .expression_attribute_values(":body", s(answer.body.clone()))
            .expression_attribute_values(":exp", n(expires.unix_timestamp()))
            .expression_attribute_values(":fp", s(fingerprint.0.clone()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // The lock lapsed and another request took the key: its answer
            // will be the one kept.
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(()),
                _ => Err(port_err(e)),
            },
        }
    }

    async fn release(&self, record: &str) -> PortResult<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(IdempotencyItem::key(record)))
            .condition_expression("#state = :held")
            .expression_attribute_names("#state", IdempotencyItem::STATE)
            .expression_attribute_values(":held", s(IdempotencyItem::HELD))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(DeleteItemError::ConditionalCheckFailedException(_)) => Ok(()),
                _ => Err(port_err(e)),
            },
        }
    }
}
