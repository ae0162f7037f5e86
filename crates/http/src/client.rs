//! The caller's address, for the per-address write limit
//! (`rightnow_domain::services::WriteLimit`): the source IP API Gateway
//! saw the request come from (`requestContext.http.sourceIp`), never a
//! header the caller could set.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;

/// The request's source address; `unknown` when there is no gateway
/// context (a handler test, a direct invoke without one): all such
/// callers then share one limit.
pub struct ClientAddress(String);

impl ClientAddress {
    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let ip = match parts.extensions.get::<RequestContext>() {
            Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
            _ => None,
        };
        Ok(Self(
            ip.filter(|ip| !ip.is_empty())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}
