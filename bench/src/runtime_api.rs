//! A minimal Lambda Runtime API on loopback, one per function process.
//!
//! It is what Lambda's own runtime API is to a `provided.al2023` bootstrap:
//! the function polls `GET /runtime/invocation/next` for an event and posts
//! the result back. The harness hands it a fixed list of events; once they
//! are used up, `/next` is held open and never answered, which leaves the
//! process idle, waiting for work, as a Lambda sandbox between requests.
//!
//! Every request is timestamped on arrival and reported to the harness
//! ([`Observation`]): the first `/next` ends init, a posted response ends
//! an invoke.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use rightnow_infra::ministack::{ACCOUNT, REGION};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// One event to deliver.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The id the function reports its response under.
    pub request_id: String,
    /// The event.
    pub payload: Bytes,
}

/// What the function did, and when the request arrived (headers and body
/// read).
#[derive(Debug)]
pub struct Observation {
    /// When the request was read.
    pub at: Instant,
    /// What it was.
    pub seen: Seen,
}

/// A request of the function to the Runtime API.
#[derive(Debug)]
pub enum Seen {
    /// `GET /next`; `delivered` is the request id of the event it was
    /// answered with, `None` when it is held (no events left).
    Next {
        /// The id of the event delivered.
        delivered: Option<String>,
    },
    /// `POST /invocation/<id>/response`.
    Response {
        /// The event it answers.
        request_id: String,
        /// The response.
        body: Bytes,
    },
    /// `POST /invocation/<id>/error`.
    Error {
        /// The event it failed.
        request_id: String,
        /// The error document.
        body: Bytes,
    },
    /// `POST /init/error`: init failed.
    InitError {
        /// The error document.
        body: Bytes,
    },
}

struct Shared {
    queue: Mutex<VecDeque<Invocation>>,
    tx: mpsc::UnboundedSender<Observation>,
    function_arn: String,
    timeout: Duration,
    /// Set when the harness is done: held `/next` calls return, so their
    /// connection tasks end with the server.
    stop: watch::Receiver<bool>,
}

/// A running Runtime API. Dropping it stops the server.
pub struct RuntimeApi {
    addr: SocketAddr,
    rx: mpsc::UnboundedReceiver<Observation>,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
}

impl RuntimeApi {
    /// Serves `invocations`, in order, to the function `function_name` on
    /// a free loopback port. Deadlines are `timeout` after delivery.
    pub async fn start(
        function_name: &str,
        timeout: Duration,
        invocations: Vec<Invocation>,
    ) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("binding the runtime API on loopback")?;
        let addr = listener.local_addr()?;
        let (tx, rx) = mpsc::unbounded_channel();
        let (stop_tx, stop_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            queue: Mutex::new(invocations.into()),
            tx,
            function_arn: format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"),
            timeout,
            stop: stop_rx,
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared);
        // No Nagle: small request/response pairs must not wait on delayed
        // ACKs, or the timings would measure TCP, not the function.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            rx,
            stop: stop_tx,
            server,
        })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// The next thing the function does, waiting at most `timeout`.
    pub async fn observe(&mut self, timeout: Duration) -> Result<Observation> {
        match tokio::time::timeout(timeout, self.rx.recv()).await {
            Ok(Some(o)) => Ok(o),
            Ok(None) => bail!("the runtime API stopped"),
            Err(_) => bail!("the function did not call the runtime API within {timeout:?}"),
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.server.abort();
    }
}

fn observe(shared: &Shared, at: Instant, seen: Seen) {
    // The receiver is gone only once the harness has moved on.
    let _ = shared.tx.send(Observation { at, seen });
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let at = Instant::now();
    let invocation = shared
        .queue
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .pop_front();
    let Some(inv) = invocation else {
        observe(&shared, at, Seen::Next { delivered: None });
        // Hold the poll: the function waits here, idle, as between requests.
        let mut stop = shared.stop.clone();
        let _ = stop.wait_for(|stopped| *stopped).await;
        return StatusCode::GONE.into_response();
    };
    observe(
        &shared,
        at,
        Seen::Next {
            delivered: Some(inv.request_id.clone()),
        },
    );
    let deadline = SystemTime::now() + shared.timeout;
    let deadline_ms = deadline
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set("lambda-runtime-aws-request-id", inv.request_id.clone());
    set("lambda-runtime-deadline-ms", deadline_ms.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        shared.function_arn.clone(),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-6746f000-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0".into(),
    );
    set("content-type", "application/json".into());
    (StatusCode::OK, headers, inv.payload).into_response()
}

/// What Lambda answers to a posted result.
fn accepted() -> Response {
    (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(request_id): Path<String>,
    body: Bytes,
) -> Response {
    observe(&shared, Instant::now(), Seen::Response { request_id, body });
    accepted()
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(request_id): Path<String>,
    body: Bytes,
) -> Response {
    observe(&shared, Instant::now(), Seen::Error { request_id, body });
    accepted()
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    observe(&shared, Instant::now(), Seen::InitError { body });
    accepted()
}
