//! The writes per client address, end to end: one allowance a minute over
//! comments, video registrations and chat messages, across site-api and
//! the chatbot, with 429 and `Retry-After` past it, and nothing written.
//!
//! MiniStack's gateway gives every request one address (README gap 5), so
//! the requests here are the events API Gateway sends from addresses of
//! their own (`gaps::as_sent_from`), invoked on the deployed functions'
//! `live` alias as the gateway invokes them.

use aws_sdk_lambda::primitives::Blob;
use futures::future::join_all;
use rightnow_infra::gaps::as_sent_from;
use rightnow_infra::tools::workspace_root;
use serde_json::{Value, json};

use crate::api::{fresh_slug, get, post};
use crate::{sdk, stack};

/// A function's answer to an API Gateway event: status, headers, body.
struct Answer {
    status: u16,
    headers: Value,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("<none>")
    }
}

fn sample(function: &str, name: &str) -> Value {
    let path = workspace_root().join(format!("events/{function}/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Invokes `function`'s `live` alias with `event`, as the gateway does.
async fn invoke(lambda: &aws_sdk_lambda::Client, function: &str, event: &Value) -> Answer {
    let out = lambda
        .invoke()
        .function_name(function)
        .qualifier("live")
        .payload(Blob::new(event.to_string()))
        .send()
        .await
        .expect("the function is invoked");
    assert!(out.function_error().is_none(), "{out:?}");
    let response: Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    let status = u16::try_from(response["statusCode"].as_u64().unwrap()).unwrap();
    let body = response["body"].as_str().unwrap_or_default();
    crate::leaks::assert_none(status, body.as_bytes(), function);
    Answer {
        status,
        headers: response["headers"].clone(),
        body: serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap_or_default(),
    }
}

/// site-api's sample comment, on `slug`, numbered `n`, from `ip`.
fn comment_on(slug: &str, n: usize, ip: &str) -> Value {
    let mut event = sample("site-api", "post-comment");
    let path = format!("/api/pages/{slug}/comments");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["pathParameters"]["slug"] = json!(slug);
    event["body"] = json!(json!({"author": "Ada", "body": format!("comment {n}")}).to_string());
    as_sent_from(event, ip)
}

/// How many comments the page lists, through the gateway.
async fn listed_comments(slug: &str) -> usize {
    let mut n = 0;
    let mut cursor: Option<String> = None;
    loop {
        let query = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = get(&format!("/api/pages/{slug}/comments?limit=50{query}")).await;
        assert_eq!(page.status, 200, "{page:?}");
        n += page.json["comments"].as_array().unwrap().len();
        match page.json["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return n,
        }
    }
}

#[tokio::test]
async fn writes_from_one_address_are_limited_across_routes_and_functions() {
    let lambda = aws_sdk_lambda::Client::new(&sdk().await);
    let site_api = stack().output("SiteApiFunctionName").unwrap();
    let chatbot = stack().output("ChatbotFunctionName").unwrap();
    // GIVEN the allowance the deployed functions have, a page, and an
    // address no other test uses
    let config = lambda
        .get_function_configuration()
        .function_name(site_api)
        .send()
        .await
        .unwrap();
    let allowance: usize =
        config.environment().unwrap().variables().unwrap()["WRITES_PER_ADDRESS_PER_MINUTE"]
            .parse()
            .unwrap();
    let slug = fresh_slug("limits");
    assert_eq!(post(&format!("/api/pages/{slug}/views")).await.status, 200);
    let ip = "203.0.113.77";
    // The allowance is a calendar minute's: start early in one, so that all
    // of it is spent in the same minute.
    let second = time::OffsetDateTime::now_utc().second();
    if second > 20 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second))).await;
    }

    // WHEN the address spends it: a chat message, a bad comment (refused
    // for what it is, costing nothing), and comments for the rest
    let chat = as_sent_from(sample("chatbot", "first-message"), ip);
    assert_eq!(invoke(&lambda, chatbot, &chat).await.status, 200);
    let bad = {
        let mut e = comment_on(&slug, 0, ip);
        e["body"] = json!(json!({"author": "", "body": "x"}).to_string());
        e
    };
    assert_eq!(invoke(&lambda, site_api, &bad).await.status, 422);
    let comments: Vec<Value> = (1..allowance).map(|n| comment_on(&slug, n, ip)).collect();
    for batch in comments.chunks(10) {
        for a in join_all(batch.iter().map(|e| invoke(&lambda, site_api, e))).await {
            assert_eq!(a.status, 201, "{:?}", a.body);
        }
    }

    // THEN one more write of each kind, on either function, is 429
    // rate_limited with the seconds left in the minute
    let video = as_sent_from(sample("site-api", "register-video"), ip);
    let over = [
        invoke(&lambda, site_api, &comment_on(&slug, allowance, ip)).await,
        invoke(&lambda, site_api, &video).await,
        invoke(&lambda, chatbot, &chat).await,
    ];
    for a in &over {
        assert_eq!((a.status, a.code()), (429, "rate_limited"), "{:?}", a.body);
        let after: u64 = a.headers["retry-after"].as_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&after), "Retry-After {after}");
        assert!(a.body.get("id").is_none() && a.body.get("sessionId").is_none());
    }
    // AND nothing of them was stored: the page has the comments admitted
    assert_eq!(listed_comments(&slug).await, allowance - 1);
    // AND another address is not limited by this one
    let other = comment_on(&slug, 0, "198.51.100.77");
    assert_eq!(invoke(&lambda, site_api, &other).await.status, 201);
}
