//! The one `SdkConfig` a function builds at init and shares among its clients.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// Loads region, credentials and endpoint from the environment, with a
/// single HTTPS client: hyper + rustls on *ring*.
///
/// The SDK's default client pulls in aws-lc and, with default features, a
/// second TLS stack; one client on ring keeps the binary small, and a small
/// binary starts faster (see the README's Performance section).
pub async fn load() -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .load()
        .await
}

/// True when an endpoint override points the SDK somewhere other than AWS
/// (the local stack). S3 then needs path-style addressing, since
/// `bucket.127.0.0.1` does not resolve.
pub fn endpoint_overridden() -> bool {
    ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}
