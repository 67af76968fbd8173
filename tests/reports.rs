//! Reporters (no Docker): every format renders every outcome, and `report.json` carries every
//! field its documented schema requires.

use crate::support;
// Equality failures print a line diff of the two sides (similar-asserts).
use similar_asserts::assert_eq;
use std::collections::BTreeMap;

use rawconf::judge::outcome::Outcome;
use rawconf::protocol::record::{FileContent, Record};
use rawconf::report::{self, CaseResult, Counts, Divergence, RunMeta, RunReport};

const OUTCOMES: [Outcome; 7] = [
    Outcome::Pass,
    Outcome::Fail,
    Outcome::Xfail,
    Outcome::Xpass,
    Outcome::Timeout,
    Outcome::Unavailable,
    Outcome::HarnessError,
];

fn sample() -> RunReport {
    let mut results = Vec::new();
    let mut counts = Counts::default();
    for (i, outcome) in OUTCOMES.into_iter().enumerate() {
        let case = format!("case-{i}");
        *counts.0.entry(outcome).or_default() += 1;
        results.push(CaseResult {
            id: format!("python/ellipse/{case}"),
            language: "python".into(),
            suite: "ellipse".into(),
            case: case.clone(),
            inputs: serde_json::json!({"literals": {}}),
            outcome,
            reason: match outcome {
                Outcome::Fail => "differs from the golden snapshot\n--- golden\n+++ actual\n@@ -1 +1 @@\n-  \"exit_code\": 0,\n+  \"exit_code\": 1,\nreason <fail> & more".into(),
                _ => format!("reason <{}> & more", outcome.as_str()),
            },
            duration_ms: 12,
            record: Some(Record {
                argv: vec!["python".into(), "x.py".into()],
                input_files: BTreeMap::from([("a".into(), FileContent::Text("3".into()))]),
                input_files_omitted: None,
                exit_code: Some(0),
                timed_out: false,
                files: BTreeMap::from([(
                    "area".into(),
                    FileContent::from_bytes(vec![0xff, b'\n']),
                )]),
                files_omitted: None,
                result: serde_json::json!({"error": {"code": "X", "message": "m"}}),
                execution: None,
            }),
            judgement: None,
            area: Some(1.5),
            stdout: String::new(),
            stderr: String::new(),
            reproduce: format!("rawconf run --filter 'python/ellipse/{case}'"),
            notes: Vec::new(),
            declared: None,
        });
    }
    RunReport {
        meta: RunMeta {
            rawconf_version: "0.1.0".into(),
            suite: "ellipse".into(),
            suite_digest: "0".repeat(64),
            profile: "backend".into(),
            runtime: "reference".into(),
            images: BTreeMap::new(),
            seeds: vec![],
            host: "h".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            finished_at: "2026-01-01T00:00:01Z".into(),
            shard: None,
            data: BTreeMap::new(),
            aborted: None,
            expectations: None,
            platform: Default::default(),
        },
        counts,
        results,
        divergence: vec![Divergence {
            case: "case-0".into(),
            areas: BTreeMap::from([("python".into(), Some(1.5)), ("r".into(), None)]),
            disagreements: vec!["haskell≠python".into()],
        }],
        unused_expectations: vec!["backend: ellipse/gone (x): y".into()],
        unused_vendor_expectations: Vec::new(),
        shard_check: None,
    }
}

fn report_schema() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/report.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).expect("docs/report.schema.json is a valid JSON schema")
}

