//! The moderation policy: what an upload must be to be approved, judged on
//! what was found in it (never on its name), with a machine-readable reason
//! for each rule it breaks.
//!
//! video-moderation finds the facts (the container's brand and index, the
//! object's size and hash); this module only judges them, so every rule is
//! a unit test on plain values.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use crate::container::{Container, IndexError, WalkError};
use crate::video::{NewVideo, ReasonNote, Video, VideoType};

/// What was found in an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// What the file is, from its `ftyp`.
    pub container: Container,
    /// Its real size, in bytes.
    pub size: u64,
    /// Its video tracks (none for an audio-only file).
    pub video_tracks: Vec<VideoTrack>,
    /// Its duration, in milliseconds, as its index says.
    pub duration_ms: u64,
}

/// One video track of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoTrack {
    /// The codec's four-character code: `avc1`, `hvc1`, `av01`, ...
    pub codec: String,
    /// Its width, in pixels.
    pub width: u32,
    /// Its height, in pixels.
    pub height: u32,
}

/// A rule an upload broke. The code is stable (it is shown to the
/// uploader and counted in the daily report); the message explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The file is of another container than the one declared.
    ContainerMismatch {
        /// What was declared at registration.
        declared: VideoType,
        /// What the file is.
        found: Container,
    },
    /// The file is not the size declared.
    SizeMismatch {
        /// Bytes declared.
        declared: u64,
        /// Bytes uploaded.
        found: u64,
    },
    /// Over the size limit.
    TooLarge {
        /// Bytes uploaded.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// No video track: audio only, or nothing.
    NoVideoTrack,
    /// Longer than allowed.
    TooLong {
        /// Its duration.
        duration_ms: u64,
        /// The limit.
        max_ms: u64,
    },
    /// A track larger than allowed.
    ResolutionTooHigh {
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
        /// The limit, the long side first.
        max: (u32, u32),
    },
    /// A codec the policy refuses.
    CodecNotAllowed {
        /// The codec.
        codec: String,
    },
    /// The title holds a blocked word.
    TitleBlocked,
    /// Not an MP4 or QuickTime file at all (text, an image, Matroska, ...).
    NotAVideo {
        /// What the file was found to be, or not to be.
        detail: String,
    },
    /// An MP4 or QuickTime file whose structure or index cannot be read
    /// (truncated, sizes that lie, a corrupt `moov`).
    Unreadable {
        /// What is wrong with it.
        detail: String,
    },
    /// Its SHA-256 is on the list of known-bad files.
    KnownBad,
}

impl Reason {
    /// Every code a reason can have (the README lists each).
    pub const CODES: [&'static str; 11] = [
        "not_a_video",
        "unreadable",
        "container_mismatch",
        "size_mismatch",
        "too_large",
        "no_video_track",
        "too_long",
        "resolution_too_high",
        "codec_not_allowed",
        "title_blocked",
        "known_bad",
    ];

    /// The stable code: `container_mismatch`, `size_mismatch`, ...
    pub fn code(&self) -> &'static str {
        match self {
            Reason::ContainerMismatch { .. } => "container_mismatch",
            Reason::SizeMismatch { .. } => "size_mismatch",
            Reason::TooLarge { .. } => "too_large",
            Reason::NoVideoTrack => "no_video_track",
            Reason::TooLong { .. } => "too_long",
            Reason::ResolutionTooHigh { .. } => "resolution_too_high",
            Reason::CodecNotAllowed { .. } => "codec_not_allowed",
            Reason::TitleBlocked => "title_blocked",
            Reason::NotAVideo { .. } => "not_a_video",
            Reason::Unreadable { .. } => "unreadable",
            Reason::KnownBad => "known_bad",
        }
    }
}

impl Reason {
    /// Why a container that could not be read is refused, or `None` when
    /// reading it failed on our side (storage unreachable): no verdict then.
    pub fn from_index_error(e: &IndexError) -> Option<Reason> {
        let detail = e.to_string();
        Some(match e {
            IndexError::Walk(WalkError::Read(_)) => return None,
            // The very first box makes no sense: not ISO BMFF at all.
            IndexError::Walk(
                WalkError::TruncatedHeader { offset: 0 } | WalkError::BadSize { offset: 0, .. },
            )
            | IndexError::NoFileType
            | IndexError::OtherFileType(_) => Reason::NotAVideo { detail },
            IndexError::Walk(_)
            | IndexError::NoIndex
            | IndexError::Unparsable(_)
            | IndexError::Fragment(_)
            | IndexError::TooLarge { .. } => Reason::Unreadable { detail },
        })
    }

