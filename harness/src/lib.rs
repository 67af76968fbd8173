//! rawconf — a conformance harness for Flyte's raw container protocol (`ContainerTask`).
//!
//! The protocol runs an arbitrary image that knows nothing about the workflow engine: the
//! engine renders the command line from templates, writes every input as a file, runs the
//! container and reads one file per declared output back. rawconf drives the five
//! ellipse-area images (shell, Python, R, Haskell, Julia) through it and judges the results.
//!
//! The crate follows one case through a pipeline, one module per stage:
//!
//! | stage | module | in → out |
//! |---|---|---|
//! | languages | [`language`] | `languages/<lang>/language.toml` → [`Language`] |
//! | images | [`image`] | [`Language`] → a built, content-addressed Docker image |
//!
//! Harness faults are [`Error`]s with documented exit codes ([`ExitCode`]); conformance results
//! are data, never errors.

pub mod container;
pub mod docker;
pub mod env;
pub mod error;
pub mod expect;
pub mod goformat;
pub mod golden;
pub mod image;
pub mod inputs;
pub mod judge;
pub mod language;
pub mod literal;
pub mod oracle;
pub mod outcome;
pub mod outputs;
pub mod profile;
pub mod pyformat;
pub mod record;
pub mod report;
pub mod run;
pub mod runtime;
pub mod suite;
pub mod template;

pub use error::{Error, ExitCode, Result};
pub use language::{Arithmetic, Language};
