//! Runtimes: implementations of the raw container protocol that execute cases.
//!
//! The built-in [`Reference`] runtime renders, materializes, runs the container on Docker and
//! collects exactly as Flyte's backend does. Vendors plug their own implementation in as an
//! adapter (see `docs/adapter.md`), with no change to rawconf.

mod reference;

pub use reference::Reference;

use std::time::Duration;

use crate::language::Language;
use crate::literal::LiteralMap;
pub use crate::outputs::Collected;
use crate::profile::Profile;
use crate::record::Record;
use crate::suite::TaskSpec;

/// One case to execute.
#[derive(Debug, Clone)]
pub struct Execution<'a> {
    /// The language (its command and image).
    pub language: &'a Language,
    /// The image reference to run.
    pub image: &'a str,
    /// The task interface, data dirs and timeout.
    pub task: &'a TaskSpec,
    /// The input literals.
    pub inputs: &'a LiteralMap,
    /// The semantics to reproduce.
    pub profile: Profile,
    /// Run id, for container labels.
    pub run_id: &'a str,
}

/// What executing a case produced.
#[derive(Debug, Clone)]
pub struct Executed {
    /// Every byte that crossed the protocol.
    pub record: Record,
    /// The typed result (also in `record.result`).
    pub collected: Collected,
    /// Container stdout.
    pub stdout: Vec<u8>,
    /// Container stderr.
    pub stderr: Vec<u8>,
    /// Wall time of the whole case.
    pub duration: Duration,
}
