//! video-moderation end to end: a video registered with `POST /api/videos`,
//! its bytes PUT to the presigned URL as a browser does, S3's "Object
//! Created" event delivered through the default bus and the template's rule
//! to the deployed function, and the verdict read back with
//! `GET /api/videos/{id}`; the bucket checked behind the API's back.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_lambda::primitives::Blob;
use serde_json::{Value, json};

use crate::api::{get, post_json};
use crate::{sdk, stack};

/// A committed fixture video (tests/fixtures/videos, `make fixtures`).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = rightnow_infra::tools::workspace_root()
        .join("tests/fixtures/videos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Registers a video declared as `content_type` of `declared` bytes.
pub async fn register(title: &str, content_type: &str, declared: usize) -> (String, String) {
    let ticket = post_json(
        "/api/videos",
        json!({"title": title, "contentType": content_type, "size": declared}),
    )
    .await;
    assert_eq!(ticket.status, 201, "{ticket:?}");
    (
        ticket.json["id"].as_str().unwrap().to_owned(),
        ticket.json["uploadUrl"].as_str().unwrap().to_owned(),
    )
}

/// PUTs `bytes` to a presigned upload URL, as the browser does.
pub async fn put(upload_url: &str, content_type: &str, bytes: Vec<u8>) {
    let status = put_status(upload_url, content_type, bytes).await;
    assert!(status.is_success(), "PUT: {status}");
}

/// [`put`], answering with the status whatever it is.
pub async fn put_status(
    upload_url: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::StatusCode {
    reqwest::Client::new()
        .put(upload_url)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap()
        .status()
}

/// Registers and uploads fixture `name` as `content_type`; returns its id.
pub async fn upload(name: &str, content_type: &str, title: &str) -> String {
    let bytes = fixture(name);
    let (id, url) = register(title, content_type, bytes.len()).await;
    put(&url, content_type, bytes).await;
    id
}

/// `GET /api/videos/{id}` until it shows a verdict, backing off.
pub async fn verdict(id: &str) -> Value {
    let start = Instant::now();
    let mut wait = Duration::from_millis(100);
    loop {
        let view = get(&format!("/api/videos/{id}")).await;
        assert_eq!(view.status, 200, "{view:?}");
        if matches!(view.json["status"].as_str(), Some("approved" | "rejected")) {
            return view.json;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no verdict on {id} after 60 s: {}",
            view.json
        );
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(2));
    }
}

/// The view without its playback URL, which is signed anew on each call.
fn unsigned(mut view: Value) -> Value {
    view.as_object_mut().unwrap().remove("playbackUrl");
    view
}

fn codes(view: &Value) -> Vec<&str> {
    view["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect()
}

async fn s3() -> (aws_sdk_s3::Client, String) {
    (
        rightnow_infra::resources::s3(&sdk().await),
        stack().output("MediaBucketName").unwrap().to_owned(),
    )
}

/// Whether the media bucket holds `key`.
pub async fn exists(key: &str) -> bool {
    let (s3, bucket) = s3().await;
    s3.head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .is_ok()
}

/// The ETag of `key` in the media bucket, without quotes.
pub async fn head(key: &str) -> String {
    let (s3, bucket) = s3().await;
    let out = s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    out.e_tag().unwrap().trim_matches('"').to_owned()
}

/// Waits until `key` exists in the media bucket.
async fn appears(key: &str) {
    let start = Instant::now();
    while !exists(key).await {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{key} never appeared"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_valid_upload_is_approved_and_playable() {
    let bytes = fixture("h264.mp4");
    let id = upload("h264.mp4", "video/mp4", "A cat").await;
    let view = verdict(&id).await;
    assert_eq!(view["status"], "approved", "{view}");
    assert_eq!(codes(&view), Vec::<&str>::new());
    let found = &view["found"];
    assert_eq!(
        (
            &found["container"],
            &found["codec"],
            &found["width"],
            &found["height"]
        ),
        (&json!("mp4"), &json!("avc1"), &json!(320), &json!(240)),
        "{view}"
    );
    assert_eq!(found["size"], bytes.len());
    assert_eq!(found["durationMs"], 2023);
    assert_eq!(found["sha256"].as_str().unwrap().len(), 64);

    // Served from videos/<id>.mp4, and the upload is gone.
    let url = view["playbackUrl"].as_str().expect("a playback URL");
    assert!(url.contains(&format!("videos/{id}.mp4")), "{url}");
    let played = reqwest::get(url).await.unwrap();
    assert_eq!(played.status(), 200);
    assert_eq!(played.bytes().await.unwrap().len(), bytes.len());
    assert!(!exists(&format!("uploads/{id}")).await);
}

#[tokio::test]
async fn fragmented_mp4_hevc_and_quicktime_are_approved() {
    let cases = [
        ("fragmented.mp4", "video/mp4", "mp4"),
        ("hevc.mp4", "video/mp4", "mp4"),
        ("h264.mov", "video/quicktime", "mov"),
    ];
    let views = futures::future::join_all(cases.iter().map(|(name, ct, ext)| async move {
        let id = upload(name, ct, "Fine").await;
        (id.clone(), verdict(&id).await, *ext)
    }))
    .await;
    for (id, view, ext) in views {
        assert_eq!(view["status"], "approved", "{view}");
        assert!(exists(&format!("videos/{id}.{ext}")).await, "{view}");
    }
}

/// Every bad upload the issue names: rejected with its reason, moved to
/// quarantine, never to videos/.
#[tokio::test]
async fn bad_uploads_are_rejected_with_a_reason_and_quarantined() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("text.mp4", "video/mp4", "Fine", "not_a_video"),
        ("image.mp4", "video/mp4", "Fine", "not_a_video"),
        ("vp9.webm", "video/mp4", "Fine", "not_a_video"),
        ("truncated.mp4", "video/mp4", "Fine", "unreadable"),
        ("bad-size.mp4", "video/mp4", "Fine", "unreadable"),
        // mp4parse skips the boxes it does not expect: a track of nothing.
        ("deep.mp4", "video/mp4", "Fine", "no_video_track"),
        ("audio-only.mp4", "video/mp4", "Fine", "no_video_track"),
        ("h264.mov", "video/mp4", "Fine", "container_mismatch"),
        ("h264.mp4", "video/quicktime", "Fine", "container_mismatch"),
        ("long.mp4", "video/mp4", "Fine", "too_long"),
        ("too-big.mp4", "video/mp4", "Fine", "resolution_too_high"),
        ("h264.mp4", "video/mp4", "Cheap SPAM here", "title_blocked"),
    ];
    let views = futures::future::join_all(cases.iter().map(|(name, ct, title, _)| async move {
        let id = upload(name, ct, title).await;
        (id.clone(), verdict(&id).await)
    }))
    .await;
    for ((id, view), (name, _, _, code)) in views.iter().zip(cases) {
        assert_eq!(view["status"], "rejected", "{name}: {view}");
        assert!(codes(view).contains(code), "{name}: {view}");
        for r in view["reasons"].as_array().unwrap() {
            assert!(!r["message"].as_str().unwrap().is_empty(), "{name}: {view}");
        }
        assert!(view.get("playbackUrl").is_none(), "{name}");
        assert!(exists(&format!("quarantine/{id}")).await, "{name}");
        assert!(!exists(&format!("uploads/{id}")).await, "{name}");
    }
}

/// Bytes that are not what was declared: none and more. The presigned URL
/// refuses another size, so these are written around it, as a client that
/// kept an old URL or a misbehaving tool could.
#[tokio::test]
async fn an_upload_of_another_size_than_declared_is_rejected() {
    let (s3, bucket) = s3().await;
    let bytes = fixture("h264.mp4");
    let (larger, _) = register("Fine", "video/mp4", bytes.len() - 100).await;
    let (empty, _) = register("Fine", "video/mp4", 10).await;
    for (id, body) in [(&larger, bytes), (&empty, Vec::new())] {
        s3.put_object()
            .bucket(&bucket)
            .key(format!("uploads/{id}"))
            .body(body.into())
            .send()
            .await
            .unwrap();
    }
    let view = verdict(&larger).await;
    assert_eq!(codes(&view), ["size_mismatch"], "{view}");
    let view = verdict(&empty).await;
    assert_eq!(codes(&view), ["not_a_video", "size_mismatch"], "{view}");
}

/// How an operator blocks a file, as the README says: a `BLOCKED#<sha256>`
/// item in the app table.
#[tokio::test]
async fn a_file_on_the_hash_blocklist_is_rejected() {
    let id = upload("faststart.mp4", "video/mp4", "Fine").await;
    let first = verdict(&id).await;
    assert_eq!(first["status"], "approved", "{first}");
    let sha = first["found"]["sha256"].as_str().unwrap().to_owned();
    let table = aws_sdk_dynamodb::Client::new(&sdk().await);
    table
        .put_item()
        .table_name(stack().output("AppTableName").unwrap())
        .item("pk", AttributeValue::S(format!("BLOCKED#{sha}")))
        .item("sk", AttributeValue::S("HASH".into()))
        .send()
        .await
        .unwrap();
    let again = upload("faststart.mp4", "video/mp4", "Fine").await;
    let view = verdict(&again).await;
    assert_eq!(codes(&view), ["known_bad"], "{view}");
    assert!(exists(&format!("quarantine/{again}")).await);
}

/// At-least-once delivery, one effect: the same event delivered again to
/// the deployed function (as EventBridge may) changes nothing; a second
/// upload to a judged video (a reused URL) is quarantined, never judged;
/// an object that belongs to no video is quarantined.
#[tokio::test]
async fn redeliveries_reuploads_and_strays_change_no_verdict() {
    let bytes = fixture("h264.mp4");
    let (id, url) = register("A dog", "video/mp4", bytes.len()).await;
    put(&url, "video/mp4", bytes.clone()).await;
    let judged = verdict(&id).await;
    assert_eq!(judged["status"], "approved");

    // The same event, delivered again, straight to the deployed function.
    // (The copy keeps the upload's ETag: the MD5 of the same bytes.)
    let etag = head(&format!("videos/{id}.mp4")).await;
    let event = s3_event(&format!("uploads/{id}"), bytes.len(), &etag);
    let reply = invoke(&event).await;
    assert_eq!(reply["outcome"], "gone", "{reply}");
    assert_eq!(unsigned(verdict(&id).await), unsigned(judged.clone()));

    // The upload URL used again, with other bytes of the same size.
    let mut other = bytes.clone();
    other[bytes.len() - 1] ^= 0xff;
    put(&url, "video/mp4", other).await;
    let (s3, bucket) = s3().await;
    let start = Instant::now();
    let reupload = loop {
        let listed = s3
            .list_objects_v2()
            .bucket(&bucket)
            .prefix(format!("quarantine/{id}-reupload-"))
            .send()
            .await
            .unwrap();
        if let Some(o) = listed.contents().first() {
            break o.key().unwrap().to_owned();
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the reupload was not quarantined"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(!exists(&format!("uploads/{id}")).await, "{reupload}");
    assert_eq!(
        unsigned(verdict(&id).await),
        unsigned(judged),
        "the verdict stands"
    );

    // A key that names no video.
    let stray = format!("uploads/{}.mp4", crate::api::fresh_slug("holiday"));
    s3.put_object()
        .bucket(&bucket)
        .key(&stray)
        .body(bytes.into())
        .send()
        .await
        .unwrap();
    appears(&stray.replacen("uploads/", "quarantine/orphans/", 1)).await;
}

/// The S3 "Object Created" event EventBridge delivers for `key`.
pub fn s3_event(key: &str, size: usize, etag: &str) -> Value {
    json!({
        "version": "0",
        "id": crate::api::fresh_slug("redelivery"),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "000000000000",
        "time": "2026-11-27T10:00:05Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "version": "0",
            "bucket": {"name": stack().output("MediaBucketName").unwrap()},
            "object": {"key": key, "size": size, "etag": etag},
            "reason": "PutObject"
        }
    })
}

/// Invokes the deployed video-moderation with `event` and waits for its
/// answer.
pub async fn invoke(event: &Value) -> Value {
    let lambda = aws_sdk_lambda::Client::new(&sdk().await);
    let out = lambda
        .invoke()
        .function_name(stack().output("VideoModerationFunctionName").unwrap())
        .payload(Blob::new(event.to_string()))
        .send()
        .await
        .unwrap();
    let payload = out
        .payload()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    serde_json::from_slice(&payload).unwrap_or(Value::Null)
}
