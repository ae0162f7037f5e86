//! Every bad input of the API, through the gateway: the status, the error
//! code, a message for the caller, and proof in the table that nothing was
//! written.

use aws_sdk_dynamodb::types::AttributeValue;
use reqwest::Method;
use serde_json::json;

use crate::api::{Answer, call, fresh_slug, get, post, post_json};
use crate::{sdk, stack};

const JSON: Option<&str> = Some("application/json");

/// A bad request: its name, content type and body, and the expected status
/// and error code.
type Case<'a> = (&'a str, Option<&'a str>, Vec<u8>, u16, &'a str);

fn assert_error(answer: &Answer, status: u16, code: &str, case: &str) {
    assert_eq!(
        (answer.status, answer.error_code()),
        (status, code),
        "{case}: {answer:?}"
    );
    let message = answer.json["error"]["message"].as_str().unwrap_or("");
    assert!(!message.is_empty(), "{case}: a message for the caller");
}

/// Items in the table whose attribute `field` equals `value` (a Scan: fine
/// in a test, never on a request path).
async fn items_with(field: &str, value: &str) -> i32 {
    let client = aws_sdk_dynamodb::Client::new(&sdk().await);
    client
        .scan()
        .table_name(stack().output("AppTableName").unwrap())
        .filter_expression("#f = :v")
        .expression_attribute_names("#f", field)
        .expression_attribute_values(":v", AttributeValue::S(value.into()))
        .send()
        .await
        .unwrap()
        .count()
}

#[tokio::test]
async fn bad_comments_are_refused_and_write_nothing() {
    let slug = fresh_slug("bad");
    post(&format!("/api/pages/{slug}/views")).await;
    let path = format!("/api/pages/{slug}/comments");
    let marker = fresh_slug("marker");
    let valid = json!({"author": "Ada", "body": marker}).to_string();
    let huge = json!({"author": "Ada", "body": format!("{marker}{}", "x".repeat(17 * 1024))});

    let cases: Vec<Case> = vec![
        (
            "malformed JSON",
            JSON,
            format!("{{\"author\":\"Ada\",\"body\":\"{marker}\"").into_bytes(),
            400,
            "malformed_json",
        ),
        (
            "invalid UTF-8",
            JSON,
            [
                b"{\"author\":\"Ada\",\"body\":\"".as_slice(),
                &[0xff, 0xfe],
                b"\"}",
            ]
            .concat(),
            400,
            "invalid_utf8",
        ),
        (
            "over 16 KiB",
            JSON,
            huge.to_string().into_bytes(),
            413,
            "payload_too_large",
        ),
        (
            "no content type",
            None,
            valid.clone().into_bytes(),
            415,
            "unsupported_media_type",
        ),
        (
            "text/plain",
            Some("text/plain"),
            valid.clone().into_bytes(),
            415,
            "unsupported_media_type",
        ),
        (
            "form encoded",
            Some("application/x-www-form-urlencoded"),
            b"author=Ada&body=x".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "missing body",
            JSON,
            json!({"author": "Ada"}).to_string().into_bytes(),
            422,
            "validation_failed",
        ),
        (
            "blank author",
            JSON,
            json!({"author": "   ", "body": marker})
                .to_string()
                .into_bytes(),
            422,
            "validation_failed",
        ),
        (
            "author over 40",
            JSON,
            json!({"author": "a".repeat(41), "body": marker})
                .to_string()
                .into_bytes(),
            422,
            "validation_failed",
        ),
        (
            "blank body",
            JSON,
            json!({"author": "Ada", "body": " \n "})
                .to_string()
                .into_bytes(),
            422,
            "validation_failed",
        ),
        (
            "body over 2000",
            JSON,
            json!({"author": "Ada", "body": format!("{marker}{}", "b".repeat(2000))})
                .to_string()
                .into_bytes(),
            422,
            "validation_failed",
        ),
        (
            "wrong type",
            JSON,
            json!({"author": 7, "body": marker})
                .to_string()
                .into_bytes(),
            422,
            "validation_failed",
        ),
    ];
    for (case, content_type, body, status, code) in cases {
        let answer = call(Method::POST, &path, content_type, body).await;
        assert_error(&answer, status, code, case);
    }

    let unknown_page = post_json(
        &format!("/api/pages/{}/comments", fresh_slug("never-viewed")),
        json!({"author": "Ada", "body": marker}),
    )
    .await;
    assert_error(&unknown_page, 404, "page_not_found", "unknown page");
    let bad_slug = post_json(
        "/api/pages/Not_A_Slug/comments",
        json!({"author": "Ada", "body": marker}),
    )
    .await;
    assert_error(&bad_slug, 422, "validation_failed", "bad slug");

    // Nothing was written: no comment anywhere carries the marker, and the
    // page lists none.
    assert_eq!(items_with("body", &marker).await, 0);
    let list = get(&path).await;
    assert_eq!(list.json["comments"], json!([]), "{list:?}");
}

