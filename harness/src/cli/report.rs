//! `rawconf report …`: work on written reports without running anything — `merge` joins the
//! shard reports of one run, `compare` puts several runtimes' reports side by side.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use rawconf::report::{RunReport, ShardReport};
use rawconf::spec::suite::Suite;
use rawconf::{Arithmetic, Error, ExitCode, Language, Result};

#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// One report from the shard reports of one run (`rawconf run --shard I/N`), checked to be
    /// of the same run and complete; exits as the whole run would have.
    Merge(MergeArgs),
    /// Reports of several runtimes side by side: rule areas × runtimes and one row per trial,
    /// as compare.md and compare.html, and an SVG badge per runtime and area.
    Compare(CompareArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The report dirs (each holding a report.json), one column each, in this order.
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Where compare.md and compare.html go.
    #[arg(long, value_name = "DIR", default_value = "target/rawconf-compare")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// The shards' report dirs (each holding a report.json), all of 1..N once each.
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Where the merged report.json, junit.xml, summary.md and report.html go.
    #[arg(long, value_name = "DIR")]
    report_dir: PathBuf,
    /// Exit 0 even when every case was unavailable (as `rawconf run --allow-unavailable`).
    #[arg(long)]
    allow_unavailable: bool,
}

pub(crate) fn run(cmd: ReportCommand, languages_dir: &Path) -> Result<ExitCode> {
    match cmd {
        ReportCommand::Merge(args) => merge(args, languages_dir),
        ReportCommand::Compare(args) => compare(args),
    }
}

/// Reads `DIR/report.json` (or the file itself when given one).
pub(super) fn read_report(dir: &Path) -> Result<RunReport> {
    let path = if dir.is_dir() {
        dir.join("report.json")
    } else {
        dir.to_path_buf()
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::Usage(format!("cannot read the report {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "{} is not a rawconf report.json: {e}",
            path.display()
        ))
    })
}

fn merge(args: MergeArgs, languages_dir: &Path) -> Result<ExitCode> {
    let shards = args
        .dirs
        .iter()
        .map(|d| {
            Ok(ShardReport {
                source: d.display().to_string(),
                report: read_report(d)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // The cross-language table compares areas with each language's declared precision; a
    // language that is not in the languages folder (or holds no ellipse program, and so has no
    // area to compare) is taken as binary64.
    let langs = Language::discover(languages_dir).unwrap_or_default();
    let arithmetic = |name: &str| {
        langs
            .iter()
            .find(|l| l.name == name)
            .and_then(|l| l.ellipse.as_ref())
            .map_or(Arithmetic::F64, |p| p.arithmetic)
    };
    // The cross-language table follows the suites' case order, as a run's does.
    let suites_dir = rawconf::env::suites_dir();
    let case_order: Vec<String> = shards
        .first()
        .map(|s| s.report.meta.suite.clone())
        .unwrap_or_default()
        .split('+')
        .filter_map(|name| Suite::named(&suites_dir, name).ok())
        .flat_map(|suite| suite.cases.into_iter().map(|c| c.id))
        .collect();
    let report = rawconf::report::merge_shards(shards, &arithmetic, &case_order)?;
    super::finish::finish(&report, &args.report_dir, args.allow_unavailable)
}

fn compare(args: CompareArgs) -> Result<ExitCode> {
    let reports = args
        .dirs
        .iter()
        .map(|d| Ok((d.display().to_string(), read_report(d)?)))
        .collect::<Result<Vec<_>>>()?;
    let cols = rawconf::report::columns(&reports);
    let markdown = rawconf::report::compare_markdown(&cols);
    std::fs::create_dir_all(&args.out).map_err(|e| Error::io(&args.out, e))?;
    let files = [
        ("compare.md".to_owned(), markdown.clone()),
        (
            "compare.html".to_owned(),
            rawconf::report::compare_html(&cols),
        ),
    ]
    .into_iter()
    .chain(rawconf::report::badges(&cols));
    for (name, text) in files {
        let path = args.out.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    }
    print!("{markdown}");
    println!(
        "\nwritten: {}/{{compare.md,compare.html,badges/<n>-<runtime>/<area>.svg}}",
        args.out.display()
    );
    Ok(ExitCode::Success)
}
