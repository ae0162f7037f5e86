//! The app table (`TABLE_NAME`): one DynamoDB table for everything, keyed by
//! `pk`/`sk`, one GSI (`gsi1pk`/`gsi1sk`), TTL on `expiresAt`.
//!
//! | item                | pk               | sk                | gsi1pk / gsi1sk          |
//! |---------------------|------------------|-------------------|--------------------------|
//! | page (counters)     | `PAGE#<slug>`    | `PAGE`            |                          |
//! | comment             | `PAGE#<slug>`    | `COMMENT#<ulid>`  |                          |
//! | day's page activity | `DAY#<date>`     | `PAGE#<slug>`     |                          |
//! | video               | `VIDEO#<id>`     | `VIDEO`           | `VIDEOS#<status>` / time |
//! | latest report       | `REPORT`         | `LATEST`          |                          |
//!
//! Access patterns, each one call, none a Scan:
//! - page views: GetItem page; record a view: UpdateItem `ADD views 1` on the
//!   page (returns the new total) and on the day's activity.
//! - post a comment: one transaction: Update page `ADD comments 1` on
//!   condition that the page exists, Put comment on condition its key is new,
//!   Update the day's activity `ADD comments 1`. All or nothing.
//! - list comments: Query `pk = PAGE#<slug>`, `begins_with(sk, COMMENT#)`,
//!   descending (ULIDs sort by time), resumed after the cursor's key.
//! - video: conditional Put (never overwrite), GetItem; by status: Query GSI1
//!   (video-moderation and reports).
//! - report: GetItem `REPORT/LATEST`; a day's activity: Query `DAY#<date>`.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use rightnow_domain::comment::{Comment, CommentId, CommentPage, Cursor};
use rightnow_domain::page::Slug;
use rightnow_domain::ports::{
    CommentStore, CommentWrite, PortError, PortResult, ReportIndex, VideoStore, ViewCounter,
};
use rightnow_domain::report::ReportPointer;
use rightnow_domain::video::{Video, VideoId};
use serde::{Deserialize, Serialize};
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

fn page_pk(slug: &Slug) -> String {
    format!("PAGE#{slug}")
}

fn comment_sk(id: CommentId) -> String {
    format!("COMMENT#{id}")
}

fn day_pk(day: Date) -> String {
    format!("DAY#{day}")
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

/// An item as stored: its keys beside the domain record's own fields.
#[derive(Serialize, Deserialize)]
struct Stored<T> {
    pk: String,
    sk: String,
    #[serde(rename = "gsi1pk", skip_serializing_if = "Option::is_none", default)]
    gsi1pk: Option<String>,
    #[serde(rename = "gsi1sk", skip_serializing_if = "Option::is_none", default)]
    gsi1sk: Option<String>,
    #[serde(flatten)]
    record: T,
}

impl AppTable {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn from_env(sdk: &aws_config::SdkConfig) -> Result<Self, MissingSetting> {
        Ok(Self::new(Client::new(sdk), env_var("TABLE_NAME")?))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// `ADD <counter> 1` on a page's activity for `day`, setting the
    /// item's expiry on first write. As a transaction action, and below as a
    /// plain UpdateItem: one expression, two call shapes.
    fn day_activity_update(&self, page: &Slug, day: Date, counter: &str) -> Update {
        let expires = (time::OffsetDateTime::now_utc()
            + time::Duration::days(ACTIVITY_RETENTION_DAYS))
        .unix_timestamp();
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(day_pk(day), page_pk(page))))
            .update_expression("ADD #c :one SET expiresAt = if_not_exists(expiresAt, :exp)")
            .expression_attribute_names("#c", counter)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":exp", AttributeValue::N(expires.to_string()))
            .build()
            .expect("table, key and expression are set")
    }

    async fn add_day_activity(&self, page: &Slug, day: Date, counter: &str) -> PortResult<()> {
        let u = self.day_activity_update(page, day, counter);
        self.client
            .update_item()
            .table_name(u.table_name)
            .set_key(Some(u.key))
            .update_expression(u.update_expression)
            .set_expression_attribute_names(u.expression_attribute_names)
            .set_expression_attribute_values(u.expression_attribute_values)
            .send()
            .await
            .map_err(port_err)?;
        Ok(())
    }

    async fn page_exists(&self, page: &Slug) -> PortResult<bool> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(page_pk(page), "PAGE")))
            .projection_expression("pk")
            .send()
            .await
            .map_err(port_err)?;
        Ok(out.item.is_some())
    }
}

