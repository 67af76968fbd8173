//! `rawconf exec`: one ad-hoc case, its record printed — the same record a golden holds.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use clap::Args;
use rawconf::protocol::literal::{Literal, LiteralMap, LiteralType, Primitive, SimpleType};
use rawconf::protocol::profile::Profile;
use rawconf::runtime::{Attempt, Execution, Runtime};
use rawconf::spec::suite::Suite;
use rawconf::{Error, ExitCode, Language, Result};

use super::run::{cleanup_on_interrupt, images_for, parse_duration};

#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// The language whose image runs the case.
    #[arg(long)]
    language: String,
    /// An input value, `name=value` (repeatable); floats use Go's ParseFloat syntax.
    #[arg(long = "input", value_name = "NAME=VALUE")]
    inputs: Vec<String>,
    /// The suite whose task interface applies.
    #[arg(long, default_value = "ellipse")]
    suite: String,
    /// Semantics to reproduce.
    #[arg(long, default_value = "backend")]
    profile: Profile,
    /// Print the record as one JSON object (argv, exit_code, files, result, …).
    #[arg(long)]
    json: bool,
    /// The runtime: `reference` or `cmd:PROGRAM ARGS…` (see `rawconf run --help`).
    #[arg(long, default_value = "reference", value_name = "RUNTIME")]
    runtime: String,
    /// Time an adapter gets beyond the task's timeout before it is stopped.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    adapter_margin: Duration,
}

/// Parses `name=value` pairs against the suite's input types.
fn parse_inputs(pairs: &[String], suite: &Suite) -> Result<LiteralMap> {
    let mut literals = BTreeMap::new();
    for pair in pairs {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| Error::Usage(format!("--input `{pair}`: expected NAME=VALUE")))?;
        let var = suite
            .task
            .interface
            .inputs
            .variables
            .get(name)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--input `{name}`: the {} task has no such input (inputs: {})",
                    suite.name,
                    suite
                        .task
                        .interface
                        .inputs
                        .variables
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        let bad = |what: String| Error::Usage(format!("--input `{pair}`: {what}"));
        let p = match var.literal_type {
            LiteralType::Simple(SimpleType::Float) => Primitive::Float(
                rawconf::protocol::goformat::parse_float(value).map_err(|e| bad(e.to_string()))?,
            ),
            LiteralType::Simple(SimpleType::Integer) => Primitive::Integer(
                rawconf::protocol::goformat::parse_int(value).map_err(|e| bad(e.to_string()))?,
            ),
            LiteralType::Simple(SimpleType::Boolean) => Primitive::Boolean(
                rawconf::protocol::goformat::parse_bool(value).map_err(|e| bad(e.to_string()))?,
            ),
            LiteralType::Simple(SimpleType::String) => Primitive::String(value.to_owned()),
            ref other => {
                return Err(bad(format!(
                    "inputs of type {other:?} are not supported by exec"
                )));
            }
        };
        literals.insert(name.to_owned(), Literal::primitive(p));
    }
    let missing: Vec<&String> = suite
        .task
        .interface
        .inputs
        .variables
        .keys()
        .filter(|k| !literals.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "missing --input for {}",
            missing
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(LiteralMap { literals })
}

pub(crate) async fn exec(args: ExecArgs, languages_dir: &Path) -> Result<ExitCode> {
    let langs = Language::select(
        Language::discover(languages_dir)?,
        std::slice::from_ref(&args.language),
    )?;
    let suite = Suite::named(&rawconf::env::suites_dir(), &args.suite)?;
    let inputs = parse_inputs(&args.inputs, &suite)?;
    let chosen = rawconf::runtime::RuntimeChoice::parse(&args.runtime, args.adapter_margin)?;
    let (docker, built) = images_for(&langs).await?;
    cleanup_on_interrupt(docker.clone());
    let runtime = chosen.build(docker);
    let trial = rawconf::run::trial_id(&langs[0].name, &suite.name, "exec");
    let attempt = runtime
        .attempt(
            &Execution {
                language: &langs[0],
                image: &built[0].image,
                task: &suite.task,
                inputs: &inputs,
                blobs: &rawconf::protocol::blobs::NO_BLOBS,
                profile: args.profile,
                run_id: &format!("exec-{}", std::process::id()),
                identity: None,
                prior: &[],
            },
            &trial,
        )
        .await?;
    let executed = match attempt {
        Attempt::Executed(e) => e,
        Attempt::Unsupported(n) => {
            return Ok(not_run(args.json, "unavailable", &n, ExitCode::Failure));
        }
        Attempt::TimedOut(n) => {
            return Ok(not_run(
                args.json,
                "timeout",
                &n,
                ExitCode::ConformanceFailure,
            ));
        }
        Attempt::Broken(n) => {
            return Ok(not_run(
                args.json,
                "harness-error",
                &n,
                ExitCode::HarnessError,
            ));
        }
    };
    let partial = (!executed.reported.is_all()).then(|| executed.reported.keys());
    if args.json {
        let mut v = serde_json::to_value(&executed.record).expect("record serializes");
        v["stdout"] = String::from_utf8_lossy(&executed.stdout)
            .into_owned()
            .into();
        v["stderr"] = String::from_utf8_lossy(&executed.stderr)
            .into_owned()
            .into();
        if let Some(keys) = &partial {
            v["reported"] = keys.clone().into();
        }
        println!("{v}");
    } else {
        println!("{}", executed.record.to_golden());
        if let Some(keys) = &partial {
            eprintln!(
                "note: the runtime reported only {}; the other parts of the record are empty",
                keys.join(", ")
            );
        }
    }
    Ok(ExitCode::Success)
}

/// Prints why an `exec` case did not run and returns its exit code.
fn not_run(json: bool, outcome: &str, n: &rawconf::runtime::NotRun, code: ExitCode) -> ExitCode {
    let stdout = String::from_utf8_lossy(&n.stdout);
    let stderr = String::from_utf8_lossy(&n.stderr);
    if json {
        println!(
            "{}",
            serde_json::json!({"outcome": outcome, "reason": n.reason, "stdout": stdout, "stderr": stderr})
        );
    } else {
        eprintln!("{outcome}: {}", n.reason);
        if !stderr.trim().is_empty() {
            eprintln!("--- runtime stderr ---\n{}", stderr.trim_end());
        }
    }
    code
}
