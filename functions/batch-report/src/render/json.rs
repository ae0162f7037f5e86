//! `report.json`: `{"version", "date", "figures", "pages": [...]}`, compact:
//! the figures first (complete before the file is written), then each page,
//! the rows the job streams in between [`around_rows`]'s two halves.

use rightnow_domain::report::Figures;
use serde::Serialize;
use time::Date;

use crate::figures_doc::FiguresDoc;

/// The version of `report.json`'s shape.
const VERSION: u32 = 1;

#[derive(Serialize)]
struct Head<'a> {
    version: u32,
    date: &'a str,
    figures: FiguresDoc,
}

/// The file before its first row and after its last.
pub fn around_rows(day: Date, figures: &Figures) -> (Vec<u8>, Vec<u8>) {
    let head = Head {
        version: VERSION,
        date: &day.to_string(),
        figures: FiguresDoc::from_domain(figures),
    };
    let mut out = serde_json::to_vec(&head).expect("figures are plain data");
    // Reopen the object for the rows: `{...}` becomes `{...,"pages":[`.
    out.pop();
    out.extend_from_slice(br#","pages":["#);
    (out, b"]}\n".to_vec())
}
