//! What the file is (`ftyp`) and its index (`moov`), read from the top
//! level without the media.

use super::boxes::{FourCc, TopBox, WalkError, top_level_boxes};
use super::fragments::FragmentError;
use crate::ports::ObjectRanges;
use crate::video::VideoType;

/// The containers the site accepts, told apart by what the file says it
/// is (its `ftyp` brands), never by its name or its declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// ISO base media / MP4: a major or compatible brand of the ISO family.
    Mp4,
    /// QuickTime: major brand `qt  `.
    QuickTime,
}

/// The ISO family's brands that mark an MP4 file.
const MP4_BRANDS: [FourCc; 14] = [
    *b"isom", *b"iso2", *b"iso3", *b"iso4", *b"iso5", *b"iso6", *b"iso7", *b"iso8", *b"iso9",
    *b"mp41", *b"mp42", *b"avc1", *b"dash", *b"M4V ",
];

impl Container {
    /// The container a declared type promises.
    pub fn declared(t: VideoType) -> Self {
        match t {
            VideoType::Mp4 => Container::Mp4,
            VideoType::QuickTime => Container::QuickTime,
        }
    }

    /// Its name, as a person reads it: `MP4`, `QuickTime`.
    pub fn name(self) -> &'static str {
        match self {
            Container::Mp4 => "MP4",
            Container::QuickTime => "QuickTime",
        }
    }

    /// Its name as stored and sent: `mp4`, `quicktime`.
    pub fn as_str(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::QuickTime => "quicktime",
        }
    }

    /// The container named `raw` (see [`Container::as_str`]).
    pub fn from_name(raw: &str) -> Option<Self> {
        [Container::Mp4, Container::QuickTime]
            .into_iter()
            .find(|c| c.as_str() == raw)
    }

    /// What an `ftyp` box's content (major brand, minor version, then
    /// compatible brands) says the file is; `None` for anything else
    /// (3GPP, HEIF, Matroska never has one).
    pub fn from_ftyp(content: &[u8]) -> Option<Self> {
        let major: &FourCc = content.get(..4)?.try_into().ok()?;
        if major == b"qt  " {
            return Some(Container::QuickTime);
        }
        let compatible = content.get(8..).unwrap_or_default().chunks_exact(4);
        let mut brands = std::iter::once(&major[..]).chain(compatible);
        brands
            .any(|b| MP4_BRANDS.iter().any(|m| m[..] == *b))
            .then_some(Container::Mp4)
    }
}

/// Caps on what reading a container's index may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexLimits {
    /// Top-level boxes walked (one small read each).
    pub max_boxes: usize,
    /// The largest `ftyp` read.
    pub max_ftyp_bytes: u64,
    /// The largest `moov` read: a real index is a small part of its video.
    pub max_moov_bytes: u64,
    /// The most bytes of `moof` boxes read, all of them together, to find
    /// the duration of a fragmented file whose `moov` does not say it.
    pub max_fragment_index_bytes: u64,
}

/// What the top level of a video says, and its index, read without the
/// media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerIndex {
    /// What the file is.
    pub container: Container,
    /// Every top-level box, in order.
    pub boxes: Vec<TopBox>,
    /// The whole `moov` box, header included, as a parser takes it.
    pub moov: Vec<u8>,
    /// Media in fragments (`moof`), as streaming encoders write.
    pub fragmented: bool,
}

