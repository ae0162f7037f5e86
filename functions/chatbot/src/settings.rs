//! The chat's settings, from the environment the template sets from its
//! parameters (parsed as every function's are: `rightnow_http::settings`).

use rightnow_domain::services::{ChatLimits, WriteLimit};
use rightnow_http::settings::{BadSetting, WRITES_PER_ADDRESS_PER_MINUTE, whole_number};

/// Messages a minute per session, unless set.
pub const DEFAULT_LIMITS: ChatLimits = ChatLimits { per_session: 30 };

/// The message limits, from `var` (the process environment in `main`).
pub fn limits(var: impl Fn(&str) -> Option<String>) -> Result<ChatLimits, BadSetting> {
    Ok(ChatLimits {
        per_session: whole_number(
            var,
            "CHAT_SESSION_MESSAGES_PER_MINUTE",
            DEFAULT_LIMITS.per_session,
        )?,
    })
}

/// The writes (here, messages) a minute one client address may make over
/// every write route of the API, from `var`.
pub fn writes_per_minute(var: impl Fn(&str) -> Option<String>) -> Result<u32, BadSetting> {
    whole_number(
        var,
        WRITES_PER_ADDRESS_PER_MINUTE,
        WriteLimit::DEFAULT_PER_MINUTE,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_is_the_default_and_nonsense_is_named() {
        assert_eq!(limits(|_| None).unwrap(), DEFAULT_LIMITS);
        assert_eq!(
            writes_per_minute(|_| None).unwrap(),
            WriteLimit::DEFAULT_PER_MINUTE
        );
        let set =
            limits(|n| (n == "CHAT_SESSION_MESSAGES_PER_MINUTE").then(|| "5".into())).unwrap();
        assert_eq!(set.per_session, 5);
        let e = writes_per_minute(|_| Some("lots".into())).unwrap_err();
        assert!(e.to_string().contains(WRITES_PER_ADDRESS_PER_MINUTE), "{e}");
    }
}
