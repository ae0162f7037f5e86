//! The test videos of video-moderation, and the one function that makes
//! them: [`generate`] (`make fixtures`, `rightnow-local fixtures`).
//!
//! Why they exist: video-moderation judges an upload on what is in it,
//! never on its name, by reading the container's boxes with ranged reads.
//! Each fixture is one case it must get right: the containers it accepts
//! (MP4 with the index at the end, at the start, in fragments; HEVC;
//! QuickTime), real media it must refuse (audio only, too long, too large,
//! WebM, a PNG), and broken files it must refuse without reading them
//! whole, trusting a size, or recursing without end (empty, text, cut
//! short, a 2^40-byte box, 10,000 nested boxes, an index whose first box
//! runs past its parent). They are committed in `tests/fixtures/videos`,
//! so tests need no ffmpeg; this module is how they are remade, and it
//! writes the README beside them, so that table stays true.
//!
//! How they are made: the valid ones by Debian's `ffmpeg`, from lavfi's
//! synthetic sources only (`testsrc`, `color`, `sine`: no input files),
//! with everything that would tie the bytes to the clock or the machine
//! turned off (bitexact flags, no metadata, one encoder thread, no x265
//! build-info SEI), so running it again on the same ffmpeg rewrites the
//! same bytes. The broken ones are built here in Rust, from the valid
//! ones' bytes or from scratch, so each has exactly the one defect its
//! name says; those builders are pure and unit-tested.

use std::ops::Range;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

/// One file [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixture {
    /// Its file name in the output folder.
    pub name: &'static str,
    /// Its size, in bytes.
    pub size: u64,
    /// What it is and why it exists, in one line.
    pub description: &'static str,
}

/// How one fixture is made.
enum Recipe {
    /// `ffmpeg`, run in the output folder: `input` (options and `-i`), then
    /// the repeatability options, then `output` (options), then the name.
    Ffmpeg {
        input: &'static [&'static str],
        output: &'static [&'static str],
    },
    /// Built here: `make` gets the bytes of the fixture named `from` (one
    /// made earlier in [`FIXTURES`]), or nothing.
    Built {
        from: Option<&'static str>,
        make: fn(&[u8]) -> Result<Vec<u8>>,
    },
}

/// One fixture: its name, its line in the README, and how it is made.
struct Spec {
    name: &'static str,
    description: &'static str,
    recipe: Recipe,
}

/// The H.264 encode of the valid videos: the fastest preset (the content
/// does not matter, only the container), and the pixel format every
/// player and parser knows.
macro_rules! x264 {
    ($($more:literal),* $(,)?) => {
        &["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", $($more),*]
    };
}

