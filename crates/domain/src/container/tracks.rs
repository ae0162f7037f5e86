//! What a video's index says: its tracks, their codecs and sizes, and its
//! duration, read with mp4parse from the `moov` alone (and, for a
//! fragmented file whose `moov` does not know its duration, from the
//! `moof` boxes).
//!
//! Why mp4parse: it is the parser Firefox ships for every MP4 it plays,
//! fuzzed continuously (OSS-Fuzz), with fallible allocation throughout, so
//! a hostile index is an error rather than an abort; and it is light (no
//! `num`, no derive macros, no second `thiserror`). mp4-atom also reads
//! fragments and has fuzz targets of its own, but pulls in `num`,
//! `derive_more` and `thiserror` 1, and refuses a known box in a place it
//! does not expect, where players read on. What mp4parse
//! leaves out is read here, from boxes already in memory: the sample
//! entry's four-character code (mp4parse names H.264, AV1, VP9 but calls
//! HEVC "unknown") and the fragments' durations.

use super::boxes::{FourCc, WalkError};
use super::children::{all, find};
use super::fragments::{TrackTicks, add_durations, trex_defaults};
use super::index::{ContainerIndex, IndexError, IndexLimits, read_box};
use crate::moderation::VideoTrack;
use crate::ports::ObjectRanges;

/// What the index of a file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracks {
    /// Its video tracks (none for an audio-only file).
    pub video: Vec<VideoTrack>,
    /// Its duration, in milliseconds: the longest track's.
    pub duration_ms: u64,
}

/// One track of a `moov`, as far as moderation cares.
#[derive(Debug, Clone)]
struct Track {
    id: u32,
    video: Option<VideoTrack>,
    timescale: u64,
    ticks: u64,
}

/// Reads the tracks of `index`, and the fragments of `key` if its `moov`
/// leaves the duration out.
pub async fn read_tracks(
    object: &dyn ObjectRanges,
    key: &str,
    index: &ContainerIndex,
    limits: IndexLimits,
) -> Result<Tracks, IndexError> {
    let mut tracks = parse_moov(&index.moov)?;
    let known = |tracks: &[Track]| tracks.iter().any(|t| t.ticks > 0);
    if index.fragmented && !known(&tracks) {
        let content = find(&index.moov, &[b"moov"])?.unwrap_or_default();
        let trex = trex_defaults(content)?;
        let mut totals = TrackTicks::default();
        let mut read = 0u64;
        for moof in index.boxes.iter().filter(|b| &b.kind == b"moof") {
            read += moof.len;
            if read > limits.max_fragment_index_bytes {
                return Err(IndexError::TooLarge {
                    kind: "moof (all of them)".into(),
                    len: read,
                    max: limits.max_fragment_index_bytes,
                });
            }
            let bytes = read_box(object, key, moof, moof.header_len, moof.len).await?;
            add_durations(&bytes, &trex, &mut totals)?;
        }
        for t in &mut tracks {
            t.ticks = totals.of(t.id);
        }
    }
    let duration_ms = tracks
        .iter()
        .filter(|t| t.timescale > 0)
        .map(|t| {
            u64::try_from(u128::from(t.ticks) * 1000 / u128::from(t.timescale)).unwrap_or(u64::MAX)
        })
        .max()
        .unwrap_or(0);
    Ok(Tracks {
        video: tracks.into_iter().filter_map(|t| t.video).collect(),
        duration_ms,
    })
}

/// The tracks of a whole `moov` box (header included).
fn parse_moov(moov: &[u8]) -> Result<Vec<Track>, IndexError> {
    let context = mp4parse::read_mp4(&mut std::io::Cursor::new(moov))
        .map_err(|e| IndexError::Unparsable(format!("{e:?}")))?;
    let codes = sample_entry_codes(moov)?;
    let mut tracks = Vec::new();
    for (i, t) in context.tracks.iter().enumerate() {
        let video = matches!(t.track_type, mp4parse::TrackType::Video).then(|| {
            // The larger of the coded size (sample entry) and the display
            // size (tkhd, 16.16 fixed point): either can be the large one.
            let (mut width, mut height) = t
                .tkhd
                .as_ref()
                .map_or((0, 0), |h| (h.width >> 16, h.height >> 16));
            if let Some(mp4parse::SampleEntry::Video(v)) =
                t.stsd.as_ref().and_then(|s| s.descriptions.first())
            {
                width = width.max(u32::from(v.width));
                height = height.max(u32::from(v.height));
            }
            let codec = codes.get(i).copied().flatten().map_or_else(
                || "unknown".to_owned(),
                |c| String::from_utf8_lossy(&c).trim_end().to_owned(),
            );
            VideoTrack {
                codec,
                width,
                height,
            }
        });
        tracks.push(Track {
            id: t.track_id.unwrap_or(0),
            video,
            timescale: t.timescale.map_or(0, |s| s.0),
            ticks: t.duration.map_or(0, |d| d.0),
        });
    }
    Ok(tracks)
}

/// The four-character code of each track's first sample entry (`avc1`,
/// `hvc1`, `mp4a`, ...), in track order.
fn sample_entry_codes(moov: &[u8]) -> Result<Vec<Option<FourCc>>, WalkError> {
    let content = find(moov, &[b"moov"])?.unwrap_or_default();
    all(content, b"trak")
        .map(|trak| {
            let Some(stsd) = find(trak?, &[b"mdia", b"minf", b"stbl", b"stsd"])? else {
                return Ok(None);
            };
            // Version and flags, the entry count, then the first entry:
            // its box type is the code.
            Ok(stsd.get(12..16).and_then(|c| c.try_into().ok()))
        })
        .collect()
}
