//! What moderating an upload costs, apart from cold start (which `make
//! bench` measures on the binary):
//!
//! 1. once, on a MiniStack this bench starts: a 200 MiB upload moderated
//!    through the real S3 and DynamoDB adapters, as the function does it.
//!    Printed: the bytes and requests the container check read, the hash's
//!    MiB/s over the stream, and this process's peak RSS while it ran
//!    (Linux's high-water mark, reset just before);
//! 2. with criterion, on the in-memory fakes: the container check of the
//!    same 200 MiB upload, and SHA-256 over 1 MiB, both CPU only.
//!
//! `cargo bench -p video-moderation --bench moderation [-- --quick]`. The
//! criterion group is named after the package: `rightnow-bench` reads the
//! medians from `target/criterion/video-moderation/*/new/estimates.json`.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rightnow_aws::dynamodb::AppTable;
use rightnow_aws::objects::BucketObjects;
use rightnow_domain::clock::SystemClock;
use rightnow_domain::container::{self, IndexLimits};
use rightnow_domain::fakes::{InMemoryBucket, RecordingPublisher};
use rightnow_domain::ports::{ObjectDigests, ObjectRanges, PortResult, VideoStore};
use rightnow_domain::services::moderation::{ModerationPorts, Moderator, Outcome, Upload};
use rightnow_domain::video::{Video, VideoId, VideoStatus, VideoType};
use sha2::{Digest, Sha256};
use tokio::runtime::Runtime;

const MIB: u64 = 1024 * 1024;
/// The upload the issue names: 200 MiB.
const UPLOAD_BYTES: u64 = 200 * MIB;

/// A valid MP4 of exactly `len` bytes: the fixture h264.mp4 (ftyp, free,
/// mdat, moov at the end) with its mdat grown by zeros. The index still
/// points at the original samples, at the same offsets.
fn large_mp4(len: u64) -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/videos/h264.mp4"
    );
    let small = std::fs::read(path).expect("tests/fixtures/videos/h264.mp4");
    let boxes = |at: usize| u32::from_be_bytes(small[at..at + 4].try_into().unwrap()) as usize;
    let (ftyp, free) = (boxes(0), boxes(32));
    let mdat_at = ftyp + free;
    let mdat = boxes(mdat_at);
    assert_eq!(
        &small[mdat_at + 4..mdat_at + 8],
        b"mdat",
        "h264.mp4's layout"
    );
    let moov = &small[mdat_at + mdat..];
    let grown = usize::try_from(len).unwrap() - mdat_at - moov.len();
    let mut out = Vec::with_capacity(usize::try_from(len).unwrap());
    out.extend_from_slice(&small[..mdat_at]);
    out.extend_from_slice(&u32::try_from(grown).unwrap().to_be_bytes());
    out.extend_from_slice(&small[mdat_at + 4..mdat_at + mdat]);
    out.resize(mdat_at + grown, 0);
    out.extend_from_slice(moov);
    out
}

/// Counts what the container check reads through the real adapter.
struct Counting<T> {
    inner: T,
    bytes: AtomicU64,
    requests: AtomicU64,
}

#[async_trait]
impl<T: ObjectRanges> ObjectRanges for Counting<T> {
    async fn read_range(&self, key: &str, start: u64, len: u64) -> PortResult<Vec<u8>> {
        let got = self.inner.read_range(key, start, len).await?;
        self.bytes.fetch_add(got.len() as u64, Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
        Ok(got)
    }
}

/// This process's resident set and its high-water mark, in KiB.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the high-water mark to the current RSS (Linux, `clear_refs` 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn limits() -> IndexLimits {
    video_moderation::settings::LIMITS
}

