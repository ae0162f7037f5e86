//! The one `SdkConfig` a function builds at init and shares among its
//! clients, and the deliberate connection warm-up.
//!
//! Cold start (figures in the README, Performance): building an SDK client
//! used to build its HTTPS connector on the spot, and with it parse every
//! root certificate of the system, most of site-api's init. That work is
//! needed only by the first call to AWS, so the connector is now built on
//! first use ([`LazyHttps`]). Whether to pay it at
//! init anyway, with the TLS handshake, is then a choice made in one place:
//! [`warm_up`], which the template turns on, because Lambda runs init with
//! more CPU than a 128 MB invoke gets.

use std::sync::OnceLock;
use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::identity::IdentityCache;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_async::rt::sleep::{SharedAsyncSleep, TokioSleep};
use aws_smithy_async::time::{SharedTimeSource, SystemTimeSource};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use futures::future::{BoxFuture, join_all};

/// The configuration a function runs with on Lambda, built from the
/// environment Lambda sets and nothing else: `AWS_REGION`, the execution
/// role's credentials (`AWS_ACCESS_KEY_ID`, ...), and `AWS_ENDPOINT_URL`
/// when set (the local stack). One HTTPS client, hyper + rustls on *ring*,
/// built on first use ([`LazyHttps`]); standard retries, the SDK's default
/// connect timeout, and the call timeouts the template sets ([`timeouts`]).
///
/// Why not `aws_config::load_from_env` or [`loader`]: `ConfigLoader::load`
/// builds the default provider chains (profile files, web identity with an
/// STS client, SSO, IMDS), none of which applies on Lambda, and linking it
/// puts those clients in every binary, a larger binary and a longer init
/// (README, Performance).
/// The price: functions do not read the shared config files or the SDK's
/// other environment variables (`AWS_MAX_ATTEMPTS`, per-service endpoint
/// URLs, ...); the template sets none of them.
pub async fn load() -> SdkConfig {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let region = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION"));
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region.map(Region::new))
        .credentials_provider(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ))
        .identity_cache(IdentityCache::lazy().build())
        .http_client(SharedHttpClient::new(LazyHttps::default()))
        .sleep_impl(SharedAsyncSleep::new(TokioSleep::new()))
        .time_source(SharedTimeSource::new(SystemTimeSource::new()))
        .retry_config(RetryConfig::standard())
        .timeout_config(timeouts(|name| std::env::var(name).ok()));
    config.set_endpoint_url(env("AWS_ENDPOINT_URL"));
    config.build()
}

/// Milliseconds one attempt of a call to AWS may take, when set.
pub const ATTEMPT_TIMEOUT_MS: &str = "SDK_ATTEMPT_TIMEOUT_MS";
/// Milliseconds a whole call, its retries included, may take, when set.
pub const OPERATION_TIMEOUT_MS: &str = "SDK_OPERATION_TIMEOUT_MS";

/// The connect timeout, and the attempt and call timeouts `var` (the
/// environment) names. The functions behind the API set both below their
/// own timeout, so that a store which stops answering becomes a 503 the
/// client may retry, not a function timed out; the others leave them
/// unset, as a long copy or hash must not be cut short. A value that is
/// not a whole number of milliseconds is no timeout.
pub fn timeouts(var: impl Fn(&str) -> Option<String>) -> TimeoutConfig {
    let ms = |name| {
        var(name)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|n| *n > 0)
            .map(Duration::from_millis)
    };
    let mut builder = TimeoutConfig::builder().connect_timeout(CONNECT_TIMEOUT);
    builder
        .set_operation_attempt_timeout(ms(ATTEMPT_TIMEOUT_MS))
        .set_operation_timeout(ms(OPERATION_TIMEOUT_MS));
    builder.build()
}

/// aws-config's default connect timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// The full `aws_config` loader with this crate's HTTPS client, for tools
/// and tests that run off Lambda (they set the endpoint and credentials of
/// the local stack over the default chains).
pub fn loader() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(SharedHttpClient::new(LazyHttps::default()))
}

