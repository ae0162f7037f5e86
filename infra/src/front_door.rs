//! The local stand-in for CloudFront: site/ at `/` with the response
//! headers template.yaml gives the site's pages, and `/api/*` passed to the
//! HTTP API, on one origin.

use anyhow::{Context, Result};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::Layer;
use tower_http::services::ServeDir;

use crate::template::Template;
use crate::tools::workspace_root;

/// A running front door.
pub struct FrontDoor {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    task: tokio::task::JoinHandle<Result<()>>,
}

impl FrontDoor {
    /// Serves site/ and `/api/*` (passed to `api_url`) on `port` (0: any
    /// free one). `media_origin` is where the site's uploads and videos
    /// are (MiniStack's endpoint), for the Content-Security-Policy.
    pub async fn start(port: u16, api_url: String, media_origin: &str) -> Result<Self> {
        let headers: Vec<(HeaderName, HeaderValue)> = Template::project()?
            .site_headers(media_origin)?
            .into_iter()
            .map(|(name, value)| {
                Ok((
                    HeaderName::from_static(name),
                    HeaderValue::try_from(value).context("a header of the site")?,
                ))
            })
            .collect::<Result<_>>()?;
        // The headers go on the pages only, as the policy is the default
        // behaviour's; /api/* answers with the API's own.
        let site = axum::middleware::map_response_with_state(headers, with_headers)
            .layer(ServeDir::new(workspace_root().join("site")));
        let app = Router::new()
            .route("/api", axum::routing::any(proxy))
            .route("/api/{*rest}", axum::routing::any(proxy))
            .fallback_service(site)
            .with_state(Upstream {
                http: reqwest::Client::new(),
                api_url,
            });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("port {port} is taken (set SITE_PORT)"))?;
        let url = format!("http://{}", listener.local_addr()?);
        let task =
            tokio::spawn(async move { axum::serve(listener, app).await.context("front door") });
        Ok(Self { url, task })
    }

    /// Waits for the server, which only ends on an error.
    pub async fn wait(mut self) -> Result<()> {
        (&mut self.task).await.context("front door")?
    }
}

impl Drop for FrontDoor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn with_headers<B>(
    State(headers): State<Vec<(HeaderName, HeaderValue)>>,
    mut response: Response<B>,
) -> Response<B> {
    for (name, value) in headers {
        response.headers_mut().insert(name, value);
    }
    response
}

#[derive(Clone)]
struct Upstream {
    http: reqwest::Client,
    api_url: String,
}

/// Passes a request to the HTTP API and its answer back, as CloudFront's
/// `/api/*` behaviour does (all viewer headers but Host, no caching).
async fn proxy(State(up): State<Upstream>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(body) = to_bytes(Body::new(body), 10 * 1024 * 1024).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body over 10 MiB").into_response();
    };
    let mut headers = parts.headers;
    headers.remove(header::HOST);
    let sent = up
        .http
        .request(parts.method, format!("{}{path}", up.api_url))
        .headers(headers)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(res) => {
            let status = res.status();
            // Every header of the API's answer (Retry-After, Content-Type,
            // ...) but the framing ones, which the body sets again here.
            let mut headers = res.headers().clone();
            for framing in [
                header::CONTENT_LENGTH,
                header::TRANSFER_ENCODING,
                header::CONNECTION,
            ] {
                headers.remove(framing);
            }
            let bytes = res.bytes().await.unwrap_or_default();
            let mut out = Response::new(Body::from(bytes));
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            out
        }
        Err(e) => (
            StatusCode::BAD_GATEWAY,
            format!("local API unreachable: {e}"),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pages_carry_the_templates_headers_and_the_api_its_own() {
        // An API that is not there: the proxy's answer is enough here.
        let door = FrontDoor::start(0, "http://127.0.0.1:9".into(), "http://media.test")
            .await
            .unwrap();
        let page = reqwest::get(format!("{}/", door.url)).await.unwrap();
        assert_eq!(page.status(), 200);
        let csp = page.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("connect-src 'self' http://media.test"),
            "{csp}"
        );
        assert_eq!(page.headers()["x-frame-options"], "DENY");
        assert!(page.text().await.unwrap().contains("<html"));

        let api = reqwest::get(format!("{}/api/health", door.url))
            .await
            .unwrap();
        assert_eq!(api.status(), 502);
        assert!(api.headers().get("content-security-policy").is_none());
    }
}
