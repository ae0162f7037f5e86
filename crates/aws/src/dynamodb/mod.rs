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
//! | video               | `VIDEO#<id>`     | `VIDEO`           | `VIDEOS#<status>` / time |
//! | known-bad file      | `BLOCKED#<sha256>` | `HASH`          |                          |
//! | latest report       | `REPORT`         | `LATEST`          |                          |
//!
//! Access patterns, none a Scan; each write all-or-nothing:
//! - page views ([`pages`]): GetItem page. Record a view: one transaction
//!   of two `ADD views 1` updates, on the page and on the day's activity,
//!   then a strongly consistent GetItem of the page for the new total (a
//!   transaction returns no values). 2 items × 2 WCU + 1 RCU.
//! - post a comment ([`comments`]): one transaction: Update page `ADD
//!   comments 1` on condition that the page exists, Put comment on
//!   condition its key is new, Update the day's activity `ADD comments 1`.
//! - list comments: Query `pk = PAGE#<slug>`, `begins_with(sk, COMMENT#)`,
//!   descending (ULIDs sort by time), resumed after the cursor's key, beside
//!   a GetItem of the page (is it known?), both at once.
//! - video ([`videos`]): conditional Put (never overwrite), GetItem. A
//!   claim is one UpdateItem on condition that the video awaits its upload
//!   or its lease expired (on failure, a consistent GetItem says why); a
//!   verdict one UpdateItem on condition that it is still `processing` the
//!   same upload; each moves the GSI key with the status. By status: Query
//!   GSI1. 1 WCU each (an item under 1 KB).
//! - known-bad files ([`videos`]): GetItem `BLOCKED#<sha256>/HASH`.
//! - report ([`reports`]): GetItem `REPORT/LATEST`; Put to move it.

mod comments;
pub(crate) mod items;
mod pages;
mod reports;
mod videos;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Update};
use rightnow_domain::page::Slug;
use rightnow_domain::ports::PortError;
use time::Date;

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

fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

fn port_err<E>(e: E) -> PortError
where
    E: std::error::Error + Send + Sync + 'static,
{
    PortError::new(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
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

    /// `ADD <counter> 1` on a page's activity for `day`, setting the
    /// item's expiry on first write: a transaction action.
    fn day_activity_update(&self, page: &Slug, day: Date, counter: &str) -> Update {
        let expires = (time::OffsetDateTime::now_utc()
            + time::Duration::days(ACTIVITY_RETENTION_DAYS))
        .unix_timestamp();
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(items::DayActivityItem::key(day, page)))
            .update_expression("ADD #c :one SET #exp = if_not_exists(#exp, :exp)")
            .expression_attribute_names("#c", counter)
            .expression_attribute_names("#exp", items::EXPIRES_AT)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":exp", AttributeValue::N(expires.to_string()))
            .build()
            .expect("table, key and expression are set")
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
