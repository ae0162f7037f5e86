//! The objects of one bucket through aws-sdk-s3 (the data plane;
//! presigning stays in [`crate::s3`], which signs locally without it):
//! - [`ObjectRanges`]: ranged `GetObject`s;
//! - [`StoredObjects`]: `HeadObject`, and a move that is a `CopyObject` on
//!   condition of the source's ETag (`x-amz-copy-source-if-match`), then a
//!   `DeleteObject` on the same condition (`If-Match`);
//! - [`ObjectDigests`]: one streaming `GetObject` (`If-Match`) hashed chunk
//!   by chunk, so memory stays flat whatever the size;
//! - [`ReportObjects`]: `PutObject` of a small object, and of one made of
//!   others, streamed from their `GetObject`s into its body (a known
//!   length, so memory stays flat whatever the size).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use bytes::Bytes;
use rightnow_domain::ports::{
    Concat, Concatenated, Moved, ObjectDigests, ObjectRanges, ObjectVersion, PortError, PortResult,
    ReportObjects, StoredObjects,
};
use sha2::{Digest, Sha256};

use crate::{MissingSetting, env_var};

/// The objects of one bucket.
#[derive(Debug, Clone)]
pub struct BucketObjects {
    client: Client,
    bucket: String,
}

impl BucketObjects {
    /// The objects of `bucket`, through `client`.
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// The bucket the template names in the environment variable `var`
    /// (`MEDIA_BUCKET`). Path-style addressing when the endpoint is
    /// overridden (the local stack), where `bucket.127.0.0.1` does not
    /// resolve.
    pub fn from_env(
        sdk: &aws_config::SdkConfig,
        var: &'static str,
    ) -> Result<Self, MissingSetting> {
        let config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(sdk.endpoint_url().is_some())
            .build();
        Ok(Self::new(Client::from_conf(config), env_var(var)?))
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// A HEAD of a key that never exists: the cheapest call that opens a
    /// connection to S3, for [`crate::config::warm_up`].
    pub async fn touch(&self) {
        let _ = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key("warm-up")
            .send()
            .await;
    }
}

/// The HTTP status of a failed call, if it got an answer.
fn status<E>(e: &SdkError<E, HttpResponse>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

fn port_err<E>(e: E) -> PortError
where
    E: std::error::Error + Send + Sync + 'static,
{
    PortError::new(DisplayErrorContext(e).to_string())
}

/// An ETag as a condition header takes it: quoted.
fn quoted(etag: &str) -> String {
    format!("\"{}\"", etag.trim_matches('"'))
}

#[async_trait]
impl ObjectRanges for BucketObjects {
    async fn read_range(&self, key: &str, start: u64, len: u64) -> PortResult<Vec<u8>> {
        if len == 0 {
            return Ok(Vec::new());
        }
        // HTTP ranges are inclusive.
        let last = start.saturating_add(len - 1);
        let result = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes={start}-{last}"))
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            // A range that starts at or past the end: nothing there.
            Err(e) if status(&e) == Some(416) => return Ok(Vec::new()),
            Err(e) => return Err(port_err(e)),
        };
        let bytes = out.body.collect().await.map_err(PortError::new)?;
        Ok(bytes.into_bytes().to_vec())
    }
}

#[async_trait]
impl StoredObjects for BucketObjects {
    async fn version(&self, key: &str) -> PortResult<Option<ObjectVersion>> {
        let result = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await;
        match result {
            Ok(out) => Ok(Some(ObjectVersion {
                size: out
                    .content_length()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
                etag: out.e_tag().unwrap_or_default().trim_matches('"').to_owned(),
            })),
            Err(e) if status(&e) == Some(404) => Ok(None),
            Err(e) => Err(port_err(e)),
        }
    }

    async fn move_version(&self, from: &str, etag: &str, to: &str) -> PortResult<Moved> {
        let copied = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(to)
            .copy_source(format!("{}/{from}", self.bucket))
            .copy_source_if_match(quoted(etag))
            .send()
            .await;
        match copied {
            Ok(_) => {}
            // Another version, or none: nothing to move.
            Err(e) if matches!(status(&e), Some(412 | 404)) => return Ok(Moved::NotThatVersion),
            Err(e) => return Err(port_err(e)),
        }
        let deleted = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(from)
            .if_match(quoted(etag))
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(Moved::Moved),
            // Replaced since the copy (a newer upload, with its own event),
            // or already deleted by an earlier delivery: the copy stands.
            Err(e) if matches!(status(&e), Some(412 | 404)) => Ok(Moved::Moved),
            Err(e) => Err(port_err(e)),
        }
    }
}

