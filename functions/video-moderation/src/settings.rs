//! The moderation policy and the reading limits, from the environment the
//! template sets from its parameters. A variable left unset takes
//! today's rule ([`Policy::default`]); one set to something unreadable
//! stops the function at init, naming it.

use std::time::Duration;

use rightnow_domain::container::IndexLimits;
use rightnow_domain::moderation::Policy;
use rightnow_domain::services::moderation::Settings;

/// A setting that is not what it should be.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name} is {value:?}: {expected}")]
pub struct BadSetting {
    name: &'static str,
    value: String,
    expected: &'static str,
}

/// What reading one container may cost. A real index is a small part of
/// its video; a 10-minute 4K video's `moov` is well under these.
pub const LIMITS: IndexLimits = IndexLimits {
    max_boxes: 4096,
    max_ftyp_bytes: 4096,
    max_moov_bytes: 4 << 20,
    max_fragment_index_bytes: 4 << 20,
};

/// Reads the settings from `var` (the process environment in `main`).
pub fn from(var: impl Fn(&str) -> Option<String>) -> Result<Settings, BadSetting> {
    let number = |name: &'static str, default: u64| -> Result<u64, BadSetting> {
        match var(name).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| BadSetting {
                name,
                value: v,
                expected: "a whole number",
            }),
        }
    };
    let list = |name: &'static str| -> Vec<String> {
        var(name)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let pixels = |name: &'static str, default: u32| -> Result<u32, BadSetting> {
        let n = number(name, u64::from(default))?;
        u32::try_from(n).map_err(|_| BadSetting {
            name,
            value: n.to_string(),
            expected: "a number of pixels",
        })
    };
    let today = Policy::default();
    let policy = Policy {
        max_size: number("MAX_UPLOAD_BYTES", today.max_size)?,
        max_duration_ms: number("MAX_DURATION_SECONDS", today.max_duration_ms / 1000)? * 1000,
        max_width: pixels("MAX_WIDTH", today.max_width)?,
        max_height: pixels("MAX_HEIGHT", today.max_height)?,
        blocked_codecs: list("BLOCKED_CODECS"),
        blocked_words: list("BLOCKED_TITLE_WORDS"),
    };
    Ok(Settings {
        policy,
        limits: LIMITS,
        lease: Duration::from_secs(number("LEASE_SECONDS", 300)?),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, BadSetting> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        from(|name| vars.get(name).cloned())
    }

    #[test]
    fn unset_is_todays_policy_and_set_is_read() {
        assert_eq!(settings(&[]).unwrap().policy, Policy::default());
        let s = settings(&[
            ("MAX_DURATION_SECONDS", "60"),
            ("BLOCKED_TITLE_WORDS", "spam, scam ,,"),
            ("BLOCKED_CODECS", "mp4v"),
            ("LEASE_SECONDS", "90"),
        ])
        .unwrap();
        assert_eq!(s.policy.max_duration_ms, 60_000);
        assert_eq!(s.policy.blocked_words, ["spam", "scam"]);
        assert_eq!(s.policy.blocked_codecs, ["mp4v"]);
        assert_eq!(s.lease, Duration::from_secs(90));
    }

    #[test]
    fn an_unreadable_setting_is_named() {
        let err = settings(&[("MAX_WIDTH", "wide")]).err().unwrap();
        assert_eq!(
            err.to_string(),
            "environment variable MAX_WIDTH is \"wide\": a whole number"
        );
        assert!(settings(&[("MAX_HEIGHT", "99999999999")]).is_err());
    }
}
