//! The `rawconf` binary end to end: the main job's exit codes and reports, `exec`'s record.
//! Docker-dependent trials fail without Docker unless `RAWCONF_SKIP_DOCKER=1`.

mod support;

use std::process::Output;

use libtest_mimic::{Arguments, Failed, Trial};

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
    ] {
        let out = rawconf(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2) || !stderr.contains(want) {
            return Err(format!("{args:?}: expected exit 2 and `{want}`\n{}", text(&out)).into());
        }
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
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
    ];
    support::announce_skips(if skip { 3 } else { 0 });
    libtest_mimic::run(&args, trials).exit();
}
