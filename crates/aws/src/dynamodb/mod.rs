//! The app table (`TABLE_NAME`): one DynamoDB table for everything, keyed by
//! `pk`/`sk`, one GSI (`gsi1pk`/`gsi1sk`), TTL on `expiresAt`. What each
//! item holds is defined once, in [`items`]; each port's access patterns
//! are in a module of their own.
//!
//! | item                | pk               | sk                | gsi1pk / gsi1sk          |
//! |---------------------|------------------|-------------------|--------------------------|
//! | page (counters)     | `PAGE#<slug>`    | `PAGE`            |                          |
//! | comment             | `PAGE#<slug>`    | `COMMENT#<ulid>`  |                          |
//! | day's page activity | `DAY#<date>`     | `PAGE#<slug>`     |                          |
//! | day's videos, chat  | `DAY#<date>`     | `VIDEOS`, `CHAT`  |                          |
//! | unanswered question | `DAY#<date>`     | `UNANSWERED#<q>`  |                          |
//! | video               | `VIDEO#<id>`     | `VIDEO`           | `VIDEOS#<status>` / time |
//! | chat session        | `SESSION#<id>`   | `SESSION`         |                          |
//! | rate limit use      | `LIMIT#<key>`    | `<window start>`  |                          |
//! | idempotent write    | `IDEMPOTENCY#<route>#<key>` | `RECORD` |                      |
//! | known-bad file      | `BLOCKED#<sha256>` | `HASH`          |                          |
//! | a day's report      | `REPORT#<date>`  | `REPORT`          |                          |
//! | latest report       | `REPORT`         | `LATEST`          |                          |
//!
//! Access patterns, none a Scan; each write all-or-nothing:
//! - page views ([`pages`]): GetItem page. Record a view: one transaction
//!   of two updates, `ADD views 1` on the page and `ADD views 1, viewsAtHH
//!   1` on the day's activity, then a strongly consistent GetItem of the
//!   page for the new total (a transaction returns no values). 2 items × 2
//!   WCU + 1 RCU.
//! - post a comment ([`comments`]): one transaction: Update page `ADD
//!   comments 1` on condition that the page exists, Put comment on
//!   condition its key is new, Update the day's activity `ADD comments 1,
//!   commentsAtHH 1`. 3 items × 2 WCU.
//! - list comments: Query `pk = PAGE#<slug>`, `begins_with(sk, COMMENT#)`,
//!   descending (ULIDs sort by time), resumed after the cursor's key, beside
//!   a GetItem of the page (is it known?), both at once.
//! - video ([`videos`]): one transaction of a conditional Put (never
//!   overwrite) and `ADD registered 1, registeredAtHH 1` on the day's
//!   videos; GetItem. A claim is one UpdateItem on condition that the video
//!   awaits its upload or its lease expired (on failure, a consistent
//!   GetItem says why), 1 WCU; a verdict one transaction of an UpdateItem
//!   on condition that it is still `processing` the same upload and `ADD
//!   approved|rejected 1, reason:<code> 1` on the day of the verdict, 2
//!   items × 2 WCU; each moves the GSI key with the status. By status:
//!   Query GSI1.
//! - a day's activity ([`activity`]): Query `pk = DAY#<date>`, paginated,
//!   for the daily report: one read unit per 4 KB of counters, whatever the
//!   number of requests the day saw. Counters rather than one item per
//!   event: a view costs no more writes than it did before the report,
//!   and the report reads as many items as the day has pages and distinct
//!   unanswered questions. The price: an hour's counters share their
//!   day's item, so one page's writes in a day go to one item.
//! - chat ([`chat`]): a session is a strongly consistent GetItem; a turn
//!   one transaction of a Put of the session on condition that its
//!   `version` is the one read (or that there is none, for a new one), and
//!   `ADD turns, turnsAtHH, answered|fallback, intent:<id>[, sessions]` on
//!   the day's `CHAT` item, with `ADD count` on the day's
//!   `UNANSWERED#<question>` for a fallback: 2-3 items × 2 WCU (a session
//!   of 10 long turns is up to 30 KB: its Put is then 30 WCU). A lost race
//!   cancels it all, and the turn is answered again on the new version.
//! - rate limits ([`limits`]): one transaction of a conditional `ADD uses 1`
//!   per limit (`uses < max`) on the window's item: all counted or none. 2
//!   WCU each.
//! - idempotent writes ([`idempotency`]): a Put on condition that the
//!   record is absent, expired or its lock lapsed (on failure, a
//!   consistent GetItem says why); an UpdateItem to keep the answer and a
//!   DeleteItem to let it go, each on condition that it is still held. 1
//!   WCU each (an answer is under 1 KB; a comment's up to 16 KB: 16 WCU).
//! - known-bad files ([`videos`]): GetItem `BLOCKED#<sha256>/HASH`.
//! - reports ([`reports`]): GetItem `REPORT/LATEST`; a Put on condition
//!   that it points at no later day to move it. A day's report: GetItem;
//!   the lease is an UpdateItem on condition that no other run holds an
//!   unexpired one, renewed, completed or failed by UpdateItems on
//!   condition that the caller still holds it. 1 WCU each (a finished
//!   report's figures, bounded, make its item 2-3 KB: 3 WCU).

