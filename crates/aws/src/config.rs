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
    loader().load().await
}

/// The loader behind [`load`], for callers that set more themselves (tests
/// point it at a local endpoint with fixed credentials).
pub fn loader() -> aws_config::ConfigLoader {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest()).http_client(http)
}
