//! The report's three files, from the figures and the rows of every page:
//! `report.json` (every figure and every page), `report.csv` (a row per
//! page) and `report.html` (a page with its charts, nothing fetched).
//! Rows are appended as they are read, part by part; nothing in the files
//! depends on when or in how many steps they were made, only on the day.

mod charts;
mod csv;
mod html;
mod json;

use rightnow_domain::report::{Figures, PageFigures};
use rightnow_domain::services::ReportFiles;
use time::Date;

/// Why a file could not be rendered (a chart the plotting library refused).
#[derive(Debug, thiserror::Error)]
#[error("rendering failed: {0}")]
pub struct RenderError(pub String);

/// The files of one day's report, being written.
pub struct Renderer {
    day: Date,
    figures: Figures,
    json: json::JsonReport,
    csv: csv::CsvReport,
}

impl Renderer {
    /// The report of `day` with `figures`, before any row.
    pub fn new(day: Date, figures: Figures) -> Self {
        Self {
            json: json::JsonReport::new(day, &figures),
            csv: csv::CsvReport::new(),
            day,
            figures,
        }
    }

    /// Appends rows, in the order the day was read.
    pub fn rows(&mut self, rows: &[PageFigures]) {
        for row in rows {
            self.json.row(row);
            self.csv.row(row);
        }
    }

    /// The three files.
    pub fn finish(self) -> Result<ReportFiles, RenderError> {
        Ok(ReportFiles {
            html: html::page(self.day, &self.figures)?.into_bytes(),
            json: self.json.finish(),
            csv: self.csv.finish(),
        })
    }
}
