//! `report.csv`: a header, then one row per page in slug order. A slug is
//! `[a-z0-9-]`, so no field needs quoting.

use rightnow_domain::report::PageFigures;

pub struct CsvReport(String);

impl CsvReport {
    pub fn new() -> Self {
        Self("slug,views,comments\n".to_owned())
    }

    pub fn row(&mut self, r: &PageFigures) {
        use std::fmt::Write;
        let _ = writeln!(self.0, "{},{},{}", r.slug, r.views, r.comments);
    }

    pub fn finish(self) -> Vec<u8> {
        self.0.into_bytes()
    }
}
