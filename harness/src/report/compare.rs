//! `rawconf report compare`: the reports of several runtimes side by side — for a vendor, "where
//! does my runtime stand against the reference and the others?"; for rawconf, which departures
//! are shared by every runtime (the protocol's) and which are one runtime's.
//!
//! Two views, in Markdown and one self-contained HTML page: rule areas × runtimes (passed,
//! expected, divergent, unavailable, as [`super::areas`] counts them), and one row per trial
//! with each runtime's outcome (`xfail(v)`: declared by that runtime's vendor).

use std::collections::{BTreeMap, BTreeSet};

use super::areas::{Area, areas};
use super::html::{STYLE, esc};
use super::matrix::result_cell;
use super::model::RunReport;

/// One column: a report and the name it goes by.
pub struct Column<'a> {
    /// The runtime, with the report's source when two reports have the same runtime.
    pub label: String,
    /// The report.
    pub report: &'a RunReport,
}

/// Names the columns after their runtimes (and profiles), adding the source where two would
/// read the same.
pub fn columns<'a>(reports: &'a [(String, RunReport)]) -> Vec<Column<'a>> {
    let name = |r: &RunReport| format!("{} ({})", r.meta.runtime, r.meta.profile);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (_, r) in reports {
        *seen.entry(name(r)).or_default() += 1;
    }
    reports
        .iter()
        .map(|(source, r)| {
            let label = name(r);
            Column {
                label: if seen[&label] > 1 {
                    format!("{label} [{source}]")
                } else {
                    label
                },
                report: r,
            }
        })
        .collect()
}

/// The area rows: area name → each column's counts (absent: the report has no such area).
fn area_rows(cols: &[Column<'_>]) -> BTreeMap<String, Vec<Option<Area>>> {
    let mut rows: BTreeMap<String, Vec<Option<Area>>> = BTreeMap::new();
    for (i, c) in cols.iter().enumerate() {
        for a in areas(c.report) {
            let name = a.name.clone();
            rows.entry(name).or_insert_with(|| vec![None; cols.len()])[i] = Some(a);
        }
    }
    rows
}

fn area_cell(a: &Option<Area>) -> String {
    match a {
        None => "—".into(),
        Some(a) => format!(
            "{}/{} · {} exp · {} div · {} n/a",
            a.passed,
            a.total(),
            a.expected_text(),
            a.divergent,
            a.unavailable
        ),
    }
}

/// Every trial id of the reports, sorted.
fn trials(cols: &[Column<'_>]) -> BTreeSet<String> {
    cols.iter()
        .flat_map(|c| c.report.results.iter().map(|r| r.id.clone()))
        .collect()
}

fn trial_cell<'a>(c: &Column<'a>, id: &str) -> Option<&'a super::model::CaseResult> {
    c.report.results.iter().find(|r| r.id == id)
}