#[tokio::test]
async fn bad_video_declarations_are_refused_and_write_nothing() {
    let title = fresh_slug("title");
    let cases = [
        (
            json!({"title": "", "contentType": "video/mp4", "size": 1}),
            "title",
        ),
        (
            json!({"title": "t".repeat(121), "contentType": "video/mp4", "size": 1}),
            "title",
        ),
        (
            json!({"title": title, "contentType": "video/avi", "size": 1}),
            "contentType",
        ),
        (
            json!({"title": title, "contentType": "video/mp4", "size": 0}),
            "size",
        ),
        (
            json!({"title": title, "contentType": "video/mp4", "size": 500u64 * 1024 * 1024 + 1}),
            "size",
        ),
        (json!({"title": title, "contentType": "video/mp4"}), "size"),
        (
            json!({"title": title, "contentType": "video/mp4", "size": "big"}),
            "size",
        ),
    ];
    for (body, field) in cases {
        let answer = post_json("/api/videos", body.clone()).await;
        assert_error(&answer, 422, "validation_failed", &body.to_string());
        let message = answer.json["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{message} names {field}");
    }
    let answer = call(
        Method::POST,
        "/api/videos",
        Some("text/plain"),
        json!({"title": title, "contentType": "video/mp4", "size": 1})
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_error(&answer, 415, "unsupported_media_type", "text/plain");
    let answer = call(Method::POST, "/api/videos", JSON, b"[1,2".to_vec()).await;
    assert_error(&answer, 400, "malformed_json", "malformed");

    assert_eq!(items_with("title", &title).await, 0);
}

#[tokio::test]
async fn unknown_things_are_404_and_bad_queries_are_explained() {
    assert_error(
        &get(&format!("/api/pages/{}/views", fresh_slug("nope"))).await,
        404,
        "page_not_found",
        "views",
    );
    assert_error(
        &get(&format!("/api/pages/{}/comments", fresh_slug("nope"))).await,
        404,
        "page_not_found",
        "comments",
    );
    assert_error(
        &get("/api/videos/01jdzzzzzzzzzzzzzzzzzzzzzz").await,
        404,
        "video_not_found",
        "video",
    );
    assert_error(
        &get("/api/videos/not-an-id").await,
        404,
        "video_not_found",
        "bad id",
    );

    let slug = fresh_slug("query");
    post(&format!("/api/pages/{slug}/views")).await;
    assert_error(
        &get(&format!("/api/pages/{slug}/comments?cursor=forged")).await,
        400,
        "invalid_cursor",
        "cursor",
    );
    assert_error(
        &get(&format!("/api/pages/{slug}/comments?limit=0")).await,
        422,
        "validation_failed",
        "limit",
    );
    assert_error(
        &get(&format!("/api/pages/{slug}/comments?limit=abc")).await,
        422,
        "validation_failed",
        "limit",
    );
    assert_error(
        &get(&format!("/api/pages/{slug}/comments?limit=1&limit=2")).await,
        422,
        "validation_failed",
        "limit given twice",
    );
}

/// Items in the table whose key holds `value` anywhere.
async fn items_mentioning(value: &str) -> i32 {
    let client = aws_sdk_dynamodb::Client::new(&sdk().await);
    client
        .scan()
        .table_name(stack().output("AppTableName").unwrap())
        .filter_expression("contains(pk, :v) OR contains(sk, :v)")
        .expression_attribute_values(":v", AttributeValue::S(value.into()))
        .send()
        .await
        .unwrap()
        .count()
}

#[tokio::test]
async fn every_path_parameter_refuses_traversal_and_over_long_values() {
    // GIVEN every route of the template with a path parameter, and values
    // a path parameter must not pass: traversal (encoded, so the client
    // sends it as one segment), a NUL, markup, bytes that are not UTF-8
    // once decoded, and far too long
    let long = "a".repeat(2048);
    let bad = [
        ("traversal", "..%2F..%2Fetc%2Fpasswd", "../../etc/passwd"),
        ("dot-dot", "%2E%2E", ".."),
        ("nul", "a%00b", "a\0b"),
        ("markup", "%3Cscript%3E", "<script>"),
        ("not-utf8", "%C6%28", "\u{FFFD}("),
        ("over-long", long.as_str(), long.as_str()),
    ];
    let routes: Vec<_> = rightnow_infra::template::Template::project()
        .unwrap()
        .http_routes()
        .into_iter()
        .filter(|r| r.path.contains('{'))
        .collect();
    assert!(routes.len() >= 5, "{routes:?}");
    for route in &routes {
        for (name, sent, raw) in bad {
            // WHEN each is sent in place of each parameter
            let path = fill_parameters(&route.path, sent);
            let method = Method::from_bytes(route.method.as_bytes()).unwrap();
            let body = json!({"author": "Ada", "body": "x", "title": "t", "contentType": "video/mp4", "size": 1});
            let answer = call(method, &path, JSON, body.to_string().into_bytes()).await;
            // THEN it is refused for what it is, never served nor a 5xx
            let case = format!("{} with {name}", route.key());
            assert!(
                (400..500).contains(&answer.status),
                "{case}: {} {}",
                answer.status,
                answer.json
            );
            // AND a write route wrote nothing under it
            if route.method == "POST" {
                assert_eq!(items_mentioning(raw).await, 0, "{case}");
            }
        }
    }
}

/// `template` (`/api/pages/{slug}/views`) with each `{...}` replaced by
/// `value`.
fn fill_parameters(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str(&rest[..open]);
        out.push_str(value);
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}
