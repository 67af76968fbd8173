//! The property runner without Docker: the repository's limitations and regressions are
//! consistent, and the whole pipeline — generate, judge per stage, explain, shrink, compare —
//! works on simulated programs whose behaviour is known.

use crate::support;
// Equality failures print a line diff of the two sides (similar-asserts).
use similar_asserts::assert_eq;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use rawconf::explore::{
    CaseInput, Executor, ExploreConfig, Explorer, Regression, Regressions, Source,
};
use rawconf::judge::ellipse::oracle::{self, Arg, Prediction};
use rawconf::judge::ellipse::recollect;
use rawconf::judge::ellipse::rendered_input;
use rawconf::protocol::goformat::format_v;
use rawconf::protocol::literal::{ContainerError, ErrorKind, ErrorOrigin, LiteralMap};
use rawconf::protocol::profile::Profile;
use rawconf::protocol::record::{FileContent, Record};
use rawconf::runtime::{Collected, Executed, Reported};
use rawconf::spec::limitation::FailureKind;
use rawconf::spec::suite::{Suite, TaskSpec, float_input};
use rawconf::{Arithmetic, Language, Result};

fn suite() -> Suite {
    Suite::named(&support::suites_dir(), "ellipse").unwrap()
}

/// The languages of the ellipse suite (the ones with an ellipse program to explore).
fn languages() -> Vec<Language> {
    Language::for_suite(
        Language::discover(&support::languages_dir()).unwrap(),
        &[],
        "ellipse",
    )
    .unwrap()
}

fn regressions() -> Regressions {
    Regressions::load(&Regressions::path_for(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/properties"),
        "ellipse",
    ))
    .unwrap()
}

/// Every limitation the repository declares is pinned by a regression entry that expects it
/// (so docs/findings.md's smallest inputs are rechecked by every property run), and every entry
/// names a real language and limitations that language (or the suite) declares.
fn every_limitation_is_pinned_by_a_regression() {
    let langs = languages();
    let suite = suite();
    let regs = regressions();
    assert!(!regs.cases.is_empty(), "{} is empty", regs.path.display());
    for r in &regs.cases {
        let applies: Vec<&Language> = langs
            .iter()
            .filter(|l| r.language.as_deref().is_none_or(|n| n == l.name))
            .collect();
        assert!(
            !applies.is_empty(),
            "case[{}]: unknown language {:?}",
            r.index,
            r.language
        );
        for id in r.expect.iter().flatten() {
            assert!(
                applies
                    .iter()
                    .flat_map(|l| l.limitations())
                    .chain(&suite.limitations)
                    .any(|l| &l.id == id),
                "case[{}] expects `{id}`, which {:?} does not declare",
                r.index,
                r.language
            );
        }
    }
    let mut declared: Vec<(Option<&str>, &str)> = suite
        .limitations
        .iter()
        .map(|l| (None, l.id.as_str()))
        .collect();
    for l in &langs {
        declared.extend(
            l.limitations()
                .iter()
                .map(|x| (Some(l.name.as_str()), x.id.as_str())),
        );
    }
    assert!(!declared.is_empty());
    for (lang, id) in declared {
        let pinned = regs.cases.iter().any(|r| {
            r.expect.iter().flatten().any(|e| e == id)
                && (lang.is_none() || r.language.is_none() || r.language.as_deref() == lang)
        });
        assert!(
            pinned,
            "limitation `{id}` ({}) has no regression entry expecting it: add its smallest input to {}",
            lang.unwrap_or("suite"),
            regs.path.display()
        );
    }
}

