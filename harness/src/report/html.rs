//! `report.html`: a self-contained page — the conformance summary by rule area, a coloured
//! language × case matrix, every divergence with its golden diff and reproduction command, and
//! each result with its record.

use super::areas::{areas, divergences};
use super::matrix::result_cell;
use super::model::RunReport;
use crate::judge::outcome::Outcome;

pub(super) const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}\
th{background:#f3f3f3}td.o{text-align:center;font-weight:600}\
.pass{background:#c8f0c8}.xfail{background:#e6e6a8}.fail,.xpass,.timeout,.harness-error{background:#f5b5b5}\
.unavailable{background:#ddd}.vendor{background:#d9ccf0}td.o a{color:inherit;text-decoration:none}pre{background:#f7f7f7;padding:.6em;white-space:pre-wrap;word-break:break-all}\
code{font-family:ui-monospace,monospace}";

/// Escapes text for HTML element content and attribute values.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn class(o: Outcome) -> &'static str {
    o.as_str()
}

/// The CSS classes of a result: its outcome, plus `vendor` for an xfail the vendor declared.
fn classes(r: &super::model::CaseResult) -> String {
    match (&r.declared, r.outcome) {
        (Some(_), Outcome::Xfail) => "xfail vendor".into(),
        _ => class(r.outcome).into(),
    }
}

/// The run as one HTML page (no scripts, no external resources).
pub fn to_html(report: &RunReport) -> String {
    let m = &report.meta;
    let langs = report.languages();
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rawconf {}</title><style>{STYLE}</style></head><body>\n\
<h1>rawconf — suite <code>{}</code></h1>\n<p>profile <code>{}</code> · runtime <code>{}</code> · rawconf {} · {} → {}</p>\n<p><strong>{}</strong></p>\n",
        esc(&m.suite),
        esc(&m.suite),
        esc(&m.profile),
        esc(&m.runtime),
        esc(&m.rawconf_version),
        esc(&m.started_at),
        esc(&m.finished_at),
        esc(&report.counts.to_string())
    );
    out.push_str(&format!(
        "<h2>Conformance by rule area (profile <code>{}</code>)</h2>\n<table id=\"areas\"><thead><tr><th>area</th><th>passed</th><th>expected failures</th><th>divergent</th><th>unavailable</th><th>total</th></tr></thead><tbody>\n",
        esc(&m.profile)
    ));
    for a in areas(report) {
        let state = if a.divergent > 0 {
            "fail"
        } else if a.passed + a.expected == 0 {
            "unavailable"
        } else {
            "pass"
        };
        out.push_str(&format!(
            "<tr class=\"{state}\"><th><code>{}</code></th><td>{}/{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&a.name),
            a.passed,
            a.total(),
            a.expected_text(),
            a.divergent,
            a.unavailable,
            a.total()
        ));
    }
    out.push_str("</tbody></table>\n<h2>Matrix</h2>\n");
    out.push_str("<table id=\"matrix\"><thead><tr><th>case</th>");
    for l in &langs {
        out.push_str(&format!("<th>{}</th>", esc(l)));
    }
    out.push_str("</tr></thead><tbody>\n");
    for case in report.cases() {
        out.push_str(&format!("<tr><th><code>{}</code></th>", esc(&case)));
        for l in &langs {
            match report.get(l, &case) {
                Some(r) => out.push_str(&format!(
                    "<td class=\"o {}\" title=\"{}\"><a href=\"#{}\">{}</a></td>",
                    classes(r),
                    esc(&r.reason),
                    esc(&r.id),
                    result_cell(r)
                )),
                None => out.push_str("<td class=\"o\">-</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");

    out.push_str("<h2>Areas by language</h2>\n<table><thead><tr><th>case</th>");
    for l in &langs {
        out.push_str(&format!("<th>{}</th>", esc(l)));
    }
    out.push_str("<th>disagreements</th></tr></thead><tbody>\n");
    for d in &report.divergence {
        out.push_str(&format!("<tr><th><code>{}</code></th>", esc(&d.case)));
        for l in &langs {
            let v = d.areas.get(l).copied().flatten();
            out.push_str(&format!(
                "<td><code>{}</code></td>",
                v.map_or("—".to_owned(), |v| format!("{v:?}"))
            ));
        }
        out.push_str(&format!(
            "<td>{}</td></tr>\n",
            esc(&d.disagreements.join(", "))
        ));
    }
    out.push_str("</tbody></table>\n");
    let diverging = divergences(report);
    if !diverging.is_empty() {
        out.push_str("<h2>Divergences</h2>\n<div id=\"divergences\">\n");
        for r in diverging {
            out.push_str(&format!(
                "<div class=\"divergence\"><h3><a href=\"#{}\"><code>{}</code></a> <span class=\"{}\">{}</span></h3>\n<pre class=\"diff\">{}</pre>\n<p>reproduce: <code>{}</code></p></div>\n",
                esc(&r.id),
                esc(&r.id),
                class(r.outcome),
                r.outcome.as_str(),
                esc(r.reason.trim_end()),
                esc(&r.reproduce)
            ));
        }
        out.push_str("</div>\n");
    }
    out.push_str("<h2>Results</h2>\n");
    for r in &report.results {
        out.push_str(&format!(
            "<h3 id=\"{}\"><code>{}</code> <span class=\"{}\">{}</span></h3>\n",
            esc(&r.id),
            esc(&r.id),
            classes(r),
            r.outcome.as_str()
        ));
        if let Some(d) = &r.declared {
            out.push_str(&format!(
                "<p class=\"declared\">declared by the vendor: <code>{}</code> line {}: <code>{}</code> expects <code>{}</code></p>\n",
                esc(&d.file),
                d.line,
                esc(&d.case),
                esc(&d.outcome)
            ));
        }
        if !r.reason.is_empty() {
            out.push_str(&format!("<pre>{}</pre>\n", esc(&r.reason)));
        }
        for note in &r.notes {
            out.push_str(&format!("<p class=\"note\">note: {}</p>\n", esc(note)));
        }
        out.push_str(&format!(
            "<p>reproduce: <code>{}</code></p>\n",
            esc(&r.reproduce)
        ));
        if let Some(record) = &r.record {
            out.push_str(&format!(
                "<details><summary>record</summary><pre>{}</pre></details>\n",
                esc(&record.to_golden())
            ));
        }
    }
    if !report.unused_vendor_expectations.is_empty() {
        out.push_str(
            "<h2>Vendor expectations that match nothing</h2>\n<ul id=\"unused-vendor\">\n",
        );
        for e in &report.unused_vendor_expectations {
            out.push_str(&format!("<li>{}</li>\n", esc(e)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body></html>\n");
    out
}
