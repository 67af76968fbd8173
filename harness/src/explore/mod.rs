//! Property runs: hunting edge-case inputs of the ellipse task across every language.
//!
//! Golden cases pin what someone thought of; the property runner looks for what nobody did. It
//! draws `(a, b)` from float classes that matter to the protocol and to the programs
//! ([`strategy`]), runs each language on them through a runtime ([`runner`]), judges every stage
//! of the result against the oracle ([`observe`]) and explains each failure with a declared
//! limitation ([`crate::limitation`]) — or reports it, shrunk to a minimal input with a reproduction
//! command, as a new finding ([`findings`]). Found inputs are replayed forever ([`regressions`]).
//!
//! | stage | module | in → out |
//! |---|---|---|
//! | generate | [`strategy`] | seed → [`CaseInput`]s with class labels |
//! | execute | [`runner`] | language × case → [`crate::runtime::Executed`] (memoized) |
//! | judge | [`observe`] | executed → [`Observation`]: failures per stage |
//! | explain | [`crate::limitation`] | failure + inputs → the [`Limitation`] that explains it |
//! | shrink, compare | [`runner`] | distinct failures → minimal inputs; cross-language agreement |
//! | report | [`findings`] | → [`Exploration`]: table, Markdown, JSON lines |
//!
//! Used by `rawconf explore` and by `cargo test` (`tests/properties.rs`).

pub mod findings;
pub mod observe;
pub mod regressions;
pub mod runner;
pub mod strategy;

pub use findings::{Exploration, FailureReport, Finding, Source};
pub use observe::{Failure, Observation, Signature};
pub use regressions::{Regression, Regressions};
pub use runner::{DockerExecutor, Executor, ExploreConfig, Explorer, random_seed, reproduce};
pub use strategy::{CaseInput, Input, case_input, float_input};
