//! Text as the matcher sees it: normalised, then cut into weighted
//! features, the same way for the knowledge base and for a visitor's
//! message.
//!
//! - **Normalised**: NFKC (full-width and compatibility forms are the plain
//!   ones; compatibility jamo such as `ㅋ` become conjoining jamo), then
//!   lower case. `to_lowercase` is Unicode's default case mapping, not full
//!   case folding; the two differ on a handful of letters (`ß`) that the
//!   knowledge base does not use.
//! - **English**: word tokens (runs of letters and digits), a short list
//!   of function words dropped, a light suffix strip (`uploads`,
//!   `uploading` → `upload`), and each word's character trigrams for typos.
//! - **Korean**: syllable bigrams, across the spaces between Hangul words
//!   too (Korean spacing varies: `콜드 스타트`, `콜드스타트`), a lone
//!   syllable as a unigram, and trigrams of the jamo the syllables are made
//!   of, so that a typo in one letter still shares most of its features. No
//!   morphological analyser: those download dictionaries at build time or
//!   weigh tens of MB.

use unicode_normalization::UnicodeNormalization;

/// The language of a message: Korean if it holds any Hangul.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// English (and anything that is not Korean).
    En,
    /// Korean.
    Ko,
}

impl Language {
    /// The language's code in the API: `en`, `ko`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Ko => "ko",
        }
    }

    /// Korean for a text with any Hangul letter, English otherwise.
    pub fn of(text: &str) -> Self {
        if text.chars().any(is_hangul) {
            Language::Ko
        } else {
            Language::En
        }
    }
}

/// What a feature was cut from; each kind weighs differently in a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An English word, suffix-stripped.
    Word,
    /// Three characters of an English word (typo tolerance).
    WordTrigram,
    /// Two Hangul syllables in a row.
    SyllableBigram,
    /// A Hangul syllable standing alone.
    Syllable,
    /// Three jamo in a row (typo tolerance).
    JamoTrigram,
}

impl Kind {
    /// How much one occurrence counts: whole words and syllable pairs
    /// carry the meaning; n-grams only rescue what a typo broke.
    pub fn weight(self) -> f32 {
        match self {
            Kind::Word | Kind::SyllableBigram => 1.0,
            Kind::Syllable => 0.6,
            Kind::WordTrigram | Kind::JamoTrigram => 0.35,
        }
    }
}

/// One feature: its kind and its text.
pub type Feature = (Kind, String);

/// Words too common to tell one question from another.
const STOP_WORDS: &[&str] = &[
    "a", "about", "an", "and", "any", "are", "as", "at", "be", "can", "could", "do", "does", "for",
    "from", "get", "give", "have", "has", "how", "i", "if", "in", "into", "is", "it", "its",
    "know", "let", "like", "me", "my", "need", "of", "on", "or", "please", "pls", "should", "show",
    "so", "some", "tell", "than", "that", "the", "there", "this", "to", "u", "us", "want", "was",
    "we", "what", "whats", "when", "where", "which", "who", "why", "will", "with", "would", "you",
    "your",
];

/// Whether `c` is a Hangul syllable or jamo (of any block).
pub fn is_hangul(c: char) -> bool {
    matches!(c,
        '\u{AC00}'..='\u{D7A3}'   // syllables
        | '\u{1100}'..='\u{11FF}' // conjoining jamo
        | '\u{3130}'..='\u{318F}' // compatibility jamo
        | '\u{A960}'..='\u{A97F}'
        | '\u{D7B0}'..='\u{D7FF}')
}