mod activity;
mod chat;
mod comments;
mod idempotency;
pub(crate) mod items;
mod limits;
mod pages;
mod reports;
mod videos;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Update};
use rightnow_domain::activity::utc_hour;
use rightnow_domain::page::Slug;
use rightnow_domain::ports::PortError;
use time::OffsetDateTime;

use crate::{MissingSetting, env_var};

type Item = HashMap<String, AttributeValue>;

/// How long a day's activity is kept before TTL removes it.
const ACTIVITY_RETENTION_DAYS: i64 = 400;

/// The app table.
#[derive(Debug, Clone)]
pub struct AppTable {
    client: Client,
    table: String,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

fn port_err<E>(e: E) -> PortError
where
    E: std::error::Error + Send + Sync + 'static,
{
    PortError::new(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
}

/// Whether a transaction was cancelled because its first action's
/// condition failed (the one a port's outcome names).
fn first_condition_failed<R>(
    e: &aws_sdk_dynamodb::error::SdkError<TransactWriteItemsError, R>,
) -> bool {
    condition_failed(e, 0)
}

/// Whether a transaction was cancelled because the condition of its
/// action `index` (from 0) failed.
fn condition_failed<R>(
    e: &aws_sdk_dynamodb::error::SdkError<TransactWriteItemsError, R>,
    index: usize,
) -> bool {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(tc)) => {
            tc.cancellation_reasons().get(index).and_then(|r| r.code())
                == Some("ConditionalCheckFailed")
        }
        _ => false,
    }
}

impl AppTable {
    /// The table `table`, through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The table the template names in `TABLE_NAME`.
    pub fn from_env(sdk: &aws_config::SdkConfig) -> Result<Self, MissingSetting> {
        Ok(Self::new(Client::new(sdk), env_var("TABLE_NAME")?))
    }

    /// The client, for tests that look behind the adapter.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// `ADD` of each `(counter, amount)` on the day item `key`, setting
    /// the item's expiry on its first write: a transaction action. The
    /// counters must be distinct.
    fn day_counters(&self, key: Item, counters: &[(String, u64)]) -> Update {
        let expires = (time::OffsetDateTime::now_utc()
            + time::Duration::days(ACTIVITY_RETENTION_DAYS))
        .unix_timestamp();
        let adds: Vec<String> = (0..counters.len())
            .map(|i| format!("#c{i} :n{i}"))
            .collect();
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(format!(
                "ADD {} SET #exp = if_not_exists(#exp, :exp)",
                adds.join(", ")
            ))
            .expression_attribute_names("#exp", items::EXPIRES_AT)
            .expression_attribute_values(":exp", AttributeValue::N(expires.to_string()));
        for (i, (name, amount)) in counters.iter().enumerate() {
            update = update
                .expression_attribute_names(format!("#c{i}"), name)
                .expression_attribute_values(
                    format!(":n{i}"),
                    AttributeValue::N(amount.to_string()),
                );
        }
        update.build().expect("table, key and expression are set")
    }

    /// One more `counter` on `page`'s activity in the day and hour of
    /// `at`: a transaction action.
    fn page_day_update(&self, page: &Slug, at: OffsetDateTime, counter: &str) -> Update {
        self.day_counters(
            items::DayItem::page_key(at.date(), page),
            &[
                (counter.to_owned(), 1),
                (items::DayItem::hourly(counter, utc_hour(at)), 1),
            ],
        )
    }

    /// A GetItem of a key that never exists: the cheapest call that opens
    /// a connection to DynamoDB, for [`crate::config::warm_up`]. Its outcome
    /// does not matter.
    pub async fn touch(&self) {
        let _ = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key("WARMUP".into(), "WARMUP")))
            .projection_expression("pk")
            .send()
            .await;
    }
}
