//! An object in memory for the container's tests, and boxes to fill it.

use std::sync::Mutex;

use async_trait::async_trait;

use crate::ports::{ObjectRanges, PortResult};

/// An object in memory that counts the bytes read from it.
pub(super) struct Bytes {
    pub(super) data: Vec<u8>,
    pub(super) read: Mutex<Vec<(u64, u64)>>,
}

impl Bytes {
    pub(super) fn new(data: Vec<u8>) -> Self {
        Self {
            data,
            read: Mutex::new(Vec::new()),
        }
    }
    pub(super) fn len(&self) -> u64 {
        self.data.len() as u64
    }
    pub(super) fn bytes_read(&self) -> u64 {
        self.read.lock().unwrap().iter().map(|(_, n)| n).sum()
    }
}

#[async_trait]
impl ObjectRanges for Bytes {
    async fn read_range(&self, _key: &str, start: u64, len: u64) -> PortResult<Vec<u8>> {
        self.read.lock().unwrap().push((start, len));
        let start = usize::try_from(start).unwrap().min(self.data.len());
        let end = (start + usize::try_from(len).unwrap()).min(self.data.len());
        Ok(self.data[start..end].to_vec())
    }
}

/// A box of `kind` with `content` bytes, with a 32-bit size.
pub(super) fn boxed(kind: &[u8; 4], content: usize) -> Vec<u8> {
    let mut b = u32::try_from(8 + content).unwrap().to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.resize(8 + content, 0xab);
    b
}

/// A box with a 64-bit size.
pub(super) fn large(kind: &[u8; 4], content: usize) -> Vec<u8> {
    let mut b = 1u32.to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(&(16 + content as u64).to_be_bytes());
    b.resize(16 + content, 0xcd);
    b
}

/// A box of `kind` around `content`.
pub(super) fn wrap(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
    let mut b = u32::try_from(8 + content.len())
        .unwrap()
        .to_be_bytes()
        .to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(content);
    b
}

/// A full box of `kind`: version 0, `flags`, then `fields`.
pub(super) fn full(kind: &[u8; 4], flags: u32, fields: &[u32]) -> Vec<u8> {
    let content: Vec<u8> = std::iter::once(flags)
        .chain(fields.iter().copied())
        .flat_map(u32::to_be_bytes)
        .collect();
    wrap(kind, &content)
}
