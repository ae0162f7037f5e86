//! Box headers, and the walk over the top level.

use crate::ports::{ObjectRanges, PortError};

/// The most bytes a box header takes: 32-bit size, type, 64-bit size.
pub const MAX_HEADER_LEN: u64 = 16;

/// A four-character box type, `ftyp`, `moov`, `mdat`, ...
pub type FourCc = [u8; 4];

/// One top-level box: where it is and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopBox {
    /// Its type.
    pub kind: FourCc,
    /// Where its header starts in the object.
    pub offset: u64,
    /// Its header's length: 8, or 16 with a 64-bit size.
    pub header_len: u64,
    /// Its whole length, header included.
    pub len: u64,
}

impl TopBox {
    /// Where the box's content (after the header) starts.
    pub fn content_start(&self) -> u64 {
        self.offset + self.header_len
    }

    /// Where the next box starts.
    pub fn end(&self) -> u64 {
        self.offset + self.len
    }
}

/// Why the top level could not be read as ISO BMFF.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// The object ends inside a box header.
    #[error("the file ends inside a box header at byte {offset}")]
    TruncatedHeader {
        /// Where the header starts.
        offset: u64,
    },
    /// A box claims a size smaller than its own header, or one that runs
    /// past the end of the object.
    #[error("the box at byte {offset} claims {claimed} bytes, which the file does not hold")]
    BadSize {
        /// Where the box starts.
        offset: u64,
        /// The size it claims.
        claimed: u64,
    },
    /// More top-level boxes than any real video has.
    #[error("more than {max} top-level boxes")]
    TooManyBoxes {
        /// The cap.
        max: usize,
    },
    /// Reading the object failed.
    #[error(transparent)]
    Read(#[from] PortError),
}

/// Reads one box header from `bytes`, the object's bytes from `offset`
/// (at least [`MAX_HEADER_LEN`] of them unless the object ends sooner), in
/// an object of `object_len` bytes.
pub fn parse_header(bytes: &[u8], offset: u64, object_len: u64) -> Result<TopBox, WalkError> {
    let word = |at: usize| -> Option<[u8; 4]> { bytes.get(at..at + 4)?.try_into().ok() };
    let size32 = u32::from_be_bytes(word(0).ok_or_else(|| truncated_at(offset))?);
    let kind = word(4).ok_or_else(|| truncated_at(offset))?;
    let (header_len, len) = match size32 {
        // To the end of the object.
        0 => (8, object_len.saturating_sub(offset)),
        // A 64-bit size follows the type.
        1 => {
            let large: [u8; 8] = bytes
                .get(8..16)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| truncated_at(offset))?;
            (16, u64::from_be_bytes(large))
        }
        n => (8, u64::from(n)),
    };
    let fits = offset.checked_add(len).is_some_and(|end| end <= object_len);
    if len < header_len || !fits {
        return Err(WalkError::BadSize {
            offset,
            claimed: len,
        });
    }
    Ok(TopBox {
        kind,
        offset,
        header_len,
        len,
    })
}

fn truncated_at(offset: u64) -> WalkError {
    WalkError::TruncatedHeader { offset }
}

