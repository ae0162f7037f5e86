//! How big the artefact is: the bootstrap as built (the release profile
//! strips it), stripped again to be sure, and zipped as Lambda receives it.
//! Init pages the binary in, and a deployment package is limited in size,
//! so both are tracked.

use std::io::{Cursor, Write};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use zip::write::SimpleFileOptions;

/// A binary's weight, as built and as deployed.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Size {
    /// `bootstrap` as cargo-lambda wrote it: what ships.
    pub bootstrap_bytes: u64,
    /// After `strip --strip-all`. Equal to the above when the profile's
    /// `strip = true` does its job.
    pub stripped_bytes: u64,
    /// The deployment package: `bootstrap` alone, deflated, in a zip.
    pub zip_bytes: u64,
}

/// Weighs `bootstrap`, using `scratch` for the stripped copy and the zip.
pub fn measure(bootstrap: &Path, scratch: &Path) -> Result<Size> {
    let bytes =
        std::fs::read(bootstrap).with_context(|| format!("reading {}", bootstrap.display()))?;
    Ok(Size {
        bootstrap_bytes: bytes.len() as u64,
        stripped_bytes: stripped(bootstrap, scratch)?,
        zip_bytes: zipped(&bytes)?.len() as u64,
    })
}

/// The arm64 build of a binary (`make build-arm64` writes it under
/// `target/lambda-arm64/`), if there is one and it is an aarch64 ELF. The
/// release profile strips it already, and this machine's binutils do not
/// read aarch64, so its stripped size is its size.
pub fn measure_arm64(bootstrap: &Path) -> Result<Option<Size>> {
    let Ok(bytes) = std::fs::read(bootstrap) else {
        return Ok(None);
    };
    // e_machine, at offset 18 of a little-endian ELF: 183 is EM_AARCH64.
    if bytes.len() < 20 || !bytes.starts_with(b"\x7fELF") || bytes[18..20] != [183, 0] {
        return Ok(None);
    }
    Ok(Some(Size {
        bootstrap_bytes: bytes.len() as u64,
        stripped_bytes: bytes.len() as u64,
        zip_bytes: zipped(&bytes)?.len() as u64,
    }))
}

/// The size after `strip --strip-all` of a copy (binutils).
fn stripped(bootstrap: &Path, scratch: &Path) -> Result<u64> {
    std::fs::create_dir_all(scratch)?;
    let copy = scratch.join(format!(
        "stripped-{}",
        bootstrap
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let status = Command::new("strip")
        .arg("--strip-all")
        .arg("-o")
        .arg(&copy)
        .arg(bootstrap)
        .status()
        .context("running strip (binutils)")?;
    if !status.success() {
        bail!("strip {} failed ({status})", bootstrap.display());
    }
    let len = std::fs::metadata(&copy)?.len();
    let _ = std::fs::remove_file(&copy);
    Ok(len)
}

/// A zip holding `bootstrap` (mode 755), deflated at the default level,
/// as `sam build` packages it.
pub fn zipped(bootstrap: &[u8]) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755);
    zip.start_file("bootstrap", options)?;
    zip.write_all(bootstrap)?;
    Ok(zip.finish()?.into_inner())
}

/// The section names of an ELF64 little-endian file (`None` if it is not
/// one). Enough to tell a release artefact from a debug build: only the
/// latter has `.debug_*` sections.
pub fn elf_sections(bytes: &[u8]) -> Option<Vec<String>> {
    let u16_at = |o: usize| Some(u16::from_le_bytes(bytes.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |o: usize| Some(u32::from_le_bytes(bytes.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |o: usize| Some(u64::from_le_bytes(bytes.get(o..o + 8)?.try_into().ok()?));
    // Magic, 64-bit class, little endian.
    if bytes.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let shoff = usize::try_from(u64_at(0x28)?).ok()?;
    let shentsize = usize::from(u16_at(0x3A)?);
    let shnum = usize::from(u16_at(0x3C)?);
    let shstrndx = usize::from(u16_at(0x3E)?);
    let header = |i: usize| shoff + i * shentsize;
    let strtab = usize::try_from(u64_at(header(shstrndx) + 0x18)?).ok()?;
    (0..shnum)
        .map(|i| {
            let name = strtab + usize::try_from(u32_at(header(i))?).ok()?;
            let rest = bytes.get(name..)?;
            let end = rest.iter().position(|&b| b == 0)?;
            Some(String::from_utf8_lossy(&rest[..end]).into_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_section_names_of_our_own_binary() {
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let names = elf_sections(&exe).unwrap();
        assert!(names.iter().any(|n| n == ".text"), "{names:?}");
        assert!(elf_sections(b"not an elf").is_none());
    }

    #[test]
    fn zipping_compresses_and_keeps_the_name() {
        let data = vec![b'a'; 100_000];
        let zip = zipped(&data).unwrap();
        assert!(zip.len() < 2_000, "{}", zip.len());
        assert!(zip.windows(9).any(|w| w == b"bootstrap"));
    }
}