/// Every fixture, in the order they are made (a built one after the one it
/// is built from) and listed.
const FIXTURES: &[Spec] = &[
    Spec {
        name: "h264.mp4",
        description: "the common upload: H.264 + AAC mono, 320x240, 10 fps, 2 s, \
                      ftyp isom, moov after mdat (ffmpeg's default)",
        recipe: Recipe::Ffmpeg {
            input: &[
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=320x240:rate=10:duration=2",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:duration=2",
            ],
            // A keyframe every second, so the fragmented copy has one
            // fragment per second (several moof boxes, not one).
            output: x264!("-g", "10", "-c:a", "aac", "-ac", "1", "-b:a", "32k"),
        },
    },
    Spec {
        name: "faststart.mp4",
        description: "h264.mp4 remuxed with +faststart: moov before mdat, as web tools \
                      write it, so the index is in the first read",
        recipe: Recipe::Ffmpeg {
            input: &["-i", "h264.mp4"],
            output: &["-c", "copy", "-movflags", "+faststart"],
        },
    },
    Spec {
        name: "fragmented.mp4",
        description: "h264.mp4 remuxed as fragmented MP4: moov says duration 0, \
                      the 2 s are in the moof boxes (one per keyframe)",
        recipe: Recipe::Ffmpeg {
            input: &["-i", "h264.mp4"],
            output: &["-c", "copy", "-movflags", "frag_keyframe+empty_moov"],
        },
    },
    Spec {
        name: "hevc.mp4",
        description: "HEVC (hvc1), 320x240, 10 fps, 1 s, no audio: the codec phones \
                      record in",
        recipe: Recipe::Ffmpeg {
            input: &[
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=320x240:rate=10:duration=1",
            ],
            // x265 ignores -threads: its own pool and frame threads are
            // pinned instead, and its info SEI (build and CPU flags) is left
            // out, so other machines write the same bytes.
            output: &[
                "-c:v",
                "libx265",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                "-tag:v",
                "hvc1",
                "-x265-params",
                "log-level=error:pools=none:frame-threads=1:info=0",
            ],
        },
    },
    Spec {
        name: "h264.mov",
        description: "h264.mp4's streams in QuickTime (ftyp qt): what iPhones upload",
        recipe: Recipe::Ffmpeg {
            input: &["-i", "h264.mp4"],
            output: &["-c", "copy", "-f", "mov"],
        },
    },
    Spec {
        name: "audio-only.mp4",
        description: "AAC mono only, 2 s, ftyp isom: a valid MP4 with no video track",
        recipe: Recipe::Ffmpeg {
            input: &["-f", "lavfi", "-i", "sine=frequency=440:duration=2"],
            output: &["-c:a", "aac", "-ac", "1", "-b:a", "32k"],
        },
    },
    Spec {
        name: "long.mp4",
        description: "660 s (11 min) of 32x32 black at 1 fps, H.264, no audio: over \
                      the 10-minute limit, yet tiny",
        recipe: Recipe::Ffmpeg {
            input: &[
                "-f",
                "lavfi",
                "-i",
                "color=c=black:size=32x32:rate=1:duration=660",
            ],
            output: x264!(),
        },
    },
    Spec {
        name: "too-big.mp4",
        description: "one 4096x2304 black frame (0.1 s), H.264: the long side is over \
                      3840; black, so it stays small",
        recipe: Recipe::Ffmpeg {
            input: &[
                "-f",
                "lavfi",
                "-i",
                "color=c=black:size=4096x2304:rate=10:duration=0.1",
            ],
            output: x264!("-frames:v", "1"),
        },
    },
    Spec {
        name: "vp9.webm",
        description: "VP9 in WebM (Matroska), 320x240, 1 s: a real video in a \
                      container the site does not accept",
        recipe: Recipe::Ffmpeg {
            input: &[
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=320x240:rate=10:duration=1",
            ],
            output: &["-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p", "-f", "webm"],
        },
    },
    Spec {
        name: "image.mp4",
        description: "a 64x64 PNG named .mp4: the name lies, the bytes are an image",
        recipe: Recipe::Ffmpeg {
            input: &["-f", "lavfi", "-i", "testsrc=size=64x64:rate=1"],
            output: &["-frames:v", "1", "-f", "image2", "-c:v", "png"],
        },
    },
    Spec {
        name: "text.mp4",
        description: "one line of UTF-8 text named .mp4: no box at all",
        recipe: Recipe::Built {
            from: None,
            make: text,
        },
    },
    Spec {
        name: "empty.mp4",
        description: "zero bytes: an upload with nothing in it",
        recipe: Recipe::Built {
            from: None,
            make: empty,
        },
    },
    Spec {
        name: "truncated.mp4",
        description: "the first half of h264.mp4: cut inside mdat, which claims bytes \
                      that are not there, and no moov (an interrupted upload)",
        recipe: Recipe::Built {
            from: Some("h264.mp4"),
            make: truncated,
        },
    },
    Spec {
        name: "bad-size.mp4",
        description: "h264.mp4's ftyp, then an mdat whose 64-bit size claims 2^40 bytes \
                      with 100 after it: a size never to trust or allocate",
        recipe: Recipe::Built {
            from: Some("h264.mp4"),
            make: bad_size,
        },
    },
    Spec {
        name: "deep.mp4",
        description: "h264.mp4's ftyp, then a moov of 10,000 trak boxes nested one in \
                      the next, every size correct: a recursion bomb",
        recipe: Recipe::Built {
            from: Some("h264.mp4"),
            make: deep,
        },
    },
    Spec {
        name: "moov-lies.mp4",
        description: "faststart.mp4 with moov's first child (mvhd) claiming more bytes \
                      than moov holds: a corrupt index in a sound top level",
        recipe: Recipe::Built {
            from: Some("faststart.mp4"),
            make: moov_lies,
        },
    },
];

/// The options on every ffmpeg run. Quiet unless something fails, and
/// overwriting, because regenerating is the point.
const FFMPEG_QUIET: &[&str] = &["-hide_banner", "-loglevel", "error", "-y"];

