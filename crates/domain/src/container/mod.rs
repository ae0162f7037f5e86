//! The top level of an uploaded video's container (ISO BMFF: MP4 and
//! QuickTime), found by reading box headers, not the video.
//!
//! An ISO BMFF file is a sequence of boxes, each starting with a 32-bit
//! big-endian size and a four-character type. A size of 1 means a 64-bit
//! size follows the type; a size of 0 means the box runs to the end of the
//! file. Walking these headers with small ranged reads finds `ftyp` (what
//! the file is) and `moov` (its index, wherever it is: at the start, or at
//! the end after `mdat`) while reading a few bytes per box, however large
//! the video. video-moderation parses only those two boxes.
//!
//! Untrusted input: every size is checked against the object's real size
//! before it is believed, and the number of boxes is capped, so a forged
//! header can neither make the walk read past the end nor make it loop.

mod boxes;
mod index;
#[cfg(test)]
mod test_object;

pub use boxes::{FourCc, MAX_HEADER_LEN, TopBox, WalkError, parse_header, top_level_boxes};
pub use index::{Container, ContainerIndex, IndexError, IndexLimits, read_index};
