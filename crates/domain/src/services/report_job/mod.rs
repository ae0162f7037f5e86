//! The daily report job, as steps that each fit in one invocation: the
//! state machine that drives it (template.yaml, `statemachine/`) keeps the
//! [`Progress`] between them, so no step holds the day and none needs to
//! outlive its deadline.
//!
//! 1. [`ReportJob::prepare`]: which day (the one asked for, or yesterday in
//!    UTC), and the day's lease, so one run works on a day at a time.
//! 2. [`ReportJob::aggregate`], as many times as it takes: reads the day's
//!    activity a page at a time until its time is up, counting it into the
//!    figures (bounded) and writing the rows of its pages to working files
//!    (the one part that grows with the day; see `rows`).
//! 3. [`ReportJob::store`]: the caller renders what surrounds the rows
//!    from the figures; the job stores the files, streaming the rows from
//!    the working files, so no step ever holds the table of pages.
//! 4. [`ReportJob::publish`]: the day's record says ready, the latest
//!    pointer moves, `ReportReady` goes out.
//!
//! However the work is split, the figures and the rows come out the same:
//! the activity is read in one stable order, and the rows are cut into
//! parts by count, whatever the steps.

mod error;
mod rows;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use time::{Date, Duration};

use crate::activity::ActivityCursor;
use crate::clock::Clock;
use crate::events::{DomainEvent, ReportReady};
use crate::ports::{
    Begin, Concat, Concatenated, DayActivityLog, EventPublisher, ReportObjects, ReportRuns,
};
use crate::report::{Failure, Figures, PageFigures, ReportKeys, ReportPointer, RunId, parse_day};

pub use error::{JobError, failure_for};
use rows::Form;
pub use rows::ROWS_PER_PART;

/// The ports the job needs.
pub struct ReportJobPorts {
    /// The day's activity.
    pub activity: Arc<dyn DayActivityLog>,
    /// The day's lease and outcome, and the latest pointer.
    pub runs: Arc<dyn ReportRuns>,
    /// The reports and the working files.
    pub objects: Arc<dyn ReportObjects>,
    /// Where `ReportReady` goes.
    pub bus: Arc<dyn EventPublisher>,
    /// The time: which day is yesterday, when leases expire.
    pub clock: Arc<dyn Clock>,
}

/// The job's settings.
#[derive(Debug, Clone, Copy)]
pub struct JobSettings {
    /// How long a lease lasts past each step: longer than any step takes.
    pub lease: Duration,
}

/// Where a run is: handed from step to step by the state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The day being reported.
    pub day: Date,
    /// The run doing it.
    pub run: RunId,
    /// Where the next read of the day resumes; `None` at the start.
    pub cursor: Option<ActivityCursor>,
    /// How many working files of rows are written (in each form).
    pub parts: u32,
    /// Their sizes, summed: report.csv's rows, and report.json's.
    pub rows_bytes: RowsBytes,
    /// Rows read since the last full part, not yet in a working file.
    pub pending: Vec<PageFigures>,
    /// The figures so far.
    pub figures: Figures,
    /// Whether the whole day is read.
    pub done: bool,
}

/// The bytes of the working files written, in each form.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RowsBytes {
    /// The CSV lines.
    pub csv: u64,
    /// The JSON array elements.
    pub json: u64,
}

/// What [`ReportJob::prepare`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// The run holds the day's lease; work starts from nothing.
    Started(Box<Progress>),
    /// Another run is working on the day: this one has nothing to do.
    AlreadyRunning {
        /// The day.
        day: Date,
        /// The run that holds it.
        holder: RunId,
    },
}

/// The files of a day's report as the caller renders them, around their
/// rows: report.json is `json_head`, the rows as JSON elements,
/// `json_tail`. (report.csv is the job's own: a header and the rows.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// `report.json` up to its first row.
    pub json_head: Vec<u8>,
    /// `report.json` after its last row.
    pub json_tail: Vec<u8>,
    /// `report.html`, whole (it shows the figures, not every row).
    pub html: Vec<u8>,
}

/// The report job.
pub struct ReportJob {
    ports: ReportJobPorts,
    settings: JobSettings,
}

impl ReportJob {
    /// The job on `ports`, with `settings`.
    pub fn new(ports: ReportJobPorts, settings: JobSettings) -> Self {
        Self { ports, settings }
    }

    /// Resolves the day (`requested`, or yesterday in UTC) and takes its
    /// lease for `run`.
    pub async fn prepare(&self, requested: Option<&str>, run: RunId) -> Result<Prepared, JobError> {
        let now = self.ports.clock.now();
        let today = now.date();
        let day = match requested {
            Some(raw) => parse_day(raw)?,
            None => today
                .previous_day()
                .expect("today is not the first day of time"),
        };
        if day > today {
            return Err(JobError::FutureDate { day, today });
        }
        let until = now + self.settings.lease;
        match self.ports.runs.begin(day, &run, now, until).await? {
            Begin::Started => Ok(Prepared::Started(Box::new(Progress {
                day,
                run,
                cursor: None,
                parts: 0,
                rows_bytes: RowsBytes::default(),
                pending: Vec::new(),
                figures: Figures::default(),
                done: false,
            }))),
            Begin::Running { holder } => Ok(Prepared::AlreadyRunning { day, holder }),
        }
    }

