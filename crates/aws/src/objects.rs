//! [`ObjectRanges`] on S3: ranged `GetObject`s of one bucket, through
//! aws-sdk-s3 (the data plane; presigning stays in [`crate::s3`], which
//! signs locally without this crate).

use async_trait::async_trait;
use aws_sdk_s3::Client;
use rightnow_domain::ports::{ObjectRanges, PortError, PortResult};

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
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 416) => {
                return Ok(Vec::new());
            }
            Err(e) => {
                return Err(PortError::new(
                    aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
                ));
            }
        };
        let bytes = out.body.collect().await.map_err(PortError::new)?;
        Ok(bytes.into_bytes().to_vec())
    }
}
