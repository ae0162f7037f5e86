//! Pages of the site, named by a slug, and their view counts.
//!
//! A page becomes known to the API on its first recorded view (the site's
//! script records one on every load); comments can only be posted on a known
//! page, so a typo in a slug cannot create a stray page.

use std::fmt;
use std::str::FromStr;

use crate::ValidationError;

/// A page's name in URLs: `[a-z0-9-]{1,64}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    /// The longest slug, in bytes (every allowed character is one byte).
    pub const MAX_LEN: usize = 64;

    /// The slug `raw`, if it is 1-64 characters of `a-z`, `0-9` and `-`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if raw.is_empty() || raw.len() > Self::MAX_LEN || !ok_chars {
            return Err(ValidationError::new(
                "slug",
                "must be 1-64 characters of a-z, 0-9 and '-'",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The slug as written in URLs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Slug {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A page and how many times it was viewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageViews {
    /// The page.
    pub slug: Slug,
    /// Its views since its first.
    pub views: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lowercase_digits_and_dashes_up_to_64() {
        for ok in ["a", "hello-world", "2026-11-27", &"x".repeat(64)] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_empty_long_upper_and_punctuation() {
        for bad in [
            "",
            &"x".repeat(65),
            "Hello",
            "a_b",
            "a/b",
            "é",
            "a b",
            "../x",
        ] {
            let err = Slug::parse(bad).unwrap_err();
            assert_eq!(err.field, "slug", "{bad}");
        }
    }
}