/// Simulated programs: each language's declared arithmetic, with the example's known quirks
/// (bc cannot read exponents or NaN/Inf; Haskell's `read` rejects `+Inf`/`-Inf`; copilot cannot
/// write NaN/±Inf into inputs.json), plus an optional injected bug.
/// A language whose simulated program writes a wrong `area` when the predicate holds.
type Bug = (&'static str, fn(f64, f64) -> bool);

struct Simulated {
    bug: Option<Bug>,
    runs: AtomicUsize,
}

impl Simulated {
    fn new() -> Simulated {
        Simulated {
            bug: None,
            runs: AtomicUsize::new(0),
        }
    }
}

impl Executor for Simulated {
    fn execute(
        &self,
        language: &Language,
        task: &TaskSpec,
        inputs: &LiteralMap,
        profile: Profile,
    ) -> Result<Executed> {
        self.runs.fetch_add(1, Ordering::Relaxed);
        let program = language.ellipse_program()?;
        let (a, b) = (
            float_input(inputs, "a").unwrap(),
            float_input(inputs, "b").unwrap(),
        );
        let (ra, rb) = (
            rendered_input(inputs, profile, "a"),
            rendered_input(inputs, profile, "b"),
        );
        let p = oracle::predict(
            program.arithmetic,
            Arg {
                value: a,
                rendered: &ra,
            },
            Arg {
                value: b,
                rendered: &rb,
            },
        );
        let mut exit = 0;
        let mut stderr = Vec::new();
        let area = match p {
            Prediction::Unreadable(_) if program.arithmetic == Arithmetic::F32 => {
                exit = 1;
                stderr = b"calculate-ellipse-area: Prelude.read: no parse\n".to_vec();
                String::new()
            }
            Prediction::Unreadable(_) => "\n".to_owned(),
            Prediction::Decimal(d) => format!("{d}\n"),
            Prediction::Float(x) => match program.arithmetic {
                Arithmetic::F32 if x.is_infinite() => {
                    (if x > 0.0 { "Infinity" } else { "-Infinity" }).to_owned()
                }
                Arithmetic::F32 => format!("{:?}", x as f32),
                // The model's value is what R prints, read back; R adds a newline.
                Arithmetic::R15 => format!("{x:?}\n"),
                _ => format!("{x:?}"),
            },
        };
        let area = match self.bug {
            Some((name, when)) if name == language.name && when(a, b) => "42".to_owned(),
            _ => area,
        };
        let mut files = BTreeMap::from([("area".to_owned(), FileContent::Text(area))]);
        if exit == 0 {
            files.insert(
                "metadata".to_owned(),
                FileContent::Text(program.metadata.clone()),
            );
        }
        let collected = if !(a.is_finite() && b.is_finite()) && profile == Profile::Backend {
            Collected::Error(ContainerError {
                code: "InputDownloadFailed".into(),
                message: format!(
                    "failed to marshal out inputs: json: unsupported value: {}",
                    if a.is_finite() {
                        format_v(b)
                    } else {
                        format_v(a)
                    }
                ),
                kind: ErrorKind::Recoverable,
                origin: ErrorOrigin::System,
            })
        } else if exit != 0 {
            Collected::Error(ContainerError {
                code: "UnknownError".into(),
                message: format!("[primary] terminated with exit code ({exit})"),
                kind: ErrorKind::Recoverable,
                origin: ErrorOrigin::System,
            })
        } else {
            recollect(&files, task, profile)?
        };
        Ok(Executed {
            record: Record {
                argv: vec![ra, rb],
                input_files: BTreeMap::new(),
                input_files_omitted: None,
                exit_code: Some(exit),
                timed_out: false,
                files,
                files_omitted: None,
                result: collected.to_json(),
                execution: None,
            },
            collected,
            stdout: Vec::new(),
            stderr,
            duration: std::time::Duration::ZERO,
            reported: Reported::ALL,
            env: Vec::new(),
        })
    }
}

fn config(cases: u32, seed: u64) -> ExploreConfig {
    let mut c = ExploreConfig::new(cases, seed);
    c.jobs = 2;
    c
}

/// The simulated example: every failure is a declared limitation, each shrunk to a small input,
/// and a run is reproducible from its seed.
fn the_simulated_example_has_only_known_findings() {
    let sim = Simulated::new();
    let suite = suite();
    let explorer = Explorer::new(
        &sim,
        &suite,
        languages(),
        Regressions::default(),
        config(200, 7),
    )
    .unwrap();
    let run = explorer.explore().unwrap();
    let new: Vec<_> = run.new_findings().collect();
    assert!(new.is_empty(), "{}", run.to_table(200));
    let ids: std::collections::BTreeSet<&str> = run
        .findings
        .iter()
        .flat_map(|f| f.limitations.iter().map(String::as_str))
        .collect();
    for id in [
        "copilot-non-finite",
        "exponent-form",
        "read-signed-infinity",
        "f32-overflow",
        "f32-underflow",
    ] {
        assert!(ids.contains(id), "{id} not found:\n{}", run.to_table(200));
    }
    let shell = run
        .findings
        .iter()
        .find(|f| f.language == "shell" && f.limitations == ["exponent-form"])
        .unwrap();
    assert!(shell.a.contains('e') || shell.b.contains('e'), "{shell:?}");
    assert!(
        shell.shrink_steps > 0 && shell.occurrences >= 1,
        "{shell:?}"
    );
    // The same seed draws the same cases.
    let again = Explorer::new(
        &sim,
        &suite,
        languages(),
        Regressions::default(),
        config(200, 7),
    )
    .unwrap();
    let keys = |e: &Explorer<'_>| -> Vec<(u64, u64)> {
        e.generated().unwrap().iter().map(CaseInput::key).collect()
    };
    assert_eq!(keys(&explorer), keys(&again));
    let other = Explorer::new(
        &sim,
        &suite,
        languages(),
        Regressions::default(),
        config(200, 8),
    )
    .unwrap();
    assert_ne!(keys(&explorer), keys(&other));
}

