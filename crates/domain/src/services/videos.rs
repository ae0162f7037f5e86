use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::idempotency::WriteId;
use crate::ports::{DownloadUrls, UploadUrls, VideoStore, VideoWrite};
use crate::services::{Ids, WriteLimit};
use crate::video::{NewVideo, UploadTicket, Video, VideoId, VideoStatus, VideoView};
use crate::{DomainError, Resource};

/// Video uploads: register one and hand out its upload URL; report its status.
pub struct Videos {
    store: Arc<dyn VideoStore>,
    uploads: Arc<dyn UploadUrls>,
    downloads: Arc<dyn DownloadUrls>,
    clock: Arc<dyn Clock>,
    writes: Arc<WriteLimit>,
    ids: Ids,
}

impl Videos {
    /// How long an upload URL stays valid.
    pub const UPLOAD_TTL: Duration = Duration::from_secs(15 * 60);
    /// How long a playback URL stays valid.
    pub const PLAYBACK_TTL: Duration = Duration::from_secs(60 * 60);

    /// Videos recorded in `store`, uploaded and played through presigned
    /// URLs, timed by `clock`, each registration counted against its
    /// client's `writes`.
    pub fn new(
        store: Arc<dyn VideoStore>,
        uploads: Arc<dyn UploadUrls>,
        downloads: Arc<dyn DownloadUrls>,
        clock: Arc<dyn Clock>,
        writes: Arc<WriteLimit>,
    ) -> Self {
        Self {
            store,
            uploads,
            downloads,
            clock,
            writes,
            ids: Ids::default(),
        }
    }

    /// Validates the declaration from `client` (its address), counts it
    /// against the client's writes, records the video as awaiting its
    /// upload, and returns a PUT URL bound to its key, type and size. A
    /// keyed write (`write`) records the video it names: sent again after
    /// a lost answer, it finds that record and signs a URL for it again.
    pub async fn register(
        &self,
        input: NewVideo,
        client: &str,
        write: Option<WriteId>,
    ) -> Result<UploadTicket, DomainError> {
        let valid = input.validate()?;
        self.writes.admit(client, &[]).await?;
        let now = self.clock.now();
        let (id, created_at) = match write {
            Some(w) => (VideoId(w.0), w.at()),
            None => (VideoId(self.ids.next(now)), now),
        };
        // Sign first: if signing fails, no orphan record is left behind.
        let upload_url = self
            .uploads
            .presign_put(
                &id.upload_key(),
                valid.content_type,
                valid.size,
                Self::UPLOAD_TTL,
            )
            .await?;
        let video = Video {
            id,
            title: valid.title,
            content_type: valid.content_type,
            size: valid.size,
            status: VideoStatus::AwaitingUpload,
            reasons: Vec::new(),
            found: None,
            upload_etag: None,
            created_at,
        };
        // Stored now or by the first copy of this write: the same record.
        let (VideoWrite::Stored | VideoWrite::AlreadyStored) = self.store.create(&video).await?;
        Ok(UploadTicket {
            id,
            upload_url,
            expires_at: now + Self::UPLOAD_TTL,
        })
    }

    /// The video's status; a playback URL once it is approved.
    pub async fn status(&self, id: &str) -> Result<VideoView, DomainError> {
        let not_found = DomainError::NotFound(Resource::Video);
        let Ok(id) = id.parse::<VideoId>() else {
            return Err(not_found);
        };
        let video = self.store.get(id).await?.ok_or(not_found)?;
        let playback_url = match video.status {
            VideoStatus::Approved => Some(
                self.downloads
                    .presign_get(&id.approved_key(video.content_type), Self::PLAYBACK_TTL)
                    .await?,
            ),
            _ => None,
        };
        Ok(VideoView {
            id,
            title: video.title,
            status: video.status,
            reasons: video.reasons,
            found: video.found,
            playback_url,
        })
    }
}
