//! The local cloud: the same template.yaml, deployed with the same `sam`
//! commands, onto MiniStack running on this machine.
//!
//! - [`template`]: the one reader of template.yaml (functions, settings,
//!   environment, event sources, state machines, resources), and the
//!   copies of it that are deployed locally.
//! - [`ministack`]: start and stop the local AWS, one process group, never
//!   left behind.
//! - [`stack`]: `sam build` and `sam deploy` of the template onto it, then
//!   the post-deploy steps.
//! - [`gaps`]: the fixes for MiniStack's gaps (the README's numbered list),
//!   and the control-plane clients they use.
//! - `resources` (feature `resources`): the template's tables, buckets and
//!   buses made directly, for the adapter tests and the benchmark.
//! - [`dev`]: `make dev`'s loop: the functions under `cargo lambda watch`.
//! - [`direct`]: a deployed function served straight from cargo lambda's
//!   emulator, past MiniStack's gateway (the fault test, the load run).
//! - [`front_door`]: site/ and /api/* on one origin, with the site's
//!   headers from the template, as CloudFront serves them.
//! - [`process`]: child process groups that never outlive their owner.
//! - [`report`]: report runs on the local stack, followed state by state
//!   (`make report`).
//! - [`tools`]: where the workspace and the tools `make setup` installs are.
//! - [`fixtures`]: the test videos of video-moderation, made with ffmpeg and
//!   a small generator of broken ones (`make fixtures`).
//!
//! Every difference between MiniStack and AWS that the project works around
//! is handled in one function here and pinned by a test in `tests/e2e/`.

pub mod dev;
pub mod direct;
pub mod fixtures;
pub mod front_door;
pub mod gaps;
pub mod ministack;
pub mod process;
pub mod report;
#[cfg(feature = "resources")]
pub mod resources;
pub mod stack;
pub mod template;
pub mod tools;
