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
mod attempts;
pub mod cache;
pub mod execution;
mod reference;

pub use adapter::{Adapter, AdapterError, AdapterProblem};
pub use reference::{
    NAMESPACE, OUTPUT_PREFIX, RAW_OUTPUT_PREFIX, Reference, TASK_TEMPLATE_PATH, execution_name,
};

use std::future::Future;
use std::time::Duration;

use crate::error::Result;
use crate::protocol::literal::LiteralMap;
pub use crate::protocol::outputs::Collected;
use crate::protocol::profile::Profile;
use crate::protocol::record::Record;
use crate::spec::language::Language;
use crate::spec::suite::{ExecutionIdentity, PriorRun, TaskSpec};

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
    /// The local data behind the inputs' blob URIs ([`crate::protocol::blobs::NO_BLOBS`] when none).
    pub blobs: &'a crate::protocol::blobs::Blobs,
    /// The semantics to reproduce.
    pub profile: Profile,
    /// Run id, for container labels.
    pub run_id: &'a str,
    /// The execution the case belongs to; `None`: a case on its own (one attempt, no
    /// `FLYTE_*` environment, no cache).
    pub identity: Option<&'a ExecutionIdentity>,
    /// Runs that go before the case in its cache.
    pub prior: &'a [PriorRun],
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
    /// Attempts, cache status and prior runs (`record.execution`).
    pub execution: bool,
}

impl Reported {
    /// Every part (the reference runtime).
    pub const ALL: Reported = Reported {
        argv: true,
        input_files: true,
        exit_code: true,
        timed_out: true,
        files: true,
        execution: true,
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
        if self.execution {
            keys.push("execution");
        }
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
    /// The environment each attempt's container was given, as the pod lists it (`NAME=value`,
    /// the task's env first; a name may repeat, the last one is what the process sees); empty
    /// when the runtime did not report it.
    pub env: Vec<Vec<String>>,
}

impl Executed {
    /// The result of a case that ran no container (a cache hit, a render failure): no argv,
    /// no files, no exit code, just `collected`.
    pub fn without_container(
        collected: Collected,
        duration: Duration,
        env: Vec<Vec<String>>,
    ) -> Executed {
        Executed {
            record: Record {
                argv: Vec::new(),
                input_files: Default::default(),
                input_files_omitted: None,
                exit_code: None,
                timed_out: false,
                files: Default::default(),
                files_omitted: None,
                result: collected.to_json(),
                execution: None,
            },
            collected,
            stdout: Vec::new(),
            stderr: Vec::new(),
            duration,
            reported: Reported::ALL,
            env,
        }
    }
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

    /// Whether this is an implementation independent of rawconf's own. Goldens are blessed
    /// from the reference runtime, so only its error messages and blob URIs are held to the
    /// byte; an independent runtime's are compared as notes (protocol.md leaves them open).
    fn independent(&self) -> bool {
        true
    }

    /// Executes one case; `trial` is its id `<language>/<suite>/<case>`. `Err` only for harness
    /// faults rawconf itself must fix (Docker, disk); everything the runtime did is an
    /// [`Attempt`].
    fn attempt(
        &self,
        ex: &Execution<'_>,
        trial: &str,
    ) -> impl Future<Output = Result<Attempt>> + Send;

    /// The platform settings this runtime runs executions with, for the report's
    /// `meta.platform` (empty when it has none to say).
    fn platform(&self) -> std::collections::BTreeMap<String, String> {
        std::collections::BTreeMap::new()
    }

    /// Asked after a case failed with a Docker fault: `Err` (why) when the runtime cannot run
    /// any case any more — the engine stopped answering mid-run — so the run stops there and
    /// reports what it has, instead of failing every remaining case one by one.
    fn check_alive(&self) -> impl Future<Output = Result<()>> + Send {
        async { Ok(()) }
    }
}

impl Runtime for Reference {
    fn name(&self) -> String {
        REFERENCE.to_owned()
    }

    fn independent(&self) -> bool {
        false
    }

    async fn attempt(&self, ex: &Execution<'_>, trial: &str) -> Result<Attempt> {
        Ok(Attempt::Executed(Box::new(
            self.execute_named(ex, &execution_name(trial)).await?,
        )))
    }

    async fn check_alive(&self) -> Result<()> {
        self.ping().await
    }

    fn platform(&self) -> std::collections::BTreeMap<String, String> {
        std::collections::BTreeMap::from([(
            "max-node-retries-system-failures".to_owned(),
            self.system_retries().to_string(),
        )])
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

/// The name of the built-in runtime, and `--runtime`'s default.
pub const REFERENCE: &str = "reference";

/// The runtime a `--runtime` value names, checked before anything touches Docker so a typo is
/// a usage error: [`REFERENCE`], or `cmd:PROGRAM ARGS…` (an [`Adapter`], which gets the path of
/// the running binary as `RAWCONF_BIN`).
#[derive(Debug, Clone)]
pub enum RuntimeChoice {
    /// The built-in Docker runtime.
    Reference,
    /// A vendor's adapter program.
    Adapter(Adapter),
}

impl RuntimeChoice {
    /// Parses a `--runtime` value; `margin` is the time an adapter gets beyond a task's timeout.
    pub fn parse(spec: &str, margin: Duration) -> Result<RuntimeChoice> {
        if spec == REFERENCE {
            return Ok(RuntimeChoice::Reference);
        }
        let mut adapter = Adapter::parse(spec)?.with_margin(margin);
        // Adapters that reuse rawconf's protocol commands call this very binary.
        if let Ok(me) = std::env::current_exe() {
            adapter = adapter.with_rawconf_bin(me);
        }
        Ok(RuntimeChoice::Adapter(adapter))
    }

    /// The runtime, on `docker` for the reference one.
    pub fn build(self, docker: bollard::Docker) -> AnyRuntime {
        match self {
            RuntimeChoice::Reference => AnyRuntime::Reference(Reference::new(docker)),
            RuntimeChoice::Adapter(a) => AnyRuntime::Adapter(a),
        }
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

    fn independent(&self) -> bool {
        match self {
            AnyRuntime::Reference(r) => Runtime::independent(r),
            AnyRuntime::Adapter(a) => Runtime::independent(a),
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

    fn platform(&self) -> std::collections::BTreeMap<String, String> {
        match self {
            AnyRuntime::Reference(r) => Runtime::platform(r),
            AnyRuntime::Adapter(_) => Default::default(),
        }
    }
}
