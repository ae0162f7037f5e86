//! [`ChatSessions`]: conversations, each turn stored with its day's
//! activity.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use rightnow_domain::activity::utc_hour;
use rightnow_domain::chat::{Session, SessionId, TurnRecord};
use rightnow_domain::ports::{ChatSessions, PortResult, SessionWrite};
use time::Duration;

use super::items::{DayItem, EXPIRES_AT, SessionItem, from_item, to_item};
use super::{ACTIVITY_RETENTION_DAYS, AppTable, first_condition_failed, port_err};

impl AppTable {
    /// `ADD count 1` on the day's item of the unanswered question `q`,
    /// keeping its text: a transaction action.
    fn unanswered_update(&self, turn: &TurnRecord, q: &str) -> Update {
        let expires = (turn.at + Duration::days(ACTIVITY_RETENTION_DAYS)).unix_timestamp();
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(DayItem::unanswered_key(turn.at.date(), q)))
            .update_expression(
                "ADD #n :one SET #q = if_not_exists(#q, :q), #exp = if_not_exists(#exp, :exp)",
            )
            .expression_attribute_names("#n", DayItem::COUNT)
            .expression_attribute_names("#q", DayItem::QUESTION)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":q", AttributeValue::S(q.to_owned()))
            .expression_attribute_values(":exp", AttributeValue::N(expires.to_string()))
            .build()
            .expect("table, key and expression are set")
    }
}

#[async_trait]
impl ChatSessions for AppTable {
    async fn load(&self, id: SessionId) -> PortResult<Option<Session>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(SessionItem::key(id)))
            // A turn answered on a stale read would only conflict.
            .consistent_read(true)
            .send()
            .await
            .map_err(port_err)?;
        out.item
            .map(|item| from_item::<SessionItem>("session", item)?.into_domain())
            .transpose()
    }

    async fn save(
        &self,
        session: &Session,
        previous: Option<u64>,
        turn: &TurnRecord,
    ) -> PortResult<SessionWrite> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&SessionItem::from_domain(session))?));
        let put = match previous {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(v) => put
                .condition_expression("#v = :v")
                .expression_attribute_names("#v", SessionItem::VERSION)
                .expression_attribute_values(":v", AttributeValue::N(v.to_string())),
        };
        let outcome = if turn.answered() {
            DayItem::ANSWERED
        } else {
            DayItem::FALLBACK
        };
        let mut counters = vec![
            (DayItem::TURNS.to_owned(), 1),
            (DayItem::hourly(DayItem::TURNS, utc_hour(turn.at)), 1),
            (outcome.to_owned(), 1),
            (DayItem::intent(&turn.intent), 1),
        ];
        if turn.new_session {
            counters.push((DayItem::SESSIONS.to_owned(), 1));
        }
        let mut tx = self
            .client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(put.build().map_err(port_err)?)
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .update(self.day_counters(DayItem::chat_key(turn.at.date()), &counters))
                    .build(),
            );
        if let Some(q) = &turn.unanswered {
            tx = tx.transact_items(
                TransactWriteItem::builder()
                    .update(self.unanswered_update(turn, q))
                    .build(),
            );
        }
        match tx.send().await {
            Ok(_) => Ok(SessionWrite::Saved),
            Err(e) if first_condition_failed(&e) => Ok(SessionWrite::Conflict),
            Err(e) => Err(port_err(e)),
        }
    }
}
