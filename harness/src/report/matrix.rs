//! The language × case matrix printed at the end of `rawconf run`.

use super::model::{CaseResult, RunReport};
use crate::judge::outcome::Outcome;

/// The short cell text of an outcome.
pub(crate) fn cell(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "ok",
        Outcome::Fail => "FAIL",
        Outcome::Xfail => "xfail",
        Outcome::Xpass => "XPASS",
        Outcome::Timeout => "TIMEOUT",
        Outcome::Unavailable => "n/a",
        Outcome::HarnessError => "ERROR",
    }
}

/// The cell text of a result: its outcome's, marked `(v)` when the vendor's expectations file
/// declared it (an `xfail` it covers, an `xpass` of a stale entry), so the vendor's
/// declarations never blend into rawconf's own.
pub(crate) fn result_cell(r: &CaseResult) -> &'static str {
    match (r.outcome, r.declared.is_some()) {
        (Outcome::Xfail, true) => "xfail(v)",
        (Outcome::Xpass, true) => "XPASS(v)",
        (o, _) => cell(o),
    }
}

/// A plain-text matrix: one row per case, one column per language.
pub fn to_matrix(report: &RunReport) -> String {
    let langs = report.languages();
    let cases = report.cases();
    let first = cases.iter().map(String::len).max().unwrap_or(4).max(4);
    let width = langs.iter().map(String::len).max().unwrap_or(5).max(7);
    let mut out = format!("{:<first$}", "case");
    for l in &langs {
        out.push_str(&format!("  {l:<width$}"));
    }
    out.push('\n');
    for case in &cases {
        out.push_str(&format!("{case:<first$}"));
        for l in &langs {
            let text = report.get(l, case).map_or("-", result_cell);
            out.push_str(&format!("  {text:<width$}"));
        }
        out.push('\n');
    }
    out.push_str(&format!("\n{}\n", report.counts));
    out
}
