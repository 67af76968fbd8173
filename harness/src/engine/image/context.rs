//! What every build step shares: the job context and the progress events it emits.
//!
//! Kept apart from the orchestration ([`super::build`]) and the steps ([`super::rootfs`],
//! [`super::engine`]) so that those depend on this module and not on each other.

use std::path::PathBuf;

use bollard::Docker;
use tokio::sync::Semaphore;

/// How many of a failing tool's last output lines an error quotes.
pub(crate) const TAIL_LINES: usize = 20;

/// Something that happened while building, for progress displays.
#[derive(Debug, Clone, Copy)]
pub enum BuildEvent<'a> {
    /// A new step started (`mmdebstrap bookworm (bc)`, `import …`, `docker build …`).
    Step {
        /// The language being built.
        language: &'a str,
        /// What the step does.
        step: &'a str,
    },
    /// A line of a tool's output.
    Output {
        /// The language being built.
        language: &'a str,
        /// The line.
        line: &'a str,
    },
}

/// Receives [`BuildEvent`]s; the CLI draws progress bars with them.
pub trait BuildObserver: Send + Sync {
    /// Called for every event, from any task.
    fn event(&self, event: BuildEvent<'_>);
}

/// An observer that ignores everything (tests, non-interactive use).
#[derive(Debug, Default)]
pub struct NoObserver;

impl BuildObserver for NoObserver {
    fn event(&self, _: BuildEvent<'_>) {}
}

/// Shared state of one build job, handed to the step functions.
pub(crate) struct Ctx<'a> {
    pub(crate) docker: &'a Docker,
    pub(crate) cache: &'a PathBuf,
    pub(crate) language: &'a str,
    /// Permits for package-set mmdebstrap runs: unlimited unless `-j` (docker builds have
    /// their own, one per core).
    pub(crate) heavy: &'a Semaphore,
    /// The order package sets of one suite go onto its root.
    pub(crate) turns: &'a super::turns::Turns,
    pub(crate) observer: &'a dyn BuildObserver,
}

impl Ctx<'_> {
    pub(crate) fn emit(&self, event: BuildEvent<'_>) {
        self.observer.event(event);
    }
}