/// Part 1: a 200 MiB upload moderated on MiniStack through the adapters.
fn on_local_aws(rt: &Runtime) {
    let ms = rightnow_infra::ministack::shared();
    rt.block_on(async {
        let sdk = ms.sdk_config().await;
        let make = |id: &'static str| {
            let sdk = &sdk;
            async move {
                rightnow_infra::resources::create_fresh(sdk, id, "bench")
                    .await
                    .expect("a resource made from the template")
            }
        };
        let (table, bucket) = (make("AppTable").await, make("MediaBucket").await);
        let s3 = rightnow_infra::resources::s3(&sdk);
        let table = Arc::new(AppTable::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            table.name,
        ));
        let objects = Arc::new(BucketObjects::new(s3.clone(), &bucket.name));

        // The upload, written to a file and streamed from it, so that it is
        // not in this process's memory when moderation starts.
        let id = VideoId(ulid::Ulid::new());
        let file = std::env::temp_dir().join(format!("rightnow-bench-{id}.mp4"));
        std::fs::write(&file, large_mp4(UPLOAD_BYTES)).unwrap();
        let put = s3
            .put_object()
            .bucket(&bucket.name)
            .key(id.upload_key())
            .body(
                aws_sdk_s3::primitives::ByteStream::from_path(&file)
                    .await
                    .unwrap(),
            )
            .send()
            .await
            .expect("the upload");
        let _ = std::fs::remove_file(&file);
        table
            .create(&Video {
                id,
                title: "Benchmark".into(),
                content_type: VideoType::Mp4,
                size: UPLOAD_BYTES,
                status: VideoStatus::AwaitingUpload,
                reasons: vec![],
                found: None,
                upload_etag: None,
                created_at: time::OffsetDateTime::now_utc(),
            })
            .await
            .unwrap();
        let upload = Upload {
            key: id.upload_key(),
            size: UPLOAD_BYTES,
            etag: put.e_tag().unwrap().trim_matches('"').to_owned(),
        };

        // The container check alone, counted.
        let counting = Counting {
            inner: BucketObjects::new(s3.clone(), &bucket.name),
            bytes: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        };
        let started = Instant::now();
        container::inspect(&counting, &upload.key, UPLOAD_BYTES, limits())
            .await
            .expect("the large upload's index");
        let check = started.elapsed();
        // The streaming hash alone.
        let started = Instant::now();
        let (_, hashed) = objects
            .sha256(&upload.key, &upload.etag)
            .await
            .unwrap()
            .expect("the upload");
        let hash = started.elapsed();

        // The whole moderation, with the peak RSS around it.
        let ports = ModerationPorts {
            videos: table.clone(),
            blocklist: table,
            ranges: objects.clone(),
            objects: objects.clone(),
            digests: objects,
            bus: Arc::new(RecordingPublisher::default()),
            clock: Arc::new(SystemClock),
        };
        let settings = video_moderation::settings::from(|_| None).unwrap();
        let moderator = Moderator::new(ports, settings);
        let (before, _) = rss_kib();
        reset_peak();
        let started = Instant::now();
        let outcome = moderator.moderate(&upload).await.expect("moderation");
        let whole = started.elapsed();
        let (_, peak) = rss_kib();
        assert!(
            matches!(
                outcome,
                Outcome::Judged {
                    status: VideoStatus::Approved,
                    ..
                }
            ),
            "{outcome:?}"
        );
        let mib_s = |d: Duration| hashed as f64 / MIB as f64 / d.as_secs_f64();
        eprintln!(
            "video-moderation, a {} MiB upload on MiniStack through the S3 adapter:\n  \
             container check: {} bytes in {} ranged reads, {:.1} ms\n  \
             streaming SHA-256: {:.0} MiB/s ({:.2} s)\n  \
             whole moderation: {:.2} s; peak RSS {:.1} MiB (the process held {:.1} MiB before)",
            UPLOAD_BYTES / MIB,
            counting.bytes.load(Ordering::Relaxed),
            counting.requests.load(Ordering::Relaxed),
            check.as_secs_f64() * 1000.0,
            mib_s(hash),
            hash.as_secs_f64(),
            whole.as_secs_f64(),
            peak as f64 / 1024.0,
            before as f64 / 1024.0,
        );
    });
}

fn moderation(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this
    // binary too (criterion's test mode, each benchmark once), and should
    // not start a MiniStack and move 200 MiB for it.
    if std::env::args().any(|a| a == "--bench") {
        on_local_aws(&rt);
    }

    let mut g = c.benchmark_group("video-moderation");
    let bucket = InMemoryBucket::default();
    bucket.put("uploads/large", large_mp4(UPLOAD_BYTES));
    g.bench_function("container check, 200 MiB upload (fakes)", |b| {
        b.iter(|| {
            rt.block_on(container::inspect(
                &bucket,
                "uploads/large",
                UPLOAD_BYTES,
                limits(),
            ))
            .unwrap()
        })
    });
    let chunk = vec![0x5au8; 1 << 20];
    g.throughput(Throughput::Bytes(MIB));
    g.bench_function("SHA-256 of 1 MiB (CPU only)", |b| {
        b.iter(|| Sha256::digest(black_box(&chunk)))
    });
    g.finish();
}

criterion_group!(benches, moderation);
criterion_main!(benches);
