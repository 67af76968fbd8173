//! What the data files declare: languages (`languages/<lang>/language.toml`), suites of cases
//! (`tests/suites/<suite>.toml`), expected failures and known limitations — parsed, validated
//! and reported with line and column when wrong. Nothing here runs anything.

pub mod expect;
pub mod language;
pub mod limitation;
pub mod suite;
pub mod tomlerr;
