//! rawconf — a conformance harness for Flyte's raw container protocol (`ContainerTask`).
//!
//! The protocol runs an arbitrary image that knows nothing about the workflow engine: the
//! engine renders the command line from templates, writes every input as a file, runs the
//! container and reads one file per declared output back. rawconf drives the five
//! ellipse-area images (shell, Python, R, Haskell, Julia) through it and judges the results.
//!
//! The crate follows one case through a pipeline, one folder per stage, narrow types between:
//!
//! | stage | module | in → out |
//! |---|---|---|
//! | spec | [`spec`] | `languages/<lang>/language.toml`, `tests/suites/<suite>.toml` → [`Language`], [`spec::suite::Suite`] of [`spec::suite::Case`]s, expected failures |
//! | protocol | [`protocol`] | literals ↔ protobuf JSON / binary, templates → argv, inputs → the input dir, the output dir → outputs or error, all into a [`protocol::record::Record`] |
//! | engine | [`engine`] | [`Language`] → a built, content-addressed image; argv + binds → one sandboxed container run (fresh or a warm pool's) |
//! | runtime | [`runtime`] | one case through the protocol and the engine (or an adapter program) → [`runtime::Executed`] |
//! | judge | [`judge`] | the suite's judge (`ellipse` oracle or `golden` snapshots) → problems, diff → [`judge::outcome::Outcome`] |
//! | run | [`run`] | a [`run::RunPlan`] (made by [`run::RunPlan::builder`]) × a runtime → [`report::RunReport`] |
//! | report | [`report`] | report → terminal matrix, JSON, JUnit, Markdown, HTML; shard merge, comparison, vendor expectations |
//! | explore | [`explore`] | seed → generated inputs × languages → findings, shrunk (property runs) |
//! | bench | [`mod@bench`] | images × one case → medians: engine floor, fresh, warm, flytekit, `-j` scaling |
//!
//! Harness faults are [`Error`]s with documented exit codes ([`ExitCode`]); conformance results
//! are data, never errors. [`mod@env`] is the one place environment variables are read.

pub mod bench;
pub mod engine;
pub mod env;
pub mod error;
pub mod explore;
pub mod judge;
pub mod protocol;
pub mod report;
pub mod run;
pub mod runtime;
pub mod spec;
pub mod text;

pub use error::{Error, ExitCode, Result};
pub use spec::language::{Arithmetic, Language};
