//! The business of rightnow, with no AWS and no Lambda in sight.
//!
//! This crate owns the types (pages, comments, videos, reports, chat), the rules
//! that keep them valid, the services that the Lambda functions call, and the
//! **ports**: small traits for each thing the business needs from outside
//! (store a comment, count a view, sign an upload URL, publish an event, read
//! the clock). Adapters for AWS live in `rightnow-aws`; in-memory fakes for
//! tests live in [`fakes`] behind the `fakes` feature.
//!
//! Keeping the vendor out of this crate is the answer to lock-in: moving to
//! another cloud means new adapters, not a new business. CI checks that
//! `cargo tree -p rightnow-domain` shows no `aws-*` or `lambda_*` crate.

pub mod activity;
pub mod chat;
pub mod clock;
pub mod comment;
pub mod container;
pub mod error;
pub mod events;
#[cfg(any(test, feature = "fakes"))]
pub mod fakes;
pub mod idempotency;
pub mod limits;
pub mod moderation;
pub mod page;
pub mod ports;
pub mod report;
pub mod services;
pub mod video;

pub use error::{DomainError, Resource, ValidationError};