#[async_trait]
impl ViewCounter for AppTable {
    async fn views(&self, page: &Slug) -> PortResult<Option<u64>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(page_pk(page), "PAGE")))
            .projection_expression("#v")
            .expression_attribute_names("#v", "views")
            .send()
            .await
            .map_err(port_err)?;
        Ok(out.item.map(|item| counter(&item, "views")))
    }

    async fn record_view(&self, page: &Slug, day: Date) -> PortResult<u64> {
        let total = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(page_pk(page), "PAGE")))
            .update_expression("ADD #v :one")
            .expression_attribute_names("#v", "views")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send();
        let daily = self.add_day_activity(page, day, "views");
        let (total, daily) = tokio::join!(total, daily);
        daily?;
        let attrs = total.map_err(port_err)?.attributes.unwrap_or_default();
        Ok(counter(&attrs, "views"))
    }
}

fn counter(item: &Item, name: &str) -> u64 {
    match item.get(name) {
        Some(AttributeValue::N(n)) => n.parse().unwrap_or(0),
        _ => 0,
    }
}

#[async_trait]
impl CommentStore for AppTable {
    async fn add(&self, comment: &Comment) -> PortResult<CommentWrite> {
        let item: Item = serde_dynamo::to_item(Stored {
            pk: page_pk(&comment.page),
            sk: comment_sk(comment.id),
            gsi1pk: None,
            gsi1sk: None,
            record: comment,
        })
        .map_err(PortError::new)?;
        let count_on_page = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(page_pk(&comment.page), "PAGE")))
            .update_expression("ADD comments :one")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .build()
            .map_err(PortError::new)?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(PortError::new)?;
        let count_on_day =
            self.day_activity_update(&comment.page, comment.created_at.date(), "comments");
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
            Err(e) => {
                // The first action's condition is "the page exists".
                let page_missing = match e.as_service_error() {
                    Some(TransactWriteItemsError::TransactionCanceledException(tc)) => {
                        tc.cancellation_reasons().first().and_then(|r| r.code())
                            == Some("ConditionalCheckFailed")
                    }
                    _ => false,
                };
                if page_missing {
                    Ok(CommentWrite::UnknownPage)
                } else {
                    Err(port_err(e))
                }
            }
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
            .expression_attribute_values(":pk", s(page_pk(page)))
            .expression_attribute_values(":prefix", s("COMMENT#"))
            .scan_index_forward(false)
            .limit(i32::from(limit) + 1)
            .set_exclusive_start_key(before.map(|id| key(page_pk(page), comment_sk(id))))
            .send();
        let (exists, out) = tokio::join!(self.page_exists(page), query);
        if !exists? {
            return Ok(None);
        }
        let items = out.map_err(port_err)?.items.unwrap_or_default();
        let more = items.len() > usize::from(limit);
        let comments = items
            .into_iter()
            .take(limit.into())
            .map(|item| serde_dynamo::from_item::<_, Stored<Comment>>(item).map(|s| s.record))
            .collect::<Result<Vec<_>, _>>()
            .map_err(PortError::new)?;
        let next = match (more, comments.last()) {
            (true, Some(last)) => Some(Cursor(last.id)),
            _ => None,
        };
        Ok(Some(CommentPage { comments, next }))
    }
}

#[async_trait]
impl VideoStore for AppTable {
    async fn create(&self, video: &Video) -> PortResult<()> {
        let item: Item = serde_dynamo::to_item(Stored {
            pk: format!("VIDEO#{}", video.id),
            sk: "VIDEO".into(),
            gsi1pk: Some(format!("VIDEOS#{}", video.status.as_str())),
            gsi1sk: Some(video.created_at.unix_timestamp().to_string()),
            record: video,
        })
        .map_err(PortError::new)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
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
            .set_key(Some(key(format!("VIDEO#{id}"), "VIDEO")))
            .send()
            .await
            .map_err(port_err)?;
        out.item
            .map(|item| serde_dynamo::from_item::<_, Stored<Video>>(item).map(|s| s.record))
            .transpose()
            .map_err(PortError::new)
    }
}

#[async_trait]
impl ReportIndex for AppTable {
    async fn latest(&self) -> PortResult<Option<ReportPointer>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key("REPORT".into(), "LATEST")))
            .send()
            .await
            .map_err(port_err)?;
        out.item
            .map(|item| serde_dynamo::from_item::<_, Stored<ReportPointer>>(item).map(|s| s.record))
            .transpose()
            .map_err(PortError::new)
    }
}

impl AppTable {
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

    /// Points `REPORT/LATEST` at a report. batch-report's write; here so the
    /// item's shape is defined once, beside its reader.
    pub async fn set_latest_report(&self, pointer: &ReportPointer) -> PortResult<()> {
        let item: Item = serde_dynamo::to_item(Stored {
            pk: "REPORT".into(),
            sk: "LATEST".into(),
            gsi1pk: None,
            gsi1sk: None,
            record: pointer,
        })
        .map_err(PortError::new)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(port_err)?;
        Ok(())
    }
}
