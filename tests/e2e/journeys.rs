//! What a visitor does, end to end: count a view, comment, page through the
//! comments, upload a video, read its status. (The reports: reports.rs.)

use serde_json::{Value, json};

use crate::api::{fresh_slug, get, post, post_json};
use crate::moderation::{put, put_status};
use crate::{sdk, stack};

#[tokio::test]
async fn a_visitor_views_a_page_and_comments() {
    let slug = fresh_slug("journey");
    assert_eq!(get(&format!("/api/pages/{slug}/views")).await.status, 404);
    assert_eq!(
        post(&format!("/api/pages/{slug}/views")).await.json["views"],
        1
    );
    let second = post(&format!("/api/pages/{slug}/views")).await;
    assert_eq!(second.json, json!({"slug": slug, "views": 2}));

    let posted = post_json(
        &format!("/api/pages/{slug}/comments"),
        json!({"author": " Ada ", "body": "First!"}),
    )
    .await;
    assert_eq!(posted.status, 201, "{posted:?}");
    assert_eq!(posted.json["author"], "Ada");

    let list = get(&format!("/api/pages/{slug}/comments")).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json["comments"][0]["id"], posted.json["id"]);
    assert_eq!(list.json["nextCursor"], Value::Null);
}

#[tokio::test]
async fn comments_page_newest_first_with_an_opaque_cursor() {
    let slug = fresh_slug("paging");
    post(&format!("/api/pages/{slug}/views")).await;
    for i in 0..5 {
        let body = json!({"author": "Ada", "body": format!("c{i}")});
        assert_eq!(
            post_json(&format!("/api/pages/{slug}/comments"), body)
                .await
                .status,
            201
        );
    }
    let mut bodies = Vec::new();
    let mut path = format!("/api/pages/{slug}/comments?limit=2");
    loop {
        let page = get(&path).await;
        assert_eq!(page.status, 200, "{page:?}");
        for c in page.json["comments"].as_array().unwrap() {
            bodies.push(c["body"].as_str().unwrap().to_owned());
        }
        match page.json["nextCursor"].as_str() {
            Some(cursor) => path = format!("/api/pages/{slug}/comments?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(bodies, ["c4", "c3", "c2", "c1", "c0"]);
}

#[tokio::test]
async fn a_video_upload_round_trip() {
    let bytes = vec![42u8; 2048];
    let ticket = post_json(
        "/api/videos",
        json!({"title": "Cat", "contentType": "video/mp4", "size": bytes.len()}),
    )
    .await;
    assert_eq!(ticket.status, 201, "{ticket:?}");
    let id = ticket.json["id"].as_str().unwrap();
    let upload_url = ticket.json["uploadUrl"].as_str().unwrap();

    // The browser PUTs the bytes straight to S3 with the presigned URL.
    let refused = put_status(upload_url, "video/quicktime", bytes.clone()).await;
    assert!(!refused.is_success(), "a PUT with another type is refused");
    // Nor more bytes than declared: the length is signed.
    let longer = put_status(upload_url, "video/mp4", vec![42u8; bytes.len() + 1]).await;
    assert!(
        !longer.is_success(),
        "a PUT of more bytes than declared is refused"
    );
    // Nor another key: the path is signed.
    let elsewhere = format!("uploads/{}", ulid::Ulid::new());
    let other_key = upload_url.replacen(&format!("uploads/{id}"), &elsewhere, 1);
    assert_ne!(other_key, upload_url);
    let moved = put_status(&other_key, "video/mp4", bytes.clone()).await;
    assert!(!moved.is_success(), "a PUT to another key is refused");
    put(upload_url, "video/mp4", bytes.clone()).await;

    let s3 = rightnow_infra::resources::s3(&sdk().await);
    let bucket = stack().output("MediaBucketName").unwrap();
    let head = s3
        .head_object()
        .bucket(bucket)
        .key(format!("uploads/{id}"))
        .send()
        .await
        .expect("the upload is in the media bucket");
    assert_eq!(head.content_length(), Some(2048));
    let stray = s3.head_object().bucket(bucket).key(&elsewhere).send().await;
    assert!(stray.is_err(), "nothing was written at another key");

    let status = get(&format!("/api/videos/{id}")).await;
    assert_eq!(status.status, 200);
    assert_eq!(status.json["title"], "Cat");
    assert!(status.json.get("playbackUrl").is_none());
}
