//! [`VideoStore`]: a video's record, created once and moved from status to
//! status by conditional writes; [`HashBlocklist`]: known-bad digests.

use async_trait::async_trait;
use std::collections::BTreeMap;

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{Put, ReturnValue, TransactWriteItem, Update};
use rightnow_domain::activity::utc_hour;
use rightnow_domain::ports::{Claim, HashBlocklist, PortError, PortResult, VideoStore, VideoWrite};
use rightnow_domain::video::{Verdict, Video, VideoId, VideoStatus};
use time::OffsetDateTime;

use super::items::{
    BlockedHashItem, DayItem, FoundItem, ReasonItem, VideoItem, from_item, to_item,
};
use super::{AppTable, first_condition_failed, n, port_err, s};

#[async_trait]
impl VideoStore for AppTable {
    async fn create(&self, video: &Video) -> PortResult<VideoWrite> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&VideoItem::from_domain(video))?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(PortError::new)?;
        let at = video.created_at;
        let registered = self.day_counters(
            DayItem::videos_key(at.date()),
            &[
                (DayItem::REGISTERED.to_owned(), 1),
                (DayItem::hourly(DayItem::REGISTERED, utc_hour(at)), 1),
            ],
        );
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(registered).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(VideoWrite::Stored),
            // "No record of this id": a keyed registration sent again.
            Err(e) if first_condition_failed(&e) => Ok(VideoWrite::AlreadyStored),
            Err(e) => Err(port_err(e)),
        }
    }

    async fn get(&self, id: VideoId) -> PortResult<Option<Video>> {
        self.read_video(id, false).await
    }

    async fn claim(
        &self,
        id: VideoId,
        etag: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> PortResult<Claim> {
        let processing = VideoStatus::Processing;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(VideoItem::key(id)))
            .update_expression("SET #s = :processing, #g = :partition, #e = :etag, #l = :until")
            .condition_expression(
                "#s = :awaiting OR (#s = :processing AND (attribute_not_exists(#l) OR #l < :now))",
            )
            .expression_attribute_names("#s", VideoItem::STATUS)
            .expression_attribute_names("#g", VideoItem::GSI1PK)
            .expression_attribute_names("#e", VideoItem::UPLOAD_ETAG)
            .expression_attribute_names("#l", VideoItem::LEASE_UNTIL)
            .expression_attribute_values(":awaiting", s(VideoStatus::AwaitingUpload.as_str()))
            .expression_attribute_values(":processing", s(processing.as_str()))
            .expression_attribute_values(":partition", s(VideoItem::status_partition(processing)))
            .expression_attribute_values(":etag", s(etag))
            .expression_attribute_values(":until", n(lease_until.unix_timestamp()))
            .expression_attribute_values(":now", n(now.unix_timestamp()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => {
                let item = out.attributes.unwrap_or_default();
                Ok(Claim::Claimed(
                    from_item::<VideoItem>("video", item)?.into_domain()?,
                ))
            }
            Err(e) => match e.as_service_error() {
                // Why it failed is in the record: read it, strongly
                // consistent, as the condition saw it.
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => {
                    Ok(match self.read_video(id, true).await? {
                        None => Claim::Missing,
                        Some(v) if v.status == processing => Claim::Held(v),
                        Some(v) => Claim::Settled(v),
                    })
                }
                _ => Err(port_err(e)),
            },
        }
    }

    async fn settle(
        &self,
        id: VideoId,
        etag: &str,
        verdict: &Verdict,
        at: OffsetDateTime,
    ) -> PortResult<bool> {
        let reasons: Vec<ReasonItem> = verdict
            .reasons
            .iter()
            .map(ReasonItem::from_domain)
            .collect();
        let found = FoundItem::from_domain(&verdict.found);
        let on_video = Update::builder()
            .table_name(&self.table)
            .set_key(Some(VideoItem::key(id)))
            .update_expression(
                "SET #s = :to, #g = :partition, #r = :reasons, #f = :found REMOVE #l",
            )
            .condition_expression("#s = :processing AND #e = :etag")
            .expression_attribute_names("#s", VideoItem::STATUS)
            .expression_attribute_names("#g", VideoItem::GSI1PK)
            .expression_attribute_names("#r", VideoItem::REASONS)
            .expression_attribute_names("#f", VideoItem::FOUND)
            .expression_attribute_names("#e", VideoItem::UPLOAD_ETAG)
            .expression_attribute_names("#l", VideoItem::LEASE_UNTIL)
            .expression_attribute_values(":to", s(verdict.status.as_str()))
            .expression_attribute_values(
                ":partition",
                s(VideoItem::status_partition(verdict.status)),
            )
            .expression_attribute_values(":processing", s(VideoStatus::Processing.as_str()))
            .expression_attribute_values(":etag", s(etag))
            .expression_attribute_values(
                ":reasons",
                serde_dynamo::to_attribute_value(reasons).map_err(PortError::new)?,
            )
            .expression_attribute_values(
                ":found",
                serde_dynamo::to_attribute_value(found).map_err(PortError::new)?,
            )
            .build()
            .map_err(PortError::new)?;
        let on_day = self.day_counters(DayItem::videos_key(at.date()), &verdict_counters(verdict));
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(on_video).build())
            .transact_items(TransactWriteItem::builder().update(on_day).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            // The first action's condition is "still processing this upload".
            Err(e) if first_condition_failed(&e) => Ok(false),
            Err(e) => Err(port_err(e)),
        }
    }
}

/// What a verdict adds to its day: one approval or rejection, and one for
/// each distinct reason.
fn verdict_counters(verdict: &Verdict) -> Vec<(String, u64)> {
    let outcome = match verdict.status {
        VideoStatus::Approved => DayItem::APPROVED,
        _ => DayItem::REJECTED,
    };
    let mut reasons = BTreeMap::new();
    for r in &verdict.reasons {
        *reasons.entry(DayItem::reason(&r.code)).or_insert(0) += 1;
    }
    std::iter::once((outcome.to_owned(), 1))
        .chain(reasons)
        .collect()
}

impl AppTable {
    async fn read_video(&self, id: VideoId, consistent: bool) -> PortResult<Option<Video>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(VideoItem::key(id)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(port_err)?;
        out.item
            .map(|item| from_item::<VideoItem>("video", item)?.into_domain())
            .transpose()
    }
}

#[async_trait]
impl HashBlocklist for AppTable {
    async fn is_blocked(&self, sha256: &str) -> PortResult<bool> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(BlockedHashItem::key(sha256)))
            .projection_expression("pk")
            .send()
            .await
            .map_err(port_err)?;
        Ok(out.item.is_some())
    }
}
