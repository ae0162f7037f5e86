//! Text read on its own: the comment listing's cursor and limit, and the
//! chat's normalisation of what a visitor types.

use rightnow_domain::chat::text::{features, normalise, words};
use rightnow_domain::comment::{Cursor, Limit};

/// A `cursor` and a `limit`, as a client may send them: a cursor decodes
/// only to one this API could have handed out (it encodes back to itself),
/// and a limit is 1 to 100 or refused.
pub fn comment_cursor(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(cursor) = Cursor::decode(&text) {
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
    }
    if let Ok(limit) = Limit::parse(Some(&text)) {
        assert!((1..=Limit::MAX).contains(&limit.get()), "{text:?}");
    }
}

/// A chat message's text: normalised, cut into words and features, never
/// a panic; each word is a part of the normalised text.
pub fn chat_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let normalised = normalise(&text);
    for word in words(&normalised) {
        assert!(!word.is_empty() && normalised.contains(word), "{word:?}");
    }
    let _ = features(&text);
}
