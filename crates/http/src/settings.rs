//! The functions' numeric settings, from the environment the template sets
//! from its parameters. A variable left unset (or empty) takes its default;
//! one set to something that is not a whole number from 1 stops the
//! function at init, naming it.

/// The variable every function behind the API reads for its writes' limit
/// (`rightnow_domain::services::WriteLimit`).
pub const WRITES_PER_ADDRESS_PER_MINUTE: &str = "WRITES_PER_ADDRESS_PER_MINUTE";

/// A setting that is not what it should be.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name} is {value:?}: expected a whole number from 1")]
pub struct BadSetting {
    name: &'static str,
    value: String,
}

/// The whole number from 1 in `name`, as `var` (the process environment in
/// `main`) gives it, or `default` when it is unset.
pub fn whole_number(
    var: impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u32,
) -> Result<u32, BadSetting> {
    match var(name).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(BadSetting { name, value: v }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_is_the_default_and_nonsense_is_named() {
        assert_eq!(whole_number(|_| None, "N", 7).unwrap(), 7);
        assert_eq!(whole_number(|_| Some(String::new()), "N", 7).unwrap(), 7);
        assert_eq!(whole_number(|_| Some(" 5 ".into()), "N", 7).unwrap(), 5);
        for bad in ["0", "-1", "lots", "4294967296"] {
            let e = whole_number(|_| Some(bad.into()), "N", 7).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("environment variable N is {bad:?}: expected a whole number from 1")
            );
        }
    }
}
