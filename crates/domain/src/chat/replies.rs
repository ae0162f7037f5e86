//! The wording of the answers made from live data and of the questions
//! the chat asks back, in both languages. Only validated values (slugs,
//! ids, counts, reason texts from moderation) are put in them, never a
//! visitor's words.

use super::knowledge::Intent;
use super::text::Language;
use crate::page::Slug;
use crate::report::Figures;
use crate::video::{Video, VideoId, VideoStatus};

/// A page's views.
pub fn views(language: Language, page: &Slug, views: Option<u64>) -> String {
    match (language, views) {
        (Language::En, Some(1)) => format!("The page \"{page}\" has 1 view."),
        (Language::En, Some(n)) => format!("The page \"{page}\" has {n} views."),
        (Language::En, None) => format!("No page called \"{page}\" has been viewed yet."),
        (Language::Ko, Some(n)) => format!("\"{page}\" 페이지의 조회수는 {n}회입니다."),
        (Language::Ko, None) => format!("\"{page}\" 페이지는 아직 조회된 적이 없어요."),
    }
}

/// A video's status, with its reasons when rejected.
pub fn video(language: Language, id: VideoId, video: Option<&Video>) -> String {
    let Some(v) = video else {
        return match language {
            Language::En => format!("I found no video with the id {id}."),
            Language::Ko => format!("{id} 아이디의 영상을 찾지 못했어요."),
        };
    };
    let reasons = v
        .reasons
        .iter()
        .map(|r| r.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    match (language, v.status) {
        (Language::En, VideoStatus::AwaitingUpload) => {
            format!("Video {id} is registered; its file has not been uploaded yet.")
        }
        (Language::En, VideoStatus::Processing) => {
            format!("Video {id} is being checked right now; the verdict comes within seconds.")
        }
        (Language::En, VideoStatus::Approved) => {
            format!("Video {id} was approved: it is published on the site.")
        }
        (Language::En, VideoStatus::Rejected) => {
            format!("Video {id} was rejected: {reasons}.")
        }
        (Language::Ko, VideoStatus::AwaitingUpload) => {
            format!("{id} 영상은 등록되었지만 아직 파일이 업로드되지 않았어요.")
        }
        (Language::Ko, VideoStatus::Processing) => {
            format!("{id} 영상은 지금 검사 중이에요. 몇 초 안에 결과가 나와요.")
        }
        (Language::Ko, VideoStatus::Approved) => {
            format!("{id} 영상은 승인되어 사이트에 게시되었어요.")
        }
        (Language::Ko, VideoStatus::Rejected) => {
            format!("{id} 영상은 거부되었어요. 이유: {reasons}.")
        }
    }
}

/// The latest report's headline figures.
pub fn report(language: Language, date: time::Date, f: &Figures) -> String {
    let chat = &f.chat;
    match language {
        Language::En => format!(
            "The latest report is for {date}: {} views on {} pages, {} comments, {} videos \
             approved and {} rejected, {} chat messages ({} answered).",
            f.views,
            f.pages,
            f.comments,
            f.videos.approved,
            f.videos.rejected,
            chat.turns,
            chat.answered
        ),
        Language::Ko => format!(
            "최신 리포트는 {date} 기준이에요: 페이지 {}개에서 조회 {}회, 댓글 {}개, 영상 승인 {}개와 \
             거부 {}개, 채팅 메시지 {}개(답변 {}개).",
            f.pages,
            f.views,
            f.comments,
            f.videos.approved,
            f.videos.rejected,
            chat.turns,
            chat.answered
        ),
    }
}

/// The latest report is not ready: it is being made, or it failed.
pub fn report_not_ready(language: Language, date: time::Date) -> String {
    match language {
        Language::En => format!("The report for {date} is not ready; ask again in a minute."),
        Language::Ko => {
            format!("{date} 리포트가 아직 준비되지 않았어요. 잠시 후 다시 물어봐 주세요.")
        }
    }
}

/// Asks which of two intents was meant.
pub fn clarify(language: Language, first: &Intent, second: &Intent) -> String {
    let (a, b) = (first.title.get(language), second.title.get(language));
    match language {
        Language::En => format!("Did you mean \"{a}\" or \"{b}\"?"),
        Language::Ko => format!("\"{a}\" 아니면 \"{b}\" 중 어느 쪽을 물어보셨나요?"),
    }
}
