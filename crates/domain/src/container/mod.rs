//! The container of an uploaded video (ISO BMFF: MP4 and QuickTime), read
//! from its box headers and its index, never from its media.
//!
//! An ISO BMFF file is a sequence of boxes, each starting with a 32-bit
//! big-endian size and a four-character type. A size of 1 means a 64-bit
//! size follows the type; a size of 0 means the box runs to the end of the
//! file. Walking these headers with small ranged reads finds `ftyp` (what
//! the file is) and `moov` (its index, wherever it is: at the start, or at
//! the end after `mdat`) while reading a few bytes per box, however large
//! the video. Only those two are read, plus the `moof` boxes of a
//! fragmented file whose `moov` does not know its duration.
//!
//! Untrusted input: every size is checked against the object's real size
//! (or its parent's) before it is believed, each read is capped and the
//! number of boxes is capped, so a forged header can neither make the walk
//! read past the end, nor read the media, nor loop.
//!
//! - [`boxes`]: box headers and the walk over the top level;
//! - [`index`]: what the file is (`ftyp`) and its index (`moov`);
//! - [`tracks`]: the index parsed (mp4parse), its tracks and duration;
//! - `fragments`, `children`: the few boxes read by hand.

mod boxes;
mod children;
mod fragments;
mod index;
#[cfg(test)]
mod test_object;
mod tracks;

pub use boxes::{FourCc, MAX_HEADER_LEN, TopBox, WalkError, parse_header, top_level_boxes};
pub use children::ShortBox;
pub use fragments::FragmentError;
pub use index::{Container, ContainerIndex, IndexError, IndexLimits, read_index};
pub use tracks::{Tracks, read_tracks};

use crate::ports::ObjectRanges;

/// What a video's container holds, as far as moderation cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// What the file is.
    pub container: Container,
    /// Its tracks and duration.
    pub tracks: Tracks,
    /// Whether its media is in fragments.
    pub fragmented: bool,
}

/// Reads what `key` (an object of `object_len` bytes) is and what its index
/// says, within `limits`.
pub async fn inspect(
    object: &dyn ObjectRanges,
    key: &str,
    object_len: u64,
    limits: IndexLimits,
) -> Result<Inspection, IndexError> {
    let index = read_index(object, key, object_len, limits).await?;
    let tracks = read_tracks(object, key, &index, limits).await?;
    Ok(Inspection {
        container: index.container,
        tracks,
        fragmented: index.fragmented,
    })
}
