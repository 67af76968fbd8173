//! Harness faults: everything that stops rawconf from producing a result.
//!
//! A conformance *result* (a language writing the wrong bytes, a runtime diverging from the
//! protocol) is never an `Error`: it is outcome data. An `Error` means the harness itself
//! could not do its job — a malformed manifest, an unreachable Docker engine, a failed image
//! build — and maps to a documented process exit code (see [`ExitCode`]).

use std::path::PathBuf;

/// A harness fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A manifest or data file is malformed: names the file, the field and what was expected.
    #[error("{}: {message}", path.display())]
    Manifest {
        /// The file that is malformed.
        path: PathBuf,
        /// What is wrong, naming the field and what was expected.
        message: String,
    },
    /// The user asked for something that does not exist (an unknown language, a bad flag value).
    #[error("{0}")]
    Usage(String),
    /// A vendor's expectations file (`rawconf run --expectations`) is malformed: refused before
    /// anything runs, naming the file, the line and column, and what is wrong.
    #[error("expectations file {}: {message}", path.display())]
    Expectations {
        /// The expectations file.
        path: PathBuf,
        /// What is wrong, with its line and column.
        message: String,
    },
    /// Shard reports that cannot be merged into one (`rawconf report merge`): different
    /// versions, suites, profiles, runtimes, expectations or images, a case in two shards, a
    /// shard missing or given twice.
    #[error("cannot merge the shard reports: {0}")]
    Merge(String),
    /// The Docker engine cannot be reached or refused a request outside a build.
    #[error("docker: {message}")]
    Docker {
        /// What rawconf was doing and what went wrong (the engine's answer included).
        message: String,
        /// The engine client's error, when the engine answered one.
        #[source]
        source: Option<bollard::errors::Error>,
    },
    /// An image could not be built.
    #[error("building image for language `{language}` failed at step `{step}`: {message}{}", tail_block(.tail))]
    ImageBuild {
        /// The language whose image failed.
        language: String,
        /// The step that failed (e.g. `mmdebstrap bookworm`, `import`, `docker build`).
        step: String,
        /// What happened.
        message: String,
        /// The last lines of the tool's output.
        tail: Vec<String>,
    },
    /// A required external tool is missing.
    #[error("`{tool}` is not installed: {hint}")]
    MissingTool {
        /// The program that was not found.
        tool: String,
        /// How to install it.
        hint: String,
    },
    /// A fault of rawconf itself (a task panicked, an invariant broke): a bug to report,
    /// never the user's input.
    #[error("internal error (a rawconf bug, please report it): {0}")]
    Internal(String),
    /// rawconf cannot make its work directories (case, adapter and re-collection dirs) in the
    /// temp dir: `TMPDIR` is not a writable directory, or its file system is full. Every case
    /// would fail the same way, so a run stops at the first one (a setup error).
    #[error("cannot make a work dir in {} (TMPDIR): {source}", path.display())]
    WorkDir {
        /// The temp dir.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An I/O error on a named path.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path the operation was on.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn tail_block(tail: &[String]) -> String {
    if tail.is_empty() {
        String::new()
    } else {
        let mut s = String::from("\n--- last lines of output ---");
        for line in tail {
            s.push_str("\n  ");
            s.push_str(line);
        }
        s
    }
}

impl Error {
    /// A Docker fault caused by the engine client's `source` (whose text `message` includes).
    pub fn docker(message: impl Into<String>, source: bollard::errors::Error) -> Self {
        Error::Docker {
            message: message.into(),
            source: Some(source),
        }
    }

    /// A Docker fault rawconf noticed itself (a pool container that stopped, an image
    /// missing), with no engine error behind it.
    pub fn docker_state(message: impl Into<String>) -> Self {
        Error::Docker {
            message: message.into(),
            source: None,
        }
    }

    /// Shorthand for an I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The process exit code this fault maps to.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) | Error::Expectations { .. } | Error::Merge(_) => ExitCode::Usage,
            Error::Manifest { .. } => ExitCode::Setup,
            Error::Docker { .. } | Error::ImageBuild { .. } | Error::MissingTool { .. } => {
                ExitCode::Setup
            }
            Error::Io { .. } | Error::WorkDir { .. } => ExitCode::Setup,
            Error::Internal(_) => ExitCode::Internal,
        }
    }
}

impl Error {
    /// Whether this fault is the environment's, not the case's: the Docker engine or the work
    /// dir's file system is gone or full, so every remaining case would fail the same way and a
    /// run stops (see `run::run`). `Docker` errors count only when the engine also fails a
    /// ping (`Runtime::check_alive`), since one container's 404 is that case's problem.
    pub fn is_environmental(&self) -> bool {
        match self {
            Error::WorkDir { .. } => true,
            Error::Io { source, .. } => matches!(
                source.raw_os_error(),
                Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EROFS)
            ),
            _ => false,
        }
    }
}

/// Documented process exit codes of the `rawconf` binary.
///
/// | code | meaning |
/// |---|---|
/// | 0 | success (every case passed or failed as expected) |
/// | 1 | a command-level error, e.g. `template render` could not render |
/// | 2 | usage error (bad flags or an unknown name, a refused expectations file, unmergeable shards) |
/// | 70 | internal error: a bug in rawconf (a panic, a failed task), never the user's input |
/// | 96 | setup error: malformed manifest, Docker unreachable, image build failed |
/// | 100 | conformance failures: at least one case failed, passed unexpectedly or timed out, or a vendor's expectations entry matched nothing |
/// | 101 | harness errors during a run |
/// | 104 | nothing ran: the selection was empty, or no case passed or failed as expected (every one unavailable; `--allow-unavailable` accepts that) |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Everything passed.
    Success = 0,
    /// A command-level error.
    Failure = 1,
    /// Bad flags or unknown names.
    Usage = 2,
    /// The harness could not set up (manifest, Docker, images).
    Setup = 96,
    /// At least one conformance failure.
    ConformanceFailure = 100,
    /// At least one harness error during a run.
    HarnessError = 101,
    /// The selection matched no case, or no case passed (all unavailable).
    NothingRan = 104,
    /// A bug in rawconf (sysexits' `EX_SOFTWARE`; not Rust's panic status 101, which is
    /// [`ExitCode::HarnessError`]).
    Internal = 70,
}

/// Result alias for harness operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
