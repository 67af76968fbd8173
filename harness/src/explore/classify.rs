//! Explaining a verdict: which declared limitation explains each failure, and what makes two
//! failures "the same finding".
//!
//! The judge ([`crate::judge::ellipse`]) says what failed, stage by stage; here each failure is matched
//! against the limitations of the language and the suite ([`crate::spec::limitation`]). A case is
//! *known* only when every failure is explained.

use crate::explore::strategy::CaseInput;
use crate::judge::ellipse::limits::{Facts, explain};
use crate::judge::ellipse::{Failure, Verdict};
use crate::protocol::profile::Profile;
use crate::spec::limitation::{FailureKind, Limitation};

/// A failure and the limitation that explains it, if one does.
#[derive(Debug, Clone)]
pub struct Explained<'l> {
    /// The failure.
    pub failure: Failure,
    /// The first limitation (the language's, then the suite's) that explains it.
    pub limitation: Option<&'l Limitation>,
}

/// The facts limitations are evaluated on: the inputs and how the program received them.
pub fn facts<'a>(verdict: &'a Verdict, case: &CaseInput) -> Facts<'a> {
    Facts {
        a: case.a.value,
        b: case.b.value,
        rendered: [&verdict.rendered[0], &verdict.rendered[1]],
    }
}

/// Explains each failure of a verdict with the given limitations.
pub fn classify<'l>(
    verdict: &Verdict,
    case: &CaseInput,
    limitations: &[&'l Limitation],
    profile: Profile,
) -> Vec<Explained<'l>> {
    let facts = facts(verdict, case);
    verdict
        .failures
        .iter()
        .map(|f| Explained {
            failure: f.clone(),
            limitation: explain(limitations.iter().copied(), f.kind, profile, &facts),
        })
        .collect()
}

/// What identifies "the same finding" while shrinking and when grouping: each failure kind with
/// its symptom and the id of the limitation that explains it (or none).
pub type Signature = Vec<(FailureKind, Option<String>, Option<String>)>;

/// The signature of a classified verdict.
pub fn signature(explained: &[Explained<'_>]) -> Signature {
    explained
        .iter()
        .map(|e| {
            (
                e.failure.kind,
                e.failure.symptom.clone(),
                e.limitation.map(|l| l.id.clone()),
            )
        })
        .collect()
}
