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
#[repr(u32)]
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

/// One feature: its kind and its text, hashed together (64-bit FNV-1a):
/// the index keeps no strings, and cutting a text allocates none per
/// feature. Two features colliding would need about 2^32 of them.
pub type Feature = u64;

/// The hash of the feature `text` of `kind`.
pub fn feature(kind: Kind, text: &[char]) -> Feature {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in std::iter::once(kind as u32).chain(text.iter().map(|&c| c as u32)) {
        for b in c.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

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

/// NFKC, then lower case. ASCII is its own NFKC.
pub fn normalise(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
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

/// Calls `emit` with the kind and text of each feature of `text`, each
/// as often as it occurs.
pub fn cut(text: &str, mut emit: impl FnMut(Kind, &[char])) {
    let text = normalise(text);
    english(&text, &mut emit);
    korean(&text, &mut emit);
}

/// The features of `text`, each as often as it occurs, with their weights.
pub fn features(text: &str) -> Vec<(Feature, f32)> {
    let mut out = Vec::new();
    cut(text, |kind, t| out.push((feature(kind, t), kind.weight())));
    out
}

fn english(text: &str, emit: &mut impl FnMut(Kind, &[char])) {
    let latin = text
        .split(|c: char| !c.is_alphanumeric() || is_hangul(c))
        .filter(|w| !w.is_empty());
    let mut padded: Vec<char> = Vec::new();
    for word in latin {
        // An apostrophe splits "what's" into "what" and "s".
        if word.len() == 1 && !word.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if STOP_WORDS.contains(&word) {
            continue;
        }
        padded.clear();
        padded.push('^');
        padded.extend(stem(word).chars());
        padded.push('$');
        let n = padded.len();
        emit(Kind::Word, &padded[1..n - 1]);
        if n >= 5 {
            for w in padded.windows(3) {
                emit(Kind::WordTrigram, w);
            }
        }
    }
}

fn korean(text: &str, emit: &mut impl FnMut(Kind, &[char])) {
    // Hangul words, with the spaces between them dropped: runs broken only
    // by anything else (Latin, digits, punctuation).
    let mut run: Vec<char> = Vec::new();
    let mut jamo: Vec<char> = Vec::new();
    let mut flush = |run: &mut Vec<char>| {
        if run.len() == 1 {
            emit(Kind::Syllable, run);
        }
        for pair in run.windows(2) {
            emit(Kind::SyllableBigram, pair);
        }
        jamo.clear();
        for &syllable in run.iter() {
            jamo.extend(std::iter::once(syllable).nfd());
        }
        for w in jamo.windows(3) {
            emit(Kind::JamoTrigram, w);
        }
        run.clear();
    };
    for c in text.chars() {
        if is_syllable(c) {
            run.push(c);
        } else if !c.is_whitespace() && !run.is_empty() {
            flush(&mut run);
        }
    }
    flush(&mut run);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(kind: Kind, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        cut(text, |k, t| {
            if k == kind {
                out.push(t.iter().collect());
            }
        });
        out
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