    /// The reason as recorded: its code and its message.
    pub fn note(&self) -> ReasonNote {
        ReasonNote {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::ContainerMismatch { declared, found } => write!(
                f,
                "declared as {} but the file is {}",
                declared.mime(),
                found.name()
            ),
            Reason::SizeMismatch { declared, found } => {
                write!(f, "declared as {declared} bytes but {found} were uploaded")
            }
            Reason::TooLarge { size, max } => write!(f, "{size} bytes, over the {max} allowed"),
            Reason::NoVideoTrack => f.write_str("the file has no video track"),
            Reason::TooLong {
                duration_ms,
                max_ms,
            } => write!(
                f,
                "{} s long, over the {} s allowed",
                duration_ms / 1000,
                max_ms / 1000
            ),
            Reason::ResolutionTooHigh { width, height, max } => {
                write!(f, "{width}×{height}, over the {}×{} allowed", max.0, max.1)
            }
            Reason::CodecNotAllowed { codec } => write!(f, "the codec {codec} is not accepted"),
            Reason::TitleBlocked => f.write_str("the title holds a word that is not allowed"),
            Reason::NotAVideo { detail } => {
                write!(f, "the file is not an MP4 or QuickTime video: {detail}")
            }
            Reason::Unreadable { detail } => write!(f, "the video cannot be read: {detail}"),
            Reason::KnownBad => f.write_str("the file is on the list of known harmful files"),
        }
    }
}

/// What an upload must be. Set from the template's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The largest upload, in bytes.
    pub max_size: u64,
    /// The longest video, in milliseconds.
    pub max_duration_ms: u64,
    /// The widest track, in pixels.
    pub max_width: u32,
    /// The tallest track, in pixels.
    pub max_height: u32,
    /// Codecs refused (four-character codes); any other is allowed.
    pub blocked_codecs: Vec<String>,
    /// Words a title may not hold, compared normalised (see [`normalise`]).
    pub blocked_words: Vec<String>,
}

impl Default for Policy {
    /// Today's rules: 500 MiB, 10 minutes, 3840×2160, every codec.
    fn default() -> Self {
        Self {
            max_size: NewVideo::SIZE_MAX,
            max_duration_ms: 10 * 60 * 1000,
            max_width: 3840,
            max_height: 2160,
            blocked_codecs: Vec::new(),
            blocked_words: Vec::new(),
        }
    }
}

impl Policy {
    /// Every rule `video`'s upload breaks, given what was found in it;
    /// empty when it may be approved.
    pub fn judge(&self, video: &Video, facts: &Facts) -> Vec<Reason> {
        let mut reasons = Vec::new();
        if facts.container != Container::declared(video.content_type) {
            reasons.push(Reason::ContainerMismatch {
                declared: video.content_type,
                found: facts.container,
            });
        }
        self.judge_size(video, facts.size, &mut reasons);
        if facts.video_tracks.is_empty() {
            reasons.push(Reason::NoVideoTrack);
        }
        if facts.duration_ms > self.max_duration_ms {
            reasons.push(Reason::TooLong {
                duration_ms: facts.duration_ms,
                max_ms: self.max_duration_ms,
            });
        }
        // Portrait is as allowed as landscape: long side against long side.
        let max = long_short(self.max_width, self.max_height);
        for t in &facts.video_tracks {
            let (long, short) = long_short(t.width, t.height);
            if long > max.0 || short > max.1 {
                reasons.push(Reason::ResolutionTooHigh {
                    width: t.width,
                    height: t.height,
                    max,
                });
            }
            if self.blocked_codecs.iter().any(|c| c == &t.codec) {
                reasons.push(Reason::CodecNotAllowed {
                    codec: t.codec.clone(),
                });
            }
        }
        self.judge_title(video, &mut reasons);
        reasons.dedup();
        reasons
    }

    /// The rules `video`'s upload of `size` bytes breaks when its
    /// container could not be read (`why`): always at least one.
    pub fn judge_unreadable(&self, video: &Video, size: u64, why: Reason) -> Vec<Reason> {
        let mut reasons = vec![why];
        self.judge_size(video, size, &mut reasons);
        self.judge_title(video, &mut reasons);
        reasons
    }

    fn judge_size(&self, video: &Video, size: u64, reasons: &mut Vec<Reason>) {
        if size != video.size {
            reasons.push(Reason::SizeMismatch {
                declared: video.size,
                found: size,
            });
        }
        if size > self.max_size {
            reasons.push(Reason::TooLarge {
                size,
                max: self.max_size,
            });
        }
    }

    fn judge_title(&self, video: &Video, reasons: &mut Vec<Reason>) {
        if self.title_blocked(&video.title) {
            reasons.push(Reason::TitleBlocked);
        }
    }

    /// True when a word of `title`, normalised, is a blocked word.
    pub fn title_blocked(&self, title: &str) -> bool {
        let blocked: Vec<String> = self.blocked_words.iter().map(|w| normalise(w)).collect();
        normalise(title)
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| !word.is_empty() && blocked.iter().any(|b| b == word))
    }
}

/// A size's long side, then its short side.
fn long_short(a: u32, b: u32) -> (u32, u32) {
    (a.max(b), a.min(b))
}

