//! The duration of a fragmented MP4 (`moof` boxes), which a streaming
//! encoder only knows once it is done: its `moov` often says 0.
//!
//! mp4parse reads `moov` only, so this module reads what a duration needs
//! from each `moof` and nothing more: per track fragment, the track (`tfhd`)
//! and each run's sample durations (`trun`), or the defaults (`tfhd`, then
//! the `trex` in `moov`) where a run leaves them out.

use super::boxes::WalkError;
use super::children::{Fields, ShortBox, all, children};

/// Sample durations by track id, in each track's own timescale.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct TrackTicks(pub Vec<(u32, u64)>);

impl TrackTicks {
    fn add(&mut self, track: u32, ticks: u64) {
        match self.0.iter_mut().find(|(t, _)| *t == track) {
            Some((_, total)) => *total = total.saturating_add(ticks),
            None => self.0.push((track, ticks)),
        }
    }

    /// The total of `track`, 0 if it has no fragments.
    pub fn of(&self, track: u32) -> u64 {
        self.0
            .iter()
            .find(|(t, _)| *t == track)
            .map_or(0, |(_, n)| *n)
    }
}

/// A `moof` that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum FragmentError {
    /// Its boxes do not fit.
    #[error(transparent)]
    Walk(#[from] WalkError),
    /// A field is missing.
    #[error(transparent)]
    Short(#[from] ShortBox),
    /// A run claims more samples than its bytes hold.
    #[error("a trun box claims {0} samples that it does not hold")]
    Samples(u32),
}

const TFHD_DEFAULT_DURATION: u32 = 0x08;
const TRUN_SAMPLE_DURATION: u32 = 0x100;

/// Each track's default sample duration, from the `trex` boxes of `moov`'s
/// `mvex`.
pub(super) fn trex_defaults(moov: &[u8]) -> Result<Vec<(u32, u32)>, FragmentError> {
    let mut defaults = Vec::new();
    for mvex in all(moov, b"mvex") {
        for trex in all(mvex?, b"trex") {
            let mut f = Fields::new(trex?, "trex");
            f.version_flags()?;
            let track = f.u32()?;
            f.u32()?; // default sample description index
            defaults.push((track, f.u32()?));
        }
    }
    Ok(defaults)
}

/// Adds the sample durations of one `moof` (its content) to `totals`.
pub(super) fn add_durations(
    moof: &[u8],
    trex: &[(u32, u32)],
    totals: &mut TrackTicks,
) -> Result<(), FragmentError> {
    for traf in all(moof, b"traf") {
        let traf = traf?;
        let mut track = None;
        let mut default = None;
        for child in children(traf) {
            let child = child?;
            match &child.kind {
                b"tfhd" => {
                    let (id, d) = read_tfhd(child.content)?;
                    track = Some(id);
                    default = d.or_else(|| trex.iter().find(|(t, _)| *t == id).map(|(_, d)| *d));
                }
                b"trun" => {
                    // tfhd comes first in a traf; a trun without one has
                    // no track to count for.
                    let Some(id) = track else { continue };
                    totals.add(id, run_ticks(child.content, default.unwrap_or(0))?);
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The track id and, when present, the default sample duration.
fn read_tfhd(content: &[u8]) -> Result<(u32, Option<u32>), FragmentError> {
    let mut f = Fields::new(content, "tfhd");
    let (_, flags) = f.version_flags()?;
    let track = f.u32()?;
    if flags & 0x01 != 0 {
        f.take(8)?; // base data offset
    }
    if flags & 0x02 != 0 {
        f.take(4)?; // sample description index
    }
    let default = if flags & TFHD_DEFAULT_DURATION != 0 {
        Some(f.u32()?)
    } else {
        None
    };
    Ok((track, default))
}

/// The sum of one run's sample durations.
fn run_ticks(content: &[u8], default: u32) -> Result<u64, FragmentError> {
    let mut f = Fields::new(content, "trun");
    let (_, flags) = f.version_flags()?;
    let count = f.u32()?;
    if flags & 0x01 != 0 {
        f.take(4)?; // data offset
    }
    if flags & 0x04 != 0 {
        f.take(4)?; // first sample flags
    }
    let per_sample: usize = [0x100, 0x200, 0x400, 0x800]
        .iter()
        .filter(|bit| flags & **bit != 0)
        .count()
        * 4;
    if flags & TRUN_SAMPLE_DURATION == 0 {
        // Only the defaults: the count is all this run says.
        return Ok(u64::from(count) * u64::from(default));
    }
    let needed = usize::try_from(count)
        .ok()
        .and_then(|n| n.checked_mul(per_sample));
    if needed.is_none_or(|n| n > f.remaining()) {
        return Err(FragmentError::Samples(count));
    }
    let mut ticks = 0u64;
    for _ in 0..count {
        let sample = f.take(per_sample)?;
        ticks += u64::from(u32::from_be_bytes([
            sample[0], sample[1], sample[2], sample[3],
        ]));
    }
    Ok(ticks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::test_object::{full, wrap};

    fn traf(tfhd: Vec<u8>, runs: &[Vec<u8>]) -> Vec<u8> {
        wrap(b"traf", &[vec![tfhd], runs.to_vec()].concat().concat())
    }

    #[test]
    fn sums_each_tracks_runs_with_per_sample_or_default_durations() {
        // Track 1: per-sample durations (and sizes) in its run.
        let video = traf(
            full(b"tfhd", 0, &[1]),
            &[full(b"trun", 0x300, &[3, 100, 9, 200, 9, 300, 9])],
        );
        // Track 2: a default duration in tfhd, two runs.
        let audio = traf(
            full(b"tfhd", TFHD_DEFAULT_DURATION, &[2, 1024]),
            &[full(b"trun", 0, &[4]), full(b"trun", 0, &[1])],
        );
        // Track 3: no default in tfhd, so trex's.
        let text = traf(full(b"tfhd", 0, &[3]), &[full(b"trun", 0, &[2])]);
        let moof = [full(b"mfhd", 0, &[1]), video, audio, text].concat();
        let mut totals = TrackTicks::default();
        add_durations(&moof, &[(3, 50)], &mut totals).unwrap();
        add_durations(&moof, &[(3, 50)], &mut totals).unwrap();
        assert_eq!(
            (totals.of(1), totals.of(2), totals.of(3)),
            (1200, 10240, 200)
        );
        assert_eq!(totals.of(9), 0);
    }

    #[test]
    fn the_trex_defaults_are_read_from_mvex() {
        let moov = wrap(b"mvex", &full(b"trex", 0, &[7, 1, 512, 0, 0]));
        assert_eq!(trex_defaults(&moov).unwrap(), [(7, 512)]);
    }

    #[test]
    fn a_run_claiming_more_samples_than_it_holds_is_an_error() {
        let moof = traf(
            full(b"tfhd", 0, &[1]),
            &[full(b"trun", 0x100, &[u32::MAX, 10])],
        );
        let mut totals = TrackTicks::default();
        assert!(matches!(
            add_durations(&moof, &[], &mut totals),
            Err(FragmentError::Samples(u32::MAX))
        ));
        let cut = traf(wrap(b"tfhd", &[0, 0]), &[]);
        assert!(matches!(
            add_durations(&cut, &[], &mut totals),
            Err(FragmentError::Short(_))
        ));
    }
}
