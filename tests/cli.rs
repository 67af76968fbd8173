//! The `rawconf` binary end to end: the main job's exit codes and reports, `exec`'s record.
//! Docker-dependent trials fail without Docker unless `RAWCONF_SKIP_DOCKER=1`.

use crate::support;

use std::process::Output;

use libtest_mimic::{Failed, Trial};

fn rawconf(args: &[&str]) -> Output {
    support::rawconf()
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("rawconf runs")
}

fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn need_docker() -> Result<(), Failed> {
    support::docker().map(|_| ()).map_err(Failed::from)
}

fn empty_selection_is_not_green() -> Result<(), Failed> {
    need_docker()?;
    let out = rawconf(&["run", "--filter", "no-such-language/*"]);
    if out.status.code() != Some(104) {
        return Err(format!("expected exit 104 (nothing ran)\n{}", text(&out)).into());
    }
    Ok(())
}

fn run_one_case_writes_every_report() -> Result<(), Failed> {
    need_docker()?;
    let dir = tempfile::tempdir()?;
    let report_dir = dir.path().to_str().unwrap();
    let out = rawconf(&[
        "run",
        "--language",
        "shell",
        "--filter",
        "shell/ellipse/{three-by-four,exponent-boundary-1e6}",
        "--report-dir",
        report_dir,
    ]);
    if !out.status.success() {
        return Err(format!("expected exit 0\n{}", text(&out)).into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.contains("2 cases: 1 pass, 1 xfail") {
        return Err(format!("unexpected matrix\n{}", text(&out)).into());
    }
    for file in ["report.json", "junit.xml", "summary.md", "report.html"] {
        if !dir.path().join(file).is_file() {
            return Err(format!("{file} was not written").into());
        }
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json"))?)?;
    let results = report["results"]
        .as_array()
        .ok_or("results is not an array")?;
    let xfail = results
        .iter()
        .find(|r| r["case"] == "exponent-boundary-1e6")
        .ok_or("exponent-boundary-1e6 missing")?;
    if xfail["outcome"] != "xfail" || xfail["record"]["argv"][1] != "1e+06" {
        return Err(format!("unexpected result: {xfail:#}").into());
    }
    if xfail["record"]["files"]["area"] != "" {
        return Err(format!("bc should leave area empty: {xfail:#}").into());
    }
    Ok(())
}

fn exec_prints_the_exact_bytes() -> Result<(), Failed> {
    need_docker()?;
    let out = rawconf(&[
        "exec",
        "--language",
        "r",
        "--input",
        "a=1.1",
        "--input",
        "b=1.2",
        "--json",
    ]);
    if !out.status.success() {
        return Err(text(&out).into());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    // R writes 15 significant digits and a newline (protocol.md §7.3).
    if v["files"]["area"] != "4.14690230273853\n"
        || v["files"]["metadata"] != "[from R rawcontainer]\n"
    {
        return Err(format!("unexpected files: {}", v["files"]).into());
    }
    if v["exit_code"] != 0 || v["argv"][3] != "1.1" || v["result"]["outputs"].is_null() {
        return Err(format!("unexpected record: {v:#}").into());
    }
    Ok(())
}

fn exec_rejects_bad_input() -> Result<(), Failed> {
    // No Docker needed: the inputs are checked first.
    for (args, want) in [
        (
            vec![
                "exec",
                "--language",
                "python",
                "--input",
                "a=x",
                "--input",
                "b=1",
            ],
            "invalid syntax",
        ),
        (
            vec!["exec", "--language", "python", "--input", "a=1"],
            "missing --input for b",
        ),
        (
            vec![
                "exec",
                "--language",
                "cobol",
                "--input",
                "a=1",
                "--input",
                "b=1",
            ],
            "unknown language",
        ),
        (
            vec!["exec", "--language", "python", "--input", "c=1"],
            "no such input",
        ),
        (
            vec![
                "exec",
                "--language",
                "probe",
                "--suite",
                "execution",
                "--case",
                "retries/nope",
            ],
            "--case `retries/nope`: the execution suite has no such case",
        ),
        (
            vec![
                "exec",
                "--language",
                "probe",
                "--suite",
                "execution",
                "--case",
                "retries/zero",
                "--input",
                "a=1",
            ],
            "cannot be used with",
        ),
    ] {
        let out = rawconf(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2) || !stderr.contains(want) {
            return Err(format!("{args:?}: expected exit 2 and `{want}`\n{}", text(&out)).into());
        }
    }
    Ok(())
}

/// `exec --case` runs an execution case as the run does (its retries, its execution identity)
/// and shows every attempt with the environment its container saw: in JSON (`env`, one list
/// per attempt, beside the record's `execution.attempts`) and for people.
fn exec_case_shows_attempts_and_env() -> Result<(), Failed> {
    need_docker()?;
    let args = [
        "exec",
        "--language",
        "probe",
        "--suite",
        "execution",
        "--case",
        "retries/error-file-retried",
    ];
    let out = rawconf(&[&args[..], &["--json"]].concat());
    if !out.status.success() {
        return Err(text(&out).into());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let attempts = v["execution"]["attempts"]
        .as_array()
        .ok_or_else(|| format!("no execution.attempts: {v:#}"))?;
    let env = v["env"]
        .as_array()
        .ok_or_else(|| format!("no env: {v:#}"))?;
    if attempts.len() != 3 || env.len() != 3 {
        return Err(format!("expected 3 attempts and 3 environments: {v:#}").into());
    }
    for (n, vars) in env.iter().enumerate() {
        let vars = vars.as_array().ok_or("an attempt's env is not a list")?;
        for want in [
            format!("FLYTE_ATTEMPT_NUMBER={n}"),
            "FLYTE_INTERNAL_EXECUTION_ID=f1a2b3".to_owned(),
            "FLYTE_INTERNAL_TASK_NAME=rawconf.execution.probe".to_owned(),
        ] {
            if !vars.iter().any(|x| x == want.as_str()) {
                return Err(format!("attempt {n}: `{want}` missing from {vars:?}").into());
            }
        }
    }
    if attempts[0]["result"]["error"]["code"] != "OutputUploadFailed"
        || attempts[2]["result"]["outputs"].is_null()
    {
        return Err(format!("unexpected attempts: {attempts:#?}").into());
    }
    let out = rawconf(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for want in [
        "this run: cache CACHE_DISABLED, 3 attempt(s)",
        "  attempt 0: exit code 0, error OutputUploadFailed: User Error: failed on an early attempt",
        "      FLYTE_ATTEMPT_NUMBER=1",
        "  attempt 2: exit code 0, outputs ",
    ] {
        if !out.status.success() || !stdout.contains(want) {
            return Err(format!("expected `{want}`\n{}", text(&out)).into());
        }
    }
    Ok(())
}

/// `rawconf` with extra environment variables (a forked golden folder).
fn rawconf_env(args: &[&str], env: &[(&str, &std::path::Path)]) -> Output {
    let mut cmd = support::rawconf();
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("rawconf runs")
}

fn report_json(dir: &std::path::Path) -> Result<serde_json::Value, Failed> {
    Ok(serde_json::from_str(&std::fs::read_to_string(
        dir.join("report.json"),
    )?)?)
}

/// `docs/report.schema.json`'s violations by a report.
fn schema_violations(report: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/report.schema.json"
        ))
        .expect("the schema is readable"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    validator
        .iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn expect_exit(out: &Output, code: i32, needles: &[&str]) -> Result<(), Failed> {
    let all = text(out);
    if out.status.code() != Some(code) || needles.iter().any(|n| !all.contains(n)) {
        return Err(format!("expected exit {code} and {needles:?}\n{all}").into());
    }
    Ok(())
}

/// A copy of the protocol suite's backend goldens in which two of the probe's records are
/// changed, so that those two cases fail against the reference runtime: what a vendor's
/// departures look like.
fn forked_goldens(root: &std::path::Path) -> Result<(), Failed> {
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/backend/protocol");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry?;
        let to = root
            .join("backend/protocol")
            .join(entry.path().strip_prefix(&from)?);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to)?;
        } else {
            std::fs::copy(entry.path(), &to)?;
        }
    }
    for case in ["outputs/missing-fails", "template/input"] {
        let path = root.join(format!("backend/protocol/{case}@probe.snap"));
        let text = std::fs::read_to_string(&path)?;
        std::fs::write(
            &path,
            text.replace("\"exit_code\": 0,", "\"exit_code\": 9,"),
        )?;
    }
    Ok(())
}

const VENDOR_OK: &str = r#"# the vendor's departures
[[expect]]
case = "probe/protocol/outputs/missing-fails"
outcome = "fail"
code = "OutputUploadFailed"
reason = "our runtime exits 9 (issue 1)"

[[expect]]
case = "probe/protocol/templat?/input"
outcome = "fail"
profile = ["backend"]
reason = "our runtime exits 9 (issue 2)"

[[expect]]
case = "probe/protocol/exit/*"
outcome = "fail"
profile = "flytekit-local"
reason = "another profile: never applies to a backend run"
"#;

fn vendor_expectations() -> Result<(), Failed> {
    need_docker()?;
    let dir = tempfile::tempdir()?;
    let golden = dir.path().join("golden");
    forked_goldens(&golden)?;
    let env = [("RAWCONF_GOLDEN_DIR", golden.as_path())];
    let run = |file: &str, extra: &[&str]| -> Result<(Output, std::path::PathBuf), Failed> {
        let path = dir.path().join("expect.toml");
        std::fs::write(&path, file)?;
        let reports = dir
            .path()
            .join(format!("report-{}", file.len() + extra.len()));
        // Warm mode: the same records as fresh ones (the warm area checks that case by case)
        // at a third of the containers; what is tested here is the expectations, not the engine.
        let mut args = vec![
            "run",
            "--suite",
            "protocol",
            "--mode",
            "warm",
            "--language",
            "probe",
            "--expectations",
            path.to_str().unwrap(),
            "--report-dir",
            reports.to_str().unwrap(),
        ];
        args.extend(extra);
        Ok((rawconf_env(&args, &env), reports))
    };
    // Without the file, the two changed records fail the run.
    let (out, _) = run("", &[])?;
    expect_exit(
        &out,
        100,
        &["outputs/missing-fails (fail)", "template/input (fail)"],
    )?;
    // With it, they are the vendor's expected failures, kept apart from rawconf's own.
    // (`--language` narrows the selection: no unused-entry check.)
    let (out, reports) = run(VENDOR_OK, &[])?;
    expect_exit(&out, 0, &["xfail(v)"])?;
    let report = report_json(&reports)?;
    let violations = schema_violations(&report);
    if !violations.is_empty() {
        return Err(format!("report.json breaks its schema:\n{}", violations.join("\n")).into());
    }
    let result = |id: &str| {
        report["results"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["id"] == id))
            .cloned()
            .unwrap_or_default()
    };
    let missing = result("probe/protocol/outputs/missing-fails");
    if missing["outcome"] != "xfail"
        || missing["declared"]["by"] != "vendor"
        || missing["declared"]["line"] != 3
        || missing["reason"] != "our runtime exits 9 (issue 1)"
    {
        return Err(format!("not the vendor's xfail: {missing:#}").into());
    }
    let digest = report["meta"]["expectations"]["sha256"]
        .as_str()
        .unwrap_or("");
    if digest.len() != 64 || !report["meta"]["expectations"]["path"].is_string() {
        return Err(format!("meta.expectations: {:#}", report["meta"]).into());
    }
    let summary = std::fs::read_to_string(reports.join("summary.md"))?;
    if !summary.contains("## Expected failures declared by the vendor") {
        return Err(format!("summary.md does not show the vendor's xfails:\n{summary}").into());
    }
    // The wrong error code: the departure is not the declared one.
    let (out, _) = run(
        &VENDOR_OK.replace("OutputUploadFailed", "SomethingElse"),
        &[],
    )?;
    expect_exit(
        &out,
        100,
        &["expects error code `SomethingElse`, the result's is `OutputUploadFailed`"],
    )?;
    // A listed case that passes is stale, named with its line.
    let stale = format!(
        "{VENDOR_OK}\n[[expect]]\ncase = \"probe/protocol/env/passed-through\"\noutcome = \"fail\"\nreason = \"fixed long ago\"\n"
    );
    let (out, _) = run(&stale, &[])?;
    expect_exit(
        &out,
        100,
        &[
            "env/passed-through (xpass)",
            "line 21: `probe/protocol/env/passed-through`",
        ],
    )?;
    // An entry that matches no trial fails a complete run, and only a complete one.
    let typo = format!(
        "{VENDOR_OK}\n[[expect]]\ncase = \"probe/protocol/outputs/mising-fails\"\noutcome = \"fail\"\nreason = \"typo\"\n"
    );
    let path = dir.path().join("typo.toml");
    std::fs::write(&path, &typo)?;
    let whole = dir.path().join("whole");
    let out = rawconf_env(
        &[
            "run",
            "--suite",
            "protocol",
            "--mode",
            "warm",
            "--expectations",
            path.to_str().unwrap(),
            "--report-dir",
            whole.to_str().unwrap(),
        ],
        &env,
    );
    expect_exit(
        &out,
        100,
        &["line 21: `probe/protocol/outputs/mising-fails` matches no trial"],
    )?;
    let (out, _) = run(&typo, &["--filter", "probe/protocol/*"])?;
    expect_exit(&out, 0, &[])?;
    // Another whole suite with the file: its protocol entries are out of that run's scope, not
    // stale (the typo is: it matches no trial of any suite).
    let scoped = dir.path().join("scoped.toml");
    for (file, code, needle) in [
        (VENDOR_OK, 0, None),
        (typo.as_str(), 100, Some("mising-fails")),
    ] {
        std::fs::write(&scoped, file)?;
        let out = rawconf_env(
            &[
                "run",
                "--suite",
                "execution",
                "--expectations",
                scoped.to_str().unwrap(),
                "--report-dir",
                dir.path().join("execution").to_str().unwrap(),
            ],
            // The repository's goldens: the forked ones hold the protocol suite only.
            &[],
        );
        let stale = text(&out).contains("matches no trial");
        if out.status.code() != Some(code) || stale != needle.is_some() {
            return Err(format!("--suite execution, expected exit {code}:\n{}", text(&out)).into());
        }
        if let Some(n) = needle.filter(|n| !text(&out).contains(n)) {
            return Err(format!("`{n}` not named:\n{}", text(&out)).into());
        }
    }
    Ok(())
}

fn expectations_refused_before_running() -> Result<(), Failed> {
    // No Docker needed: the file is checked first.
    let dir = tempfile::tempdir()?;
    let head = "[[expect]]\ncase = \"probe/protocol/*\"\noutcome = \"fail\"\n";
    for (body, want) in [
        (head.to_owned(), "field `expect[0].reason` is missing"),
        (
            format!("{head}reason = \"\"\n"),
            "line 4, column 1: field `expect[0].reason`: is empty",
        ),
        (
            format!("{head}reason = \"r\"\nreson = \"r\"\n"),
            "line 5, column 1",
        ),
        (
            "[[expect]]\ncase = \"probe/{protocol\"\noutcome = \"fail\"\nreason = \"r\"\n"
                .to_owned(),
            "line 2, column 1: field `expect[0].case`: `probe/{protocol` is not a glob",
        ),
        (
            "[[expect]]\ncase = \"probe/*\"\noutcome = \"xfail\"\nreason = \"r\"\n".to_owned(),
            "line 3, column 11",
        ),
    ] {
        let path = dir.path().join("e.toml");
        std::fs::write(&path, &body)?;
        let reports = dir.path().join("reports");
        let out = rawconf(&[
            "run",
            "--expectations",
            path.to_str().unwrap(),
            "--report-dir",
            reports.to_str().unwrap(),
        ]);
        expect_exit(
            &out,
            2,
            &[&format!("expectations file {}", path.display()), want],
        )?;
        if reports.exists() {
            return Err("a report was written for a refused expectations file".into());
        }
    }
    Ok(())
}

/// `results` without their wall times, for comparing two runs of the same cases.
fn timeless(report: &serde_json::Value) -> serde_json::Value {
    let mut results = report["results"].clone();
    for r in results.as_array_mut().into_iter().flatten() {
        r.as_object_mut().map(|o| o.remove("duration_ms"));
    }
    results
}

fn shards_merge_into_the_whole_run() -> Result<(), Failed> {
    need_docker()?;
    let dir = tempfile::tempdir()?;
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let expect = at("expect.toml");
    std::fs::write(
        &expect,
        "[[expect]]\ncase = \"probe/protocol/no-such/case\"\noutcome = \"unavailable\"\nreason = \"a typo\"\n",
    )?;
    // Warm mode: fresh records at a third of the containers (the warm area checks they are the
    // same); what is tested here is the split and the merge.
    let base = [
        "run",
        "--suite",
        "protocol",
        "--mode",
        "warm",
        "--report-dir",
    ];
    let out = rawconf(&[&base[..], &[at("whole").as_str()]].concat());
    expect_exit(&out, 0, &[])?;
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let dir = at(&format!("s{i}"));
        let out = rawconf(
            &[
                &base[..],
                &[&dir, "--shard", &shard, "--shard-strategy", "hash"],
            ]
            .concat(),
        );
        expect_exit(&out, 0, &[])?;
        // The same shards again, with a vendor file whose one entry matches nothing: no shard
        // can tell, the merge does.
        let dir = at(&format!("t{i}"));
        let out = rawconf(
            &[
                &base[..],
                &[
                    &dir,
                    "--shard",
                    &shard,
                    "--shard-strategy",
                    "hash",
                    "--expectations",
                    &expect,
                ],
            ]
            .concat(),
        );
        expect_exit(&out, 0, &[])?;
    }
    let merged = at("merged");
    let out = rawconf(&[
        "report",
        "merge",
        &at("s3"),
        &at("s1"),
        &at("s2"),
        "--report-dir",
        &merged,
    ]);
    expect_exit(&out, 0, &[])?;
    let (whole, merged) = (
        report_json(&dir.path().join("whole"))?,
        report_json(dir.path().join("merged").as_path())?,
    );
    support::ensure_json_eq(
        "the merged shards' results differ from the whole run's",
        &timeless(&merged),
        &timeless(&whole),
    )?;
    support::ensure_json_eq(
        "the merged shards' counts differ from the whole run's",
        &merged["counts"],
        &whole["counts"],
    )?;
    support::ensure_json_eq(
        "the merged shards' divergence differs from the whole run's",
        &merged["divergence"],
        &whole["divergence"],
    )?;
    if !merged["meta"]["shard"].is_null() || !schema_violations(&merged).is_empty() {
        return Err(format!("merged meta: {:#}", merged["meta"]).into());
    }
    // Shards that are not one whole run are refused (exit 2); three that each pass with an
    // entry no shard used merge to a run that fails on it (exit 100).
    let refusals: [(&[&str], i32, &str); 4] = [
        (&["s1", "s2", "s2"], 2, "shard 2/3 is given twice"),
        (&["s1", "s3"], 2, "shard(s) 2/3 missing"),
        (&["s1", "t2", "s3"], 2, "expectations digest differs"),
        (
            &["t1", "t2", "t3"],
            100,
            "line 2: `probe/protocol/no-such/case` matches no trial",
        ),
    ];
    for (i, (shards, code, says)) in refusals.into_iter().enumerate() {
        let dirs: Vec<String> = shards.iter().map(|s| at(s)).collect();
        let report_dir = at(&format!("m{}", i + 2));
        let mut args = vec!["report", "merge"];
        args.extend(dirs.iter().map(String::as_str));
        args.extend(["--report-dir", report_dir.as_str()]);
        expect_exit(&rawconf(&args), code, &[says])?;
    }
    Ok(())
}

/// A new suite judged by goldens lands as data only: a suite file, a language that lists it, and
/// the goldens `--bless` records — then the goldens judge it like any other suite.
fn suite_as_data() -> Result<(), Failed> {
    need_docker()?;
    let dir = tempfile::tempdir()?;
    let (langs, suites, golden) = (
        dir.path().join("languages"),
        dir.path().join("suites"),
        dir.path().join("golden"),
    );
    let probe = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("languages/probe");
    for entry in walkdir::WalkDir::new(&probe) {
        let entry = entry?;
        let to = langs.join("probe").join(entry.path().strip_prefix(&probe)?);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to)?;
        } else {
            std::fs::copy(entry.path(), &to)?;
        }
    }
    let manifest = langs.join("probe/language.toml");
    let text = std::fs::read_to_string(&manifest)?;
    let joined = text.replacen("suites = [", "suites = [\"mini\", ", 1);
    if joined == text {
        return Err("the probe's manifest has no `suites = [` line to extend".into());
    }
    std::fs::write(&manifest, joined)?;
    std::fs::create_dir_all(&suites)?;
    std::fs::write(
        suites.join("mini.toml"),
        r#"suite = "mini"
description = "a suite added as data"
judge = "golden"

[task]
inputs = { a = "INTEGER" }
outputs = { argv = "STRING" }
input_data_dir = "/var/inputs"
output_data_dir = "/var/outputs"
timeout = "30s"
args = ["/var/outputs", "argv", "--", "{{.inputs.a}}"]

[[case]]
id = "seven"
inputs = { a = 7 }

[[case]]
id = "eight"
inputs = { a = 8 }
"#,
    )?;
    let env = [
        ("RAWCONF_SUITES_DIR", suites.as_path()),
        ("RAWCONF_GOLDEN_DIR", golden.as_path()),
    ];
    let run = |extra: &[&str]| {
        let reports = dir.path().join("reports");
        let mut args = vec![
            "--languages-dir",
            langs.to_str().unwrap(),
            "run",
            "--suite",
            "mini",
            "--report-dir",
            reports.to_str().unwrap(),
        ];
        args.extend(extra);
        rawconf_env(&args, &env)
    };
    expect_exit(&run(&["--bless"]), 0, &["blessed 2 golden snapshot(s)"])?;
    let seven = golden.join("backend/mini/seven@probe.snap");
    let blessed = std::fs::read_to_string(&seven)?;
    if !blessed.contains("7") {
        return Err(format!("{}: not the record of a = 7:\n{blessed}", seven.display()).into());
    }
    expect_exit(&run(&[]), 0, &["2 cases: 2 pass"])?;
    // The golden decides: a record that differs from it fails the case.
    std::fs::write(&seven, blessed.replace('7', "6"))?;
    expect_exit(&run(&[]), 100, &["seven"])?;
    Ok(())
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<Trial> {
    let skip = support::skip_docker();
    let trials = vec![
        Trial::test(
            "cli/run/empty-selection-exits-104",
            empty_selection_is_not_green,
        )
        .with_ignored_flag(skip),
        Trial::test(
            "cli/run/one-case-writes-every-report",
            run_one_case_writes_every_report,
        )
        .with_ignored_flag(skip),
        Trial::test(
            "cli/exec/prints-the-exact-bytes",
            exec_prints_the_exact_bytes,
        )
        .with_ignored_flag(skip),
        Trial::test("cli/exec/rejects-bad-input", exec_rejects_bad_input),
        Trial::test(
            "cli/exec/case-shows-attempts-and-env",
            exec_case_shows_attempts_and_env,
        )
        .with_ignored_flag(skip),
        Trial::test(
            "cli/run/expectations-refused-before-running",
            expectations_refused_before_running,
        ),
        Trial::test("cli/run/vendor-expectations", vendor_expectations).with_ignored_flag(skip),
        Trial::test("cli/run/suite-as-data", suite_as_data).with_ignored_flag(skip),
        Trial::test(
            "cli/report/merge-shards-into-the-whole-run",
            shards_merge_into_the_whole_run,
        )
        .with_ignored_flag(skip),
    ];
    trials
}
