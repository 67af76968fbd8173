//! The conformance summary: results grouped by rule area, for the vendor's question "which
//! parts of the protocol does my runtime get right?".
//!
//! A case id may be grouped into an area by `/` (`template/keyword-case`, `outputs/keep-cr`,
//! and nested: `inputs/blob/file`); an area is named `<suite>/<groups>` — everything before the
//! id's last `/`, so `protocol/inputs/blob` is an area of its own beside `protocol/inputs` —
//! and a case without a group counts for its suite (`ellipse`). Every reporter that shows the
//! summary reads it from here.

use std::collections::BTreeMap;

use super::model::{CaseResult, RunReport};
use crate::judge::outcome::Outcome;

/// The results of one rule area under the run's profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Area {
    /// `<suite>/<group>` or `<suite>`.
    pub name: String,
    /// Results that conform (`pass`).
    pub passed: usize,
    /// Results that depart as declared, with a reason (`xfail`).
    pub expected: usize,
    /// Of `expected`, those the vendor's expectations file declared.
    pub vendor: usize,
    /// Results that depart undeclared, or broke (`fail`, `xpass`, `timeout`, `harness-error`).
    pub divergent: usize,
    /// Results the runtime did not run (`unavailable`).
    pub unavailable: usize,
}

impl Area {
    /// Every result of the area.
    pub fn total(&self) -> usize {
        self.passed + self.expected + self.divergent + self.unavailable
    }

    /// The expected failures as shown: `3`, or `3 (1 vendor)` when the vendor declared some.
    pub fn expected_text(&self) -> String {
        if self.vendor == 0 {
            self.expected.to_string()
        } else {
            format!("{} ({} vendor)", self.expected, self.vendor)
        }
    }
}

/// The area a result belongs to.
pub fn area_of(r: &CaseResult) -> String {
    match r.case.rsplit_once('/') {
        Some((group, _)) => format!("{}/{group}", r.suite),
        None => r.suite.clone(),
    }
}

/// Every area of the report, sorted by name.
pub fn areas(report: &RunReport) -> Vec<Area> {
    let mut by_name: BTreeMap<String, Area> = BTreeMap::new();
    for r in &report.results {
        let name = area_of(r);
        let a = by_name.entry(name.clone()).or_insert_with(|| Area {
            name,
            ..Area::default()
        });
        match r.outcome {
            Outcome::Pass => a.passed += 1,
            Outcome::Xfail => {
                a.expected += 1;
                a.vendor += usize::from(r.declared.is_some());
            }
            Outcome::Unavailable => a.unavailable += 1,
            Outcome::Fail | Outcome::Xpass | Outcome::Timeout | Outcome::HarnessError => {
                a.divergent += 1
            }
        }
    }
    by_name.into_values().collect()
}

/// The results that diverge (every failing outcome), in report order: what a vendor fixes.
pub fn divergences(report: &RunReport) -> Vec<&CaseResult> {
    report
        .results
        .iter()
        .filter(|r| r.outcome.is_failure())
        .collect()
}
