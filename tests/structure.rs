//! The module rules of CONTRIBUTING.md, checked on the source tree (no Docker):
//!
//! - no import cycle between modules: for any two sibling modules, at most one uses the other
//!   (through `crate::…` or `super::…` paths in the library);
//! - no file under `harness/src/` over 500 lines unless its top doc comment says why, in a line
//!   starting `//! Why this file is long:`;
//! - only the CLI (`harness/src/cli/`, `main.rs`) knows clap;
//! - only `harness/src/env.rs` reads environment variables.
//!
//! And the specification (`docs/protocol.md`) against the suites and the citations:
//!
//! - every rule (`**R4.3-2**`) is unique, sits in the section its id names, and cites a case
//!   (`` `protocol/<id>` ``, `` `ellipse/<id>` ``) or says why not in a `Not checked:` line;
//! - every case of `tests/suites/protocol.toml` and `tests/suites/execution.toml` is cited by a
//!   rule, and every cited case exists;
//! - every `protocol.md §X.Y` citation in the repository (and every `§` in the spec and in
//!   `protocol.toml` and `execution.toml`) names a section of the spec, and every rule id the docs cite exists.

use crate::support;
// Equality failures print a line diff of the two sides (similar-asserts).
use similar_asserts::assert_eq;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

const MAX_LINES: usize = 500;
const LONG_REASON: &str = "//! Why this file is long:";

/// Every `.rs` file of the library, with its module path (`["image", "build"]`).
fn library() -> Vec<(Vec<String>, PathBuf, String)> {
    let root = support::repo().join("harness/src");
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(&root).unwrap().with_extension("");
        let mut module: Vec<String> = rel
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        if matches!(
            module.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            module.pop();
        }
        out.push((
            module,
            path.to_path_buf(),
            std::fs::read_to_string(path).unwrap(),
        ));
    }
    out
}

fn without_comments(text: &str) -> String {
    let comment = Regex::new(r"//[^\n]*").unwrap();
    comment.replace_all(text, "").into_owned()
}

/// The module each file uses, resolved to the longest module path that exists.
fn uses(files: &[(Vec<String>, PathBuf, String)]) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let modules: BTreeSet<Vec<String>> = files.iter().map(|(m, _, _)| m.clone()).collect();
    let resolve = |path: Vec<String>| -> Option<Vec<String>> {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| modules.contains(p))
    };
    let crate_path = Regex::new(r"\bcrate::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)").unwrap();
    let crate_group = Regex::new(r"\bcrate::\{([^}]*)\}").unwrap();
    let super_path = Regex::new(r"\bsuper::([a-z_][a-z0-9_]*)").unwrap();
    let mut graph = BTreeMap::new();
    for (module, path, text) in files {
        if module.first().is_some_and(|m| m == "cli") || module.is_empty() {
            continue; // the binary and the crate root re-export everything
        }
        let code = without_comments(text);
        let mut deps = BTreeSet::new();
        for c in crate_path.captures_iter(&code) {
            deps.extend(resolve(c[1].split("::").map(str::to_owned).collect()));
        }
        for c in crate_group.captures_iter(&code) {
            for item in c[1].split(',') {
                let head = item.trim().split("::").next().unwrap_or("").to_owned();
                if !head.is_empty() {
                    deps.extend(resolve(vec![head]));
                }
            }
        }
        let is_mod_rs = path.file_name().is_some_and(|f| f == "mod.rs");
        let parent: Vec<String> = if is_mod_rs {
            module[..module.len().saturating_sub(1)].to_vec()
        } else {
            module[..module.len() - 1].to_vec()
        };
        for c in super_path.captures_iter(&code) {
            let mut p = parent.clone();
            p.push(c[1].to_owned());
            deps.extend(resolve(p));
        }
        deps.remove(module);
        graph.insert(module.clone(), deps);
    }
    graph
}

/// The sibling modules `a` and `b` under their common parent, when neither contains the other.
fn siblings(a: &[String], b: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    let k = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    (k < a.len() && k < b.len()).then(|| (a[..=k].to_vec(), b[..=k].to_vec()))
}