fn violations(validator: &jsonschema::Validator, value: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn report_json_matches_its_schema() {
    let validator = report_schema();
    let json = serde_json::to_value(sample()).unwrap();
    let errors = violations(&validator, &json);
    assert!(
        errors.is_empty(),
        "report.json breaks its schema:\n{}",
        errors.join("\n")
    );
    // The non-UTF-8 escape.
    assert_eq!(
        json["results"][0]["record"]["files"]["area"],
        serde_json::json!({"base64": "/wo="})
    );
}

fn the_report_schema_rejects_what_it_should() {
    let validator = report_schema();
    let good = serde_json::to_value(sample()).unwrap();
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        edit(&mut v);
        v
    };
    for (what, bad) in [
        (
            "a missing meta field",
            broken(&|v| {
                v["meta"].as_object_mut().unwrap().remove("profile");
            }),
        ),
        (
            "an unknown outcome",
            broken(&|v| v["results"][0]["outcome"] = "green".into()),
        ),
        (
            "an unknown top-level field",
            broken(&|v| v["extra"] = 1.into()),
        ),
        (
            "an unknown meta field",
            broken(&|v| v["meta"]["extra"] = 1.into()),
        ),
        (
            "an unknown result field",
            broken(&|v| v["results"][0]["extra"] = 1.into()),
        ),
        (
            "an unknown record field",
            broken(&|v| v["results"][0]["record"]["extra"] = 1.into()),
        ),
        (
            "a record without argv",
            broken(&|v| {
                v["results"][0]["record"]
                    .as_object_mut()
                    .unwrap()
                    .remove("argv");
            }),
        ),
    ] {
        assert!(
            !violations(&validator, &bad).is_empty(),
            "the schema accepts {what}"
        );
    }
}

fn matrix_snapshot() {
    support::snapshot("matrix", &report::to_matrix(&sample()));
}

fn markdown_snapshot() {
    support::snapshot("summary.md", &report::to_markdown(&sample()));
}

fn junit_snapshot() {
    support::snapshot("junit.xml", &report::to_junit(&sample()));
}

fn junit_maps_outcomes() {
    let xml = report::to_junit(&sample());
    assert!(xml.contains("tests=\"7\""), "{xml}");
    // fail, xpass, timeout → failures; harness-error → errors; unavailable → skipped.
    assert!(xml.contains("failures=\"3\""), "{xml}");
    assert!(xml.contains("errors=\"1\""), "{xml}");
    assert!(xml.contains("skipped=\"1\""), "{xml}");
    assert!(xml.contains("python/ellipse/case-0"));
}

fn html_is_a_coloured_escaped_matrix() {
    let html = report::to_html(&sample());
    assert!(html.starts_with("<!DOCTYPE html>"));
    for o in OUTCOMES {
        assert!(
            html.contains(&format!("class=\"o {}\"", o.as_str())),
            "{}",
            o.as_str()
        );
    }
    assert!(html.contains("reason &lt;fail&gt; &amp; more"));
    assert!(!html.contains("reason <fail>"));
    assert!(!html.contains("<script"));
}

fn markdown_lists_failures_with_reproduction() {
    let md = report::to_markdown(&sample());
    assert!(md.contains("— FAILED"));
    assert!(md.contains("## Failures"));
    for o in [
        Outcome::Fail,
        Outcome::Xpass,
        Outcome::Timeout,
        Outcome::HarnessError,
    ] {
        assert!(md.contains(o.as_str()), "{}", o.as_str());
    }
    assert!(md.contains("reproduce: `rawconf run --filter 'python/ellipse/case-1'`"));
    assert!(md.contains("haskell≠python"));
    assert!(md.contains("## Stale expected failures"));
}

fn an_empty_run_is_never_green() {
    assert!(Counts::default().failed());
    let mut c = Counts::default();
    c.0.insert(Outcome::Xfail, 3);
    assert!(!c.failed());
    c.0.insert(Outcome::Xpass, 1);
    assert!(c.failed());
}

fn matrix_has_one_row_per_case() {
    let text = report::to_matrix(&sample());
    assert_eq!(text.lines().filter(|l| l.starts_with("case-")).count(), 7);
    assert!(text.contains("XPASS") && text.contains("TIMEOUT") && text.contains("ERROR"));
}

/// The sample plus a protocol result in the `outputs` area, so the summary has two areas.
fn sample_with_areas() -> RunReport {
    let mut report = sample();
    let mut r = report.results[1].clone();
    r.suite = "protocol".into();
    r.case = "outputs/keep-cr".into();
    r.id = "probe/protocol/outputs/keep-cr".into();
    r.language = "probe".into();
    r.reproduce = "rawconf run --suite protocol --filter 'probe/protocol/outputs/keep-cr'".into();
    *report.counts.0.entry(r.outcome).or_default() += 1;
    report.results.push(r);
    report
}

