//! `report.json`: `{"version", "date", "figures", "pages": [...]}`, compact,
//! written as the rows come: the figures first (they are complete before
//! any row is rendered), then each page.

use rightnow_domain::report::{Figures, PageFigures};
use serde::Serialize;
use time::Date;

use crate::figures_doc::{FiguresDoc, PageDoc};

/// The version of `report.json`'s shape.
const VERSION: u32 = 1;

#[derive(Serialize)]
struct Head<'a> {
    version: u32,
    date: &'a str,
    figures: FiguresDoc,
}

pub struct JsonReport {
    out: Vec<u8>,
    rows: usize,
}

impl JsonReport {
    pub fn new(day: Date, figures: &Figures) -> Self {
        let head = Head {
            version: VERSION,
            date: &day.to_string(),
            figures: FiguresDoc::from_domain(figures),
        };
        let mut out = serde_json::to_vec(&head).expect("figures are plain data");
        // Reopen the object for the rows: `{...}` becomes `{...,"pages":[`.
        out.pop();
        out.extend_from_slice(br#","pages":["#);
        Self { out, rows: 0 }
    }

    pub fn row(&mut self, r: &PageFigures) {
        if self.rows > 0 {
            self.out.push(b',');
        }
        serde_json::to_writer(&mut self.out, &PageDoc::from_domain(r))
            .expect("a row is plain data");
        self.rows += 1;
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(b"]}\n");
        self.out
    }
}
