//! The module rules of CONTRIBUTING.md, checked on the source tree (no Docker):
//!
//! - no import cycle between modules: for any two sibling modules, at most one uses the other
//!   (through `crate::…` or `super::…` paths in the library);
//! - no file under `harness/src/` over 500 lines unless its top doc comment says why, in a line
//!   starting `//! Why this file is long:`;
//! - only the CLI (`harness/src/cli/`, `main.rs`) knows clap;
//! - only `harness/src/env.rs` reads environment variables.

mod support;

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

#[test]
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

#[test]
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

#[test]
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

#[test]
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
