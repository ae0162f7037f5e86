//! The report's rows (one per page) between the step that reads them and
//! the step that renders them: working files of [`ROWS_PER_PART`] rows
//! each, `slug,views,comments` a line, cut by count so that the same day
//! gives the same parts however the steps fell.

use super::Progress;
use crate::page::Slug;
use crate::report::PageFigures;

/// Rows in each working file but the last.
pub const ROWS_PER_PART: usize = 500;

/// The key of working file `part` of `progress`'s run.
pub fn part_key(progress: &Progress, part: u32) -> String {
    format!("work/{}/{}/rows-{part:05}.csv", progress.day, progress.run)
}

/// A working file's bytes. A slug has no comma, so no quoting is needed.
pub fn encode(rows: &[PageFigures]) -> Vec<u8> {
    let mut out = String::with_capacity(rows.len() * 32);
    for r in rows {
        out.push_str(&format!("{},{},{}\n", r.slug, r.views, r.comments));
    }
    out.into_bytes()
}

/// The rows of a working file; an error names the first line that is not
/// one this job wrote.
pub fn decode(body: &[u8]) -> Result<Vec<PageFigures>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "a working file is not text".to_owned())?;
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let bad = || format!("line {} of a working file is not a row", i + 1);
            let mut fields = line.split(',');
            let (Some(slug), Some(views), Some(comments), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad());
            };
            Ok(PageFigures {
                slug: Slug::parse(slug).map_err(|_| bad())?,
                views: views.parse().map_err(|_| bad())?,
                comments: comments.parse().map_err(|_| bad())?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_garbage_is_named() {
        let rows = vec![
            PageFigures {
                slug: Slug::parse("home").unwrap(),
                views: 3,
                comments: 1,
            },
            PageFigures {
                slug: Slug::parse("a-b").unwrap(),
                views: 0,
                comments: 0,
            },
        ];
        assert_eq!(decode(&encode(&rows)).unwrap(), rows);
        assert_eq!(decode(b"").unwrap(), vec![]);
        assert_eq!(
            decode(b"home,1,2\nhome,x,2\n").unwrap_err(),
            "line 2 of a working file is not a row"
        );
        assert!(decode(b"home,1,2,3").is_err());
        assert!(decode(b"Home,1,2").is_err());
        assert!(decode(&[0xff]).is_err());
    }
}
