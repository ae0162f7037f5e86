//! Presigned URLs against a real bucket.

use std::time::Duration;

use rightnow_aws::objects::BucketObjects;
use rightnow_aws::s3::BucketUrls;
use rightnow_domain::ports::{
    DownloadUrls, Moved, ObjectDigests, ObjectRanges, StoredObjects, UploadUrls,
};
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

/// A fresh media bucket and its objects' adapter.
async fn objects() -> (aws_sdk_s3::Client, String, BucketObjects) {
    let (s3, urls) = bucket().await;
    let name = urls.bucket().to_owned();
    (s3.clone(), name.clone(), BucketObjects::new(s3, name))
}

async fn put(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, data: Vec<u8>) -> String {
    let out = s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(data.into())
        .send()
        .await
        .unwrap();
    out.e_tag().unwrap().trim_matches('"').to_owned()
}

/// A move happens only for the version inspected: a replaced upload is
/// not moved, and a gone one is not an error.
#[tokio::test]
async fn objects_move_only_as_the_version_that_was_inspected() {
    let (s3, bucket, objects) = objects().await;
    let first = put(&s3, &bucket, "uploads/a", vec![1; 100]).await;
    let v = objects.version("uploads/a").await.unwrap().unwrap();
    assert_eq!((v.size, v.etag.as_str()), (100, first.as_str()));
    assert_eq!(objects.version("uploads/none").await.unwrap(), None);

    // GIVEN the upload was replaced after it was inspected
    let second = put(&s3, &bucket, "uploads/a", vec![2; 50]).await;
    assert_ne!(first, second);
    // THEN moving the inspected version moves nothing
    assert_eq!(
        objects
            .move_version("uploads/a", &first, "videos/a.mp4")
            .await
            .unwrap(),
        Moved::NotThatVersion
    );
    assert_eq!(objects.version("videos/a.mp4").await.unwrap(), None);
    // AND moving the current one copies it, then deletes the upload
    assert_eq!(
        objects
            .move_version("uploads/a", &second, "videos/a.mp4")
            .await
            .unwrap(),
        Moved::Moved
    );
    assert_eq!(objects.version("uploads/a").await.unwrap(), None);
    assert_eq!(
        objects.version("videos/a.mp4").await.unwrap().unwrap().size,
        50
    );
    // AND a move of what is gone is a no-op
    assert_eq!(
        objects
            .move_version("uploads/a", &second, "videos/a.mp4")
            .await
            .unwrap(),
        Moved::NotThatVersion
    );
}

/// The digest is the SHA-256 of every byte (the standard test vectors,
/// streamed over a 1 MB object), only of the version asked for.
#[tokio::test]
async fn the_digest_is_the_sha256_of_the_version_asked_for() {
    let (s3, bucket, objects) = objects().await;
    let abc = put(&s3, &bucket, "uploads/abc", b"abc".to_vec()).await;
    assert_eq!(
        objects.sha256("uploads/abc", &abc).await.unwrap(),
        Some((
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into(),
            3
        ))
    );
    // A million "a"s: the stream arrives in many chunks.
    let million = put(&s3, &bucket, "uploads/m", vec![b'a'; 1_000_000]).await;
    assert_eq!(
        objects.sha256("uploads/m", &million).await.unwrap(),
        Some((
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0".into(),
            1_000_000
        ))
    );
    assert_eq!(objects.sha256("uploads/abc", "stale").await.unwrap(), None);
    assert_eq!(objects.sha256("uploads/none", &abc).await.unwrap(), None);
}

/// An object made of others is their bytes in order, streamed: here 3 MiB
/// of parts, more than one chunk of each. A missing part, or parts that do
/// not add up to what was announced, store nothing.
#[tokio::test]
async fn an_object_made_of_parts_is_their_bytes_in_order() {
    use rightnow_domain::ports::{Concat, Concatenated, ReportObjects};
    let (s3, bucket, objects) = objects().await;
    let parts: Vec<Vec<u8>> = (0..3u8).map(|i| vec![b'a' + i; 1024 * 1024]).collect();
    let mut keys = Vec::new();
    for (i, data) in parts.iter().enumerate() {
        let key = format!("work/part-{i}");
        put(&s3, &bucket, &key, data.clone()).await;
        keys.push(key);
    }
    let concat = |parts: Vec<String>, parts_len: u64| Concat {
        head: b"[".to_vec(),
        parts,
        tail: b"]".to_vec(),
        parts_len,
    };
    let total = 3 * 1024 * 1024;

    let stored = objects
        .concat("reports/whole", "text/plain", concat(keys.clone(), total))
        .await
        .unwrap();

    assert_eq!(stored, Concatenated::Stored);
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("reports/whole")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("text/plain"));
    let body = got.body.collect().await.unwrap().to_vec();
    assert_eq!(
        body,
        [b"[".to_vec(), parts.concat(), b"]".to_vec()].concat()
    );

    let mut with_a_gap = keys.clone();
    with_a_gap.insert(1, "work/never-written".into());
    assert_eq!(
        objects
            .concat("reports/gap", "text/plain", concat(with_a_gap, total))
            .await
            .unwrap(),
        Concatenated::MissingPart("work/never-written".into())
    );
    assert!(
        objects
            .concat("reports/short", "text/plain", concat(keys, total + 1))
            .await
            .is_err(),
        "parts that do not add up"
    );
    for never in ["reports/gap", "reports/short"] {
        let head = s3.head_object().bucket(&bucket).key(never).send().await;
        assert!(head.is_err(), "{never} was stored");
    }
}
