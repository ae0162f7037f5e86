//! The message limits, from the environment the template sets from its
//! parameters. A variable left unset takes the default; one set to
//! something that is not a positive whole number stops the function at
//! init, naming it.

use rightnow_domain::services::ChatLimits;

/// Messages a minute per session and per address, unless set.
pub const DEFAULT_LIMITS: ChatLimits = ChatLimits {
    per_session: 30,
    per_address: 120,
};

/// A setting that is not what it should be.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name} is {value:?}: expected a whole number from 1")]
pub struct BadSetting {
    name: &'static str,
    value: String,
}

/// Reads the limits from `var` (the process environment in `main`).
pub fn limits(var: impl Fn(&str) -> Option<String>) -> Result<ChatLimits, BadSetting> {
    let number = |name: &'static str, default: u32| match var(name).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(BadSetting { name, value: v }),
    };
    Ok(ChatLimits {
        per_session: number(
            "CHAT_SESSION_MESSAGES_PER_MINUTE",
            DEFAULT_LIMITS.per_session,
        )?,
        per_address: number(
            "CHAT_ADDRESS_MESSAGES_PER_MINUTE",
            DEFAULT_LIMITS.per_address,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_is_the_default_and_nonsense_is_named() {
        assert_eq!(limits(|_| None).unwrap(), DEFAULT_LIMITS);
        let set =
            limits(|n| (n == "CHAT_SESSION_MESSAGES_PER_MINUTE").then(|| "5".into())).unwrap();
        assert_eq!(set.per_session, 5);
        for bad in ["0", "-1", "lots"] {
            let e = limits(|_| Some(bad.into())).unwrap_err();
            assert!(
                e.to_string().contains("CHAT_SESSION_MESSAGES_PER_MINUTE"),
                "{e}"
            );
        }
    }
}
