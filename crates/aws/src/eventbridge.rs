//! [`EventPublisher`] on EventBridge `PutEvents`.
//!
//! `PutEvents` can succeed as a call and still refuse some entries (a
//! partial failure, reported per entry). Those entries, and only those, are
//! sent again with a short backoff.

use std::sync::OnceLock;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use rightnow_domain::events::{DomainEvent, SOURCE};
use rightnow_domain::ports::{EventPublisher, PortError, PortResult};

use crate::{MissingSetting, env_var};

/// Publishes to the app's bus (`APP_BUS_NAME`).
///
/// The client is built on the first publish, not at init: building an SDK
/// client parses its crate's endpoint rules and partitions, a measurable
/// share of init (README, Performance), and most requests publish nothing.
#[derive(Debug, Clone)]
pub struct EventBus {
    sdk: aws_config::SdkConfig,
    client: OnceLock<Client>,
    bus: String,
}

impl EventBus {
    /// Attempts per entry, counting the first.
    const ATTEMPTS: u32 = 3;

    /// Publishes to `bus` with a client built from `sdk` when first needed.
    pub fn new(sdk: &aws_config::SdkConfig, bus: impl Into<String>) -> Self {
        Self {
            sdk: sdk.clone(),
            client: OnceLock::new(),
            bus: bus.into(),
        }
    }

    /// The bus the template names in `APP_BUS_NAME`.
    pub fn from_env(sdk: &aws_config::SdkConfig) -> Result<Self, MissingSetting> {
        Ok(Self::new(sdk, env_var("APP_BUS_NAME")?))
    }

    fn client(&self) -> &Client {
        self.client.get_or_init(|| Client::new(&self.sdk))
    }

    fn entry(&self, event: &DomainEvent) -> PutEventsRequestEntry {
        PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(SOURCE)
            .detail_type(event.detail_type())
            .detail(event.detail_json())
            .build()
    }
}

#[async_trait]
impl EventPublisher for EventBus {
    async fn publish(&self, events: &[DomainEvent]) -> PortResult<()> {
        // PutEvents takes at most 10 entries per call.
        for chunk in events.chunks(10) {
            let mut pending: Vec<PutEventsRequestEntry> =
                chunk.iter().map(|e| self.entry(e)).collect();
            for attempt in 1..=Self::ATTEMPTS {
                let out = self
                    .client()
                    .put_events()
                    .set_entries(Some(pending.clone()))
                    .send()
                    .await
                    .map_err(|e| {
                        PortError::new(
                            aws_sdk_eventbridge::error::DisplayErrorContext(e).to_string(),
                        )
                    })?;
                if out.failed_entry_count() == 0 {
                    break;
                }
                // Results line up with the entries sent; keep the failed ones.
                let failed: Vec<_> = out
                    .entries()
                    .iter()
                    .zip(pending)
                    .filter(|(r, _)| r.error_code().is_some())
                    .map(|(r, entry)| {
                        tracing::warn!(code = r.error_code(), attempt, "event entry refused");
                        entry
                    })
                    .collect();
                if attempt == Self::ATTEMPTS {
                    return Err(PortError::new(format!(
                        "{} event(s) refused after {attempt} attempts",
                        failed.len()
                    )));
                }
                pending = failed;
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
            }
        }
        Ok(())
    }
}