/// The output options that make ffmpeg's bytes depend only on its inputs:
/// no metadata copied in, no version strings or creation times from the
/// muxer or encoders, and one encoder thread (x264 and libvpx split work by
/// thread count, and x264 records it in its SEI; the host's core count
/// must not change the file).
const FFMPEG_REPEATABLE: &[&str] = &[
    "-map_metadata",
    "-1",
    "-fflags",
    "+bitexact",
    "-flags:v",
    "+bitexact",
    "-flags:a",
    "+bitexact",
    "-threads",
    "1",
];

/// The text of `text.mp4`.
const TEXT: &str = "This is not a video.\n";

/// What `bad-size.mp4`'s mdat claims to hold, header included: 1 TiB.
const BAD_SIZE_CLAIM: u64 = 1 << 40;

/// How many bytes really follow `bad-size.mp4`'s mdat header.
const BAD_SIZE_TAIL: usize = 100;

/// How many boxes `deep.mp4`'s moov nests, one inside the next.
const DEEP_LEVELS: usize = 10_000;

/// How far past the end of its moov `moov-lies.mp4`'s mvhd claims to run.
/// Past the moov, yet inside the file (mdat follows), so only a reader that
/// bounds each child by its parent sees the lie.
const MOOV_LIES_OVERRUN: u64 = 1024;

/// Writes every fixture into `out` (created if missing), and the README
/// that lists them, and returns the fixtures in the README's order (the
/// README itself is not in the list). Fails if ffmpeg is not installed or
/// fails, or if a built fixture's source is not shaped as expected.
pub fn generate(out: &Path) -> Result<Vec<Fixture>> {
    // First, so a missing ffmpeg says so before anything is written.
    let version = ffmpeg_version()?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    // ffmpeg runs in `out`, so its arguments are bare file names and no
    // path has to be valid UTF-8; absolute, so the child's working folder
    // and the messages name the same place whatever the caller's was.
    let out = out
        .canonicalize()
        .with_context(|| format!("resolving {}", out.display()))?;

    let mut written = Vec::with_capacity(FIXTURES.len());
    for spec in FIXTURES {
        let path = out.join(spec.name);
        match &spec.recipe {
            Recipe::Ffmpeg { input, output } => ffmpeg(&out, spec.name, input, output)?,
            Recipe::Built { from, make } => {
                let source = match from {
                    Some(from) => {
                        let p = out.join(from);
                        std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?
                    }
                    None => Vec::new(),
                };
                let bytes = make(&source).with_context(|| format!("building {}", spec.name))?;
                std::fs::write(&path, bytes)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
        }
        let size = std::fs::metadata(&path)
            .with_context(|| format!("reading the size of {}", path.display()))?
            .len();
        written.push(Fixture {
            name: spec.name,
            size,
            description: spec.description,
        });
    }

    let readme = out.join("README.md");
    std::fs::write(&readme, readme_text(&written, &version))
        .with_context(|| format!("writing {}", readme.display()))?;
    Ok(written)
}

/// The first line of `ffmpeg -version` ("ffmpeg version 5.1.9-0+deb12u1"),
/// for the README: the bytes are repeatable for one ffmpeg build, so it says
/// which one made them.
fn ffmpeg_version() -> Result<String> {
    let run = Command::new("ffmpeg")
        .args(["-hide_banner", "-version"])
        .output();
    let run = match run {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "ffmpeg is not installed (not on PATH); `make setup` installs it \
             (Debian's ffmpeg, through `make apt-tools`)"
        ),
        r => r.context("running `ffmpeg -version`")?,
    };
    ensure!(
        run.status.success(),
        "`ffmpeg -version` failed ({})",
        run.status
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    let first = stdout.lines().next().unwrap_or_default();
    // "ffmpeg version X Copyright (c) ...": the copyright is noise.
    let version = first.split(" Copyright").next().unwrap_or(first).trim();
    Ok(version.to_owned())
}

/// The whole argument list of one ffmpeg run writing `name`.
fn ffmpeg_args<'a>(input: &[&'a str], output: &[&'a str], name: &'a str) -> Vec<&'a str> {
    let mut args = Vec::new();
    args.extend_from_slice(FFMPEG_QUIET);
    args.extend_from_slice(input);
    args.extend_from_slice(FFMPEG_REPEATABLE);
    args.extend_from_slice(output);
    args.push(name);
    args
}