/// Why a file is not a video this site can read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The top level is not well-formed ISO BMFF.
    #[error(transparent)]
    Walk(#[from] WalkError),
    /// No `ftyp` before the media: not an MP4 or QuickTime file.
    #[error("no ftyp box before the media: not an MP4 or QuickTime file")]
    NoFileType,
    /// An `ftyp` of another family (3GPP, HEIF, ...).
    #[error("the file type {0:?} is neither MP4 nor QuickTime")]
    OtherFileType(String),
    /// No `moov`: no index of tracks.
    #[error("no moov box: the file has no index of its tracks")]
    NoIndex,
    /// mp4parse refused the `moov`.
    #[error("the index (moov) is malformed: {0}")]
    Unparsable(String),
    /// A fragment's index (`moof`) is malformed.
    #[error("a fragment index (moof) is malformed: {0}")]
    Fragment(#[from] FragmentError),
    /// A box larger than its cap.
    #[error("the {kind} box is {len} bytes, over the {max} this site reads")]
    TooLarge {
        /// Which box.
        kind: String,
        /// Its length.
        len: u64,
        /// The cap.
        max: u64,
    },
}

/// Walks the top level of `key` and reads its `ftyp` and `moov`, and
/// nothing else.
pub async fn read_index(
    object: &dyn ObjectRanges,
    key: &str,
    object_len: u64,
    limits: IndexLimits,
) -> Result<ContainerIndex, IndexError> {
    let boxes = top_level_boxes(object, key, object_len, limits.max_boxes).await?;
    let ftyp = boxes
        .iter()
        .take_while(|b| !matches!(&b.kind, b"moov" | b"mdat" | b"moof"))
        .find(|b| &b.kind == b"ftyp")
        .ok_or(IndexError::NoFileType)?;
    let content = read_box(object, key, ftyp, ftyp.header_len, limits.max_ftyp_bytes).await?;
    let container = Container::from_ftyp(&content[..]).ok_or_else(|| {
        IndexError::OtherFileType(String::from_utf8_lossy(&content[..4.min(content.len())]).into())
    })?;
    let moov = boxes
        .iter()
        .find(|b| &b.kind == b"moov")
        .ok_or(IndexError::NoIndex)?;
    let moov = read_box(object, key, moov, 0, limits.max_moov_bytes).await?;
    Ok(ContainerIndex {
        container,
        fragmented: boxes.iter().any(|b| &b.kind == b"moof"),
        boxes,
        moov,
    })
}

/// Box `b`'s bytes from `skip` (0: with its header), if it is within `max`.
pub(super) async fn read_box(
    object: &dyn ObjectRanges,
    key: &str,
    b: &TopBox,
    skip: u64,
    max: u64,
) -> Result<Vec<u8>, IndexError> {
    if b.len > max {
        return Err(IndexError::TooLarge {
            kind: String::from_utf8_lossy(&b.kind).into(),
            len: b.len,
            max,
        });
    }
    let bytes = object
        .read_range(key, b.offset + skip, b.len - skip)
        .await
        .map_err(WalkError::from)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::test_object::{Bytes, boxed, large};

    /// An `ftyp` box with `major` and `compatible` brands.
    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let mut content = major.to_vec();
        content.extend_from_slice(&0u32.to_be_bytes());
        for c in compatible {
            content.extend_from_slice(&c[..]);
        }
        let mut b = u32::try_from(8 + content.len())
            .unwrap()
            .to_be_bytes()
            .to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(&content);
        b
    }

    const LIMITS: IndexLimits = IndexLimits {
        max_boxes: 64,
        max_ftyp_bytes: 4096,
        max_moov_bytes: 1 << 20,
        max_fragment_index_bytes: 1 << 20,
    };

    #[test]
    fn the_brand_says_what_the_file_is() {
        let content = |b: Vec<u8>| b[8..].to_vec();
        assert_eq!(
            Container::from_ftyp(&content(ftyp(b"qt  ", &[b"qt  "]))),
            Some(Container::QuickTime)
        );
        assert_eq!(
            Container::from_ftyp(&content(ftyp(b"isom", &[b"isom", b"avc1"]))),
            Some(Container::Mp4)
        );
        // A vendor major brand with an ISO compatible brand is MP4.
        assert_eq!(
            Container::from_ftyp(&content(ftyp(b"XAVC", &[b"mp42"]))),
            Some(Container::Mp4)
        );
        assert_eq!(
            Container::from_ftyp(&content(ftyp(b"heic", &[b"mif1"]))),
            None
        );
        assert_eq!(
            Container::from_ftyp(&content(ftyp(b"3gp4", &[b"3gp4"]))),
            None
        );
        assert_eq!(Container::from_ftyp(b"is"), None);
    }

    #[tokio::test]
    async fn the_index_is_read_wherever_moov_is_and_the_media_is_not() {
        let moov = boxed(b"moov", 200);
        let file = Bytes::new(
            [
                ftyp(b"isom", &[b"isom"]),
                large(b"mdat", 1 << 20),
                moov.clone(),
            ]
            .concat(),
        );
        let index = read_index(&file, "uploads/x", file.len(), LIMITS)
            .await
            .unwrap();
        assert_eq!(index.container, Container::Mp4);
        assert_eq!(index.moov, moov);
        assert!(!index.fragmented);
        // Three headers, the ftyp's content and the moov: not the media.
        assert!(file.bytes_read() < 300, "{}", file.bytes_read());
    }

    #[tokio::test]
    async fn files_that_are_not_readable_videos_say_why() {
        let read = |data: Vec<u8>| async move {
            let file = Bytes::new(data);
            read_index(&file, "uploads/x", file.len(), LIMITS).await
        };
        assert!(matches!(
            read([boxed(b"moov", 10), boxed(b"mdat", 10)].concat()).await,
            Err(IndexError::NoFileType)
        ));
        assert!(matches!(
            read([ftyp(b"heic", &[b"mif1"]), boxed(b"meta", 10)].concat()).await,
            Err(IndexError::OtherFileType(brand)) if brand == "heic"
        ));
        assert!(matches!(
            read([ftyp(b"isom", &[]), boxed(b"mdat", 10)].concat()).await,
            Err(IndexError::NoIndex)
        ));
        assert!(matches!(
            read([ftyp(b"isom", &[]), boxed(b"moov", 2 << 20)].concat()).await,
            Err(IndexError::TooLarge { len, .. }) if len == 8 + (2 << 20)
        ));
        assert!(matches!(
            read(b"\x1aE\xdf\xa3 Matroska, not ISO BMFF".to_vec()).await,
            Err(IndexError::Walk(_))
        ));
        let fragmented = read(
            [
                ftyp(b"iso6", &[b"iso6", b"dash"]),
                boxed(b"moov", 20),
                boxed(b"moof", 10),
                boxed(b"mdat", 30),
            ]
            .concat(),
        )
        .await
        .unwrap();
        assert!(fragmented.fragmented);
    }
}
