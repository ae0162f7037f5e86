//! rightnow-bench: what a cold start of each Lambda binary costs, measured on
//! the artefact that ships.
//!
//! The pipeline, one module per step:
//!
//! - [`discover`]: every binary under `functions/` (from `cargo metadata`,
//!   no list to keep up to date) plus the floor, built with cargo-lambda
//!   exactly as `sam build` builds them.
//! - `rightnow_infra::template`: what template.yaml says about each
//!   function (memory, environment, whether API Gateway fronts it); the one
//!   reader of the template, shared with the local cloud and the tests.
//! - [`local_aws`]: MiniStack with the resources the functions' environment
//!   names (made by `rightnow_infra::resources` from their definitions), so
//!   the first invoke makes its real AWS calls, locally.
//! - [`tls`]: a TLS terminator in front of it, with a CA the functions
//!   trust (`AWS_CA_BUNDLE`), so that their first call pays a real handshake.
//! - [`runtime_api`]: a minimal Lambda Runtime API on loopback that
//!   timestamps what the function asks and answers.
//! - [`launch`]: the environment Lambda gives a function, and the command.
//! - [`cold`]: the cold-start proxy: exec → first `/next` (init) and exec →
//!   first response (first invoke), plus peak RSS.
//! - [`callgrind`]: instruction counts of the same two phases, the figure
//!   that repeats exactly and so the one to compare between commits.
//! - [`size`]: the bootstrap, stripped and zipped.
//! - [`cost`]: dollars per million invocations from the measured durations.
//! - [`handlers`]: the criterion benches of the functions' routers.
//! - [`latency`]: warm latency of every HTTP route under load, through the
//!   local gateway and directly, with [`requests`] (what to send, from the
//!   sample events) and [`wrk`] (the load generator).
//! - [`load`]: `make load`, a bounded open-loop load of both API functions,
//!   through the gateway and directly, its writes read back.
//! - [`report`] and [`plot`]: the JSON, the table and the SVG.
//! - [`run`]: the whole benchmark (`run`) and its quick self-check (`smoke`).

pub mod callgrind;
pub mod cold;
pub mod cost;
pub mod discover;
pub mod handlers;
pub mod latency;
pub mod launch;
pub mod load;
pub mod local_aws;
pub mod plot;
pub mod report;
pub mod requests;
pub mod run;
pub mod runtime_api;
pub mod size;
pub mod stats;
pub mod tls;
pub mod wrk;

pub use run::{Options, run, smoke};
