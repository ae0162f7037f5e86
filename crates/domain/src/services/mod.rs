//! The services the functions call: each takes validated input, applies the
//! rules and talks to the outside only through ports.

mod chat;
mod comments;
mod idempotency;
mod ids;
pub mod moderation;
mod pages;
mod report_job;
mod reports;
mod videos;
mod writes;

pub use chat::{Chat, ChatLimits, ChatPorts};
pub use comments::Comments;
pub use idempotency::Idempotency;
pub use ids::Ids;
pub use pages::PageViewsService;
pub use report_job::{
    JobError, JobSettings, Prepared, Progress, ROWS_PER_PART, ReportFiles, ReportJob,
    ReportJobPorts, RowsBytes, failure_for,
};
pub use reports::Reports;
pub use videos::Videos;
pub use writes::WriteLimit;

#[cfg(test)]
mod tests;