/// Text as words are compared: compatibility-normalised (NFKC, so
/// full-width and styled letters are the plain ones) and lower-cased.
pub fn normalise(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use ulid::Ulid;

    use super::*;
    use crate::video::{VideoId, VideoStatus};

    fn video(content_type: VideoType, size: u64, title: &str) -> Video {
        Video {
            id: VideoId(Ulid::nil()),
            title: title.into(),
            content_type,
            size,
            status: VideoStatus::Processing,
            reasons: vec![],
            found: None,
            upload_etag: None,
            created_at: datetime!(2026-11-27 10:00 UTC),
        }
    }

    fn facts(container: Container, size: u64) -> Facts {
        Facts {
            container,
            size,
            video_tracks: vec![VideoTrack {
                codec: "avc1".into(),
                width: 1920,
                height: 1080,
            }],
            duration_ms: 60_000,
        }
    }

    fn codes(reasons: &[Reason]) -> Vec<&'static str> {
        reasons.iter().map(Reason::code).collect()
    }

    #[test]
    fn a_valid_upload_breaks_no_rule() {
        let policy = Policy::default();
        let v = video(VideoType::Mp4, 1000, "My cat");
        assert!(policy.judge(&v, &facts(Container::Mp4, 1000)).is_empty());
        let mut portrait = facts(Container::Mp4, 1000);
        portrait.video_tracks[0] = VideoTrack {
            codec: "hvc1".into(),
            width: 2160,
            height: 3840,
        };
        assert!(policy.judge(&v, &portrait).is_empty(), "4K portrait");
    }

    #[test]
    fn each_rule_broken_is_a_reason_with_its_code() {
        let policy = Policy {
            blocked_codecs: vec!["mp4v".into()],
            blocked_words: vec!["Spam".into()],
            ..Policy::default()
        };
        // Declared QuickTime, really MP4; declared 1000 bytes, 2000 sent.
        let v = video(VideoType::QuickTime, 1000, "Buy SPAM now");
        let mut f = facts(Container::Mp4, 2000);
        f.duration_ms = 11 * 60 * 1000;
        f.video_tracks[0] = VideoTrack {
            codec: "mp4v".into(),
            width: 7680,
            height: 4320,
        };
        assert_eq!(
            codes(&policy.judge(&v, &f)),
            [
                "container_mismatch",
                "size_mismatch",
                "too_long",
                "resolution_too_high",
                "codec_not_allowed",
                "title_blocked"
            ]
        );
        f.video_tracks.clear();
        f.size = NewVideo::SIZE_MAX + 1;
        let v = video(VideoType::Mp4, NewVideo::SIZE_MAX + 1, "ok");
        assert_eq!(
            codes(&policy.judge(&v, &f)),
            ["too_large", "no_video_track", "too_long"]
        );
    }

    #[test]
    fn every_reason_has_one_of_the_listed_codes() {
        let one_of_each = [
            Reason::NotAVideo { detail: "x".into() },
            Reason::Unreadable { detail: "x".into() },
            Reason::ContainerMismatch {
                declared: VideoType::Mp4,
                found: Container::QuickTime,
            },
            Reason::SizeMismatch {
                declared: 1,
                found: 2,
            },
            Reason::TooLarge { size: 2, max: 1 },
            Reason::NoVideoTrack,
            Reason::TooLong {
                duration_ms: 2,
                max_ms: 1,
            },
            Reason::ResolutionTooHigh {
                width: 2,
                height: 2,
                max: (1, 1),
            },
            Reason::CodecNotAllowed { codec: "x".into() },
            Reason::TitleBlocked,
            Reason::KnownBad,
        ];
        let codes: Vec<&str> = one_of_each.iter().map(Reason::code).collect();
        assert_eq!(codes, Reason::CODES);
    }

    #[test]
    fn reasons_explain_themselves() {
        let r = Reason::ContainerMismatch {
            declared: VideoType::QuickTime,
            found: Container::Mp4,
        };
        assert_eq!(
            r.to_string(),
            "declared as video/quicktime but the file is MP4"
        );
        let r = Reason::TooLong {
            duration_ms: 660_000,
            max_ms: 600_000,
        };
        assert_eq!(r.to_string(), "660 s long, over the 600 s allowed");
    }

    #[test]
    fn blocked_words_match_whole_words_whatever_the_case_or_form() {
        let policy = Policy {
            blocked_words: vec!["spam".into(), "스팸".into()],
            ..Policy::default()
        };
        for blocked in [
            "SPAM",
            "Cheap spam!",
            "ｓｐａｍ",
            "𝐬𝐩𝐚𝐦 here",
            "오늘의 스팸",
        ] {
            assert!(policy.title_blocked(blocked), "{blocked}");
        }
        for fine in ["spammer", "My cat", "spa m", ""] {
            assert!(!policy.title_blocked(fine), "{fine}");
        }
    }
}
