//! The raw container protocol itself, as Flyte's backend (and flytekit's local executor)
//! implement it: literals and their encodings, template rendering, the input directory
//! copilot writes, output collection, and the record of one execution. Pure functions over
//! bytes and values — no container, no Docker — so every rule can be tested in isolation and
//! reused by any runtime.
//!
//! [`goformat`] and [`pyformat`] reproduce Go's and Python's number/time formatting and parsing
//! exactly, since byte-exactness is the point of a conformance harness. [`profile`] selects
//! whose semantics a stage reproduces: Flyte's backend (normative) or flytekit's local executor.

pub mod blobs;
pub mod goformat;
pub mod inputs;
pub mod literal;
pub mod msgpack;
pub mod outputs;
pub mod profile;
pub mod pyformat;
pub mod record;
pub mod template;