/// Runs ffmpeg in `dir` to write `name` there.
fn ffmpeg(dir: &Path, name: &str, input: &[&str], output: &[&str]) -> Result<()> {
    let args = ffmpeg_args(input, output, name);
    let run = Command::new("ffmpeg")
        .args(&args)
        .current_dir(dir)
        .output()
        .with_context(|| format!("running ffmpeg for {name} (`make setup` installs it)"))?;
    if !run.status.success() {
        bail!(
            "ffmpeg failed making {name} ({}): {}\n  command: ffmpeg {}",
            run.status,
            String::from_utf8_lossy(&run.stderr).trim(),
            args.join(" ")
        );
    }
    Ok(())
}

/// The README of the fixtures folder: a row per fixture and how to remake
/// them.
fn readme_text(fixtures: &[Fixture], ffmpeg_version: &str) -> String {
    let mut s = String::from(
        "# Test videos\n\
         \n\
         The files video-moderation is tested with: each is one case it must\n\
         judge right, from the uploads it accepts to the broken files it must\n\
         refuse without trusting them. Generated, with this README, by\n\
         `infra/src/fixtures.rs`; do not edit them by hand. To regenerate:\n\
         \n\
         ```\n\
         make fixtures\n\
         ```\n\
         \n",
    );
    s.push_str(&format!(
        "The valid videos come from lavfi's synthetic sources with bitexact\n\
         options, so the same ffmpeg writes the same bytes. These were made by\n\
         {ffmpeg_version}.\n\
         \n\
         | file | bytes | what it is |\n\
         |---|---:|---|\n"
    ));
    for f in fixtures {
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            f.name, f.size, f.description
        ));
    }
    s
}

/// `text.mp4`: text, not a box.
fn text(_: &[u8]) -> Result<Vec<u8>> {
    Ok(TEXT.as_bytes().to_vec())
}

/// `empty.mp4`: nothing.
fn empty(_: &[u8]) -> Result<Vec<u8>> {
    Ok(Vec::new())
}

/// `truncated.mp4`: the first half of `mp4`, which must cut its mdat's
/// payload and keep none of its moov (an upload that stopped).
fn truncated(mp4: &[u8]) -> Result<Vec<u8>> {
    let half = mp4.len() / 2;
    let top = boxes(mp4, 0..mp4.len())?;
    let mdat = find(&top, b"mdat")?;
    ensure!(
        mdat.payload().contains(&half),
        "half way ({half}) is not inside mdat's payload ({:?})",
        mdat.payload()
    );
    ensure!(
        find(&top, b"moov")?.start >= half,
        "moov starts before half way, so the cut would keep it"
    );
    Ok(mp4[..half].to_vec())
}

/// `bad-size.mp4`: `mp4`'s ftyp, then an mdat header in the 64-bit form
/// (size field 1, then a u64) claiming [`BAD_SIZE_CLAIM`] bytes, then the
/// first [`BAD_SIZE_TAIL`] bytes of `mp4`'s mdat payload (real data, of
/// which only this little is there).
fn bad_size(mp4: &[u8]) -> Result<Vec<u8>> {
    let top = boxes(mp4, 0..mp4.len())?;
    let ftyp = first_ftyp(&top)?;
    let mdat = find(&top, b"mdat")?;
    let tail = mdat
        .payload()
        .start
        .checked_add(BAD_SIZE_TAIL)
        .filter(|end| *end <= mdat.end)
        .context("mdat's payload is shorter than the tail to copy")?;
    let mut out = mp4[ftyp.range()].to_vec();
    out.extend_from_slice(&1u32.to_be_bytes());
    out.extend_from_slice(b"mdat");
    out.extend_from_slice(&BAD_SIZE_CLAIM.to_be_bytes());
    out.extend_from_slice(&mp4[mdat.payload().start..tail]);
    Ok(out)
}

