//! The nightly workflow (`.github/workflows/nightly.yml`) is well-formed and calls only
//! commands the CLI has: each `rawconf <subcommand>` and `cargo run … -- <subcommand>` in a
//! `run:` step is checked with the built binary's `<subcommand> --help` (exit 0).

use crate::support;
// Equality failures print a line diff of the two sides (similar-asserts).
use similar_asserts::assert_eq;

use std::collections::BTreeSet;
use std::path::PathBuf;

use regex::Regex;
use serde_yaml_ng::Value;

fn workflow() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/nightly.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn steps(w: &Value) -> Vec<&Value> {
    let jobs = w["jobs"].as_mapping().expect("jobs");
    assert!(!jobs.is_empty(), "no jobs");
    jobs.values()
        .flat_map(|j| j["steps"].as_sequence().expect("steps").iter())
        .collect()
}

fn scripts(w: &Value) -> Vec<String> {
    steps(w)
        .into_iter()
        .filter_map(|s| s["run"].as_str().map(str::to_owned))
        .collect()
}

/// The subcommand words (up to two, before the first flag) after every `rawconf` and every
/// `cargo run … --` in the scripts.
fn subcommands(scripts: &[String]) -> BTreeSet<Vec<String>> {
    let words = r"((?:[a-z][a-z-]*)(?:[ \t]+[a-z][a-z-]*)?)";
    let bin = Regex::new(&format!(r"(?m)(?:^|[\s/;|&(])rawconf[ \t]+{words}")).unwrap();
    let cargo = Regex::new(&format!(r"(?m)cargo[ \t]+run\b[^\n]*?[ \t]--[ \t]+{words}")).unwrap();
    let mut out = BTreeSet::new();
    for script in scripts {
        // Join continued lines so a command reads as one.
        let script = script.replace("\\\n", " ");
        for re in [&bin, &cargo] {
            for c in re.captures_iter(&script) {
                out.insert(c[1].split_whitespace().map(str::to_owned).collect());
            }
        }
    }
    out
}

fn every_command_the_workflow_calls_exists() {
    let w = workflow();
    let found = subcommands(&scripts(&w));
    // The workflow builds images, runs suites in shards and merges them, compares the runtimes
    // and explores; all must be there.
    for needed in [
        ["images", "build"].as_slice(),
        &["run"],
        &["explore"],
        &["report", "merge"],
        &["report", "compare"],
    ] {
        assert!(
            found
                .iter()
                .any(|c| c.starts_with(&needed.iter().map(|s| s.to_string()).collect::<Vec<_>>())),
            "the workflow never calls `rawconf {}` (found {found:?})",
            needed.join(" ")
        );
    }
    for words in &found {
        let out = support::rawconf()
            .args(words)
            .arg("--help")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "`rawconf {} --help` exited {:?}: {}",
            words.join(" "),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn the_workflow_runs_nightly_at_the_nightly_setting_and_publishes() {
    let w = workflow();
    // `on:` is a YAML 1.1 boolean in some parsers; serde_yaml_ng keeps it a string key.
    let on = &w["on"];
    assert!(
        on["schedule"].as_sequence().is_some_and(|s| !s.is_empty()),
        "no schedule: {on:?}"
    );
    assert!(
        on.get("workflow_dispatch").is_some(),
        "no workflow_dispatch: {on:?}"
    );
    let all = scripts(&w).join("\n");
    // At least 256 property cases per language, by default.
    let cases = Regex::new(r"CASES: \$\{\{ inputs\.cases \|\| '(\d+)' \}\}").unwrap();
    let yaml = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/nightly.yml"),
    )
    .unwrap();
    let default: u32 = cases
        .captures(&yaml)
        .map(|c| c[1].parse().unwrap())
        .expect("the property step sets CASES with a default");
    assert!(
        default >= 256,
        "nightly runs only {default} cases per language"
    );
    assert!(all.contains("explore --cases \"$CASES\""), "{all}");
    // The suites run as shards merged into one verdict, and each adapter with its own
    // expectations file.
    assert!(all.contains("--shard \"${{ matrix.shard }}/3\""), "{all}");
    for adapter in ["flytekit", "flyte2"] {
        assert!(
            all.contains(&format!(
                "--expectations adapters/{adapter}/expectations.toml"
            )),
            "the nightly does not run {adapter} with its expectations file"
        );
    }
    assert!(
        all.contains(">> \"$GITHUB_STEP_SUMMARY\""),
        "no summary.md appended to the step summary"
    );
    // Failures are never swallowed: every `|| code=$?` is followed by `exit` with that code —
    // directly, or through a `status` that the script exits with.
    assert!(!all.contains("|| true"), "a failing command is ignored");
    let exits_with = |script: &str, var: &str| {
        script.contains(&format!("exit \"${var}\"")) || script.contains(&format!("exit ${var}"))
    };
    let catching: Vec<String> = scripts(&w)
        .into_iter()
        .filter(|s| s.contains("|| code=$?"))
        .collect();
    assert!(
        !catching.is_empty(),
        "no step catches a failing command's exit code"
    );
    for script in &catching {
        let tail = &script[script.find("|| code=$?").unwrap()..];
        let propagated = exits_with(tail, "code")
            || (tail.contains("status=$code") && exits_with(tail, "status"));
        assert!(
            propagated,
            "a step catches an exit code and never exits with it:\n{script}"
        );
    }
    let uses: Vec<String> = steps(&w)
        .into_iter()
        .filter_map(|s| s["uses"].as_str().map(str::to_owned))
        .collect();
    assert!(
        uses.iter()
            .any(|u| u.starts_with("actions/upload-artifact@")),
        "{uses:?}"
    );
    let junit = steps(&w)
        .into_iter()
        .find(|s| {
            s["with"]["report_paths"]
                .as_str()
                .is_some_and(|p| p.contains("junit.xml"))
        })
        .expect("a step publishes junit.xml");
    assert_eq!(
        junit["with"]["require_tests"].as_bool(),
        Some(true),
        "JUnit with no tests must fail"
    );
}

fn the_command_extraction_sees_through_paths_and_cargo() {
    let found = subcommands(&[
        "./target/release/rawconf run --suite x\ncargo run --release --locked -- images build\nrawconf \\\n  explore --cases 1".to_owned(),
    ]);
    let want: BTreeSet<Vec<String>> = [
        vec!["run".to_owned()],
        vec!["images".to_owned(), "build".to_owned()],
        vec!["explore".to_owned()],
    ]
    .into_iter()
    .collect();
    assert_eq!(found, want);
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    crate::unit_trials!("workflow";
        every_command_the_workflow_calls_exists,
        the_workflow_runs_nightly_at_the_nightly_setting_and_publishes,
        the_command_extraction_sees_through_paths_and_cargo,
    )
}
