//! [`DayActivityLog`]: a day's activity, read back a page at a time with a
//! Query of the day's partition (never a Scan), for the daily report.

use async_trait::async_trait;
use rightnow_domain::activity::{ActivityCursor, ActivityError, ActivityPage};
use rightnow_domain::ports::DayActivityLog;
use time::Date;

use super::items::DayItem;
use super::{AppTable, key, port_err, s};

#[async_trait]
impl DayActivityLog for AppTable {
    async fn read(
        &self,
        day: Date,
        after: Option<&ActivityCursor>,
        limit: u16,
    ) -> Result<ActivityPage, ActivityError> {
        let pk = DayItem::pk(day);
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(pk.clone()))
            .set_exclusive_start_key(after.map(|c| key(pk, c.as_str())))
            .limit(i32::from(limit.max(1)))
            .send()
            .await
            .map_err(port_err)?;
        let records = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(DayItem::into_domain)
            .collect::<Result<_, _>>()?;
        // The cursor is the last sort key read; the day is in the key
        // condition, so a cursor cannot lead into another day.
        let next = out
            .last_evaluated_key
            .and_then(|k| k.get("sk")?.as_s().ok().cloned())
            .and_then(|sk| ActivityCursor::parse(&sk));
        Ok(ActivityPage { records, next })
    }
}
