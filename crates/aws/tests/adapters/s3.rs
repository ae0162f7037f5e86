//! Presigned URLs against a real bucket.

use std::time::Duration;

use rightnow_aws::objects::BucketObjects;
use rightnow_aws::s3::BucketUrls;
use rightnow_domain::ports::{DownloadUrls, ObjectRanges, UploadUrls};
use rightnow_domain::video::VideoType;
use rightnow_infra::resources;

use crate::{make, sdk};

/// A fresh bucket, made from the template's `MediaBucket`.
async fn bucket() -> (aws_sdk_s3::Client, BucketUrls) {
    let sdk = sdk().await;
    let made = make("MediaBucket").await;
    (
        resources::s3(&sdk),
        BucketUrls::new(&sdk, made.name).unwrap(),
    )
}

#[tokio::test]
async fn a_presigned_put_accepts_exactly_the_declared_upload() {
    let (s3, urls) = bucket().await;
    let bytes = vec![7u8; 1000];
    let ttl = Duration::from_secs(300);
    let http = reqwest::Client::new();
    let put = |url: String, ct: &'static str, body: Vec<u8>| {
        let http = http.clone();
        async move {
            http.put(url)
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };

    let url = urls
        .presign_put("uploads/a", VideoType::Mp4, 1000, ttl)
        .await
        .unwrap();
    assert!(
        !put(url.clone(), "video/quicktime", bytes.clone())
            .await
            .is_success(),
        "other type"
    );
    assert!(
        !put(url.clone(), "video/mp4", vec![7u8; 999])
            .await
            .is_success(),
        "other size"
    );
    let wrong_key = url.replacen("uploads/a", "uploads/b", 1);
    assert!(
        !put(wrong_key, "video/mp4", bytes.clone())
            .await
            .is_success(),
        "other key"
    );
    assert!(
        s3.head_object()
            .bucket(urls.bucket())
            .key("uploads/a")
            .send()
            .await
            .is_err(),
        "refused uploads store nothing"
    );

    assert!(put(url, "video/mp4", bytes.clone()).await.is_success());
    let head = s3
        .head_object()
        .bucket(urls.bucket())
        .key("uploads/a")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(1000));
    assert_eq!(head.content_type(), Some("video/mp4"));

    let get = urls.presign_get("uploads/a", ttl).await.unwrap();
    let body = http.get(get).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(body.as_ref(), bytes.as_slice());
}

/// A ranged read returns exactly the bytes asked for, fewer where the
/// object ends, none past it; a missing object is an error.
#[tokio::test]
async fn ranged_reads_return_the_bytes_asked_for_and_no_more() {
    let (s3, urls) = bucket().await;
    let data: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    s3.put_object()
        .bucket(urls.bucket())
        .key("uploads/a")
        .body(data.clone().into())
        .send()
        .await
        .unwrap();
    let objects = BucketObjects::new(s3, urls.bucket());

    let read = |start: u64, len: u64| objects.read_range("uploads/a", start, len);
    assert_eq!(read(0, 16).await.unwrap(), data[..16]);
    assert_eq!(read(500, 100).await.unwrap(), data[500..600]);
    assert_eq!(read(990, 16).await.unwrap(), data[990..], "cut at the end");
    assert!(read(1000, 16).await.unwrap().is_empty(), "at the end");
    assert!(read(5000, 16).await.unwrap().is_empty(), "past the end");
    assert!(read(0, 0).await.unwrap().is_empty());
    assert!(objects.read_range("uploads/none", 0, 16).await.is_err());
}