/// Every top-level box of the object `key` (`object_len` bytes long), read
/// header by header: one ranged read of at most [`MAX_HEADER_LEN`] bytes
/// per box, `max_boxes` reads at the most.
pub async fn top_level_boxes(
    object: &dyn ObjectRanges,
    key: &str,
    object_len: u64,
    max_boxes: usize,
) -> Result<Vec<TopBox>, WalkError> {
    let mut boxes = Vec::new();
    let mut offset = 0;
    while offset < object_len {
        if boxes.len() == max_boxes {
            return Err(WalkError::TooManyBoxes { max: max_boxes });
        }
        let want = MAX_HEADER_LEN.min(object_len - offset);
        let bytes = object.read_range(key, offset, want).await?;
        let found = parse_header(&bytes, offset, object_len)?;
        offset = found.end();
        boxes.push(found);
    }
    Ok(boxes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::test_object::{Bytes, boxed, large};

    fn kinds(boxes: &[TopBox]) -> Vec<&str> {
        boxes
            .iter()
            .map(|b| std::str::from_utf8(&b.kind).unwrap())
            .collect()
    }

    async fn walk(file: &Bytes) -> Result<Vec<TopBox>, WalkError> {
        top_level_boxes(file, "uploads/x", file.len(), 64).await
    }

    #[tokio::test]
    async fn finds_moov_after_a_large_mdat_reading_only_headers() {
        // GIVEN ftyp, a 1 MiB mdat with a 64-bit size, then moov at the end
        let file = Bytes::new(
            [
                boxed(b"ftyp", 16),
                large(b"mdat", 1 << 20),
                boxed(b"moov", 100),
            ]
            .concat(),
        );
        // WHEN the top level is walked
        let boxes = walk(&file).await.unwrap();
        // THEN every box is found where it is, from 48 bytes read
        assert_eq!(kinds(&boxes), ["ftyp", "mdat", "moov"]);
        assert_eq!(boxes[1].header_len, 16);
        assert_eq!(boxes[2].offset, 24 + 16 + (1 << 20));
        assert_eq!(boxes[2].content_start(), boxes[2].offset + 8);
        assert_eq!(file.bytes_read(), 16 * 3);
    }

    #[tokio::test]
    async fn a_size_of_zero_runs_to_the_end() {
        let mut last = boxed(b"mdat", 40);
        last[..4].copy_from_slice(&0u32.to_be_bytes());
        let file = Bytes::new([boxed(b"ftyp", 8), last].concat());
        let boxes = walk(&file).await.unwrap();
        assert_eq!(kinds(&boxes), ["ftyp", "mdat"]);
        assert_eq!(boxes[1].end(), file.len());
    }

    #[tokio::test]
    async fn fragmented_files_list_their_fragments() {
        let file = Bytes::new(
            [
                boxed(b"ftyp", 8),
                boxed(b"moov", 20),
                boxed(b"moof", 10),
                boxed(b"mdat", 30),
                boxed(b"moof", 10),
                boxed(b"mdat", 30),
            ]
            .concat(),
        );
        let boxes = walk(&file).await.unwrap();
        assert_eq!(
            kinds(&boxes),
            ["ftyp", "moov", "moof", "mdat", "moof", "mdat"]
        );
    }

    #[tokio::test]
    async fn bad_headers_are_errors_that_say_where() {
        let empty = Bytes::new(Vec::new());
        assert!(walk(&empty).await.unwrap().is_empty(), "nothing to walk");

        let cut = Bytes::new([boxed(b"ftyp", 8), vec![0, 0, 0, 9, b'm']].concat());
        assert!(matches!(
            walk(&cut).await,
            Err(WalkError::TruncatedHeader { offset: 16 })
        ));

        let mut overlong = boxed(b"ftyp", 8);
        overlong[..4].copy_from_slice(&1000u32.to_be_bytes());
        assert!(matches!(
            walk(&Bytes::new(overlong)).await,
            Err(WalkError::BadSize {
                offset: 0,
                claimed: 1000
            })
        ));

        let mut under = boxed(b"ftyp", 8);
        under[..4].copy_from_slice(&3u32.to_be_bytes());
        assert!(matches!(
            walk(&Bytes::new(under)).await,
            Err(WalkError::BadSize { claimed: 3, .. })
        ));

        // A 64-bit size near u64::MAX must not overflow the end.
        let mut huge = large(b"mdat", 0);
        huge[8..16].copy_from_slice(&u64::MAX.to_be_bytes());
        assert!(matches!(
            walk(&Bytes::new(huge)).await,
            Err(WalkError::BadSize { .. })
        ));

        let text = Bytes::new(b"just some text, not a video".to_vec());
        assert!(walk(&text).await.is_err());
    }

    #[tokio::test]
    async fn the_number_of_reads_is_capped() {
        let many: Vec<u8> = (0..100).flat_map(|_| boxed(b"free", 0)).collect();
        let file = Bytes::new(many);
        let result = top_level_boxes(&file, "uploads/x", file.len(), 64).await;
        assert!(matches!(result, Err(WalkError::TooManyBoxes { max: 64 })));
        assert_eq!(file.read.lock().unwrap().len(), 64);
    }
}
