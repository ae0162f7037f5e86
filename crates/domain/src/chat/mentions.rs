//! The page or the video a message names, for the live answers.
//!
//! A video is named by its id (the 26 characters `POST /api/videos`
//! returned), anywhere in the message. A page is named by its slug next to
//! the word "page" ("the page home", "the home page", "home 페이지"), or,
//! in a Korean message, by the first Latin word that is a slug ("home의
//! 조회수"). Nothing else is guessed: a wrong guess would answer about the
//! wrong page.

use super::text::{Language, normalise, words};
use crate::page::Slug;
use crate::video::VideoId;

/// What a message names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    /// A page, by its slug.
    pub page: Option<Slug>,
    /// A video, by its id.
    pub video: Option<VideoId>,
}

/// Words next to "page" that are not its name.
const NOT_A_NAME: &[&str] = &[
    "a", "an", "the", "this", "that", "my", "your", "page", "pages", "of", "for", "on", "does",
    "do", "is", "has", "have", "view", "views", "how", "many", "what", "which", "and",
];

/// The page and video `message` names.
pub fn mentions(message: &str) -> Mentions {
    let text = normalise(message);
    let words = words(&text);
    let video = words
        .iter()
        .filter(|w| w.len() == ulid::ULID_LEN)
        .find_map(|w| w.parse::<VideoId>().ok());
    let is_name = |w: &&&str| !NOT_A_NAME.contains(*w) && w.len() != ulid::ULID_LEN;
    let slug = |w: &str| Slug::parse(w).ok();
    let mut page = None;
    if let Some(at) = words.iter().position(|w| *w == "page") {
        let after = words.get(at + 1).filter(is_name);
        let before = at.checked_sub(1).and_then(|i| words.get(i)).filter(is_name);
        page = after.or(before).and_then(|w| slug(w));
    }
    if page.is_none() && Language::of(message) == Language::Ko {
        page = words.iter().filter(is_name).find_map(|w| slug(w));
    }
    Mentions { page, video }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(message: &str) -> Option<String> {
        mentions(message).page.map(|p| p.as_str().to_owned())
    }

    #[test]
    fn a_page_is_named_next_to_the_word_page() {
        assert_eq!(
            page("how many views does the page welcome have").as_deref(),
            Some("welcome")
        );
        assert_eq!(page("and the page home?").as_deref(), Some("home"));
        assert_eq!(
            page("views of the cold-starts page").as_deref(),
            Some("cold-starts")
        );
        assert_eq!(page("home 페이지 조회수 알려줘").as_deref(), Some("home"));
        assert_eq!(page("welcome의 조회수는?").as_deref(), Some("welcome"));
        assert_eq!(page("how many views are there"), None);
        assert_eq!(page("what is a page"), None);
    }

    #[test]
    fn a_video_is_named_by_its_id_in_either_case() {
        let id = "01JDQ7Y0Z8ABCDEFGHJKMNPQRS";
        let m = mentions(&format!("what's the status of video {id}?"));
        assert_eq!(m.video.unwrap().to_string(), id.to_ascii_lowercase());
        assert_eq!(m.page, None);
        assert!(
            mentions(&format!("{} 영상 상태", id.to_ascii_lowercase()))
                .video
                .is_some()
        );
        assert!(mentions("video 01JDQ7Y0Z8ABCDEFGHJKMNPQR").video.is_none());
    }
}