    /// Reads on from `progress`, `page_size` records at a time, until the
    /// day is read or `budget` has passed (at least one page either way,
    /// so every step moves on).
    pub async fn aggregate(
        &self,
        mut progress: Progress,
        budget: std::time::Duration,
        page_size: u16,
    ) -> Result<Progress, JobError> {
        let until = self.ports.clock.now() + budget;
        self.renew(&progress).await?;
        if progress.done {
            return Ok(progress);
        }
        loop {
            let page = self
                .ports
                .activity
                .read(progress.day, progress.cursor.as_ref(), page_size)
                .await?;
            for record in page.records {
                if let Some(row) = progress.figures.add(record) {
                    progress.pending.push(row);
                }
                if progress.pending.len() == ROWS_PER_PART {
                    self.write_part(&mut progress).await?;
                }
            }
            progress.cursor = page.next;
            if progress.cursor.is_none() {
                if !progress.pending.is_empty() {
                    self.write_part(&mut progress).await?;
                }
                progress.done = true;
                return Ok(progress);
            }
            if self.ports.clock.now() >= until {
                return Ok(progress);
            }
        }
    }

    /// Stores the report's files, while the run still holds the day: the
    /// page whole, the table of pages streamed from the working files.
    pub async fn store(
        &self,
        progress: &Progress,
        files: ReportFiles,
    ) -> Result<ReportKeys, JobError> {
        if !progress.done {
            return Err(JobError::BadCheckpoint(
                "the day is not read to its end".into(),
            ));
        }
        self.renew(progress).await?;
        let keys = ReportKeys::of(progress.day);
        let objects = &self.ports.objects;
        let csv = Concat {
            head: rows::CSV_HEADER.as_bytes().to_vec(),
            parts: rows::part_keys(progress, Form::Csv),
            tail: Vec::new(),
            parts_len: progress.rows_bytes.csv,
        };
        let json = Concat {
            head: files.json_head,
            parts: rows::part_keys(progress, Form::Json),
            tail: files.json_tail,
            parts_len: progress.rows_bytes.json,
        };
        for (key, content_type, concat) in [
            (&keys.csv, "text/csv; charset=utf-8", csv),
            (&keys.json, "application/json", json),
        ] {
            if let Concatenated::MissingPart(part) =
                objects.concat(key, content_type, concat).await?
            {
                return Err(JobError::BadCheckpoint(format!(
                    "working file {part} of run {} is missing",
                    progress.run
                )));
            }
        }
        objects
            .put(&keys.html, "text/html; charset=utf-8", files.html)
            .await?;
        Ok(keys)
    }

    /// Records the day's report as ready, moves the latest pointer (unless
    /// a later day's report is there) and announces it.
    pub async fn publish(&self, progress: &Progress) -> Result<ReportPointer, JobError> {
        let p = &self.ports;
        if !p
            .runs
            .complete(progress.day, &progress.run, &progress.figures)
            .await?
        {
            return Err(self.lease_lost(progress));
        }
        let pointer = ReportPointer {
            date: progress.day,
            key: ReportKeys::of(progress.day).html,
            generated_at: p.clock.now(),
        };
        p.runs.point_latest(&pointer).await?;
        p.bus
            .publish(&[DomainEvent::ReportReady(ReportReady {
                date: pointer.date,
                key: pointer.key.clone(),
                generated_at: pointer.generated_at,
            })])
            .await?;
        Ok(pointer)
    }

    /// Records that `run` failed on `day` with `failure`; `false` if the
    /// run did not hold the day (it failed before taking it, or lost it).
    pub async fn fail(&self, day: Date, run: &RunId, failure: &Failure) -> Result<bool, JobError> {
        Ok(self.ports.runs.fail(day, run, failure).await?)
    }

    async fn renew(&self, progress: &Progress) -> Result<(), JobError> {
        let until = self.ports.clock.now() + self.settings.lease;
        if !self
            .ports
            .runs
            .renew(progress.day, &progress.run, until)
            .await?
        {
            return Err(self.lease_lost(progress));
        }
        Ok(())
    }

    fn lease_lost(&self, progress: &Progress) -> JobError {
        JobError::LeaseLost {
            day: progress.day,
            run: progress.run.clone(),
        }
    }

    /// Writes the pending rows as the next working file, in both forms.
    async fn write_part(&self, progress: &mut Progress) -> Result<(), JobError> {
        let part = progress.parts;
        let first = u64::from(part) * ROWS_PER_PART as u64;
        let csv = rows::csv(&progress.pending);
        let json = rows::json(&progress.pending, first);
        progress.rows_bytes.csv += csv.len() as u64;
        progress.rows_bytes.json += json.len() as u64;
        let objects = &self.ports.objects;
        let csv_key = rows::part_key(progress, part, Form::Csv);
        objects.put(&csv_key, "text/csv", csv).await?;
        let json_key = rows::part_key(progress, part, Form::Json);
        objects.put(&json_key, "application/json", json).await?;
        progress.parts += 1;
        progress.pending.clear();
        Ok(())
    }
}