fn no_import_cycle_between_modules() {
    let files = library();
    let graph = uses(&files);
    // Edges between siblings: which file makes each one.
    let mut edges: BTreeMap<(Vec<String>, Vec<String>), Vec<String>> = BTreeMap::new();
    for (from, deps) in &graph {
        for to in deps {
            if let Some(edge) = siblings(from, to) {
                edges.entry(edge).or_default().push(format!(
                    "{} uses {}",
                    from.join("::"),
                    to.join("::")
                ));
            }
        }
    }
    // A cycle among siblings shows as a path back to the start; search from every node.
    let next = |n: &Vec<String>| -> Vec<Vec<String>> {
        edges
            .keys()
            .filter(|(a, _)| a == n)
            .map(|(_, b)| b.clone())
            .collect()
    };
    let nodes: BTreeSet<Vec<String>> = edges.keys().map(|(a, _)| a.clone()).collect();
    for start in &nodes {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, trail)) = stack.pop() {
            for n in next(&node) {
                if &n == start {
                    let mut why = Vec::new();
                    for pair in trail.windows(2).chain(std::iter::once(
                        &[trail.last().unwrap().clone(), start.clone()][..],
                    )) {
                        why.extend(edges[&(pair[0].clone(), pair[1].clone())].iter().cloned());
                    }
                    panic!(
                        "import cycle: {} → {}\n  {}",
                        trail
                            .iter()
                            .map(|m| m.join("::"))
                            .collect::<Vec<_>>()
                            .join(" → "),
                        start.join("::"),
                        why.join("\n  ")
                    );
                }
                if seen.insert(n.clone()) {
                    let mut t = trail.clone();
                    t.push(n.clone());
                    stack.push((n, t));
                }
            }
        }
    }
}

fn the_cycle_check_sees_a_cycle() {
    let files = vec![
        (
            vec!["a".to_owned()],
            PathBuf::from("a.rs"),
            "use crate::b::X;".to_owned(),
        ),
        (
            vec!["b".to_owned()],
            PathBuf::from("b.rs"),
            "fn f() { crate::a::g() }".to_owned(),
        ),
        (
            vec!["c".to_owned()],
            PathBuf::from("c.rs"),
            "use crate::{a, b};".to_owned(),
        ),
    ];
    let graph = uses(&files);
    assert!(graph[&vec!["a".to_owned()]].contains(&vec!["b".to_owned()]));
    assert!(graph[&vec!["b".to_owned()]].contains(&vec!["a".to_owned()]));
    assert_eq!(graph[&vec!["c".to_owned()]].len(), 2);
}

fn long_files_say_why() {
    let mut long = Vec::new();
    for (_, path, text) in library() {
        let lines = text.lines().count();
        let head: Vec<&str> = text.lines().take_while(|l| l.starts_with("//!")).collect();
        if lines > MAX_LINES && !head.iter().any(|l| l.starts_with(LONG_REASON)) {
            long.push(format!("{} ({lines} lines)", rel(&path)));
        }
    }
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines without a `{LONG_REASON}` line in their top doc comment:\n{}",
        long.join("\n")
    );
}

fn only_the_cli_knows_clap_and_only_env_reads_the_environment() {
    let clap = Regex::new(r"\bclap::").unwrap();
    let env = Regex::new(r"\b(std::)?env::(var|var_os|vars)\b").unwrap();
    for (module, path, text) in library() {
        let code = without_comments(&text);
        let in_cli = module.first().is_some_and(|m| m == "cli") || module.is_empty();
        assert!(
            in_cli || !clap.is_match(&code),
            "{} uses clap: only harness/src/cli/ and main.rs may",
            rel(&path)
        );
        let is_env = module == ["env"];
        assert!(
            is_env || !env.is_match(&code),
            "{} reads the environment: only harness/src/env.rs may",
            rel(&path)
        );
    }
}

