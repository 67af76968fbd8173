//! `summary.md`: counts, the matrix, and every failure with its reproduction command — sized
//! for a CI step summary.

use super::areas::{areas, divergences};
use super::matrix::result_cell;
use super::model::RunReport;

/// The run as Markdown.
pub fn to_markdown(report: &RunReport) -> String {
    let m = &report.meta;
    let verdict = if m.aborted.is_some() {
        "STOPPED"
    } else if report.counts.failed() {
        "FAILED"
    } else {
        "passed"
    };
    let mut out = format!(
        "# rawconf: suite `{}` — {verdict}\n\nprofile `{}` · runtime `{}` · rawconf {} · {}\n\n**{}**\n\n",
        m.suite, m.profile, m.runtime, m.rawconf_version, m.started_at, report.counts
    );
    if let Some(e) = &m.expectations {
        out.push_str(&format!(
            "> Vendor expectations: `{}` (sha256 `{}`); their expected failures are marked `xfail(v)`.\n\n",
            e.path, e.sha256
        ));
    }
    if let Some(why) = &m.aborted {
        out.push_str(&format!(
            "> **The run {why}.** The tables hold the results obtained.\n\n"
        ));
    }
    if !m.data.is_empty() {
        let forks: Vec<String> = m.data.iter().map(|(k, v)| format!("`{k}` {v}")).collect();
        out.push_str(&format!(
            "> Data not from rawconf's defaults: {}.\n\n",
            forks.join(", ")
        ));
    }
    out.push_str(&format!(
        "## Conformance by rule area (profile `{}`)\n\n| area | passed | expected failures | divergent | unavailable | total |\n|---|---|---|---|---|---|\n",
        m.profile
    ));
    for a in areas(report) {
        out.push_str(&format!(
            "| `{}` | {}/{} | {} | {} | {} | {} |\n",
            a.name,
            a.passed,
            a.total(),
            a.expected_text(),
            a.divergent,
            a.unavailable,
            a.total()
        ));
    }
    out.push_str("\n## Matrix\n\n");
    let langs = report.languages();
    out.push_str("| case |");
    for l in &langs {
        out.push_str(&format!(" {l} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(langs.len()));
    out.push('\n');
    for case in report.cases() {
        out.push_str(&format!("| `{case}` |"));
        for l in &langs {
            let text = report.get(l, &case).map_or("-", result_cell);
            out.push_str(&format!(" {text} |"));
        }
        out.push('\n');
    }
    let failures = divergences(report);
    if !failures.is_empty() {
        out.push_str("\n## Failures\n\n");
        for r in failures {
            out.push_str(&format!(
                "### `{}` — {}\n\n```text\n{}\n```\n\nreproduce: `{}`\n\n",
                r.id,
                r.outcome.as_str(),
                r.reason.trim_end(),
                r.reproduce
            ));
        }
    }
    let vendor: Vec<_> = report
        .results
        .iter()
        .filter_map(|r| r.declared.as_ref().map(|d| (r, d)))
        .filter(|(r, _)| r.outcome == crate::judge::outcome::Outcome::Xfail)
        .collect();
    if !vendor.is_empty() {
        out.push_str("\n## Expected failures declared by the vendor\n\n| trial | expected | entry | reason |\n|---|---|---|---|\n");
        for (r, d) in vendor {
            out.push_str(&format!(
                "| `{}` | {}{} | {} line {}: `{}` | {} |\n",
                r.id,
                d.outcome,
                d.code
                    .as_deref()
                    .map(|c| format!(" `{c}`"))
                    .unwrap_or_default(),
                d.file,
                d.line,
                d.case,
                d.reason.replace('|', "\\|")
            ));
        }
    }
    let noted: Vec<_> = report
        .results
        .iter()
        .filter(|r| !r.notes.is_empty())
        .collect();
    if !noted.is_empty() {
        out.push_str("\n## Notes\n\n");
        for r in noted {
            for n in &r.notes {
                out.push_str(&format!("- `{}` ({}): {}\n", r.id, r.outcome.as_str(), n));
            }
        }
    }
    let disagreements: Vec<_> = report
        .divergence
        .iter()
        .filter(|d| !d.disagreements.is_empty())
        .collect();
    if !disagreements.is_empty() {
        out.push_str(
            "\n## Cross-language divergences\n\n| case | disagreeing pairs |\n|---|---|\n",
        );
        for d in disagreements {
            out.push_str(&format!(
                "| `{}` | {} |\n",
                d.case,
                d.disagreements.join(", ")
            ));
        }
    }
    if !report.unused_expectations.is_empty() {
        out.push_str("\n## Stale expected failures\n\n");
        for e in &report.unused_expectations {
            out.push_str(&format!("- {e}\n"));
        }
    }
    if !report.unused_vendor_expectations.is_empty() {
        out.push_str("\n## Vendor expectations that match nothing (they fail the run)\n\n");
        for e in &report.unused_vendor_expectations {
            out.push_str(&format!("- {e}\n"));
        }
    }
    out
}
