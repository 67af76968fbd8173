//! Describing a classified verdict as a [`Finding`]: language, inputs as rendered, whether it is
//! known, each limitation's reason, and the command that reproduces it.

use super::classify::Explained;
use super::explorer::{Explorer, reproduce};
use crate::explore::findings::{FailureReport, Finding, Source};
use crate::explore::strategy::CaseInput;
use crate::judge::ellipse::Verdict;
use crate::protocol::goformat::format_v;

impl Explorer<'_> {
    /// The finding a classified verdict of `case` makes, as this run reports it.
    pub(super) fn finding(
        &self,
        language: &str,
        case: &CaseInput,
        o: &Verdict,
        explained: &[Explained<'_>],
        source: Source,
    ) -> Finding {
        let known = explained.iter().all(|e| e.limitation.is_some());
        let mut limitations: Vec<String> = Vec::new();
        let mut reasons: Vec<String> = Vec::new();
        for e in explained {
            if let Some(l) = e.limitation
                && !limitations.contains(&l.id)
            {
                limitations.push(l.id.clone());
                reasons.push(format!(
                    "{} ({}): {}",
                    l.id,
                    e.failure.kind.stage(),
                    l.reason
                ));
            }
        }
        let unexplained: Vec<String> = explained
            .iter()
            .filter(|e| e.limitation.is_none())
            .map(|e| format!("{}: {}", e.failure.kind, e.failure.detail))
            .collect();
        let reason = if known {
            reasons.join("; ")
        } else {
            format!("new finding: {}", unexplained.join("; "))
        };
        Finding {
            language: language.to_owned(),
            a: o.rendered[0].clone(),
            b: o.rendered[1].clone(),
            a_input: format_v(case.a.value),
            b_input: format_v(case.b.value),
            class: case.class(),
            known,
            reason,
            limitations,
            failures: explained
                .iter()
                .map(|e| FailureReport {
                    stage: e.failure.kind.stage().to_owned(),
                    kind: e.failure.kind,
                    detail: e.failure.detail.clone(),
                    limitation: e.limitation.map(|l| l.id.clone()),
                })
                .collect(),
            reproduce: reproduce(language, case, self.config.profile),
            occurrences: 1,
            source,
            shrink_steps: 0,
            seed: self.config.seed,
            profile: self.config.profile,
        }
    }
}