fn the_summary_groups_results_by_rule_area() {
    let report = sample_with_areas();
    let areas = report::areas(&report);
    let names: Vec<&str> = areas.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["ellipse", "protocol/outputs"]);
    let ellipse = &areas[0];
    assert_eq!(
        (
            ellipse.passed,
            ellipse.expected,
            ellipse.divergent,
            ellipse.unavailable
        ),
        (1, 1, 4, 1)
    );
    assert_eq!((areas[1].divergent, areas[1].total()), (1, 1));
    let md = report::to_markdown(&report);
    assert!(
        md.contains("| `protocol/outputs` | 0/1 | 0 | 1 | 0 | 1 |"),
        "{md}"
    );
    assert!(md.contains("| `ellipse` | 1/7 | 1 | 4 | 1 | 7 |"), "{md}");
}

/// What Chromium shows of `report.html`: the page's DOM after loading, tags stripped and
/// entities decoded, per element id.
fn rendered_by_chromium(html: &str) -> Option<String> {
    rendered_at(html, "")
}

/// The DOM Chromium builds for `html` opened with `fragment` (`#…`) in its address; `None`
/// when there is no `chromium` to run.
fn rendered_at(html: &str, fragment: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    std::fs::write(&page, html).unwrap();
    let out = std::process::Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("file://{}{fragment}", page.display()))
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// Whether the user opted out of the headless-Chromium tests; says so when they did.
fn browser_skipped() -> bool {
    let skipped = rawconf::env::skip_browser();
    if skipped {
        eprintln!(
            "note: RAWCONF_SKIP_BROWSER is set: the headless-Chromium test is skipped, not passed"
        );
    }
    skipped
}