/// The HTTPS client, built the first time a request needs a connection
/// rather than when an SDK client is constructed.
#[derive(Debug, Default)]
pub struct LazyHttps(OnceLock<SharedHttpClient>);

impl LazyHttps {
    fn client(&self) -> &SharedHttpClient {
        self.0.get_or_init(|| {
            let builder = aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(CryptoMode::Ring));
            match extra_trust() {
                Some(ctx) => builder.tls_context(ctx).build_https(),
                None => builder.build_https(),
            }
        })
    }
}

/// The variable naming a PEM bundle of certificate authorities to trust
/// besides the system's, as the AWS CLI and the other SDKs read it. Unset
/// on Lambda; set locally when the local AWS is reached over TLS through a
/// terminator with its own CA (the benchmark does, so that the TLS
/// handshake the warm-up saves is real).
pub const CA_BUNDLE_VAR: &str = "AWS_CA_BUNDLE";

/// The system's roots plus `AWS_CA_BUNDLE`'s, if it is set. A bundle that
/// cannot be read is logged and left out: the calls then fail with a
/// certificate error that says which endpoint was not trusted.
fn extra_trust() -> Option<tls::TlsContext> {
    let path = std::env::var_os(CA_BUNDLE_VAR)?;
    let pem = match std::fs::read(&path) {
        Ok(pem) => pem,
        Err(e) => {
            tracing::error!(bundle = ?path, error = %e, "cannot read {CA_BUNDLE_VAR}");
            return None;
        }
    };
    let store = tls::TrustStore::empty()
        .with_native_roots(true)
        .with_pem_certificate(pem);
    match tls::TlsContext::builder().with_trust_store(store).build() {
        Ok(ctx) => Some(ctx),
        Err(e) => {
            tracing::error!(bundle = ?path, error = %e, "{CA_BUNDLE_VAR} is not a PEM bundle");
            None
        }
    }
}

impl HttpClient for LazyHttps {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.client().http_connector(settings, components)
    }
}

/// The environment variable that turns [`warm_up`] on (`true`).
pub const WARM_UP_VAR: &str = "WARM_UP_CONNECTIONS";

/// True when the function should warm its connections at init.
pub fn warm_up_enabled() -> bool {
    std::env::var(WARM_UP_VAR).is_ok_and(|v| v == "true")
}

/// Runs `calls` (one cheap request per service the function uses)
/// concurrently, each bounded by `limit`, ignoring their errors: what counts
/// is that the root certificates are loaded and a TLS connection to each
/// service is open in the pool before the first request arrives. On Lambda
/// this is paid at init, with the full vCPU init gets, instead of on the
/// first invoke, which at 128 MB gets a small share of one.
pub async fn warm_up(limit: Duration, calls: Vec<BoxFuture<'static, ()>>) {
    join_all(calls.into_iter().map(|call| async move {
        let _ = tokio::time::timeout(limit, call).await;
    }))
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_timeouts_are_the_environments_or_none() {
        let set = timeouts(|name| match name {
            ATTEMPT_TIMEOUT_MS => Some("3000".into()),
            OPERATION_TIMEOUT_MS => Some(" 8000 ".into()),
            _ => None,
        });
        assert_eq!(
            set.operation_attempt_timeout(),
            Some(Duration::from_secs(3))
        );
        assert_eq!(set.operation_timeout(), Some(Duration::from_secs(8)));
        assert_eq!(set.connect_timeout(), Some(CONNECT_TIMEOUT));
        for unset in [
            None,
            Some(String::new()),
            Some("soon".into()),
            Some("0".into()),
        ] {
            let t = timeouts(|_| unset.clone());
            assert_eq!(
                (t.operation_attempt_timeout(), t.operation_timeout()),
                (None, None)
            );
        }
    }
}
