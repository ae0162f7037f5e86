//! The local cloud: the same template.yaml, deployed with the same `sam`
//! commands, onto MiniStack running on this machine.
//!
//! - [`ministack`]: start and stop the local AWS, one process group, never
//!   left behind.
//! - [`template`]: what the template declares (its HTTP routes), and the
//!   copy of it that MiniStack can deploy.
//! - [`tools`]: where the project's own tools are (the virtualenv that
//!   `make setup` fills).
//!
//! Every difference between MiniStack and AWS that the project works around
//! is handled in one function here and pinned by a test in `tests/`.

pub mod dev;
pub mod gaps;
pub mod ministack;
pub mod process;
pub mod resources;
pub mod stack;
pub mod template;
pub mod tools;