fn is_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// NFKC, then lower case.
pub fn normalise(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// The normalised text's Latin words (runs of letters and digits, and
/// `-` inside one), as written: what names a page or a video.
pub fn words(normalised: &str) -> Vec<&str> {
    normalised
        .split(|c: char| !(c.is_alphanumeric() || c == '-') || is_hangul(c))
        .map(|w| w.trim_matches('-'))
        .filter(|w| !w.is_empty())
        .collect()
}

fn stem(word: &str) -> &str {
    let n = word.len();
    for suffix in ["ing", "ed", "es", "s", "e"] {
        if n > suffix.len() + 3 && word.ends_with(suffix) && !word.ends_with("ss") {
            return &word[..n - suffix.len()];
        }
    }
    word
}

/// The features of `text`, each as often as it occurs.
pub fn features(text: &str) -> Vec<Feature> {
    let text = normalise(text);
    let mut out = Vec::new();
    english(&text, &mut out);
    korean(&text, &mut out);
    out
}

fn english(text: &str, out: &mut Vec<Feature>) {
    let latin = text
        .split(|c: char| !c.is_alphanumeric() || is_hangul(c))
        .filter(|w| !w.is_empty());
    for word in latin {
        // An apostrophe splits "what's" into "what" and "s".
        if word.len() == 1 && !word.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if STOP_WORDS.contains(&word) {
            continue;
        }
        let stemmed = stem(word);
        out.push((Kind::Word, stemmed.to_owned()));
        let padded: Vec<char> = format!("^{stemmed}$").chars().collect();
        if padded.len() >= 5 {
            for w in padded.windows(3) {
                out.push((Kind::WordTrigram, w.iter().collect()));
            }
        }
    }
}

fn korean(text: &str, out: &mut Vec<Feature>) {
    // Hangul words, with the spaces between them dropped: runs broken only
    // by anything else (Latin, digits, punctuation).
    let mut runs: Vec<Vec<char>> = vec![Vec::new()];
    for c in text.chars() {
        if is_syllable(c) {
            runs.last_mut().expect("never empty").push(c);
        } else if !c.is_whitespace() && !runs.last().expect("never empty").is_empty() {
            runs.push(Vec::new());
        }
    }
    for run in runs.iter().filter(|r| !r.is_empty()) {
        if run.len() == 1 {
            out.push((Kind::Syllable, run[0].to_string()));
        }
        for pair in run.windows(2) {
            out.push((Kind::SyllableBigram, pair.iter().collect()));
        }
        let jamo: Vec<char> = run.iter().collect::<String>().nfd().collect();
        for w in jamo.windows(3) {
            out.push((Kind::JamoTrigram, w.iter().collect()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(kind: Kind, text: &str) -> Vec<String> {
        features(text)
            .into_iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, f)| f)
            .collect()
    }

    #[test]
    fn the_language_is_korean_for_any_hangul() {
        assert_eq!(Language::of("What is a cold start?"), Language::En);
        assert_eq!(Language::of("Lambda 콜드 스타트"), Language::Ko);
        assert_eq!(Language::of("ㅋㅋ"), Language::Ko);
    }

    #[test]
    fn english_words_are_folded_stripped_and_stemmed() {
        assert_eq!(
            of(Kind::Word, "How do I UPLOAD videos? Uploading…"),
            ["upload", "video", "upload"]
        );
        // Full-width letters are the plain ones; "serverless" keeps its s.
        assert_eq!(of(Kind::Word, "ＳＥＲＶＥＲＬＥＳＳ"), ["serverless"]);
    }

    #[test]
    fn a_typo_still_shares_most_trigrams() {
        let right = of(Kind::WordTrigram, "throttling");
        let typo = of(Kind::WordTrigram, "throtling");
        let shared = typo.iter().filter(|t| right.contains(t)).count();
        assert!(shared * 2 > typo.len(), "{right:?} / {typo:?}");
    }

    #[test]
    fn korean_bigrams_do_not_depend_on_spacing() {
        let spaced = of(Kind::SyllableBigram, "콜드 스타트");
        let unspaced = of(Kind::SyllableBigram, "콜드스타트");
        assert_eq!(spaced, unspaced);
        assert_eq!(spaced, ["콜드", "드스", "스타", "타트"]);
    }

    #[test]
    fn a_korean_typo_keeps_most_jamo_trigrams() {
        let right = of(Kind::JamoTrigram, "스타트");
        let typo = of(Kind::JamoTrigram, "스타드");
        let shared = typo.iter().filter(|t| right.contains(t)).count();
        assert!(shared * 2 >= typo.len(), "{right:?} / {typo:?}");
        // Compatibility jamo typed alone are normalised to conjoining ones.
        assert_eq!(normalise("ㅋ"), "\u{110F}");
    }

    #[test]
    fn latin_words_keep_slugs_and_ids_whole() {
        let text =
            normalise("views of the page get-started, and video 01JDQ7Y0Z8ABCDEFGHJKMNPQRS?");
        assert!(words(&text).contains(&"get-started"));
        assert!(words(&text).contains(&"01jdq7y0z8abcdefghjkmnpqrs"));
        assert_eq!(words(&normalise("home의 조회수")), ["home"]);
    }
}
