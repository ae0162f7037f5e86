//! `GET /api/reports/latest` and `GET /api/reports/{date}`: a day's report
//! as the API shows it: its status, its headline figures, a link to its
//! HTML page when it is ready, and why when it failed.

use rightnow_domain::report::{Figures, ReportStatus, ReportView};
use serde::Serialize;
use time::Date;

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// A day's report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportBody {
    #[serde(with = "iso_date")]
    date: Date,
    /// `running`, `ready` or `failed`.
    status: &'static str,
    /// A short-lived link to the HTML report, when it is ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    /// Why the last run failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<FailureBody>,
    /// The figures of the last run that finished, if one did.
    figures: Option<FiguresBody>,
}

#[derive(Debug, Serialize)]
pub struct FailureBody {
    code: String,
    message: String,
}

/// The headline figures (the per-page table and the hours are in the
/// report's own files).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FiguresBody {
    pages: u64,
    views: u64,
    comments: u64,
    top_pages: Vec<PageBody>,
    videos: VideosBody,
    chat: ChatBody,
    unanswered: Vec<QuestionBody>,
}

#[derive(Debug, Serialize)]
pub struct PageBody {
    slug: String,
    views: u64,
    comments: u64,
}

#[derive(Debug, Serialize)]
pub struct VideosBody {
    registered: u64,
    approved: u64,
    rejected: u64,
    /// Most frequent first.
    reasons: Vec<ReasonCountBody>,
}

#[derive(Debug, Serialize)]
pub struct ReasonCountBody {
    code: String,
    count: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatBody {
    turns: u64,
    sessions: u64,
    answered: u64,
    fallback: u64,
    /// Answered over answered and fallback, to three decimals; `null`
    /// without turns.
    answered_share: Option<f64>,
    /// Turns by intent, most frequent first.
    intents: Vec<IntentCountBody>,
}

#[derive(Debug, Serialize)]
pub struct IntentCountBody {
    intent: String,
    turns: u64,
}

#[derive(Debug, Serialize)]
pub struct QuestionBody {
    question: String,
    count: u64,
}

impl From<ReportView> for ReportBody {
    fn from(v: ReportView) -> Self {
        let r = v.report;
        let (status, error) = match r.status {
            ReportStatus::Running { .. } => ("running", None),
            ReportStatus::Ready => ("ready", None),
            ReportStatus::Failed(f) => (
                "failed",
                Some(FailureBody {
                    code: f.code,
                    message: f.message,
                }),
            ),
        };
        Self {
            date: r.date,
            status,
            url: v.url,
            error,
            figures: r.figures.map(FiguresBody::from),
        }
    }
}

impl From<Figures> for FiguresBody {
    fn from(f: Figures) -> Self {
        let reasons = f
            .reasons_ranked()
            .into_iter()
            .map(|(code, count)| ReasonCountBody {
                code: code.to_owned(),
                count,
            })
            .collect();
        let answered_share = f.answered_per_mille().map(|m| m as f64 / 1000.0);
        let intents = f
            .intents_ranked()
            .into_iter()
            .map(|(id, turns)| IntentCountBody {
                intent: id.to_owned(),
                turns,
            })
            .collect();
        Self {
            pages: f.pages,
            views: f.views,
            comments: f.comments,
            top_pages: f
                .top_pages
                .into_iter()
                .map(|p| PageBody {
                    slug: p.slug.to_string(),
                    views: p.views,
                    comments: p.comments,
                })
                .collect(),
            videos: VideosBody {
                registered: f.videos.registered,
                approved: f.videos.approved,
                rejected: f.videos.rejected,
                reasons,
            },
            chat: ChatBody {
                turns: f.chat.turns,
                sessions: f.chat.sessions,
                answered: f.chat.answered,
                fallback: f.chat.fallback,
                answered_share,
                intents,
            },
            unanswered: f
                .unanswered
                .into_iter()
                .map(|q| QuestionBody {
                    question: q.question,
                    count: q.count,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use rightnow_domain::activity::Unanswered;
    use rightnow_domain::page::Slug;
    use rightnow_domain::report::{DayReport, PageFigures, RunId};
    use time::macros::date;

    use super::*;

    fn report(status: ReportStatus, figures: Option<Figures>) -> ReportView {
        ReportView {
            report: DayReport {
                date: date!(2026 - 12 - 01),
                status,
                run: RunId::parse("nightly").unwrap(),
                figures,
            },
            url: None,
        }
    }

    #[test]
    fn report_ready() {
        let mut f = Figures {
            pages: 2,
            views: 12,
            comments: 3,
            ..Figures::default()
        };
        f.top_pages.push(PageFigures {
            slug: Slug::parse("home").unwrap(),
            views: 10,
            comments: 3,
        });
        f.videos.registered = 3;
        f.videos.rejected = 1;
        f.videos.reasons.insert("too_long".into(), 1);
        f.chat.answered = 2;
        f.chat.fallback = 1;
        f.chat.intents = [("fallback".into(), 1), ("cold-start".into(), 2)].into();
        f.unanswered.push(Unanswered {
            question: "<b>배포</b>?".into(),
            count: 1,
        });
        let mut view = report(ReportStatus::Ready, Some(f));
        view.url = Some(
            "https://reports.example/reports/2026-12-01/report.html?X-Amz-Signature=abc".into(),
        );
        insta::assert_json_snapshot!(ReportBody::from(view));
    }

    #[test]
    fn report_failed() {
        let failure = rightnow_domain::services::failure_for("UnreadableActivity");
        insta::assert_json_snapshot!(ReportBody::from(report(
            ReportStatus::Failed(failure),
            None
        )));
    }
}
