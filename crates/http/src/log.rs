//! One log line per request answered: the function, the route, the status
//! and how long the handler took. It is what `make dev` shows a person
//! watching the app work, and what CloudWatch keeps (as JSON, the
//! template's LoggingConfig).

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;

/// `router`, with each request it answers logged once, at info:
/// `handled function=site-api source="POST /api/pages/{slug}/views"
/// outcome=200 ms=3.1`. The source is the route's template, never the path
/// with a visitor's data in it; a request no route matched is `(no route)`.
pub fn each_request(router: Router, function: &'static str) -> Router {
    router.layer(middleware::from_fn(move |req: Request, next: Next| {
        handled(function, req, next)
    }))
}

async fn handled(function: &'static str, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", |p| p.as_str());
    let source = format!("{} {route}", req.method());
    let response = next.run(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        function,
        source,
        outcome = response.status().as_u16(),
        ms = (ms * 100.0).round() / 100.0,
        "handled"
    );
    response
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::post;
    use tower::ServiceExt;

    use super::*;

    /// The log lines written while `f` runs.
    fn logged(f: impl Future<Output = ()>) -> String {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .without_time()
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(f)
        });
        String::from_utf8(lines.lock().unwrap().clone()).unwrap()
    }

    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_request_is_one_line_with_its_route_not_its_path() {
        let app = each_request(
            Router::new().route("/api/pages/{slug}", post(|| async { StatusCode::CREATED })),
            "site-api",
        );
        let printed = logged(async move {
            for uri in ["/api/pages/secret-slug", "/nope"] {
                let req = Request::post(uri).body(Body::empty()).unwrap();
                app.clone().oneshot(req).await.unwrap();
            }
        });
        let lines: Vec<&str> = printed.lines().collect();
        assert_eq!(lines.len(), 2, "{printed}");
        assert!(
            lines[0].contains(
                r#"handled function="site-api" source="POST /api/pages/{slug}" outcome=201 ms="#
            ),
            "{printed}"
        );
        assert!(!printed.contains("secret-slug"), "{printed}");
        assert!(
            lines[1].contains(r#"source="POST (no route)" outcome=404"#),
            "{printed}"
        );
    }
}
