//! Applying a vendor's expectations to a finished run's report, and the stale-entry checks a
//! shard merge reruns on the union.

use super::{Entry, Expected, VendorExpectations};
use crate::judge::outcome::Outcome;
use crate::report::{CaseResult, Declared, ExpectationsMeta, RunReport};
use crate::text::first_line;

fn declared(file: &VendorExpectations, e: &Entry) -> Declared {
    Declared {
        by: "vendor".into(),
        file: file.path.display().to_string(),
        line: e.line,
        case: e.case.clone(),
        outcome: e.outcome.as_str().into(),
        code: e.code.clone(),
        reason: e.reason.clone(),
    }
}

/// The error code of a result (`record.result.error.code`), if it has one.
fn error_code(r: &CaseResult) -> Option<&str> {
    r.record
        .as_ref()?
        .result
        .get("error")?
        .get("code")?
        .as_str()
}

/// Applies the entry that covers one result: an expected failure, a stale entry, or a note
/// when the result departs otherwise than declared.
fn cover(file: &VendorExpectations, e: &Entry, r: &mut CaseResult) {
    let name = file.name(e);
    match (r.outcome, e.outcome) {
        (Outcome::Pass, _) => {
            r.outcome = Outcome::Xpass;
            r.reason = format!(
                "declared by the vendor to be `{}` ({name}: {}) but passed; remove the entry",
                e.outcome.as_str(),
                e.reason
            );
            r.declared = Some(declared(file, e));
        }
        (Outcome::Fail, Expected::Fail) => {
            let code = error_code(r);
            if let Some(want) = &e.code
                && code != Some(want.as_str())
            {
                r.notes.push(format!(
                    "{name} expects error code `{want}`, the result's is {}",
                    code.map_or("none".to_owned(), |c| format!("`{c}`"))
                ));
                return;
            }
            r.notes.push(format!(
                "failed as the vendor declared: {}",
                first_line(&r.reason)
            ));
            r.outcome = Outcome::Xfail;
            r.reason = e.reason.clone();
            r.declared = Some(declared(file, e));
        }
        (Outcome::Unavailable, Expected::Unavailable) => {
            r.notes.push(format!(
                "unavailable as the vendor declared: {}",
                first_line(&r.reason)
            ));
            r.outcome = Outcome::Xfail;
            r.reason = e.reason.clone();
            r.declared = Some(declared(file, e));
        }
        (Outcome::Fail | Outcome::Unavailable, want) => r.notes.push(format!(
            "{name} expects `{}`, the result is `{}`",
            want.as_str(),
            r.outcome.as_str()
        )),
        // rawconf's own declarations, and what no declaration covers (timeouts, harness
        // errors), stay as they are.
        _ => {}
    }
}

/// Applies `file` to `report`: covered results become the vendor's `xfail` (or `xpass` when
/// they passed), `meta.expectations` records the file, counts are recounted, and the entries
/// that matched no trial are recorded — as `unused_vendor_expectations` when `complete` (the
/// selection was a whole suite and ran to its end), or in `shard_check` for a shard, for
/// `rawconf report merge` to intersect. An entry that matches one of `elsewhere` (the trials of
/// the suites this run did not select) is out of this run's scope, never unused.
pub fn apply(
    report: &mut RunReport,
    file: &VendorExpectations,
    complete: bool,
    elsewhere: &[String],
) {
    report.meta.expectations = Some(ExpectationsMeta {
        path: file.path.display().to_string(),
        sha256: file.sha256.clone(),
    });
    let profile = report.meta.profile.clone();
    let mut used = vec![false; file.entries.len()];
    let flag = format!(
        " --expectations {}",
        shell_words::quote(&file.path.to_string_lossy())
    );
    for r in &mut report.results {
        r.reproduce.push_str(&flag);
        let Some((i, e)) = file
            .entries
            .iter()
            .enumerate()
            .find(|(_, e)| e.applies_to(&profile) && e.matches(&r.id))
        else {
            continue;
        };
        used[i] = true;
        cover(file, e, r);
    }
    report.recount();
    let unused: Vec<String> = file
        .entries
        .iter()
        .zip(&used)
        .filter(|(e, used)| {
            !**used && e.applies_to(&profile) && !elsewhere.iter().any(|id| e.matches(id))
        })
        .map(|(e, _)| {
            format!(
                "{} matches no trial of the selection (a typo, or a case that is gone): {}",
                file.name(e),
                e.reason
            )
        })
        .collect();
    match &mut report.shard_check {
        Some(check) => {
            check.complete &= complete;
            check.unused_vendor_expectations = if check.complete { unused } else { Vec::new() };
        }
        None if complete => report.unused_vendor_expectations = unused,
        None => {}
    }
}