/// An injected bug is a new finding, shrunk to a minimal input that still shows it.
fn a_new_finding_is_shrunk_to_a_minimal_input() {
    let sim = Simulated {
        bug: Some(("python", |a, b| a < 0.0 && b > 0.0)),
        runs: AtomicUsize::new(0),
    };
    let suite = suite();
    let langs: Vec<Language> = languages()
        .into_iter()
        .filter(|l| l.name == "python")
        .collect();
    let explorer = Explorer::new(
        &sim,
        &suite,
        langs.clone(),
        Regressions::default(),
        config(64, 3),
    )
    .unwrap();
    let findings = explorer.explore_language(&langs[0]).unwrap();
    let new: Vec<_> = findings.iter().filter(|f| !f.known).collect();
    // Every new finding is the bug (alone, or behind copilot's known NaN/±Inf failure).
    assert!(!new.is_empty(), "{findings:#?}");
    for f in &new {
        assert!(
            f.failures
                .iter()
                .all(|x| x.kind == FailureKind::Model || x.limitation.is_some()),
            "{f:?}"
        );
    }
    let alone: Vec<_> = new.iter().filter(|f| f.failures.len() == 1).collect();
    assert_eq!(alone.len(), 1, "{new:#?}");
    let f = *alone[0];
    assert_eq!(f.failures[0].kind, FailureKind::Model, "{f:?}");
    assert_eq!(f.source, Source::Generated);
    let (a, b): (f64, f64) = (f.a_input.parse().unwrap(), f.b_input.parse().unwrap());
    assert!(a < 0.0 && b > 0.0, "{f:?}");
    // Minimal: round numbers, not the random first hit.
    for x in [a, b] {
        assert!(
            rawconf::explore::strategy::significant_digits(x) <= 2,
            "not shrunk: {f:?}"
        );
    }
    assert!(f.reason.starts_with("new finding: model"), "{}", f.reason);
    assert_eq!(
        f.reproduce,
        format!(
            "rawconf exec --language python --input a={} --input b={}",
            f.a, f.b
        )
    );
    // The minimal input is what gets persisted, for this language.
    let persist = explorer.to_persist(&findings);
    assert_eq!(persist.len(), new.len());
    assert!(
        persist
            .iter()
            .all(|p| p.language.as_deref() == Some("python") && p.expect.is_none())
    );
    assert!(persist.iter().any(|p| (p.a, p.b) == (a, b)), "{persist:?}");
}

/// Replayed regressions: an entry whose limitation no longer shows is a new finding; one that
/// shows what it expects is not.
fn regressions_must_show_what_they_expect() {
    let sim = Simulated::new();
    let suite = suite();
    let langs: Vec<Language> = languages()
        .into_iter()
        .filter(|l| l.name == "shell")
        .collect();
    let entry = |a: f64, b: f64, expect: &[&str], index| Regression {
        a,
        b,
        language: Some("shell".into()),
        profile: Profile::Backend,
        expect: Some(expect.iter().map(|s| s.to_string()).collect()),
        note: String::new(),
        index,
    };
    let regs = Regressions {
        path: "ellipse.regressions.toml".into(),
        cases: vec![
            entry(1e-5, 0.0, &["exponent-form"], 0),
            entry(1.0, 1.0, &["exponent-form"], 1),
            entry(1.0, 1.0, &[], 2),
        ],
    };
    let explorer = Explorer::new(&sim, &suite, langs.clone(), regs, config(0, 1)).unwrap();
    let findings = explorer.explore_language(&langs[0]).unwrap();
    let new: Vec<_> = findings.iter().filter(|f| !f.known).collect();
    assert_eq!(new.len(), 1, "{findings:#?}");
    assert!(
        new[0]
            .reason
            .contains("case[1] expects exponent-form but shows a pass"),
        "{}",
        new[0].reason
    );
    let known: Vec<_> = findings.iter().filter(|f| f.known).collect();
    assert_eq!(known.len(), 1, "{findings:#?}");
    assert_eq!(known[0].source, Source::Regression);
    assert_eq!((known[0].a.as_str(), known[0].b.as_str()), ("1e-05", "0"));

    // An entry expecting a limitation nobody declares is rejected up front, naming the field.
    let bad = Regressions {
        path: "ellipse.regressions.toml".into(),
        cases: vec![entry(1.0, 1.0, &["no-such-limitation"], 0)],
    };
    let err = Explorer::new(&sim, &suite, langs, bad, config(0, 1)).unwrap_err();
    assert!(
        err.to_string()
            .contains("field `case[0].expect`: `no-such-limitation` is not a limitation"),
        "{err}"
    );
}

