//! The boxes inside a box already in memory (`moov`, `moof`): the same
//! headers as at the top level, checked against the parent's bytes.

use super::boxes::{FourCc, WalkError, parse_header};

/// One child box: its type and its content (after its header).
#[derive(Debug, Clone, Copy)]
pub(super) struct Child<'a> {
    pub kind: FourCc,
    pub content: &'a [u8],
}

/// The boxes that make up `bytes`, in order. A child that claims more
/// bytes than its parent holds is an error, never a read past the end.
pub(super) fn children(bytes: &[u8]) -> impl Iterator<Item = Result<Child<'_>, WalkError>> {
    let total = bytes.len() as u64;
    let mut offset = 0usize;
    std::iter::from_fn(move || {
        if offset >= bytes.len() {
            return None;
        }
        match parse_header(&bytes[offset..], offset as u64, total) {
            Ok(b) => {
                // Both fit in `bytes` (parse_header checked the end), so
                // both fit in a usize.
                let fit = |n: u64| usize::try_from(n).unwrap_or(bytes.len());
                let start = offset + fit(b.header_len);
                let end = offset + fit(b.len);
                offset = end;
                Some(Ok(Child {
                    kind: b.kind,
                    content: &bytes[start..end],
                }))
            }
            Err(e) => {
                offset = bytes.len();
                Some(Err(e))
            }
        }
    })
}

/// The content of every child of `kind` in `bytes`.
pub(super) fn all<'a>(
    bytes: &'a [u8],
    kind: &FourCc,
) -> impl Iterator<Item = Result<&'a [u8], WalkError>> + use<'a> {
    let kind = *kind;
    children(bytes).filter_map(move |c| match c {
        Ok(c) if c.kind == kind => Some(Ok(c.content)),
        Ok(_) => None,
        Err(e) => Some(Err(e)),
    })
}

/// The content of the box at `path` below `bytes` (first match at each
/// level), if there is one.
pub(super) fn find<'a>(bytes: &'a [u8], path: &[&FourCc]) -> Result<Option<&'a [u8]>, WalkError> {
    let mut here = bytes;
    for kind in path {
        match all(here, kind).next().transpose()? {
            Some(content) => here = content,
            None => return Ok(None),
        }
    }
    Ok(Some(here))
}

/// Reads big-endian integers from a box's content, failing (not
/// panicking) where the content ends.
pub(super) struct Fields<'a> {
    bytes: &'a [u8],
    kind: &'static str,
}

/// A box's content ends before a field it must hold.
#[derive(Debug, thiserror::Error)]
#[error("the {0} box is too short for its fields")]
pub struct ShortBox(pub &'static str);

impl<'a> Fields<'a> {
    pub(super) fn new(bytes: &'a [u8], kind: &'static str) -> Self {
        Self { bytes, kind }
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], ShortBox> {
        if self.bytes.len() < n {
            return Err(ShortBox(self.kind));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub(super) fn u32(&mut self) -> Result<u32, ShortBox> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A full box's version (one byte) and flags (three).
    pub(super) fn version_flags(&mut self) -> Result<(u8, u32), ShortBox> {
        let word = self.u32()?;
        Ok(((word >> 24) as u8, word & 0x00ff_ffff))
    }

    pub(super) fn remaining(&self) -> usize {
        self.bytes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::test_object::{boxed, wrap};

    #[test]
    fn finds_a_box_by_its_path_and_stops_at_a_bad_size() {
        let inner = wrap(b"stsd", b"abcd");
        let moov = [boxed(b"mvhd", 4), wrap(b"trak", &wrap(b"mdia", &inner))].concat();
        assert_eq!(
            find(&moov, &[b"trak", b"mdia", b"stsd"]).unwrap(),
            Some(&b"abcd"[..])
        );
        assert_eq!(find(&moov, &[b"trak", b"tkhd"]).unwrap(), None);

        let mut lying = wrap(b"trak", b"xy");
        lying[..4].copy_from_slice(&100u32.to_be_bytes());
        assert!(find(&lying, &[b"trak"]).is_err());
        assert_eq!(children(&lying).count(), 1, "one error, then nothing");
    }

    #[test]
    fn fields_end_with_an_error_not_a_panic() {
        let mut f = Fields::new(&[0, 0, 0, 7, 1], "test");
        assert_eq!(f.u32().unwrap(), 7);
        assert!(f.u32().is_err());
    }
}
