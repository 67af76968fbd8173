//! Turning an executed case into an outcome. A suite names its judge (`judge = …` in its
//! file): [`ellipse`] checks the ellipse programs against an arithmetic oracle and their
//! declared limitations; [`golden`] compares a record with the snapshot the reference runtime
//! blessed, relaxing only what the protocol leaves open. Both hand their problems and the
//! golden diff to [`outcome::decide`], which applies the expected failures.

pub mod ellipse;
pub mod golden;
pub mod outcome;

use crate::error::Result;
use crate::runtime::Executed;
use crate::spec::language::Language;
use crate::spec::suite::{Case, JudgeKind};
use ellipse::oracle::Judgement;
use golden::GoldenStep;

/// What a suite's judge found in one result, before the golden is compared.
#[derive(Debug, Default)]
pub struct Judged {
    /// Problems (each fails the case unless an expected failure covers it).
    pub problems: Vec<String>,
    /// The ellipse oracle's judgement of the area, when that judge ran.
    pub judgement: Option<Judgement>,
    /// The area the program wrote, when that judge read one.
    pub area: Option<f64>,
}

/// Runs the judge `kind` the suite chose on `language` × `case`. `golden` names the goldens in
/// force: the golden judge reads the backend's to find a profile's departures.
///
/// `Err` only for harness faults (a language the ellipse judge cannot judge, an unwritable
/// temp dir).
pub fn judge(
    kind: JudgeKind,
    golden: &GoldenStep<'_>,
    language: &Language,
    case: &Case,
    executed: &Executed,
) -> Result<Judged> {
    match kind {
        JudgeKind::Ellipse => {
            let v = ellipse::judge(language, &case.task, golden.profile, &case.inputs, executed)?;
            Ok(Judged {
                problems: v.problems(),
                judgement: v.judgement,
                area: v.area,
            })
        }
        JudgeKind::Golden => Ok(Judged {
            problems: golden::normative::departures(
                golden.profile,
                golden.root,
                golden.suite,
                &case.id,
                &language.name,
                &executed.record,
            ),
            ..Judged::default()
        }),
    }
}
