//! rawconf — a conformance harness for Flyte's raw container protocol (`ContainerTask`).
//!
//! The protocol runs an arbitrary image that knows nothing about the workflow engine: the
//! engine renders the command line from templates, writes every input as a file, runs the
//! container and reads one file per declared output back. rawconf drives the five
//! ellipse-area images (shell, Python, R, Haskell, Julia) through it and judges the results.
//!
//! The crate follows one case through a pipeline, one module per stage, narrow types between:
//!
//! | stage | module | in → out |
//! |---|---|---|
//! | languages | [`language`] | `languages/<lang>/language.toml` → [`Language`] |
//! | images | [`image`] | [`Language`] → a built, content-addressed Docker image |
//! | cases | [`suite`] | `tests/suites/<suite>.toml` → [`suite::Suite`] of [`suite::Case`]s |
//! | literals | [`literal`] | Flyte IDL values ↔ protobuf JSON / binary (`inputs.pb`) |
//! | templates | [`template`] | command + [`literal::LiteralMap`] → rendered argv (Go `%v`, …) |
//! | inputs | [`inputs`] | [`literal::LiteralMap`] → the input directory copilot writes |
//! | container | [`container`] | argv + binds → one sandboxed run ([`container::ContainerRun`]) |
//! | outputs | [`outputs`] | output directory → [`outputs::Collected`] (outputs or error) |
//! | workspace | [`workspace`], [`warm`] | a case's dirs + container: fresh, or a pooled one driven by exec |
//! | runtime | [`runtime`] | the stages above for one case → [`runtime::Executed`] + [`record::Record`] |
//! | judge | [`judge`], [`oracle`] | result → problems (metadata, arithmetic model, precision) |
//! | judge (other suites) | [`normative`] | result → departures from the backend golden; messages as notes |
//! | compare | [`golden`], [`expect`], [`outcome`] | record + problems → [`outcome::Outcome`] |
//! | run | [`run`] | suite × languages → [`report::RunReport`] |
//! | report | [`report`] | report → terminal matrix, JSON, JUnit, Markdown, HTML |
//! | explore | [`explore`] | seed → generated inputs × languages → findings, shrunk (property runs) |
//! | bench | [`mod@bench`] | images × one case → medians: engine floor, fresh, warm, flytekit, `-j` scaling |
//!
//! [`goformat`] and [`pyformat`] reproduce Go's and Python's number/time formatting and parsing
//! exactly, since byte-exactness is the point of a conformance harness. [`profile`] selects
//! whose semantics a stage reproduces: Flyte's backend (normative) or flytekit's local executor.
//!
//! Harness faults are [`Error`]s with documented exit codes ([`ExitCode`]); conformance results
//! are data, never errors.

pub mod bench;
pub mod blobs;
pub mod clean;
pub mod container;
pub mod docker;
pub mod env;
pub mod error;
pub mod expect;
pub mod explore;
pub mod goformat;
pub mod golden;
pub mod image;
pub mod inputs;
pub mod judge;
pub mod language;
pub mod limitation;
pub mod literal;
pub mod normative;
pub mod oracle;
pub mod outcome;
pub mod outputs;
pub mod profile;
pub mod pyformat;
pub mod record;
pub mod report;
pub mod run;
pub mod runtime;
pub mod scratch;
pub mod suite;
pub mod template;
pub mod text;
pub mod tomlerr;
pub mod vendor;
pub mod warm;
pub mod workspace;

pub use error::{Error, ExitCode, Result};
pub use language::{Arithmetic, Language};
