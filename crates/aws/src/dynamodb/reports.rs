//! [`ReportIndex`] and [`ReportRuns`]: each day's report record (its lease
//! and outcome) and the pointer to the newest, each change a conditional
//! write on one item.

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use rightnow_domain::ports::{Begin, PortError, PortResult, ReportIndex, ReportRuns};
use rightnow_domain::report::{DayReport, Failure, Figures, ReportPointer, RunId};
use time::{Date, OffsetDateTime};

use super::items::{FailureItem, FiguresItem, ReportItem, ReportPointerItem, from_item, to_item};
use super::{AppTable, n, port_err, s};

/// `Ok(true)` if the update was made, `Ok(false)` if its condition failed.
fn conditional<T, R>(result: Result<T, SdkError<UpdateItemError, R>>) -> PortResult<bool>
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(e) => match e.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(false),
            _ => Err(port_err(e)),
        },
    }
}

impl AppTable {
    /// An UpdateItem of `day`'s report with the names every change uses.
    fn report_update(&self, day: Date, run: &RunId) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(ReportItem::key(day)))
            .expression_attribute_names("#s", ReportItem::STATUS)
            .expression_attribute_names("#r", ReportItem::RUN)
            .expression_attribute_names("#l", ReportItem::LEASE_UNTIL)
            .expression_attribute_values(":run", s(run.as_str()))
            .expression_attribute_values(":running", s(ReportItem::RUNNING))
    }

    async fn read_report(&self, day: Date, consistent: bool) -> PortResult<Option<DayReport>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(ReportItem::key(day)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(port_err)?;
        out.item
            .map(|item| from_item::<ReportItem>("report", item)?.into_domain())
            .transpose()
    }
}

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

    async fn report(&self, day: Date) -> PortResult<Option<DayReport>> {
        self.read_report(day, false).await
    }
}

#[async_trait]
impl ReportRuns for AppTable {
    async fn begin(
        &self,
        day: Date,
        run: &RunId,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> PortResult<Begin> {
        let result = self
            .report_update(day, run)
            .update_expression("SET #s = :running, #r = :run, #l = :until, #d = :date REMOVE #f")
            .condition_expression(
                "attribute_not_exists(pk) OR #s <> :running OR #l < :now OR #r = :run",
            )
            .expression_attribute_names("#d", ReportItem::DATE)
            .expression_attribute_names("#f", ReportItem::FAILURE)
            .expression_attribute_values(":until", n(lease_until.unix_timestamp()))
            .expression_attribute_values(":now", n(now.unix_timestamp()))
            .expression_attribute_values(":date", s(day.to_string()))
            .send()
            .await;
        if conditional(result)? {
            return Ok(Begin::Started);
        }
        // Held: the holder is in the record, read as the condition saw it.
        let holder = self
            .read_report(day, true)
            .await?
            .map(|r| r.run)
            .ok_or_else(|| PortError::new("report record vanished while held"))?;
        Ok(Begin::Running { holder })
    }

    async fn renew(&self, day: Date, run: &RunId, lease_until: OffsetDateTime) -> PortResult<bool> {
        let result = self
            .report_update(day, run)
            .update_expression("SET #l = :until")
            .condition_expression("#s = :running AND #r = :run")
            .expression_attribute_values(":until", n(lease_until.unix_timestamp()))
            .send()
            .await;
        conditional(result)
    }

    async fn complete(&self, day: Date, run: &RunId, figures: &Figures) -> PortResult<bool> {
        let figures = serde_dynamo::to_attribute_value(FiguresItem::from_domain(figures))
            .map_err(PortError::new)?;
        let result = self
            .report_update(day, run)
            .update_expression("SET #s = :ready, #fig = :figures REMOVE #l")
            .condition_expression("#r = :run AND (#s = :running OR #s = :ready)")
            .expression_attribute_names("#fig", ReportItem::FIGURES)
            .expression_attribute_values(":ready", s(ReportItem::READY))
            .expression_attribute_values(":figures", figures)
            .send()
            .await;
        conditional(result)
    }

    async fn fail(&self, day: Date, run: &RunId, failure: &Failure) -> PortResult<bool> {
        let failure = serde_dynamo::to_attribute_value(FailureItem::from_domain(failure))
            .map_err(PortError::new)?;
        let result = self
            .report_update(day, run)
            .update_expression("SET #s = :failed, #f = :failure REMOVE #l")
            .condition_expression("#s = :running AND #r = :run")
            .expression_attribute_names("#f", ReportItem::FAILURE)
            .expression_attribute_values(":failed", s(ReportItem::FAILED))
            .expression_attribute_values(":failure", failure)
            .send()
            .await;
        conditional(result)
    }

    async fn point_latest(&self, pointer: &ReportPointer) -> PortResult<bool> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&ReportPointerItem::from_domain(pointer))?))
            // ISO dates order as text.
            .condition_expression("attribute_not_exists(pk) OR #d <= :date")
            .expression_attribute_names("#d", ReportItem::DATE)
            .expression_attribute_values(":date", s(pointer.date.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Ok(false),
                _ => Err(port_err(e)),
            },
        }
    }
}
