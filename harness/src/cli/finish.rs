//! The end of a run, shared by `rawconf run` and `rawconf report merge` (which must exit as
//! the whole run would have): print the matrix, the failures and the stale declarations,
//! write the four reports, and choose the exit code.

use std::path::Path;

use rawconf::judge::outcome::Outcome;
use rawconf::report::{self, CaseResult, RunReport};
use rawconf::text::first_line;
use rawconf::{ExitCode, Result};

/// Prints the run's findings, writes its reports into `dir` and returns its exit code.
pub(super) fn finish(report: &RunReport, dir: &Path, allow_unavailable: bool) -> Result<ExitCode> {
    print!("{}", report::to_matrix(report));
    let failures: Vec<&CaseResult> = report
        .results
        .iter()
        .filter(|r| r.outcome.is_failure())
        .collect();
    if !failures.is_empty() {
        println!("\nfailures:");
        for r in &failures {
            println!(
                "  {} ({}): {}",
                r.id,
                r.outcome.as_str(),
                first_line(&r.reason)
            );
            println!("    reproduce: {}", r.reproduce);
        }
    }
    for r in report.results.iter().filter(|r| !r.notes.is_empty()) {
        for n in &r.notes {
            println!("note: {} ({}): {n}", r.id, r.outcome.as_str());
        }
    }
    for stale in &report.unused_expectations {
        println!("warning: expected failure matches no case: {stale}");
    }
    for stale in &report.unused_vendor_expectations {
        println!("error: expectations file entry {stale}");
    }
    report::write_all(report, dir)?;
    println!(
        "\nreports: {}/{{report.json,junit.xml,summary.md,report.html}}",
        dir.display()
    );
    if let Some(why) = &report.meta.aborted {
        eprintln!(
            "error: the run {why}\nthe reports hold the results obtained; the other cases did not run"
        );
        return Ok(ExitCode::Setup);
    }
    Ok(run_exit_code(report, allow_unavailable))
}

/// The exit status of a finished run. Never 0 for a run in which nothing held: a runtime that
/// answers "unsupported" (33) to every case gets [`ExitCode::NothingRan`] unless
/// `allow_unavailable` (BoGo's allow-unimplemented, cwltest's 33). A vendor's expectations
/// entry that matched nothing fails it like a conformance failure.
fn run_exit_code(report: &RunReport, allow_unavailable: bool) -> ExitCode {
    let counts = &report.counts;
    let held = counts.get(Outcome::Pass) + counts.get(Outcome::Xfail);
    if counts.total() == 0 {
        ExitCode::NothingRan
    } else if counts.get(Outcome::HarnessError) > 0 {
        ExitCode::HarnessError
    } else if counts.failed() || !report.unused_vendor_expectations.is_empty() {
        ExitCode::ConformanceFailure
    } else if held == 0 && !allow_unavailable {
        eprintln!(
            "error: no case passed: all {} were unavailable (the runtime does not support them); --allow-unavailable accepts that",
            counts.total()
        );
        ExitCode::NothingRan
    } else {
        ExitCode::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rawconf::report::Counts;

    fn report(pairs: &[(Outcome, usize)], unused_vendor: bool) -> RunReport {
        let mut r: RunReport = serde_json::from_value(serde_json::json!({
            "meta": {"rawconf_version": "0", "suite": "s", "suite_digest": "0", "profile": "backend",
                     "runtime": "reference", "images": {}, "seeds": [], "host": "h",
                     "started_at": "", "finished_at": "", "shard": null},
            "counts": {}, "results": [], "divergence": [], "unused_expectations": []
        }))
        .expect("a minimal report");
        r.counts = Counts(pairs.iter().copied().collect());
        if unused_vendor {
            r.unused_vendor_expectations = vec!["x line 1: `a`".into()];
        }
        r
    }

    #[test]
    fn all_unavailable_is_not_green_unless_allowed() {
        let none = report(&[(Outcome::Unavailable, 130)], false);
        assert_eq!(run_exit_code(&none, false), ExitCode::NothingRan);
        assert_eq!(run_exit_code(&none, true), ExitCode::Success);
        let some = report(&[(Outcome::Unavailable, 3), (Outcome::Xfail, 1)], false);
        assert_eq!(run_exit_code(&some, false), ExitCode::Success);
        let failed = report(&[(Outcome::Unavailable, 3), (Outcome::Fail, 1)], false);
        assert_eq!(run_exit_code(&failed, true), ExitCode::ConformanceFailure);
        assert_eq!(
            run_exit_code(&report(&[], false), true),
            ExitCode::NothingRan
        );
    }

    #[test]
    fn an_unused_vendor_entry_fails_the_run() {
        let r = report(&[(Outcome::Pass, 3)], true);
        assert_eq!(run_exit_code(&r, false), ExitCode::ConformanceFailure);
    }
}
