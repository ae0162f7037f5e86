//! The report's table of pages, the one part of a report that grows with
//! the day, and so the one part never held whole: as the day is read, its
//! rows are written to working files of [`ROWS_PER_PART`] rows each, in
//! the two forms the report lists them in (CSV lines, and JSON array
//! elements); the report's files are then a header, the working files in
//! order and a footer, streamed. Cut by count, the same day gives the same
//! files however the steps fell.

use super::Progress;
use crate::report::PageFigures;

/// report.csv's first line: the names of [`csv`]'s columns.
pub const CSV_HEADER: &str = "slug,views,comments\n";

/// Rows in each working file but the last.
pub const ROWS_PER_PART: usize = 500;

/// The two forms of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `slug,views,comments` lines: report.csv's body.
    Csv,
    /// `{"slug":…,"views":…,"comments":…}` elements, comma-separated
    /// across files: report.json's `pages` array.
    Json,
}

impl Form {
    fn extension(self) -> &'static str {
        match self {
            Form::Csv => "csv",
            Form::Json => "json",
        }
    }
}

/// The key of working file `part` of `progress`'s run, in `form`.
pub fn part_key(progress: &Progress, part: u32, form: Form) -> String {
    format!(
        "work/{}/{}/rows-{part:05}.{}",
        progress.day,
        progress.run,
        form.extension()
    )
}

/// The keys of every working file of a finished run, in `form`, in order.
pub fn part_keys(progress: &Progress, form: Form) -> Vec<String> {
    (0..progress.parts)
        .map(|part| part_key(progress, part, form))
        .collect()
}

/// `rows` as CSV lines. A slug is `[a-z0-9-]`: no field needs quoting.
pub fn csv(rows: &[PageFigures]) -> Vec<u8> {
    let mut out = String::with_capacity(rows.len() * 32);
    for r in rows {
        out.push_str(&format!("{},{},{}\n", r.slug, r.views, r.comments));
    }
    out.into_bytes()
}

/// `rows` as JSON array elements, the first of them the report's row
/// number `first` (a comma before every row but the report's first).
pub fn json(rows: &[PageFigures], first: u64) -> Vec<u8> {
    let mut out = String::with_capacity(rows.len() * 56);
    for (i, r) in (first..).zip(rows) {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            r#"{{"slug":"{}","views":{},"comments":{}}}"#,
            r.slug, r.views, r.comments
        ));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::Slug;

    fn row(slug: &str, views: u64) -> PageFigures {
        PageFigures {
            slug: Slug::parse(slug).unwrap(),
            views,
            comments: 1,
        }
    }

    #[test]
    fn parts_concatenate_into_the_whole() {
        let rows = [row("a", 1), row("b", 2), row("c", 3)];
        let (first, rest) = rows.split_at(1);
        let joined = [json(first, 0), json(rest, 1)].concat();
        assert_eq!(joined, json(&rows, 0));
        assert_eq!(
            String::from_utf8(joined).unwrap(),
            r#"{"slug":"a","views":1,"comments":1},{"slug":"b","views":2,"comments":1},{"slug":"c","views":3,"comments":1}"#
        );
        assert_eq!([csv(first), csv(rest)].concat(), csv(&rows));
        assert_eq!(csv(first), b"a,1,1\n");
    }
}