/// `deep.mp4`: `mp4`'s ftyp, then a moov holding [`DEEP_LEVELS`] `trak`
/// boxes, each the only content of the one before, each size exact (the
/// innermost is an empty 8-byte box). Nothing follows. Every level is just
/// a header, so the bomb is 8 bytes a level.
fn deep(mp4: &[u8]) -> Result<Vec<u8>> {
    let top = boxes(mp4, 0..mp4.len())?;
    let ftyp = first_ftyp(&top)?;
    let mut out = mp4[ftyp.range()].to_vec();
    let header = |out: &mut Vec<u8>, size: usize, kind: &[u8; 4]| -> Result<()> {
        let size = u32::try_from(size).context("a box too large for a 32-bit size")?;
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(kind);
        Ok(())
    };
    header(&mut out, 8 + 8 * DEEP_LEVELS, b"moov")?;
    for level in 0..DEEP_LEVELS {
        header(&mut out, 8 * (DEEP_LEVELS - level), b"trak")?;
    }
    Ok(out)
}

/// `moov-lies.mp4`: `mp4` (faststart: moov before mdat) with its moov's
/// first child, mvhd, claiming to run [`MOOV_LIES_OVERRUN`] bytes past the
/// end of moov, yet not past the end of the file. Only those 4 bytes change:
/// the top level still walks cleanly.
fn moov_lies(mp4: &[u8]) -> Result<Vec<u8>> {
    let top = boxes(mp4, 0..mp4.len())?;
    let moov = find(&top, b"moov")?;
    ensure!(
        moov.start < find(&top, b"mdat")?.start,
        "moov is not before mdat (not a faststart file)"
    );
    let children = boxes(mp4, moov.payload())?;
    let mvhd = children.first().context("moov is empty")?;
    ensure!(
        &mvhd.kind == b"mvhd",
        "moov's first child is {}, not mvhd",
        String::from_utf8_lossy(&mvhd.kind)
    );
    ensure!(mvhd.header == 8, "mvhd has a 64-bit size");
    let claim = u64::try_from(moov.end - mvhd.start)? + MOOV_LIES_OVERRUN;
    ensure!(
        mvhd.start as u64 + claim <= mp4.len() as u64,
        "the claim would also run past the end of the file"
    );
    let claim = u32::try_from(claim).context("the claim needs a 64-bit size")?;
    let mut out = mp4.to_vec();
    out[mvhd.start..mvhd.start + 4].copy_from_slice(&claim.to_be_bytes());
    Ok(out)
}

/// One box of a byte buffer, where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BoxAt {
    /// Its four-character type.
    kind: [u8; 4],
    /// Where its header starts.
    start: usize,
    /// Its header's length: 8, or 16 with a 64-bit size.
    header: usize,
    /// Where it ends (exclusive).
    end: usize,
}

impl BoxAt {
    /// The whole box, header included.
    fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// Its content, after the header.
    fn payload(&self) -> Range<usize> {
        self.start + self.header..self.end
    }
}

/// The boxes of `data[range]`, one after the other. Strict: the builders
/// only read ffmpeg's valid output, so any size that does not fit is an
/// error, not something to work around.
fn boxes(data: &[u8], range: Range<usize>) -> Result<Vec<BoxAt>> {
    ensure!(range.end <= data.len(), "range {range:?} past the data");
    let mut found = Vec::new();
    let mut at = range.start;
    while at < range.end {
        let word = |from: usize, len: usize| {
            data.get(from..from + len)
                .filter(|_| from + len <= range.end)
                .with_context(|| format!("a box header cut short at {at}"))
        };
        let size32 = u32::from_be_bytes(word(at, 4)?.try_into()?);
        let kind: [u8; 4] = word(at + 4, 4)?.try_into()?;
        let (size, header) = match size32 {
            // Size 0: to the end of the enclosing range.
            0 => (u64::try_from(range.end - at)?, 8),
            1 => (u64::from_be_bytes(word(at + 8, 8)?.try_into()?), 16),
            n => (u64::from(n), 8),
        };
        let end = usize::try_from(size)
            .ok()
            .and_then(|size| at.checked_add(size))
            .filter(|end| *end <= range.end && end - at >= header)
            .with_context(|| format!("the box at {at} claims {size} bytes, which do not fit"))?;
        found.push(BoxAt {
            kind,
            start: at,
            header,
            end,
        });
        at = end;
    }
    Ok(found)
}

/// The first box of type `kind`.
fn find<'a>(boxes: &'a [BoxAt], kind: &[u8; 4]) -> Result<&'a BoxAt> {
    boxes
        .iter()
        .find(|b| &b.kind == kind)
        .with_context(|| format!("no {} box", String::from_utf8_lossy(kind)))
}

