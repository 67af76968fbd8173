//! Runtimes: implementations of the raw container protocol that execute cases.
//!
//! The built-in [`Reference`] runtime renders, materializes, runs the container on Docker and
//! collects exactly as Flyte's backend does. Vendors plug their own implementation in as an
//! [`Adapter`] — a program that reads one JSON request and answers one JSON result
//! (`docs/adapter.md`) — with no change to rawconf.
//!
//! Both are driven through the [`Runtime`] trait, whose answer is an [`Attempt`]: either the
//! case ran ([`Executed`]) or it did not, for a reason that is itself a conformance outcome
//! (unsupported feature, timeout, a broken adapter). A harness fault of the runtime itself
//! (Docker unreachable, an unwritable temp dir) stays an [`Error`](crate::Error).

pub mod adapter;
mod reference;

pub use adapter::{Adapter, AdapterError, AdapterProblem};
pub use reference::{
    NAMESPACE, OUTPUT_PREFIX, RAW_OUTPUT_PREFIX, Reference, TASK_TEMPLATE_PATH, execution_name,
};

use std::future::Future;
use std::time::Duration;

use crate::error::Result;
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
    /// The local data behind the inputs' blob URIs ([`crate::blobs::NO_BLOBS`] when none).
    pub blobs: &'a crate::blobs::Blobs,
    /// The semantics to reproduce.
    pub profile: Profile,
    /// Run id, for container labels.
    pub run_id: &'a str,
}

/// Which parts of a [`Record`] the runtime actually observed.
///
/// The reference runtime sees every byte; an adapter reports what its implementation can see
/// (at least the result). Golden snapshots are compared on the observed parts only, so a
/// runtime is never failed for what it could not report — and never passed on a part it
/// invented a default for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reported {
    /// The rendered argv.
    pub argv: bool,
    /// The input directory's files.
    pub input_files: bool,
    /// The container's exit code.
    pub exit_code: bool,
    /// Whether the container was killed by its timeout.
    pub timed_out: bool,
    /// The output directory's files.
    pub files: bool,
}

impl Reported {
    /// Every part (the reference runtime).
    pub const ALL: Reported = Reported {
        argv: true,
        input_files: true,
        exit_code: true,
        timed_out: true,
        files: true,
    };

    /// Whether every part was observed.
    pub fn is_all(&self) -> bool {
        *self == Reported::ALL
    }

    /// The record keys that were observed, `result` always included, in record order.
    pub fn keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        for (on, key) in [
            (self.argv, "argv"),
            (self.input_files, "input_files"),
            (self.exit_code, "exit_code"),
            (self.timed_out, "timed_out"),
            (self.files, "files"),
        ] {
            if on {
                keys.push(key);
            }
        }
        keys.push("result");
        keys
    }
}

/// What executing a case produced.
#[derive(Debug, Clone)]
pub struct Executed {
    /// Every byte that crossed the protocol (parts the runtime did not report are empty; see
    /// [`Executed::reported`]).
    pub record: Record,
    /// The typed result (also in `record.result`).
    pub collected: Collected,
    /// Container stdout.
    pub stdout: Vec<u8>,
    /// Container stderr.
    pub stderr: Vec<u8>,
    /// Wall time of the whole case.
    pub duration: Duration,
    /// Which parts of `record` the runtime observed.
    pub reported: Reported,
}

/// A case that did not produce a result, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRun {
    /// For humans: names the runtime, the case and what was expected.
    pub reason: String,
    /// What the runtime printed on stdout (lossy UTF-8 in reports).
    pub stdout: Vec<u8>,
    /// What the runtime printed on stderr.
    pub stderr: Vec<u8>,
    /// Wall time until the runtime gave up or was stopped.
    pub duration: Duration,
}

/// The answer of a runtime to one case. Every variant is a conformance outcome, not a
/// harness fault: a vendor's adapter that crashes fails its own cases, not the run.
#[derive(Debug, Clone)]
pub enum Attempt {
    /// The case ran and produced a result (a task error is a result).
    Executed(Box<Executed>),
    /// The runtime does not support something the case needs (adapter exit 33): `unavailable`.
    Unsupported(NotRun),
    /// The runtime did not answer within the task's timeout plus a margin: `timeout`.
    TimedOut(NotRun),
    /// The runtime broke the contract (bad exit status, malformed result): `harness-error`.
    Broken(NotRun),
}

/// An implementation of the raw container protocol that rawconf can drive.
///
/// Implemented by [`Reference`], [`Adapter`] and [`AnyRuntime`]; `run_case` and `run` are
/// generic over it, so a test can pass the concrete runtime it built.
pub trait Runtime: Sync {
    /// The name reports and reproduction commands use (`reference` or `cmd:…`).
    fn name(&self) -> String;

    /// Executes one case; `trial` is its id `<language>/<suite>/<case>`. `Err` only for harness
    /// faults rawconf itself must fix (Docker, disk); everything the runtime did is an
    /// [`Attempt`].
    fn attempt(
        &self,
        ex: &Execution<'_>,
        trial: &str,
    ) -> impl Future<Output = Result<Attempt>> + Send;

    /// Asked after a case failed with a Docker fault: `Err` (why) when the runtime cannot run
    /// any case any more — the engine stopped answering mid-run — so the run stops there and
    /// reports what it has, instead of failing every remaining case one by one.
    fn check_alive(&self) -> impl Future<Output = Result<()>> + Send {
        async { Ok(()) }
    }
}

impl Runtime for Reference {
    fn name(&self) -> String {
        "reference".to_owned()
    }

    async fn attempt(&self, ex: &Execution<'_>, trial: &str) -> Result<Attempt> {
        Ok(Attempt::Executed(Box::new(
            self.execute_named(ex, &execution_name(trial)).await?,
        )))
    }

    async fn check_alive(&self) -> Result<()> {
        self.ping().await
    }
}

impl Runtime for Adapter {
    fn name(&self) -> String {
        Adapter::name(self)
    }

    async fn attempt(&self, ex: &Execution<'_>, trial: &str) -> Result<Attempt> {
        Adapter::attempt(self, ex, trial).await
    }
}

/// A runtime chosen at run time (`--runtime reference` or `--runtime 'cmd:…'`).
#[derive(Debug, Clone)]
pub enum AnyRuntime {
    /// The built-in Docker runtime.
    Reference(Reference),
    /// A vendor's adapter program.
    Adapter(Adapter),
}

impl Runtime for AnyRuntime {
    fn name(&self) -> String {
        match self {
            AnyRuntime::Reference(r) => Runtime::name(r),
            AnyRuntime::Adapter(a) => Adapter::name(a),
        }
    }

    async fn attempt(&self, ex: &Execution<'_>, trial: &str) -> Result<Attempt> {
        match self {
            AnyRuntime::Reference(r) => Runtime::attempt(r, ex, trial).await,
            AnyRuntime::Adapter(a) => Adapter::attempt(a, ex, trial).await,
        }
    }

    async fn check_alive(&self) -> Result<()> {
        match self {
            AnyRuntime::Reference(r) => Runtime::check_alive(r).await,
            AnyRuntime::Adapter(_) => Ok(()),
        }
    }
}
