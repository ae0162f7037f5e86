//! Median and p90 of a series of samples.

use serde::Serialize;

/// A series and the figures reported from it.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The median (the mean of the middle two for an even count).
    pub median: f64,
    /// Nearest-rank 90th percentile: a value that was really observed.
    pub p90: f64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// Every sample, in the order taken.
    pub samples: Vec<f64>,
}

impl Summary {
    /// `None` for an empty series: a figure of nothing is no figure.
    pub fn of(samples: &[f64]) -> Option<Self> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        // ceil(0.9 n), in integers.
        let rank = (9 * n).div_ceil(10);
        Some(Self {
            median,
            p90: sorted[rank.clamp(1, n) - 1],
            min: sorted[0],
            max: sorted[n - 1],
            samples: samples.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_nearest_rank_p90() {
        let s = Summary::of(&[5.0, 1.0, 4.0, 2.0, 3.0]).unwrap();
        assert_eq!((s.median, s.p90, s.min, s.max), (3.0, 5.0, 1.0, 5.0));
        let s = Summary::of(&(1..=20).map(f64::from).collect::<Vec<_>>()).unwrap();
        assert_eq!((s.median, s.p90), (10.5, 18.0));
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[f64::NAN]).is_none());
    }
}
