//! `report.html`: the page a person reads. Self-contained: its style is
//! inline, its charts are inline SVG, it fetches nothing. Text that came
//! from visitors (a question, a slug) is escaped: it is data, never markup.

use std::fmt::Write;

use rightnow_domain::report::Figures;
use time::Date;

use super::RenderError;
use super::charts::{self, Series};

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:760px;margin:2rem auto;\
padding:0 1rem;color:#1a202c}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}\
table{border-collapse:collapse}td,th{padding:.25rem .75rem;border-bottom:1px solid #e2e8f0;\
text-align:left}td.n{text-align:right}.none{color:#4a5568;font-style:italic}\
svg{max-width:100%;height:auto}";

/// `text` with the five characters that mean something in HTML escaped.
/// (Five replacements: not worth a dependency.)
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const NO_ACTIVITY: &str = "<p class=\"none\">No activity.</p>\n";

/// The page of `day`'s report.
pub fn page(day: Date, f: &Figures) -> Result<String, RenderError> {
    let mut h = String::new();
    let w = &mut h;
    let _ = write!(
        w,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>rightnow: report for {day}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Report for {day}</h1>\n<p>All times UTC.</p>\n"
    );
    headline(w, f);
    pages(w, f)?;
    hours(w, f)?;
    moderation(w, f)?;
    chat(w, f)?;
    w.push_str("</body>\n</html>\n");
    Ok(h)
}

fn headline(w: &mut String, f: &Figures) {
    let _ = write!(
        w,
        "<table>\n<tr><th>Views</th><td class=\"n\">{}</td></tr>\n\
         <tr><th>Comments</th><td class=\"n\">{}</td></tr>\n\
         <tr><th>Pages with activity</th><td class=\"n\">{}</td></tr>\n\
         <tr><th>Videos registered</th><td class=\"n\">{}</td></tr>\n\
         <tr><th>Chat turns</th><td class=\"n\">{}</td></tr>\n</table>\n",
        f.views, f.comments, f.pages, f.videos.registered, f.chat.turns
    );
}

fn pages(w: &mut String, f: &Figures) -> Result<(), RenderError> {
    w.push_str("<h2>Views per page</h2>\n");
    if f.top_pages.is_empty() {
        w.push_str(NO_ACTIVITY);
        return Ok(());
    }
    let labels: Vec<String> = f.top_pages.iter().map(|p| p.slug.to_string()).collect();
    let series = [
        Series {
            name: "views",
            color: charts::VIEWS,
            values: f.top_pages.iter().map(|p| p.views).collect(),
        },
        Series {
            name: "comments",
            color: charts::COMMENTS,
            values: f.top_pages.iter().map(|p| p.comments).collect(),
        },
    ];
    w.push_str(&charts::bars(
        "Top pages: views and comments",
        &labels,
        &series,
    )?);
    w.push_str("\n<table>\n<tr><th>Page</th><th>Views</th><th>Comments</th></tr>\n");
    for p in &f.top_pages {
        let _ = writeln!(
            w,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(p.slug.as_str()),
            p.views,
            p.comments
        );
    }
    let _ = writeln!(
        w,
        "</table>\n<p>Every page is in report.csv ({} pages).</p>",
        f.pages
    );
    Ok(())
}

fn hours(w: &mut String, f: &Figures) -> Result<(), RenderError> {
    w.push_str("<h2>Activity per hour</h2>\n");
    if f.hours.iter().all(|h| h.total() == 0) {
        w.push_str(NO_ACTIVITY);
        return Ok(());
    }
    let labels: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    let pick = |get: fn(&rightnow_domain::report::HourFigures) -> u64| {
        f.hours.iter().map(get).collect::<Vec<u64>>()
    };
    let series = [
        Series {
            name: "views",
            color: charts::VIEWS,
            values: pick(|h| h.views),
        },
        Series {
            name: "comments",
            color: charts::COMMENTS,
            values: pick(|h| h.comments),
        },
        Series {
            name: "videos",
            color: charts::VIDEOS,
            values: pick(|h| h.videos),
        },
        Series {
            name: "chat",
            color: charts::CHAT,
            values: pick(|h| h.chat),
        },
    ];
    w.push_str(&charts::bars("Activity per hour (UTC)", &labels, &series)?);
    w.push('\n');
    Ok(())
}

fn moderation(w: &mut String, f: &Figures) -> Result<(), RenderError> {
    let v = &f.videos;
    let _ = writeln!(
        w,
        "<h2>Moderation</h2>\n<p>{} registered, {} approved, {} rejected.</p>",
        v.registered, v.approved, v.rejected
    );
    if v.approved + v.rejected == 0 {
        w.push_str(NO_ACTIVITY);
        return Ok(());
    }
    let reasons = f.reasons_ranked();
    let mut labels = vec!["approved".to_owned()];
    labels.extend(reasons.iter().map(|(code, _)| (*code).to_owned()));
    let mut approved = vec![v.approved];
    approved.extend(reasons.iter().map(|_| 0));
    let mut rejected = vec![0];
    rejected.extend(reasons.iter().map(|(_, n)| *n));
    let series = [
        Series {
            name: "approved",
            color: charts::APPROVED,
            values: approved,
        },
        Series {
            name: "rejected, by reason",
            color: charts::REJECTED,
            values: rejected,
        },
    ];
    w.push_str(&charts::bars(
        "Outcomes and rejection reasons",
        &labels,
        &series,
    )?);
    w.push('\n');
    Ok(())
}

fn chat(w: &mut String, f: &Figures) -> Result<(), RenderError> {
    let c = &f.chat;
    let _ = writeln!(
        w,
        "<h2>Chat</h2>\n<p>{} turns in {} sessions.</p>",
        c.turns, c.sessions
    );
    if c.answered + c.fallback == 0 {
        w.push_str(NO_ACTIVITY);
        return Ok(());
    }
    let labels = ["answered".to_owned(), "fallback".to_owned()];
    let series = [
        Series {
            name: "answered",
            color: charts::APPROVED,
            values: vec![c.answered, 0],
        },
        Series {
            name: "fallback",
            color: charts::VIDEOS,
            values: vec![0, c.fallback],
        },
    ];
    w.push_str(&charts::bars(
        "Answered and fallback turns",
        &labels,
        &series,
    )?);
    if let Some(per_mille) = f.answered_per_mille() {
        let _ = writeln!(
            w,
            "\n<p>Answered: {}.{}%.</p>",
            per_mille / 10,
            per_mille % 10
        );
    }
    let intents = f.intents_ranked();
    if !intents.is_empty() {
        w.push_str("<h3>What was asked</h3>\n<table>\n<tr><th>Intent</th><th>Turns</th></tr>\n");
        for (id, n) in intents {
            let _ = writeln!(
                w,
                "<tr><td>{}</td><td class=\"n\">{n}</td></tr>",
                escape(id)
            );
        }
        w.push_str("</table>\n");
    }
    if !f.unanswered.is_empty() {
        w.push_str("<h3>Most frequent unanswered questions</h3>\n<table>\n");
        for q in &f.unanswered {
            let _ = writeln!(
                w,
                "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
                escape(&q.question),
                q.count
            );
        }
        w.push_str("</table>\n");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rightnow_domain::activity::Unanswered;
    use time::macros::date;

    use super::*;

    #[test]
    fn a_quiet_day_says_no_activity_in_every_section() {
        let page = page(date!(2026 - 12 - 01), &Figures::default()).unwrap();
        assert_eq!(page.matches("No activity.").count(), 4);
        assert!(!page.contains("<svg"));
    }

    #[test]
    fn visitors_text_is_escaped_and_nothing_is_fetched() {
        let mut f = Figures::default();
        f.chat.fallback = 1;
        f.chat.turns = 1;
        f.unanswered.push(Unanswered {
            question: "<img src=x onerror=alert(1)> 배포?".into(),
            count: 1,
        });
        let page = page(date!(2026 - 12 - 01), &f).unwrap();
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt; 배포?"));
        assert!(!page.contains("<img"));
        for fetch in [
            "src=\"http",
            "href=\"http",
            "<script",
            "<link",
            "@import",
            "url(",
        ] {
            assert!(!page.contains(fetch), "{fetch}");
        }
    }
}