fn text_of(dom: &str) -> String {
    let tags = regex::Regex::new(r"<[^>]*>").unwrap();
    tags.replace_all(dom, "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn element<'a>(dom: &'a str, open: &str, close: &str) -> &'a str {
    let start = dom
        .find(open)
        .unwrap_or_else(|| panic!("no {open} in the page"));
    let end = start + dom[start..].find(close).unwrap();
    &dom[start..end]
}

fn the_html_report_renders_in_headless_chromium() {
    if browser_skipped() {
        return;
    }
    let report = sample_with_areas();
    let Some(dom) = rendered_by_chromium(&report::to_html(&report)) else {
        panic!(
            "this test renders report.html in headless Chromium: install `chromium` (Debian) or set RAWCONF_SKIP_BROWSER=1 to skip it"
        );
    };
    // The matrix: one coloured cell per result, as the browser built the table.
    let matrix = element(&dom, "<table id=\"matrix\">", "</table>");
    assert!(matrix.contains("<tbody>"), "{matrix}");
    let cells = regex::Regex::new(
        r#"<td class="o (pass|fail|xfail|xpass|timeout|unavailable|harness-error)""#,
    )
    .unwrap();
    assert_eq!(
        cells.find_iter(matrix).count(),
        report.results.len(),
        "{matrix}"
    );
    // The summary: one row per area with its counts.
    let areas = text_of(element(&dom, "<table id=\"areas\">", "</table>"));
    assert!(areas.contains("protocol/outputs0/10101"), "{areas}");
    // A failure's golden diff and its reproduction command, as text on the page.
    let divergences = text_of(element(&dom, "<div id=\"divergences\">", "</div>\n</div>"));
    assert!(
        divergences.contains("-  \"exit_code\": 0,\n+  \"exit_code\": 1,"),
        "{divergences}"
    );
    assert!(
        divergences.contains(
            "reproduce: rawconf run --suite protocol --filter 'probe/protocol/outputs/keep-cr'"
        ),
        "{divergences}"
    );
    assert!(
        divergences.contains("reason <fail> & more"),
        "escaped text comes back verbatim"
    );
}

/// Shard `index` of 3 of a report, cut as `rawconf run --shard I/3 --shard-strategy hash`
/// would, recording `unused` as the rawconf entries it did not use.
fn shard_of(whole: &RunReport, index: usize, unused: &[&str]) -> RunReport {
    use rawconf::run::{Shard, ShardStrategy};
    let shard = Shard {
        index,
        total: 3,
        strategy: ShardStrategy::Hash,
    };
    let mut r = whole.clone();
    r.results = whole
        .results
        .iter()
        .enumerate()
        .filter(|(i, c)| shard.holds(*i, &c.id))
        .map(|(_, c)| c.clone())
        .collect();
    r.divergence
        .retain(|d| r.results.iter().any(|c| c.case == d.case));
    r.recount();
    r.meta.shard = Some(format!("{index}/3"));
    r.unused_expectations = Vec::new();
    r.shard_check = Some(report::ShardCheck {
        strategy: "hash".into(),
        selected: whole.results.len(),
        complete: true,
        unused_expectations: unused.iter().map(|s| s.to_string()).collect(),
        unused_vendor_expectations: Vec::new(),
    });
    r
}

fn merge(shards: Vec<RunReport>) -> rawconf::Result<RunReport> {
    let shards = shards
        .into_iter()
        .enumerate()
        .map(|(i, report)| report::ShardReport {
            source: format!("dir{i}"),
            report,
        })
        .collect();
    report::merge_shards(shards, &|_| rawconf::Arithmetic::F64, &[])
}

fn shard_reports_merge_into_the_whole() {
    let whole = sample();
    let shards: Vec<RunReport> = (1..=3)
        .map(|i| {
            shard_of(
                &whole,
                i,
                &["gone (x)", if i == 2 { "kept" } else { "used" }],
            )
        })
        .collect();
    // Every result is in exactly one shard, and at least two shards are not empty.
    assert_eq!(
        shards.iter().map(|s| s.results.len()).sum::<usize>(),
        whole.results.len()
    );
    assert!(shards.iter().filter(|s| !s.results.is_empty()).count() >= 2);
    let merged = merge(vec![
        shards[2].clone(),
        shards[0].clone(),
        shards[1].clone(),
    ])
    .unwrap();
    assert_eq!(merged.results, whole.results);
    assert_eq!(merged.counts, whole.counts);
    assert_eq!(merged.meta.shard, None);
    assert_eq!(merged.shard_check, None);
    // An entry every shard left unused is unused by the union; one a shard used is not.
    assert_eq!(merged.unused_expectations, vec!["gone (x)".to_owned()]);
    let json = serde_json::to_value(&merged).unwrap();
    assert!(violations(&report_schema(), &json).is_empty());
}

fn shards_of_different_runs_or_incomplete_sets_are_refused() {
    let whole = sample();
    let shard = |i| shard_of(&whole, i, &[]);
    let refused = |shards: Vec<RunReport>, want: &str| {
        let e = merge(shards).expect_err(want).to_string();
        assert!(e.contains(want), "{e}");
        assert_eq!(
            rawconf::Error::Merge(String::new()).exit_code(),
            rawconf::ExitCode::Usage
        );
    };
    refused(
        vec![shard(1), shard(2), shard(2)],
        "shard 2/3 is given twice",
    );
    refused(vec![shard(1), shard(3)], "shard(s) 2/3 missing");
    let mut other = shard(2);
    other.meta.profile = "flytekit-local".into();
    refused(vec![shard(1), other, shard(3)], "profile differs");
    let mut other = shard(3);
    other.meta.images = BTreeMap::from([(
        "python".into(),
        BTreeMap::from([("id".into(), "sha256:other".into())]),
    )]);
    refused(vec![shard(1), shard(2), other], "image ids differs");
    let mut other = shard(3);
    other.meta.rawconf_version = "9.9.9".into();
    refused(vec![shard(1), shard(2), other], "rawconf version differs");
    let mut other = shard(3);
    other.meta.data = BTreeMap::from([("RAWCONF_GOLDEN_DIR".into(), "/fork/golden".into())]);
    refused(vec![shard(1), shard(2), other], "data folders differs");
    let (one, mut two) = (shard(1), shard(2));
    let stolen = whole
        .results
        .iter()
        .find(|r| !two.results.contains(r))
        .unwrap()
        .clone();
    two.results.push(stolen);
    refused(vec![one, two, shard(3)], "is in two shards");
    let mut two = shard(2);
    two.results.clear();
    if !shard(2).results.is_empty() {
        refused(
            vec![shard(1), two, shard(3)],
            "the selection they were cut from had 7",
        );
    }
    refused(vec![whole.clone()], "is not a shard report");
}

fn the_vendors_expected_failures_are_shown_apart() {
    let mut r = sample();
    let xfail = r
        .results
        .iter_mut()
        .find(|c| c.outcome == Outcome::Xfail)
        .unwrap();
    xfail.declared = Some(report::Declared {
        by: "vendor".into(),
        file: "vendor.toml".into(),
        line: 3,
        case: "python/ellipse/*".into(),
        outcome: "fail".into(),
        code: Some("OutputUploadFailed".into()),
        reason: "our runtime <differs>".into(),
    });
    xfail.reason = "our runtime <differs>".into();
    xfail.notes.push("failed as the vendor declared: x".into());
    r.meta.expectations = Some(report::ExpectationsMeta {
        path: "vendor.toml".into(),
        sha256: "a".repeat(64),
    });
    r.unused_vendor_expectations = vec!["vendor.toml line 9: `x/y/z` matches no trial".into()];
    let json = serde_json::to_value(&r).unwrap();
    let errors = violations(&report_schema(), &json);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(report::to_matrix(&r).contains("xfail(v)"));
    let md = report::to_markdown(&r);
    for want in [
        "xfail(v)",
        "## Expected failures declared by the vendor",
        "vendor.toml line 3: `python/ellipse/*`",
        "1 (1 vendor)",
        "match nothing (they fail the run)",
        "Vendor expectations: `vendor.toml`",
    ] {
        assert!(md.contains(want), "summary.md lacks {want}:\n{md}");
    }
    let junit = report::to_junit(&r);
    assert!(
        junit.contains("xfail declared by the vendor (vendor.toml line 3"),
        "{junit}"
    );
    assert!(junit.contains("declared_by"), "{junit}");
    let html = report::to_html(&r);
    assert!(html.contains("class=\"o xfail vendor\""), "{html}");
    assert!(html.contains("declared by the vendor: <code>vendor.toml</code> line 3"));
    assert!(html.contains("our runtime &lt;differs&gt;"));
}

/// The example of docs/expectations.md is a valid file, and its schema accepts it and refuses
/// what rawconf refuses.
fn the_documented_expectations_example_parses_and_fits_its_schema() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/docs/expectations.md")).unwrap();
    let example = doc
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/expectations.md has a TOML example");
    let path = std::path::Path::new("docs/expectations.md");
    let parsed = rawconf::report::vendor::VendorExpectations::parse(path, example).unwrap();
    assert_eq!(parsed.entries.len(), 3);
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/docs/expectations.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let value: serde_json::Value = toml::from_str(example).unwrap();
    assert!(violations(&validator, &value).is_empty());
    for bad in [
        "[[expect]]\ncase = \"a\"\noutcome = \"fail\"\n",
        "[[expect]]\ncase = \"a\"\noutcome = \"xfail\"\nreason = \"r\"\n",
        "[[expect]]\ncase = \"a\"\noutcome = \"fail\"\nreason = \" \"\n",
        "[[expect]]\ncase = \"a\"\noutcome = \"fail\"\nreason = \"r\"\nextra = 1\n",
    ] {
        let value: serde_json::Value = toml::from_str(bad).unwrap();
        assert!(!violations(&validator, &value).is_empty(), "{bad}");
        assert!(rawconf::report::vendor::VendorExpectations::parse(path, bad).is_err());
    }
}

