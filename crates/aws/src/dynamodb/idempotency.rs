//! [`IdempotencyStore`]: one item per idempotent write (`IDEMPOTENCY#<route
//! and key>`), made with a conditional Put, taken again by a retry with a
//! conditional Update that keeps its write id, completed or let go on
//! condition that it is still pending.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValue;
use rightnow_domain::idempotency::{Answer, Begun, Fingerprint, WriteId};
use rightnow_domain::ports::{IdempotencyStore, PortResult};
use time::OffsetDateTime;

use super::items::{EXPIRES_AT, IdempotencyItem, from_item, to_item};
use super::{AppTable, n, port_err, s};

/// How long a pending record outlives its first lock: the retries of its
/// write find it (and its write id) until then, and TTL removes it if the
/// write never finished.
const PENDING_RECORD_DAYS: i64 = 1;

#[async_trait]
impl IdempotencyStore for AppTable {
    async fn take(
        &self,
        record: &str,
        fingerprint: &Fingerprint,
        now: OffsetDateTime,
        lock_until: OffsetDateTime,
        fresh: WriteId,
    ) -> PortResult<Begun> {
        // A new key (or an expired record, which TTL removes late).
        let item = IdempotencyItem::held(
            record,
            fingerprint,
            fresh,
            lock_until,
            lock_until + time::Duration::days(PENDING_RECORD_DAYS),
        );
        let created = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .condition_expression("attribute_not_exists(pk) OR #exp < :now")
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":now", n(now.unix_timestamp()))
            .send()
            .await;
        match created {
            Ok(_) => return Ok(Begun::Run(fresh)),
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => {}
                _ => return Err(port_err(e)),
            },
        }
        // This payload's pending record, let go or with a lapsed lock: taken
        // again, as the same write.
        let resumed = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(IdempotencyItem::key(record)))
            .update_expression("SET #lock = :lock")
            .condition_expression(
                "#state = :pending AND #fp = :fp AND #exp >= :now \
                 AND (attribute_not_exists(#lock) OR #lock < :now)",
            )
            .expression_attribute_names("#state", IdempotencyItem::STATE)
            .expression_attribute_names("#fp", IdempotencyItem::FINGERPRINT)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_names("#lock", IdempotencyItem::LOCKED_UNTIL)
            .expression_attribute_values(":pending", s(IdempotencyItem::PENDING))
            .expression_attribute_values(":fp", s(fingerprint.0.clone()))
            .expression_attribute_values(":now", n(now.unix_timestamp()))
            .expression_attribute_values(":lock", n(lock_until.unix_timestamp()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match resumed {
            Ok(out) => {
                let item = out.attributes.unwrap_or_default();
                let item: IdempotencyItem = from_item("idempotency record", item)?;
                return Ok(Begun::Run(item.write_id()?));
            }
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => {}
                _ => return Err(port_err(e)),
            },
        }
        // It stands in the way: what it says decides the answer.
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
            // Expired and removed between the calls: the retry takes it.
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
            .condition_expression("#state = :pending AND #fp = :fp")
            .expression_attribute_names("#state", IdempotencyItem::STATE)
            .expression_attribute_names("#status", IdempotencyItem::STATUS)
            .expression_attribute_names("#body", IdempotencyItem::BODY)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_names("#lock", IdempotencyItem::LOCKED_UNTIL)
            .expression_attribute_names("#fp", IdempotencyItem::FINGERPRINT)
            .expression_attribute_values(":done", s(IdempotencyItem::DONE))
            .expression_attribute_values(":pending", s(IdempotencyItem::PENDING))
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
            .update_item()
            .table_name(&self.table)
            .set_key(Some(IdempotencyItem::key(record)))
            .update_expression("REMOVE #lock")
            .condition_expression("#state = :pending")
            .expression_attribute_names("#state", IdempotencyItem::STATE)
            .expression_attribute_names("#lock", IdempotencyItem::LOCKED_UNTIL)
            .expression_attribute_values(":pending", s(IdempotencyItem::PENDING))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(()),
                _ => Err(port_err(e)),
            },
        }
    }
}
