//! [`VideoStore`]: a video's record, created once and moved from status to
//! status by conditional writes.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use rightnow_domain::ports::{PortResult, VideoStore};
use rightnow_domain::video::{Video, VideoId, VideoStatus};

use super::items::{VideoItem, from_item, to_item};
use super::{AppTable, port_err, s};

#[async_trait]
impl VideoStore for AppTable {
    async fn create(&self, video: &Video) -> PortResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&VideoItem::from_domain(video))?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(port_err)?;
        Ok(())
    }

    async fn get(&self, id: VideoId) -> PortResult<Option<Video>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(VideoItem::key(id)))
            .send()
            .await
            .map_err(port_err)?;
        out.item
            .map(|item| from_item::<VideoItem>("video", item)?.into_domain())
            .transpose()
    }

    async fn transition(
        &self,
        id: VideoId,
        from: VideoStatus,
        to: VideoStatus,
        reasons: &[String],
    ) -> PortResult<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(VideoItem::key(id)))
            .update_expression("SET #s = :to, #r = :reasons, #g = :partition")
            .condition_expression("#s = :from")
            .expression_attribute_names("#s", VideoItem::STATUS)
            .expression_attribute_names("#r", VideoItem::REASONS)
            .expression_attribute_names("#g", VideoItem::GSI1PK)
            .expression_attribute_values(":from", s(from.as_str()))
            .expression_attribute_values(":to", s(to.as_str()))
            .expression_attribute_values(
                ":reasons",
                AttributeValue::L(reasons.iter().map(|r| s(r.as_str())).collect()),
            )
            .expression_attribute_values(":partition", s(VideoItem::status_partition(to)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(false),
                _ => Err(port_err(e)),
            },
        }
    }
}
