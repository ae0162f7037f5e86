//! [`UploadUrls`] and [`DownloadUrls`]: S3 presigned URLs, signed with
//! SigV4 in query parameters.
//!
//! Presigning is local computation: no call to S3, no HTTP client. So this
//! module signs with `aws-sigv4`, the SDK's own signer, instead of linking
//! the whole `aws-sdk-s3` crate into every function that hands out a URL;
//! that crate is one of the largest in the binary, and binary size is a
//! cold-start cost. The signature binds the method, the key and the signed
//! headers (for uploads: Content-Type and Content-Length), so the holder of
//! the URL can do exactly that and nothing else, until it expires.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use rightnow_domain::ports::{DownloadUrls, PortError, PortResult, UploadUrls};
use rightnow_domain::video::VideoType;

use crate::{MissingSetting, env_var};

/// Signs URLs for the objects of one bucket.
#[derive(Debug, Clone)]
pub struct BucketUrls {
    bucket: String,
    region: String,
    credentials: SharedCredentialsProvider,
    /// `Some(endpoint)` when the SDK's endpoint is overridden (the local
    /// stack): path-style URLs on that endpoint, since
    /// `bucket.127.0.0.1` does not resolve. `None`: virtual-hosted URLs on
    /// AWS.
    endpoint: Option<String>,
}

impl BucketUrls {
    /// The bucket `bucket`, with the region, credentials and endpoint of
    /// `sdk`.
    pub fn new(sdk: &SdkConfig, bucket: impl Into<String>) -> Result<Self, MissingSetting> {
        Ok(Self {
            bucket: bucket.into(),
            region: sdk
                .region()
                .map(ToString::to_string)
                .ok_or(MissingSetting("AWS_REGION"))?,
            credentials: sdk
                .credentials_provider()
                .ok_or(MissingSetting("AWS_ACCESS_KEY_ID"))?,
            endpoint: sdk
                .endpoint_url()
                .map(|e| e.trim_end_matches('/').to_owned()),
        })
    }

    /// The bucket named by the environment variable `var`
    /// (`MEDIA_BUCKET`, `REPORTS_BUCKET`).
    pub fn from_env(sdk: &SdkConfig, var: &'static str) -> Result<Self, MissingSetting> {
        Self::new(sdk, env_var(var)?)
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn object_url(&self, key: &str) -> String {
        match &self.endpoint {
            Some(endpoint) => format!("{endpoint}/{}/{key}", self.bucket),
            None => format!(
                "https://{}.s3.{}.amazonaws.com/{key}",
                self.bucket, self.region
            ),
        }
    }

    /// A URL for `method` on `key`, valid for `ttl`, that also binds the
    /// given headers: a request must send them with these values.
    async fn presign(
        &self,
        method: &str,
        key: &str,
        headers: &[(&str, &str)],
        ttl: Duration,
    ) -> PortResult<String> {
        let identity = self
            .credentials
            .provide_credentials()
            .await
            .map_err(PortError::new)?
            .into();
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(ttl);
        // S3's rules: the path is encoded once and never normalized.
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(PortError::new)?
            .into();
        let url = self.object_url(key);
        let signable = SignableRequest::new(
            method,
            &url,
            headers.iter().copied(),
            SignableBody::UnsignedPayload,
        )
        .map_err(PortError::new)?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(PortError::new)?
            .into_parts();
        let mut request = http::Request::builder()
            .method(method)
            .uri(&url)
            .body(())
            .map_err(PortError::new)?;
        instructions.apply_to_request_http1x(&mut request);
        Ok(request.uri().to_string())
    }
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
        let size = size.to_string();
        let headers = [
            ("content-type", content_type.mime()),
            ("content-length", size.as_str()),
        ];
        self.presign("PUT", key, &headers, ttl).await
    }
}

#[async_trait]
impl DownloadUrls for BucketUrls {
    async fn presign_get(&self, key: &str, ttl: Duration) -> PortResult<String> {
        self.presign("GET", key, &[], ttl).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_config::Region;
    use aws_credential_types::Credentials;

    fn sdk(endpoint: Option<&str>) -> SdkConfig {
        let mut b = SdkConfig::builder()
            .region(Region::new("eu-west-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::for_tests()));
        if let Some(e) = endpoint {
            b = b.endpoint_url(e);
        }
        b.build()
    }

    #[tokio::test]
    async fn on_aws_urls_are_virtual_hosted_and_bind_type_and_length() {
        let urls = BucketUrls::new(&sdk(None), "media").unwrap();
        let ttl = Duration::from_secs(900);
        let put = urls
            .presign_put("uploads/x", VideoType::Mp4, 42, ttl)
            .await
            .unwrap();
        assert!(
            put.starts_with("https://media.s3.eu-west-1.amazonaws.com/uploads/x?"),
            "{put}"
        );
        assert!(put.contains("X-Amz-Expires=900"), "{put}");
        assert!(
            put.contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"),
            "{put}"
        );
        let get = urls.presign_get("videos/x", ttl).await.unwrap();
        assert!(get.contains("X-Amz-SignedHeaders=host"), "{get}");
    }

    #[tokio::test]
    async fn with_an_endpoint_override_urls_are_path_style() {
        let urls = BucketUrls::new(&sdk(Some("http://127.0.0.1:4566/")), "media").unwrap();
        let get = urls
            .presign_get("videos/x", Duration::from_secs(60))
            .await
            .unwrap();
        assert!(
            get.starts_with("http://127.0.0.1:4566/media/videos/x?"),
            "{get}"
        );
    }
}