/// The comparison as Markdown: the area table, then one row per trial.
pub fn compare_markdown(cols: &[Column<'_>]) -> String {
    let head = |first: &str| {
        let mut h = format!("| {first} |");
        for c in cols {
            h.push_str(&format!(" {} |", c.label.replace('|', "\\|")));
        }
        h.push_str("\n|---|");
        h.push_str(&"---|".repeat(cols.len()));
        h.push('\n');
        h
    };
    let mut out = String::from("# rawconf: runtimes compared\n\n");
    for c in cols {
        out.push_str(&format!(
            "- **{}**: suite `{}`, rawconf {}, {}\n",
            c.label, c.report.meta.suite, c.report.meta.rawconf_version, c.report.counts
        ));
    }
    out.push_str(
        "\n## Rule areas\n\npassed/total · expected failures · divergent · unavailable\n\n",
    );
    out.push_str(&head("area"));
    for (name, cells) in area_rows(cols) {
        out.push_str(&format!("| `{name}` |"));
        for a in &cells {
            out.push_str(&format!(" {} |", area_cell(a)));
        }
        out.push('\n');
    }
    out.push_str("\n## Trials\n\n");
    out.push_str(&head("trial"));
    for id in trials(cols) {
        out.push_str(&format!("| `{id}` |"));
        for c in cols {
            out.push_str(&format!(
                " {} |",
                trial_cell(c, &id).map_or("-", result_cell)
            ));
        }
        out.push('\n');
    }
    out
}

/// The comparison as one HTML page (no scripts, no external resources).
pub fn compare_html(cols: &[Column<'_>]) -> String {
    let head = |first: &str| {
        let mut h = format!("<thead><tr><th>{first}</th>");
        for c in cols {
            h.push_str(&format!("<th>{}</th>", esc(&c.label)));
        }
        h.push_str("</tr></thead><tbody>\n");
        h
    };
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rawconf: runtimes compared</title><style>{STYLE}</style></head><body>\n<h1>rawconf: runtimes compared</h1>\n<ul>\n"
    );
    for c in cols {
        out.push_str(&format!(
            "<li><strong>{}</strong>: suite <code>{}</code>, rawconf {}, {}</li>\n",
            esc(&c.label),
            esc(&c.report.meta.suite),
            esc(&c.report.meta.rawconf_version),
            esc(&c.report.counts.to_string())
        ));
    }
    out.push_str("</ul>\n<h2>Rule areas</h2>\n<table id=\"areas\">");
    out.push_str(&head("area"));
    for (name, cells) in area_rows(cols) {
        out.push_str(&format!("<tr><th><code>{}</code></th>", esc(&name)));
        for a in &cells {
            let state = match a {
                None => "",
                Some(a) if a.divergent > 0 => "fail",
                Some(a) if a.passed + a.expected == 0 => "unavailable",
                Some(_) => "pass",
            };
            out.push_str(&format!(
                "<td class=\"{state}\">{}</td>",
                esc(&area_cell(a))
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n<h2>Trials</h2>\n");
    // Filtering without a server: the query (also taken from `#filter=…` in the address) keeps
    // the rows whose text holds every word of it — an id part, an outcome, a runtime's cell.
    out.push_str("<p><input id=\"filter\" type=\"search\" placeholder=\"filter: words of an id or an outcome, e.g. outputs fail\" size=\"60\"> <span id=\"shown\"></span></p>\n<table id=\"trials\">");
    out.push_str(&head("trial"));
    for id in trials(cols) {
        out.push_str(&format!(
            "<tr data-id=\"{}\"><th><code>{}</code></th>",
            esc(&id),
            esc(&id)
        ));
        for c in cols {
            match trial_cell(c, &id) {
                Some(r) => {
                    let class = match (&r.declared, r.outcome) {
                        (Some(_), crate::judge::outcome::Outcome::Xfail) => {
                            "xfail vendor".to_owned()
                        }
                        _ => r.outcome.as_str().to_owned(),
                    };
                    out.push_str(&format!(
                        "<td class=\"o {class}\" title=\"{}\">{}</td>",
                        esc(&r.reason),
                        result_cell(r)
                    ));
                }
                None => out.push_str("<td class=\"o\">-</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n<script>");
    out.push_str(FILTER_SCRIPT);
    out.push_str("</script>\n</body></html>\n");
    out
}

/// The trial filter of [`compare_html`]: plain DOM, no network, no library.
const FILTER_SCRIPT: &str = r#"
(function () {
  var input = document.getElementById('filter');
  var rows = document.querySelectorAll('#trials tbody tr');
  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.textContent.toLowerCase();
      var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
      row.hidden = !keep;
      if (keep) { shown += 1; }
    });
    document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' trials';
  }
  var m = /filter=([^&]*)/.exec(location.hash);
  if (m) { input.value = decodeURIComponent(m[1]); }
  input.addEventListener('input', apply);
  apply();
})();
"#;
