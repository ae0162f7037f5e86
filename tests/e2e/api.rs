//! A small client for the deployed API. Every error it receives is
//! checked for internals ([`crate::leaks`]).

use reqwest::Method;
use serde_json::Value;

use crate::stack;

/// An answer: status and JSON body (Null if the body is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub json: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    pub fn error_code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("<none>")
    }
}

pub fn url(path: &str) -> String {
    format!("{}{path}", stack().api_url().expect("api url"))
}

pub async fn call(method: Method, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Answer {
    call_with(method, path, content_type, &[], body).await
}

/// A call with `headers` besides the content type.
pub async fn call_with(
    method: Method,
    path: &str,
    content_type: Option<&str>,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Answer {
    let what = format!("{method} {path}");
    let mut req = reqwest::Client::new().request(method, url(path)).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.expect("the local API answers");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap_or_default();
    crate::leaks::assert_none(status, &bytes, &what);
    Answer {
        status,
        json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    }
}

pub async fn get(path: &str) -> Answer {
    call(Method::GET, path, None, Vec::new()).await
}

pub async fn post(path: &str) -> Answer {
    call(Method::POST, path, None, Vec::new()).await
}

pub async fn post_json(path: &str, body: Value) -> Answer {
    call(
        Method::POST,
        path,
        Some("application/json"),
        body.to_string().into_bytes(),
    )
    .await
}

/// A slug no other test uses, so tests can run in parallel on one stack.
pub fn fresh_slug(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{nanos}")
}