fn runtimes_compare_side_by_side() {
    let reference = sample();
    let mut vendor = sample();
    vendor.meta.runtime = "cmd:./my <adapter>".into();
    let xfail = vendor
        .results
        .iter_mut()
        .find(|c| c.outcome == Outcome::Pass)
        .unwrap();
    xfail.outcome = Outcome::Xfail;
    xfail.declared = Some(report::Declared {
        by: "vendor".into(),
        file: "v.toml".into(),
        line: 2,
        case: "*".into(),
        outcome: "fail".into(),
        code: None,
        reason: "ours".into(),
    });
    let id = xfail.id.clone();
    vendor.recount();
    let reports = vec![
        ("a".to_owned(), reference.clone()),
        ("b".to_owned(), vendor),
        ("c".to_owned(), reference),
    ];
    let cols = report::columns(&reports);
    let labels: Vec<&str> = cols.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "reference (backend) [a]",
            "cmd:./my <adapter> (backend)",
            "reference (backend) [c]"
        ]
    );
    let md = report::compare_markdown(&cols);
    assert!(
        md.contains("| `ellipse` | 1/7 · 1 exp · 4 div · 1 n/a | 0/7 · 2 (1 vendor) exp · 4 div · 1 n/a | 1/7 · 1 exp · 4 div · 1 n/a |"),
        "{md}"
    );
    assert!(
        md.contains(&format!("| `{id}` | ok | xfail(v) | ok |")),
        "{md}"
    );
    let html = report::compare_html(&cols);
    assert!(
        html.contains("<th>cmd:./my &lt;adapter&gt; (backend)</th>"),
        "{html}"
    );
    assert!(html.contains("class=\"o xfail vendor\""), "{html}");
    // One page, nothing fetched: the filter is an inline script, no URL anywhere.
    assert!(!html.contains("http") && !html.contains("src="), "{html}");
}

