//! The report's files as this function renders them, from the figures:
//! `report.json` around its rows (every figure, then every page, streamed
//! in by the job from its working files) and `report.html` (a page with
//! its charts, nothing fetched). Nothing in them depends on when or in how
//! many steps they were made, only on the day.

mod charts;
mod html;
mod json;

use rightnow_domain::report::Figures;
use rightnow_domain::services::ReportFiles;
use time::Date;

/// Why a file could not be rendered (a chart the plotting library refused).
#[derive(Debug, thiserror::Error)]
#[error("rendering failed: {0}")]
pub struct RenderError(pub String);

/// The files of `day`'s report with `figures`.
pub fn files(day: Date, figures: &Figures) -> Result<ReportFiles, RenderError> {
    let (json_head, json_tail) = json::around_rows(day, figures);
    Ok(ReportFiles {
        json_head,
        json_tail,
        html: html::page(day, figures)?.into_bytes(),
    })
}