fn rel(path: &Path) -> String {
    path.strip_prefix(support::repo())
        .unwrap_or(path)
        .display()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// The specification and the suites.

const SPEC: &str = "docs/protocol.md";

/// One rule of the spec: its id, the section it sits in, the cases it cites and whether it says
/// why it is not checked.
struct Rule {
    id: String,
    line: usize,
    section: String,
    cases: Vec<String>,
    not_checked: bool,
}

struct Spec {
    text: String,
    /// Section numbers of the headings (`4`, `4.3`).
    sections: BTreeSet<String>,
    rules: Vec<Rule>,
}

fn case_ref() -> Regex {
    Regex::new(r"`((?:protocol|execution|ellipse)/[a-z0-9][a-z0-9._/-]*)`").unwrap()
}

fn spec() -> Spec {
    let text = std::fs::read_to_string(support::repo().join(SPEC)).unwrap();
    let heading = Regex::new(r"^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s").unwrap();
    let rule_start = Regex::new(r"^\*\*(R(\d+(?:\.\d+)*)-\d+)\*\*").unwrap();
    let not_checked = Regex::new(r"^\s*(?:- )?Not checked:").unwrap();
    let cases = case_ref();
    let mut sections = BTreeSet::new();
    let mut rules: Vec<Rule> = Vec::new();
    let mut section = String::new();
    // A rule is the paragraph that starts with its id: it ends at the next blank line.
    let mut in_rule = false;
    for (i, line) in text.lines().enumerate() {
        if let Some(c) = heading.captures(line) {
            section = c[1].to_owned();
            sections.insert(section.clone());
            in_rule = false;
            continue;
        }
        if line.trim().is_empty() {
            in_rule = false;
            continue;
        }
        if let Some(c) = rule_start.captures(line) {
            rules.push(Rule {
                id: c[1].to_owned(),
                line: i + 1,
                section: section.clone(),
                cases: Vec::new(),
                not_checked: false,
            });
            in_rule = true;
        }
        if in_rule {
            let rule = rules.last_mut().unwrap();
            rule.cases
                .extend(cases.captures_iter(line).map(|c| c[1].to_owned()));
            rule.not_checked |= not_checked.is_match(line);
        }
    }
    Spec {
        text,
        sections,
        rules,
    }
}

/// The case ids of `tests/suites/<suite>.toml`.
fn suite_cases(suite: &str) -> BTreeSet<String> {
    let path = support::repo().join(format!("tests/suites/{suite}.toml"));
    let table: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    table
        .get("case")
        .and_then(toml::Value::as_array)
        .unwrap_or_else(|| panic!("{}: no [[case]]", path.display()))
        .iter()
        .map(|c| {
            c.get("id")
                .and_then(toml::Value::as_str)
                .unwrap_or_else(|| panic!("{}: a [[case]] without an id", path.display()))
                .to_owned()
        })
        .collect()
}

fn spec_rules_are_well_formed() {
    let spec = spec();
    assert!(
        spec.rules.len() > 50,
        "{SPEC}: only {} rules found: is the `**R<section>-<n>**` format still used?",
        spec.rules.len()
    );
    let mut problems = Vec::new();
    let mut seen = BTreeMap::new();
    for r in &spec.rules {
        if let Some(first) = seen.insert(r.id.clone(), r.line) {
            problems.push(format!(
                "{SPEC}:{}: {} is also the id of line {first}",
                r.line, r.id
            ));
        }
        let own = r.id[1..].rsplit_once('-').map_or("", |(s, _)| s);
        if own != r.section {
            problems.push(format!(
                "{SPEC}:{}: {} sits in section {}, not {own}",
                r.line, r.id, r.section
            ));
        }
        if r.cases.is_empty() && !r.not_checked {
            problems.push(format!(
                "{SPEC}:{}: {} cites no case and has no `Not checked:` line saying why",
                r.line, r.id
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The suites whose every case checks a rule of the spec.
const RULE_SUITES: [&str; 2] = ["protocol", "execution"];

fn every_protocol_case_is_cited_by_a_rule() {
    let spec = spec();
    let cited: BTreeSet<&str> = spec
        .rules
        .iter()
        .flat_map(|r| r.cases.iter().map(String::as_str))
        .collect();
    for suite in RULE_SUITES {
        let uncited: Vec<String> = suite_cases(suite)
            .into_iter()
            .filter(|c| !cited.contains(format!("{suite}/{c}").as_str()))
            .collect();
        assert!(
            uncited.is_empty(),
            "cases of tests/suites/{suite}.toml that no rule of {SPEC} cites (add them to the rule they check):\n  {}",
            uncited.join("\n  ")
        );
    }
}

fn every_case_the_spec_cites_exists() {
    let spec = spec();
    let suites: BTreeMap<&str, BTreeSet<String>> = ["protocol", "execution", "ellipse"]
        .into_iter()
        .map(|s| (s, suite_cases(s)))
        .collect();
    let mut unknown = Vec::new();
    for (i, line) in spec.text.lines().enumerate() {
        for c in case_ref().captures_iter(line) {
            let (suite, id) = c[1].split_once('/').unwrap();
            if !suites[suite].contains(id) {
                unknown.push(format!(
                    "{SPEC}:{}: `{}` is not a case of tests/suites/{suite}.toml",
                    i + 1,
                    &c[1]
                ));
            }
        }
    }
    assert!(unknown.is_empty(), "{}", unknown.join("\n"));
}

/// Every text file of the repository that may cite the spec, outside `target/` and `.git/`.
fn citing_files() -> Vec<PathBuf> {
    walkdir::WalkDir::new(support::repo())
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.file_type().is_dir() && (name == "target" || name.starts_with(".git")))
        })
        .map(|e| e.unwrap())
        .filter(|e| {
            e.file_type().is_file()
                && e.path()
                    .extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| ["rs", "md", "toml", "py"].contains(&x))
        })
        .map(|e| e.into_path())
        .collect()
}

fn protocol_md_citations_name_existing_sections() {
    let spec = spec();
    // `protocol.md §3.4, §4.2 and §9`: every section of the list.
    let cited = Regex::new(r"protocol\.md\s+(§\d+(?:\.\d+)*(?:(?:,\s*|\s+and\s+)§\d+(?:\.\d+)*)*)")
        .unwrap();
    let section = Regex::new(r"§(\d+(?:\.\d+)*)").unwrap();
    let rule_id = Regex::new(r"\bR\d+(?:\.\d+)*-\d+\b").unwrap();
    let ids: BTreeSet<&str> = spec.rules.iter().map(|r| r.id.as_str()).collect();
    // Files whose bare `§` numbers all refer to the spec.
    let bare = [
        SPEC,
        "tests/suites/protocol.toml",
        "tests/suites/execution.toml",
    ];
    let mut missing = Vec::new();
    let mut citations = 0;
    for path in citing_files() {
        let name = rel(&path);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let all_bare = bare.contains(&name.as_str());
        for (i, line) in text.lines().enumerate() {
            let mut sections: Vec<String> = Vec::new();
            if all_bare {
                sections.extend(section.captures_iter(line).map(|c| c[1].to_owned()));
            } else {
                for c in cited.captures_iter(line) {
                    sections.extend(section.captures_iter(&c[1]).map(|s| s[1].to_owned()));
                }
            }
            for s in sections {
                citations += 1;
                if !spec.sections.contains(&s) {
                    missing.push(format!("{name}:{}: §{s} is not a section of {SPEC}", i + 1));
                }
            }
            if name.ends_with(".md") {
                for id in rule_id.find_iter(line) {
                    if !ids.contains(id.as_str()) {
                        missing.push(format!(
                            "{name}:{}: {} is not a rule of {SPEC}",
                            i + 1,
                            id.as_str()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        citations > 50,
        "only {citations} citations of {SPEC} found: is the walk of the repository broken?"
    );
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Every golden the suites call for exists, and none exists that no trial reads (as
/// `cargo insta` rejects unreferenced snapshots): one per profile × suite × case × language that
/// joins the suite, at `golden/<profile>/<suite>/<case>@<language>.snap`.
fn goldens_are_neither_missing_nor_orphaned() {
    use rawconf::protocol::profile::Profile;
    let root = support::repo();
    let golden = root.join("golden");
    let langs = rawconf::Language::discover(&root.join("languages")).expect("languages load");
    let suites = rawconf::spec::suite::Suite::all(&root.join("tests/suites")).expect("suites load");
    let mut wanted = BTreeSet::new();
    for suite in &suites {
        for lang in langs.iter().filter(|l| l.joins(&suite.name)) {
            for case in &suite.cases {
                for profile in Profile::ALL {
                    wanted.insert(rawconf::judge::golden::path(
                        &golden,
                        profile.as_str(),
                        &suite.name,
                        &case.id,
                        &lang.name,
                    ));
                }
            }
        }
    }
    let present: BTreeSet<PathBuf> = walkdir::WalkDir::new(&golden)
        .into_iter()
        .map(|e| e.expect("golden dir readable").into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .collect();
    let shown = |paths: Vec<&PathBuf>| {
        paths
            .iter()
            .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
            .collect::<Vec<_>>()
            .join("\n  ")
    };
    let missing: Vec<&PathBuf> = wanted.difference(&present).collect();
    let orphaned: Vec<&PathBuf> = present.difference(&wanted).collect();
    assert!(
        missing.is_empty() && orphaned.is_empty(),
        "goldens missing (run `rawconf run --suite <suite> --profile <profile> --bless`):\n  {}\norphaned (no trial reads them; remove them):\n  {}",
        shown(missing),
        shown(orphaned)
    );
    assert!(wanted.len() > 400, "only {} goldens expected", wanted.len());
}

/// The integration tests are one `harness = false` binary: a `#[test]` (or `#[rstest]`,
/// `#[tokio::test]`) function in it is compiled and never run. Every check must be a trial
/// (`trials()`, `crate::unit_trials!`), so such an attribute is refused here.
fn no_test_attribute_hides_in_the_integration_binary() {
    let root = support::repo();
    let attr = regex::Regex::new(r"(?m)^\s*#\[(test|rstest|tokio::test)\b").expect("a valid regex");
    let mut found = Vec::new();
    for dir in ["tests", "tests/support"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("tests/ readable") {
            let path = entry.expect("tests/ readable").path();
            if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("test source readable");
                for m in attr.find_iter(&text) {
                    let line = text[..m.start()].lines().count() + 1;
                    found.push(format!("{}:{line}: {}", path.display(), m.as_str().trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "these functions would never run (tests/integration.rs has no libtest harness); make them trials:\n{}",
        found.join("\n")
    );
}

/// Every insta snapshot under `tests/snapshots/` is one a test compares with
/// (`support::snapshot(name, …)` with a literal name), and every such name has its file: an orphan would be
/// kept in sync by nobody, a missing one is written by insta only outside CI.
fn test_snapshots_are_neither_missing_nor_orphaned() {
    let root = support::repo();
    let call = regex::Regex::new(r#"support::snapshot\(\s*"([^"]+)""#).expect("a valid regex");
    let mut wanted = BTreeSet::new();
    for entry in std::fs::read_dir(root.join("tests")).expect("tests/ readable") {
        let path = entry.expect("tests/ readable").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("test source readable");
            wanted.extend(call.captures_iter(&text).map(|c| c[1].to_owned()));
        }
    }
    let present: BTreeSet<String> = std::fs::read_dir(root.join("tests/snapshots"))
        .expect("tests/snapshots readable")
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".snap")
                .map(str::to_owned)
        })
        .collect();
    let missing: Vec<&String> = wanted.difference(&present).collect();
    let orphaned: Vec<&String> = present.difference(&wanted).collect();
    assert!(
        missing.is_empty() && orphaned.is_empty(),
        "tests/snapshots: missing {missing:?} (run the test with INSTA_UPDATE=always, review, commit); orphaned {orphaned:?} (no test reads them; remove them)"
    );
    assert!(
        wanted.len() >= 4,
        "only {} snapshots found: {wanted:?}",
        wanted.len()
    );
}

/// The README's table of rule areas names every area of the suites with its number of cases.
fn the_readme_counts_every_rule_area() {
    let root = support::repo();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let row = Regex::new(r"(?m)^\| `([a-z/-]+)` \| ([0-9]+)(?: × ([0-9]+) languages)? \|").unwrap();
    let table: BTreeMap<String, usize> = row
        .captures_iter(&readme)
        .map(|c| {
            let n: usize = c[2].parse().unwrap();
            (c[1].to_owned(), n)
        })
        .collect();
    let mut counted: BTreeMap<String, usize> = BTreeMap::new();
    for suite in rawconf::spec::suite::Suite::all(&root.join("tests/suites")).unwrap() {
        for case in &suite.cases {
            let area = match case.id.rsplit_once('/') {
                Some((group, _)) if RULE_SUITES.contains(&suite.name.as_str()) => {
                    format!("{}/{group}", suite.name)
                }
                _ => suite.name.clone(),
            };
            *counted.entry(area).or_default() += 1;
        }
    }
    assert_eq!(
        table, counted,
        "README.md's rule-area table (left) against the suites (right)"
    );
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    crate::unit_trials!("structure";
        no_import_cycle_between_modules,
        the_cycle_check_sees_a_cycle,
        long_files_say_why,
        only_the_cli_knows_clap_and_only_env_reads_the_environment,
        spec_rules_are_well_formed,
        every_protocol_case_is_cited_by_a_rule,
        every_case_the_spec_cites_exists,
        protocol_md_citations_name_existing_sections,
        goldens_are_neither_missing_nor_orphaned,
        test_snapshots_are_neither_missing_nor_orphaned,
        no_test_attribute_hides_in_the_integration_binary,
        the_readme_counts_every_rule_area,
    )
}
