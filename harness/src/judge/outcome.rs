//! Outcomes: what a case's result means, as data (never as an error).

use crate::spec::expect::Expectation;

/// The verdict on one language × case.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Everything held: golden, protocol result, oracle.
    Pass,
    /// Something did not hold and no expectation covers it.
    Fail,
    /// It failed, as declared (with a reason).
    Xfail,
    /// It was declared to fail but passed: the declaration is stale. Fails the run.
    Xpass,
    /// The container did not finish within the task's timeout.
    Timeout,
    /// The case could not run here (e.g. the runtime does not support a feature).
    Unavailable,
    /// The harness itself failed while running the case.
    HarnessError,
}

impl Outcome {
    /// Whether this outcome makes the run fail.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Outcome::Fail | Outcome::Xpass | Outcome::Timeout | Outcome::HarnessError
        )
    }

    /// The lowercase name used in reports and trial output.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Xfail => "xfail",
            Outcome::Xpass => "xpass",
            Outcome::Timeout => "timeout",
            Outcome::Unavailable => "unavailable",
            Outcome::HarnessError => "harness-error",
        }
    }
}

/// Combines what went wrong with what was expected.
///
/// `golden_diff` (the record differs from its golden) always fails: a golden pins behaviour,
/// expected failures included, and a change must be reviewed and blessed.
pub fn decide(
    problems: &[String],
    golden_diff: Option<&str>,
    expected: Option<&Expectation>,
) -> (Outcome, String) {
    if let Some(diff) = golden_diff {
        return (
            Outcome::Fail,
            format!("differs from the golden snapshot\n{diff}"),
        );
    }
    match (problems.is_empty(), expected) {
        (true, None) => (Outcome::Pass, String::new()),
        (true, Some(e)) => (
            Outcome::Xpass,
            format!(
                "expected to fail ({}: {}) but passed; remove the entry from {}",
                e.pattern, e.reason, e.source
            ),
        ),
        (false, Some(e)) => (Outcome::Xfail, e.reason.clone()),
        (false, None) => (Outcome::Fail, problems.join("; ")),
    }
}
