//! Comments on a page: what a visitor sends, what is stored, and how a list
//! of them is paged.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;
use ulid::Ulid;

use crate::ValidationError;
use crate::page::Slug;

/// A comment's id: a ULID, so ids sort by creation time and "newest first"
/// is a reverse range read, not a sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommentId(pub Ulid);

impl fmt::Display for CommentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for CommentId {
    type Err = ulid::DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ulid::from_string(s).map(Self)
    }
}

/// A comment as a visitor wrote it, not yet checked.
#[derive(Debug, Clone)]
pub struct NewComment {
    /// Who signs it.
    pub author: String,
    /// What it says.
    pub body: String,
}

/// A [`NewComment`] that passed validation: author trimmed to 1-40
/// characters, body trimmed to 1-2000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidComment {
    /// The author, trimmed.
    pub author: String,
    /// The body, trimmed.
    pub body: String,
}

impl NewComment {
    /// The longest author, in characters after trimming.
    pub const AUTHOR_MAX: usize = 40;
    /// The longest body, in characters after trimming.
    pub const BODY_MAX: usize = 2000;

    /// Trims both fields and checks their lengths; the error names the
    /// first field that breaks its rule.
    pub fn validate(self) -> Result<ValidComment, ValidationError> {
        let author = trimmed_within("author", &self.author, Self::AUTHOR_MAX)?;
        let body = trimmed_within("body", &self.body, Self::BODY_MAX)?;
        Ok(ValidComment { author, body })
    }
}

/// Trims `raw` and checks it holds 1..=max characters (not bytes).
pub(crate) fn trimmed_within(
    field: &'static str,
    raw: &str,
    max: usize,
) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    let chars = trimmed.chars().count();
    if chars == 0 || chars > max {
        return Err(ValidationError::new(
            field,
            format!("must be 1-{max} characters after trimming spaces"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// A comment posted on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its id, which also orders comments by time.
    pub id: CommentId,
    /// The page it was posted on.
    pub page: Slug,
    /// Who signed it (validated).
    pub author: String,
    /// What it says (validated).
    pub body: String,
    /// When it was posted.
    pub created_at: OffsetDateTime,
}

/// Where a listing resumes: the id of the last comment of the previous page,
/// base64url-encoded so clients treat it as opaque.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(pub CommentId);

impl Cursor {
    /// The opaque token handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0.to_string())
    }

    /// `None` for anything this API did not produce.
    pub fn decode(token: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        text.parse().ok().map(Self)
    }
}

/// How many comments one listing returns: 1-100, 20 when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u16);

impl Limit {
    /// The limit when none is given.
    pub const DEFAULT: u16 = 20;
    /// The largest limit allowed.
    pub const MAX: u16 = 100;

    /// The limit a caller gave as text, or the default when none.
    pub fn parse(raw: Option<&str>) -> Result<Self, ValidationError> {
        let Some(raw) = raw else {
            return Ok(Self(Self::DEFAULT));
        };
        match raw.parse::<u16>() {
            Ok(n) if (1..=Self::MAX).contains(&n) => Ok(Self(n)),
            _ => Err(ValidationError::new(
                "limit",
                "must be a whole number from 1 to 100",
            )),
        }
    }

    /// The number of comments to return.
    pub fn get(self) -> u16 {
        self.0
    }
}

/// One page of a newest-first listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentPage {
    /// Newest first.
    pub comments: Vec<Comment>,
    /// Set when more comments follow; pass it back as `cursor`.
    pub next: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(author: &str, body: &str) -> NewComment {
        NewComment {
            author: author.into(),
            body: body.into(),
        }
    }

    #[test]
    fn trims_and_accepts_limits_counted_in_characters() {
        let ok = new("  Ada ", &"é".repeat(2000)).validate().unwrap();
        assert_eq!(ok.author, "Ada");
        assert_eq!(ok.body.chars().count(), 2000);
        assert!(new(&"a".repeat(40), "x").validate().is_ok());
    }

    #[test]
    fn rejects_blank_or_too_long_fields_naming_the_field() {
        assert_eq!(new("   ", "hi").validate().unwrap_err().field, "author");
        assert_eq!(
            new(&"a".repeat(41), "hi").validate().unwrap_err().field,
            "author"
        );
        assert_eq!(new("Ada", " \n\t ").validate().unwrap_err().field, "body");
        assert_eq!(
            new("Ada", &"b".repeat(2001)).validate().unwrap_err().field,
            "body"
        );
    }

    #[test]
    fn cursor_round_trips_and_rejects_foreign_tokens() {
        let c = Cursor(CommentId(Ulid::new()));
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in ["", "!!", "bm90LWEtdWxpZA", "01ARZ3NDEKTSV4RRFFQ69G5FAV"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn limit_defaults_to_20_and_allows_1_to_100() {
        assert_eq!(Limit::parse(None).unwrap().get(), 20);
        assert_eq!(Limit::parse(Some("1")).unwrap().get(), 1);
        assert_eq!(Limit::parse(Some("100")).unwrap().get(), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            assert_eq!(Limit::parse(Some(bad)).unwrap_err().field, "limit");
        }
    }
}