/// Cross-language: bc's 20 decimals differ from binary64 for tiny areas, which the shell
/// manifest declares; the comparison only pairs languages that both passed.
fn disagreements_are_found_and_explained() {
    let sim = Simulated::new();
    let suite = suite();
    let langs: Vec<Language> = languages()
        .into_iter()
        .filter(|l| l.name == "shell" || l.name == "python")
        .collect();
    let regs = Regressions {
        path: "x".into(),
        cases: vec![Regression {
            a: 0.0001,
            b: 0.001,
            language: None,
            profile: Profile::Backend,
            expect: None,
            note: String::new(),
            index: 0,
        }],
    };
    let explorer = Explorer::new(&sim, &suite, langs, regs, config(0, 1)).unwrap();
    let findings = explorer.explore_agreement().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.language, "python≠shell");
    assert!(f.known, "{f:?}");
    assert_eq!(f.limitations, ["twenty-decimals"]);
    assert!(f.reproduce.contains("--language python") && f.reproduce.contains("--language shell"));
}

/// A suite whose task is not the ellipse task is refused, naming the file and field.
fn the_task_interface_is_checked() {
    let sim = Simulated::new();
    let mut suite = suite();
    suite.task.interface.inputs.variables.remove("b");
    let err = Explorer::new(
        &sim,
        &suite,
        languages(),
        Regressions::default(),
        config(1, 1),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("ellipse.toml") && err.contains("field `task.inputs`") && err.contains("`b`"),
        "{err}"
    );
}

/// A malformed `[[limitation]]` in a language manifest or a suite file is an error naming the
/// file, the field and what was expected.
fn bad_limitations_are_reported_with_file_and_field() {
    let root = tempfile::tempdir().unwrap();
    let shell = languages().into_iter().find(|l| l.name == "shell").unwrap();
    let dir = root.path().join("shell");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&shell.dir).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let manifest = dir.join("language.toml");
    let good = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!("{good}\n[[limitation]]\nid = \"broken\"\nfailure = \"output\"\nwhen.argument = \"e[\"\nreason = \"r\"\n"),
    )
    .unwrap();
    let err = Language::load(&dir).unwrap_err().to_string();
    let index = shell.limitations().len();
    assert!(err.contains("language.toml"), "{err}");
    assert!(
        err.contains(&format!(
            "field `limitation[{index}].when.argument` (id `broken`): expected a regular expression"
        )),
        "{err}"
    );

    let suite_file = root.path().join("ellipse.toml");
    let text = std::fs::read_to_string(suite().path).unwrap();
    std::fs::write(
        &suite_file,
        format!("{text}\n[[limitation]]\nid = \"x\"\nfailure = \"input\"\nwhen.input = {{ abs-above = 0.0 }}\nreason = \"r\"\n"),
    )
    .unwrap();
    let err = Suite::load(&suite_file).unwrap_err().to_string();
    assert!(err.contains("ellipse.toml"), "{err}");
    assert!(
        err.contains("when.input.abs-above` (id `x`): expected a positive finite bound"),
        "{err}"
    );
}

/// `rawconf explore` refuses what cannot run before touching Docker: documented exit codes and
/// messages that name the problem.
fn explore_cli_errors_before_any_container() {
    let empty = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = support::rawconf();
        cmd.arg("explore").args(args);
        cmd.env("RAWCONF_REGRESSIONS_DIR", empty.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["--cases", "0", "--no-persist"], &[]);
    assert_eq!(code, Some(104), "{err}");
    assert!(err.contains("nothing ran"), "{err}");
    let (code, err) = run(&[], &[("RAWCONF_PROPTEST_CASES", "many")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("`RAWCONF_PROPTEST_CASES`: expected a whole number of cases"),
        "{err}"
    );
    let (code, err) = run(&["--cases", "1"], &[("RAWCONF_PROPTEST_SEED", "-1")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("`RAWCONF_PROPTEST_SEED`"), "{err}");
    let (code, err) = run(&["--language", "cobol", "--cases", "1"], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown language `cobol`"), "{err}");
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    crate::unit_trials!("explore";
        every_limitation_is_pinned_by_a_regression,
        the_simulated_example_has_only_known_findings,
        a_new_finding_is_shrunk_to_a_minimal_input,
        regressions_must_show_what_they_expect,
        disagreements_are_found_and_explained,
        the_task_interface_is_checked,
        bad_limitations_are_reported_with_file_and_field,
        explore_cli_errors_before_any_container,
    )
}