#[async_trait]
impl ObjectDigests for BucketObjects {
    async fn sha256(&self, key: &str, etag: &str) -> PortResult<Option<(String, u64)>> {
        let result = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .if_match(quoted(etag))
            .send()
            .await;
        let mut out = match result {
            Ok(out) => out,
            Err(e) if matches!(status(&e), Some(412 | 404)) => return Ok(None),
            Err(e) if e.code() == Some("NoSuchKey") => return Ok(None),
            Err(e) => return Err(port_err(e)),
        };
        let mut hasher = Sha256::new();
        let mut hashed = 0u64;
        // Chunk by chunk as they arrive: never the whole object in memory.
        while let Some(chunk) = out.body.try_next().await.map_err(PortError::new)? {
            hasher.update(&chunk);
            hashed += chunk.len() as u64;
        }
        let digest = hasher.finalize();
        let hex = digest.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Some((hex, hashed)))
    }
}

#[async_trait]
impl ReportObjects for BucketObjects {
    async fn put(&self, key: &str, content_type: &str, body: Vec<u8>) -> PortResult<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(body.into())
            .send()
            .await
            .map_err(port_err)?;
        Ok(())
    }

    async fn concat(
        &self,
        key: &str,
        content_type: &str,
        concat: Concat,
    ) -> PortResult<Concatenated> {
        let len = concat.head.len() as u64 + concat.parts_len + concat.tail.len() as u64;
        // The body is fed by a task that reads each part as a stream and
        // sends its chunks on; a small channel keeps a few chunks in memory
        // at most, whatever the whole's size.
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let missing = Arc::new(Mutex::new(None));
        let feeder = tokio::spawn(feed(self.clone(), concat, tx, missing.clone()));
        let body = ByteStream::from_body_1_x(ChannelBody { rx, len });
        let put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(i64::try_from(len).map_err(PortError::new)?)
            .body(body)
            .send()
            .await;
        // Whatever the put did, the feeder has nothing left to do.
        feeder.abort();
        if let Some(part) = missing.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Ok(Concatenated::MissingPart(part));
        }
        put.map_err(port_err)?;
        Ok(Concatenated::Stored)
    }
}

/// Sends `concat`'s head, each part's chunks and its tail down `tx`; a
/// part that is not there is noted in `missing` and ends the body with an
/// error, so the put fails and stores nothing. So does a part whose size
/// is not what was announced.
async fn feed(
    objects: BucketObjects,
    concat: Concat,
    tx: tokio::sync::mpsc::Sender<Result<Bytes, PortError>>,
    missing: Arc<Mutex<Option<String>>>,
) {
    let _ = tx.send(Ok(Bytes::from(concat.head))).await;
    let mut sent = 0u64;
    for part in &concat.parts {
        let out = match objects
            .client
            .get_object()
            .bucket(&objects.bucket)
            .key(part)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                if status(&e) == Some(404) {
                    *missing.lock().unwrap_or_else(|p| p.into_inner()) = Some(part.clone());
                }
                let _ = tx.send(Err(port_err(e))).await;
                return;
            }
        };
        let mut body = out.body;
        loop {
            match body.try_next().await {
                Ok(Some(chunk)) => {
                    sent += chunk.len() as u64;
                    if tx.send(Ok(chunk)).await.is_err() {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = tx.send(Err(port_err(e))).await;
                    return;
                }
            }
        }
    }
    if sent != concat.parts_len {
        let why = format!("the parts are {sent} bytes, not {}", concat.parts_len);
        let _ = tx.send(Err(PortError::new(why))).await;
        return;
    }
    let _ = tx.send(Ok(Bytes::from(concat.tail))).await;
}

/// A request body of a known length, its chunks taken from a channel.
struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, PortError>>,
    len: u64,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = PortError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, PortError>>> {
        self.rx
            .poll_recv(cx)
            .map(|next| next.map(|chunk| chunk.map(http_body::Frame::data)))
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.len)
    }
}