/// The comparison page of three runtimes renders in headless Chromium with every trial, its
/// filter (given in the address) keeps only the matching rows, and every runtime × area has a
/// badge.
fn the_comparison_page_renders_and_filters_in_headless_chromium() {
    if browser_skipped() {
        return;
    }
    let reference = sample_with_areas();
    let mut vendor = reference.clone();
    vendor.meta.runtime = "cmd:adapters/flyte2/run.sh".into();
    for r in &mut vendor.results {
        r.outcome = Outcome::Fail;
    }
    vendor.recount();
    let mut local = reference.clone();
    local.meta.profile = "flytekit-local".into();
    let reports = vec![
        ("reference".to_owned(), reference.clone()),
        ("flyte2".to_owned(), vendor),
        ("flytekit".to_owned(), local),
    ];
    let cols = report::columns(&reports);
    let html = report::compare_html(&cols);
    let dom = |fragment: &str| {
        rendered_at(&html, fragment).unwrap_or_else(|| {
            panic!("this test renders compare.html in headless Chromium: install `chromium` (Debian) or set RAWCONF_SKIP_BROWSER=1 to skip it")
        })
    };
    let rows = regex::Regex::new(r#"<tr data-id="[^"]*"( hidden="")?>"#).unwrap();
    let all = dom("");
    let trials = element(&all, "<table id=\"trials\">", "</table>");
    let total = reference.results.len();
    assert_eq!(rows.find_iter(trials).count(), total, "{trials}");
    assert!(
        text_of(&all).contains(&format!("{total} of {total} trials")),
        "{}",
        text_of(&all)
    );
    // `#filter=outputs` keeps the protocol/outputs trials only.
    let filtered = dom("#filter=outputs");
    let trials = element(&filtered, "<table id=\"trials\">", "</table>");
    let visible = rows
        .captures_iter(trials)
        .filter(|c| c.get(1).is_none())
        .count();
    let outputs = reference
        .results
        .iter()
        .filter(|r| r.id.contains("outputs"))
        .count();
    assert!(outputs > 0 && outputs < total);
    assert_eq!(visible, outputs, "{trials}");
    // A badge per runtime and area, named after both.
    let badges = report::badges(&cols);
    let areas = rawconf::report::areas(&reference).len();
    assert_eq!(badges.len(), 3 * areas);
    assert!(
        badges.iter().any(|(name, svg)| name
            .starts_with("badges/2-cmd-adapters-flyte2-run-sh-backend/")
            && svg.contains("#e05d44")),
        "{:?}",
        badges.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    crate::unit_trials!("reports";
        report_json_matches_its_schema,
        the_report_schema_rejects_what_it_should,
        matrix_snapshot,
        markdown_snapshot,
        junit_snapshot,
        junit_maps_outcomes,
        html_is_a_coloured_escaped_matrix,
        markdown_lists_failures_with_reproduction,
        an_empty_run_is_never_green,
        matrix_has_one_row_per_case,
        the_summary_groups_results_by_rule_area,
        the_html_report_renders_in_headless_chromium,
        shard_reports_merge_into_the_whole,
        shards_of_different_runs_or_incomplete_sets_are_refused,
        the_vendors_expected_failures_are_shown_apart,
        the_documented_expectations_example_parses_and_fits_its_schema,
        runtimes_compare_side_by_side,
        the_comparison_page_renders_and_filters_in_headless_chromium,
    )
}
