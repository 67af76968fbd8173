//! Property runs: hunting edge-case inputs of the ellipse task across every language.
//!
//! Golden cases pin what someone thought of; the property runner looks for what nobody did. It
//! draws `(a, b)` from float classes that matter to the protocol and to the programs
//! ([`strategy`]), runs each language on them through a runtime ([`executor`]), judges every
//! stage of the result with the same judge as `rawconf run` ([`crate::judge::ellipse`]) and explains each
//! failure with a declared limitation ([`classify`], [`crate::spec::limitation`]) — or reports it,
//! shrunk to a minimal input with a reproduction command, as a new finding ([`findings`]).
//! Found inputs are replayed forever ([`regressions`]).
//!
//! | stage | module | in → out |
//! |---|---|---|
//! | generate | [`strategy`] | seed → [`CaseInput`]s with class labels |
//! | execute | [`executor`], [`explorer`] | language × case → [`crate::runtime::Executed`] (memoized) |
//! | judge | [`crate::judge::ellipse`] | executed → [`crate::judge::ellipse::Verdict`]: failures per stage |
//! | explain | [`classify`] | failure + inputs → the [`crate::spec::limitation::Limitation`] that explains it |
//! | group, shrink | `language.rs`, `shrink.rs` | distinct failures of a language → minimal inputs |
//! | compare | `agreement.rs` | languages that passed → cross-language disagreements |
//! | report | [`findings`], `describe` | → [`Exploration`]: table, Markdown, JSON lines |
//!
//! The phases run in [`Explorer::explore`] (`session.rs`); used by `rawconf explore` and by `cargo test`
//! (`tests/properties.rs`).

mod agreement;
pub mod classify;
mod describe;
pub mod executor;
pub mod explorer;
pub mod findings;
mod language;
pub mod literals;
pub mod regressions;
mod session;
mod shrink;
pub mod strategy;

pub use classify::{Explained, Signature};
pub use executor::{DockerExecutor, Executor};
pub use explorer::{ExploreConfig, Explorer, random_seed, reproduce};
pub use findings::{Exploration, FailureReport, Finding, Source};
pub use regressions::{Regression, Regressions};
pub use strategy::{CaseInput, Input, case_input, float_input};
