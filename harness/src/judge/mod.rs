//! Turning an executed case into an outcome. A suite names its judge (`judge = …` in its
//! file): [`ellipse`] checks the ellipse programs against an arithmetic oracle and their
//! declared limitations; [`golden`] compares a record with the snapshot the reference runtime
//! blessed, relaxing only what the protocol leaves open. Both hand their problems and the
//! golden diff to [`outcome::decide`], which applies the expected failures.

pub mod ellipse;
pub mod golden;
pub mod outcome;