/// The ftyp, which must be the first box.
fn first_ftyp(boxes: &[BoxAt]) -> Result<&BoxAt> {
    match boxes.first() {
        Some(b) if &b.kind == b"ftyp" => Ok(b),
        _ => bail!("the first box is not ftyp"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut b = u32::try_from(8 + content.len())
            .unwrap()
            .to_be_bytes()
            .to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(content);
        b
    }

    fn ftyp() -> Vec<u8> {
        boxed(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41")
    }

    fn moov() -> Vec<u8> {
        let mut content = boxed(b"mvhd", &[0; 100]);
        content.extend(boxed(b"trak", &boxed(b"tkhd", &[0; 84])));
        boxed(b"moov", &content)
    }

    fn mdat() -> Vec<u8> {
        boxed(
            b"mdat",
            &(0..4000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>(),
        )
    }

    /// Shaped as ffmpeg writes h264.mp4: ftyp, free, mdat, moov.
    fn moov_at_end() -> Vec<u8> {
        [ftyp(), boxed(b"free", &[]), mdat(), moov()].concat()
    }

    /// Shaped as faststart.mp4: ftyp, moov, free, mdat.
    fn faststart() -> Vec<u8> {
        [ftyp(), moov(), boxed(b"free", &[]), mdat()].concat()
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn boxes_reads_32_bit_64_bit_and_to_the_end_sizes() {
        let mut data = boxed(b"ftyp", b"isom");
        data.extend_from_slice(&1u32.to_be_bytes());
        data.extend_from_slice(b"wide");
        data.extend_from_slice(&20u64.to_be_bytes());
        data.extend_from_slice(b"abcd");
        data.extend_from_slice(&0u32.to_be_bytes());
        data.extend_from_slice(b"mdat");
        data.extend_from_slice(b"rest");
        let found = boxes(&data, 0..data.len()).unwrap();
        let kinds: Vec<_> = found.iter().map(|b| (&b.kind, b.header, b.end)).collect();
        assert_eq!(
            kinds,
            [(b"ftyp", 8, 12), (b"wide", 16, 32), (b"mdat", 8, 44)]
        );
    }

    #[test]
    fn boxes_refuses_sizes_that_do_not_fit() {
        let mut data = boxed(b"ftyp", b"isom");
        data[3] = 200;
        assert!(boxes(&data, 0..data.len()).is_err());
        let tiny = [0, 0, 0, 4, b'f', b'r', b'e', b'e'];
        assert!(boxes(&tiny, 0..8).is_err(), "smaller than its header");
        assert!(boxes(&[0, 0, 0], 0..3).is_err(), "a header cut short");
    }

    #[test]
    fn truncated_is_the_first_half_cut_inside_mdat() {
        let mp4 = moov_at_end();
        let cut = truncated(&mp4).unwrap();
        assert_eq!(cut.len(), mp4.len() / 2);
        assert!(mp4.starts_with(&cut));
        // The mdat's header is kept and claims more than is left.
        let mdat_at = ftyp().len() + 8;
        assert_eq!(&cut[mdat_at + 4..mdat_at + 8], b"mdat");
        assert!(mdat_at + u32_at(&cut, mdat_at) as usize > cut.len());
        assert!(!cut.windows(4).any(|w| w == b"moov"));
    }

    #[test]
    fn truncated_refuses_a_file_whose_moov_comes_first() {
        assert!(truncated(&faststart()).is_err());
    }

    #[test]
    fn bad_size_claims_2_to_the_40_with_100_bytes_after_the_header() {
        let mp4 = moov_at_end();
        let bad = bad_size(&mp4).unwrap();
        let ftyp = ftyp();
        assert!(bad.starts_with(&ftyp));
        let at = ftyp.len();
        assert_eq!(u32_at(&bad, at), 1, "the 64-bit form");
        assert_eq!(&bad[at + 4..at + 8], b"mdat");
        let claim = u64::from_be_bytes(bad[at + 8..at + 16].try_into().unwrap());
        assert_eq!(claim, 1 << 40);
        assert_eq!(bad.len(), at + 16 + 100);
        // The tail is the source's mdat payload, not padding.
        let src_payload = ftyp.len() + 8 + 8;
        assert_eq!(bad[at + 16..], mp4[src_payload..src_payload + 100]);
    }

    #[test]
    fn deep_nests_ten_thousand_boxes_with_consistent_sizes() {
        let d = deep(&moov_at_end()).unwrap();
        let ftyp = ftyp();
        assert!(d.starts_with(&ftyp));
        assert_eq!(d.len(), ftyp.len() + 8 + 8 * 10_000);
        let moov = boxes(&d, 0..d.len()).unwrap();
        assert_eq!(moov.len(), 2, "ftyp and moov, nothing after");
        assert_eq!(&moov[1].kind, b"moov");
        assert_eq!(moov[1].end, d.len());
        // Walk down: every level is exactly one box filling its parent.
        let mut inside = moov[1].payload();
        let mut levels = 0;
        while !inside.is_empty() {
            let children = boxes(&d, inside.clone()).unwrap();
            assert_eq!(children.len(), 1);
            assert_eq!(&children[0].kind, b"trak");
            assert_eq!(children[0].range(), inside);
            inside = children[0].payload();
            levels += 1;
        }
        assert_eq!(levels, 10_000);
        assert_eq!(u32_at(&d, d.len() - 8), 8, "the innermost is empty");
    }

    #[test]
    fn moov_lies_changes_only_mvhd_size_past_moov_but_inside_the_file() {
        let mp4 = faststart();
        let lies = moov_lies(&mp4).unwrap();
        assert_eq!(lies.len(), mp4.len());
        let moov_at = ftyp().len();
        let mvhd_at = moov_at + 8;
        let changed: Vec<usize> = (0..mp4.len()).filter(|&i| mp4[i] != lies[i]).collect();
        assert!(changed.iter().all(|i| (mvhd_at..mvhd_at + 4).contains(i)));
        let moov_end = moov_at + u32_at(&lies, moov_at) as usize;
        let mvhd_end = mvhd_at + u32_at(&lies, mvhd_at) as usize;
        assert_eq!(mvhd_end, moov_end + 1024);
        assert!(mvhd_end <= lies.len());
        // The top level is still sound; the lie is one level down.
        assert!(boxes(&lies, 0..lies.len()).is_ok());
        assert!(boxes(&lies, moov_at + 8..moov_end).is_err());
    }

    #[test]
    fn moov_lies_refuses_a_file_whose_moov_comes_last() {
        assert!(moov_lies(&moov_at_end()).is_err());
    }

    #[test]
    fn text_and_empty() {
        assert_eq!(text(&[]).unwrap(), b"This is not a video.\n");
        assert!(empty(&[]).unwrap().is_empty());
    }

    #[test]
    fn every_ffmpeg_run_is_quiet_overwriting_and_bitexact() {
        let args = ffmpeg_args(&["-i", "h264.mp4"], &["-c", "copy"], "x.mp4");
        let line = args.join(" ");
        assert!(line.starts_with("-hide_banner -loglevel error -y -i h264.mp4 "));
        for flag in [
            "-map_metadata -1",
            "-fflags +bitexact",
            "-flags:v +bitexact",
            "-flags:a +bitexact",
        ] {
            assert!(line.contains(flag), "{flag} missing from {line}");
        }
        assert!(line.ends_with("-c copy x.mp4"));
    }

    #[test]
    fn fixtures_are_listed_once_each_after_their_sources() {
        let names: Vec<&str> = FIXTURES.iter().map(|s| s.name).collect();
        assert_eq!(names.len(), 16);
        for (i, spec) in FIXTURES.iter().enumerate() {
            assert!(!names[..i].contains(&spec.name), "{} twice", spec.name);
            // A `|` would split its README row.
            assert!(!spec.description.contains('|'), "{}", spec.name);
            let from = match &spec.recipe {
                Recipe::Built { from, .. } => *from,
                Recipe::Ffmpeg { input, .. } => input
                    .windows(2)
                    .find(|w| w[0] == "-i" && !w[1].contains('='))
                    .map(|w| w[1]),
            };
            if let Some(from) = from {
                assert!(names[..i].contains(&from), "{} before {from}", spec.name);
            }
        }
    }

    #[test]
    fn the_readme_has_a_row_per_fixture_and_the_command() {
        let fixtures = [Fixture {
            name: "h264.mp4",
            size: 39946,
            description: "the common upload",
        }];
        let readme = readme_text(&fixtures, "ffmpeg version 5.1");
        assert!(readme.contains("make fixtures"));
        assert!(readme.contains("| `h264.mp4` | 39946 | the common upload |\n"));
        assert!(readme.contains("made by\nffmpeg version 5.1."));
    }
}
