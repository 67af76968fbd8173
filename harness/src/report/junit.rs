//! JUnit XML, one test case per language × case, for CI dashboards.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::model::RunReport;
use crate::judge::outcome::Outcome;
use crate::text::first_line;

/// The run as JUnit XML. xfail counts as success (with the reason in system-out), unavailable
/// as skipped, harness errors as errors, the rest of the failing outcomes as failures.
pub fn to_junit(report: &RunReport) -> String {
    let mut junit = Report::new(format!("rawconf {}", report.meta.suite));
    for lang in report.languages() {
        let mut suite = TestSuite::new(format!("{lang}/{}", report.meta.suite));
        for r in report.results.iter().filter(|r| r.language == lang) {
            let status = match r.outcome {
                Outcome::Pass | Outcome::Xfail => TestCaseStatus::success(),
                Outcome::Unavailable => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(r.reason.clone());
                    s
                }
                Outcome::HarnessError => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                    s.set_message(first_line(&r.reason).to_owned());
                    s.set_description(r.reason.clone());
                    s
                }
                Outcome::Fail | Outcome::Xpass | Outcome::Timeout => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(format!("{}: {}", r.outcome.as_str(), first_line(&r.reason)));
                    s.set_type(r.outcome.as_str());
                    s.set_description(format!("{}\n\nreproduce: {}", r.reason, r.reproduce));
                    s
                }
            };
            let mut case = TestCase::new(r.id.clone(), status);
            if r.declared.is_some() {
                case.add_property(quick_junit::Property::new("declared_by", "vendor"));
            }
            case.set_classname(format!("{lang}.{}", report.meta.suite));
            case.set_time(std::time::Duration::from_millis(r.duration_ms));
            let mut out: Vec<String> = r.notes.iter().map(|n| format!("note: {n}")).collect();
            match (&r.declared, r.outcome) {
                (Some(d), Outcome::Xfail) => out.insert(
                    0,
                    format!(
                        "xfail declared by the vendor ({} line {}: `{}`): {}",
                        d.file, d.line, d.case, r.reason
                    ),
                ),
                (None, Outcome::Xfail) => out.insert(0, format!("xfail: {}", r.reason)),
                _ => {}
            }
            if !out.is_empty() {
                case.set_system_out(out.join("\n"));
            }
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit.to_string().expect("JUnit serializes")
}
