//! The time a request may take: what the Lambda invocation has left (its
//! deadline, the function's timeout from when it started) less a margin to
//! send the answer. A request still running then is answered 503
//! `unavailable` with `Retry-After`, a refusal the client can act on,
//! rather than left to the timeout, which API Gateway turns into a bare
//! 503 and Lambda into a sandbox killed and started cold again.
//!
//! Each call to AWS has its own timeouts (`rightnow_aws::config::timeouts`),
//! below this budget; the budget bounds the request as a whole, where
//! several calls add up. A write cut short may have landed: a client that
//! sent it with an `Idempotency-Key` retries it as the same write
//! ([`crate::idempotency`]), which finds what it made.

use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use lambda_http::RequestExt;

use crate::{ApiError, ErrorCode};

/// Kept back from the deadline: the answer must leave the function, and
/// the runtime post it, before Lambda stops the invocation.
pub const MARGIN: Duration = Duration::from_millis(500);

/// `router`, each request bounded by its invocation's deadline. A request
/// without a Lambda context (a test calling the router) has no deadline,
/// nor has one whose deadline had passed when it arrived: Lambda never
/// hands out an invocation past its deadline, but cargo lambda's emulator
/// sends a fixed `600000` (ten minutes after 1970). There the calls'
/// own timeouts bound the request.
pub fn within_deadline(router: Router) -> Router {
    router.layer(middleware::from_fn(bounded))
}

async fn bounded(request: Request, next: Next) -> Response {
    let now = SystemTime::now();
    let Some(deadline) = request
        .extensions()
        .lambda_context_ref()
        .map(|c| c.deadline())
        .filter(|d| *d > now)
    else {
        return next.run(request).await;
    };
    let left = time_left(deadline, now);
    match tokio::time::timeout(left, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(budget = ?left, "request out of time");
            out_of_time().into_response()
        }
    }
}

/// What a request may still take at `now`, before `deadline`.
fn time_left(deadline: SystemTime, now: SystemTime) -> Duration {
    deadline
        .duration_since(now)
        .unwrap_or_default()
        .saturating_sub(MARGIN)
}

/// The answer to a request that ran out of time.
fn out_of_time() -> ApiError {
    ApiError {
        retry_after: Some(Duration::from_secs(1)),
        ..ApiError::new(
            ErrorCode::Unavailable,
            "the service could not answer in time; retry shortly",
        )
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::get;
    use lambda_http::Context;
    use tower::ServiceExt;

    use super::*;

    /// A route that answers after `delay`, called with a Lambda context
    /// whose deadline is `deadline_in` away.
    async fn call(delay: Duration, deadline_in: Option<Duration>) -> Response {
        call_with(delay, deadline_in.map(|d| SystemTime::now() + d)).await
    }

    async fn call_with(delay: Duration, deadline: Option<SystemTime>) -> Response {
        let router = within_deadline(Router::new().route(
            "/slow",
            get(move || async move {
                tokio::time::sleep(delay).await;
                "done"
            }),
        ));
        let mut request = Request::get("/slow").body(Body::empty()).unwrap();
        if let Some(deadline) = deadline {
            let mut context = Context::default();
            let since_epoch = deadline.duration_since(SystemTime::UNIX_EPOCH).unwrap();
            context.deadline = u64::try_from(since_epoch.as_millis()).unwrap();
            request.extensions_mut().insert(context);
        }
        router.oneshot(request).await.unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_past_its_deadline_is_a_503_to_retry_before_the_timeout() {
        let started = tokio::time::Instant::now();
        let response = call(Duration::from_secs(30), Some(Duration::from_secs(10))).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["retry-after"], "1");
        let waited = started.elapsed();
        assert!(waited <= Duration::from_secs(10) - MARGIN, "{waited:?}");
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "unavailable");
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_time_or_without_a_deadline_is_answered_as_it_is() {
        let in_time = call(Duration::from_secs(1), Some(Duration::from_secs(10))).await;
        assert_eq!(in_time.status(), StatusCode::OK);
        let no_deadline = call(Duration::from_secs(30), None).await;
        assert_eq!(no_deadline.status(), StatusCode::OK);
        // cargo lambda's emulator's deadline: 600000 ms after the epoch.
        let emulated = SystemTime::UNIX_EPOCH + Duration::from_millis(600_000);
        let emulated = call_with(Duration::from_secs(30), Some(emulated)).await;
        assert_eq!(emulated.status(), StatusCode::OK);
    }

    #[test]
    fn the_time_left_keeps_the_margin_and_is_never_negative() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(
            time_left(now + Duration::from_secs(10), now),
            Duration::from_secs(10) - MARGIN
        );
        assert_eq!(time_left(now, now), Duration::ZERO);
        assert_eq!(time_left(now - Duration::from_secs(1), now), Duration::ZERO);
    }
}
