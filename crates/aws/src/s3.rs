//! [`UploadUrls`] and [`DownloadUrls`] on S3 presigned requests.
//!
//! Presigning is local computation (no call to S3), so these never fail for
//! lack of network; the signature binds what the holder may do.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use rightnow_domain::ports::{DownloadUrls, PortError, PortResult, UploadUrls};
use rightnow_domain::video::VideoType;

use crate::{MissingSetting, env_var};

/// One bucket's objects, by presigned URL.
#[derive(Debug, Clone)]
pub struct BucketUrls {
    client: Client,
    bucket: String,
}

/// An S3 client for this environment: path-style addressing when the
/// endpoint is overridden (the local stack), virtual-hosted on AWS.
pub fn client(sdk: &aws_config::SdkConfig) -> Client {
    let config = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(sdk.endpoint_url().is_some())
        .build();
    Client::from_conf(config)
}

impl BucketUrls {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// The bucket named by the environment variable `var`
    /// (`MEDIA_BUCKET`, `REPORTS_BUCKET`).
    pub fn from_env(client: Client, var: &'static str) -> Result<Self, MissingSetting> {
        Ok(Self::new(client, env_var(var)?))
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

fn presigning(ttl: Duration) -> PortResult<PresigningConfig> {
    PresigningConfig::expires_in(ttl).map_err(PortError::new)
}

#[async_trait]
impl UploadUrls for BucketUrls {
    async fn presign_put(
        &self,
        key: &str,
        content_type: VideoType,
        size: u64,
        ttl: Duration,
    ) -> PortResult<String> {
        let size = i64::try_from(size).map_err(PortError::new)?;
        // Content-Type and Content-Length become signed headers: a PUT with
        // another type or another number of bytes fails the signature check.
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type.mime())
            .content_length(size)
            .presigned(presigning(ttl)?)
            .await
            .map_err(|e| PortError::new(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
        Ok(request.uri().to_owned())
    }
}

#[async_trait]
impl DownloadUrls for BucketUrls {
    async fn presign_get(&self, key: &str, ttl: Duration) -> PortResult<String> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(presigning(ttl)?)
            .await
            .map_err(|e| PortError::new(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
        Ok(request.uri().to_owned())
    }
}
