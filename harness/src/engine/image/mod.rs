//! Images: every language's image, built without a registry.
//!
//! The offline path makes each base with `mmdebstrap` (a Debian root filesystem tarball,
//! cached on disk by recipe: one root per suite, each package set installed on it — `plan.rs`,
//! `rootfs.rs`, in the order of `turns.rs`), imports it through the Engine API (`docker import`), then builds
//! the language's Dockerfile with the classic builder and `--build-arg BASE=<imported base>`.
//! The online path builds the same Dockerfile on its default (official) bases.
//!
//! Every image is tagged by a hash of everything that goes into it ([`ImagePlan`]), so an unchanged
//! image is never rebuilt, and builds take file locks, so parallel tests and concurrent
//! processes build each image once.

mod build;
mod context;
mod engine;
mod lock;
mod plan;
mod rootfs;
mod turns;

pub use build::{Builder, Built};
pub use context::{BuildEvent, BuildObserver, NoObserver};
pub use engine::ImageStatus;
pub use plan::{BasePlan, BaseSource, ImagePlan, Mode, SMOKE};
