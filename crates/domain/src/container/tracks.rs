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
    // Our own walk first: it refuses what would make mp4parse reserve room
    // for entries the box cannot hold.
    let codes = sample_entry_codes(moov)?;
    let context = mp4parse::read_mp4(&mut std::io::Cursor::new(moov))
        .map_err(|e| IndexError::Unparsable(format!("{e:?}")))?;
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
///
/// Every table of a track that mp4parse reads into a list has its entry
/// count checked against its box first ([`check_counts`]).
fn sample_entry_codes(moov: &[u8]) -> Result<Vec<Option<FourCc>>, IndexError> {
    // A box inside the index that lies about its size makes the index
    // unreadable, as mp4parse would say.
    let unreadable = |e: WalkError| IndexError::Unparsable(e.to_string());
    let content = find(moov, &[b"moov"])
        .map_err(unreadable)?
        .unwrap_or_default();
    all(content, b"trak")
        .map(|trak| {
            let trak = trak.map_err(unreadable)?;
            check_counts(trak).map_err(IndexError::Unparsable)?;
            let stsd = find(trak, &[b"mdia", b"minf", b"stbl", b"stsd"]).map_err(unreadable)?;
            // Version and flags, the entry count, then the entries: the
            // first one's box type is the code.
            Ok(stsd.and_then(|stsd| stsd.get(12..16).and_then(|c| c.try_into().ok())))
        })
        .collect()
}

/// The tables of a track whose entry count mp4parse reserves room for
/// before it reads an entry: where each is, where its count is, and the
/// least an entry takes (`stsz` lists sizes only when its fixed size is 0).
const COUNTED_TABLES: &[(&[&FourCc], usize, usize)] = &[
    (&[b"mdia", b"minf", b"stbl", b"stsd"], 4, 8),
    (&[b"mdia", b"minf", b"stbl", b"stts"], 4, 8),
    (&[b"mdia", b"minf", b"stbl", b"ctts"], 4, 8),
    (&[b"mdia", b"minf", b"stbl", b"stsc"], 4, 12),
    (&[b"mdia", b"minf", b"stbl", b"stsz"], 8, 4),
    (&[b"mdia", b"minf", b"stbl", b"stco"], 4, 4),
    (&[b"mdia", b"minf", b"stbl", b"co64"], 4, 8),
    (&[b"mdia", b"minf", b"stbl", b"stss"], 4, 4),
    (&[b"edts", b"elst"], 4, 12),
];

/// Refuses a table of `trak` that declares more entries than its box can
/// hold. mp4parse reserves room for the declared count first, so a count
/// of 2^32 - 1 in a box of a few bytes was an attempt to allocate up to a
/// terabyte (the fuzz target `moderation_upload` found it in `stsd`, then
/// in `stsc`): every reservation is now bounded by the index's own size,
/// which `IndexLimits::max_moov_bytes` bounds.
fn check_counts(trak: &[u8]) -> Result<(), String> {
    for (path, count_at, entry) in COUNTED_TABLES {
        let Ok(Some(table)) = find(trak, path) else {
            continue; // absent, or a bad size mp4parse reports itself
        };
        if path.last() == Some(&b"stsz") && table.get(4..8) != Some(&[0; 4]) {
            continue; // one size for every sample: no list
        }
        let Some(count) = table.get(*count_at..count_at + 4) else {
            continue;
        };
        let count = u32::from_be_bytes([count[0], count[1], count[2], count[3]]);
        let room = table.len().saturating_sub(count_at + 4) / entry;
        if usize::try_from(count).map_or(true, |n| n > room) {
            let kind = String::from_utf8_lossy(path.last().map_or(&[0; 4], |k| *k));
            return Err(format!(
                "its {kind} table declares {count} entries; its {} bytes hold at most {room}",
                table.len()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_object::wrap as boxed;
    use super::*;

    /// A moov of one track whose sample description declares `count`
    /// entries and holds one `avc1` box, and whose `stsc` declares
    /// `chunks` and holds one.
    fn moov_declaring(count: u32, chunks: u32) -> Vec<u8> {
        let mut stsd = vec![0, 0, 0, 0];
        stsd.extend_from_slice(&count.to_be_bytes());
        stsd.extend_from_slice(&boxed(b"avc1", &[0; 8]));
        let mut stsc = vec![0, 0, 0, 0];
        stsc.extend_from_slice(&chunks.to_be_bytes());
        stsc.extend_from_slice(&[0; 12]);
        let stbl = boxed(
            b"stbl",
            &[boxed(b"stsd", &stsd), boxed(b"stsc", &stsc)].concat(),
        );
        let trak = boxed(b"trak", &boxed(b"mdia", &boxed(b"minf", &stbl)));
        boxed(b"moov", &trak)
    }

    #[test]
    fn a_table_declaring_more_entries_than_it_holds_is_refused() {
        // Regression: the fuzz target moderation_upload's finds
        // (fuzz/corpus/moderation_upload/regression-*-count).
        for (moov, table) in [
            (moov_declaring(u32::MAX, 1), "stsd"),
            (moov_declaring(1, u32::MAX), "stsc"),
            (moov_declaring(1, 2), "stsc"),
        ] {
            match sample_entry_codes(&moov) {
                Err(IndexError::Unparsable(why)) => {
                    assert!(
                        why.contains(&format!("its {table} table declares")),
                        "{why}"
                    )
                }
                other => panic!("{table}: expected Unparsable, got {other:?}"),
            }
            assert!(matches!(parse_moov(&moov), Err(IndexError::Unparsable(_))));
        }
        // What the boxes hold is read as before.
        assert_eq!(
            sample_entry_codes(&moov_declaring(1, 1)).unwrap(),
            vec![Some(*b"avc1")]
        );
    }
}
