//! `rawconf exec`: one ad-hoc case (or one case of a suite, `--case`), its record printed — the
//! same record a golden holds — and then what the record alone does not show a person
//! debugging a runtime: each attempt in turn and the environment its container saw.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use clap::Args;
use rawconf::protocol::literal::{Literal, LiteralMap, LiteralType, Primitive, SimpleType};
use rawconf::protocol::profile::Profile;
use rawconf::protocol::record::AttemptRecord;
use rawconf::runtime::{Attempt, Execution, Runtime};
use rawconf::spec::suite::{Case, Suite};
use rawconf::{Error, ExitCode, Language, Result};

use super::run::{cleanup_on_interrupt, images_for, parse_duration};

#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// The language whose image runs the case.
    #[arg(long)]
    language: String,
    /// An input value, `name=value` (repeatable); floats use Go's ParseFloat syntax.
    #[arg(long = "input", value_name = "NAME=VALUE", conflicts_with = "case")]
    inputs: Vec<String>,
    /// Run this case of `--suite` as `rawconf run` does — its task, inputs and, for an
    /// execution case, its execution identity, retries, cache and prior runs — instead of an
    /// ad-hoc case built from `--input`.
    #[arg(long, value_name = "CASE_ID")]
    case: Option<String>,
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
    // The case to run: one of the suite's, or an ad-hoc one on the suite's task.
    let adhoc;
    let case = match &args.case {
        Some(id) => suite_case(&suite, id)?,
        None => {
            adhoc = parse_inputs(&args.inputs, &suite)?;
            &Case {
                id: "exec".to_owned(),
                about: String::new(),
                inputs: adhoc,
                task: suite.task.clone(),
                expect_timeout: false,
                xfail: BTreeMap::new(),
                identity: None,
                prior: Vec::new(),
                blobs: rawconf::protocol::blobs::NO_BLOBS.clone(),
            }
        }
    };
    let chosen = rawconf::runtime::RuntimeChoice::parse(&args.runtime, args.adapter_margin)?;
    let (docker, built) = images_for(&langs).await?;
    cleanup_on_interrupt(docker.clone());
    let runtime = chosen.build(docker);
    let trial = rawconf::run::trial_id(&langs[0].name, &suite.name, &case.id);
    let attempt = runtime
        .attempt(
            &Execution {
                language: &langs[0],
                image: &built[0].image,
                task: &case.task,
                inputs: &case.inputs,
                blobs: &case.blobs,
                profile: args.profile,
                run_id: &format!("exec-{}", std::process::id()),
                identity: case.identity.as_ref(),
                prior: &case.prior,
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
        v["env"] = serde_json::to_value(&executed.env).expect("strings serialize");
        println!("{v}");
    } else {
        println!("{}", executed.record.to_golden());
        print!("{}", attempts_text(&executed.record, &executed.env));
        if let Some(keys) = &partial {
            eprintln!(
                "note: the runtime reported only {}; the other parts of the record are empty",
                keys.join(", ")
            );
        }
    }
    Ok(ExitCode::Success)
}

/// The case `id` of `suite`, or a usage error listing the suite's cases.
fn suite_case<'s>(suite: &'s Suite, id: &str) -> Result<&'s Case> {
    suite.cases.iter().find(|c| c.id == id).ok_or_else(|| {
        Error::Usage(format!(
            "--case `{id}`: the {} suite has no such case (cases: {})",
            suite.name,
            suite
                .cases
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// For people: the execution part of a record as a list — the prior runs, then each attempt
/// of the case (exit code; outputs or error) with the environment its container was given
/// (`env[n]` for attempt `n`, as the pod lists it) — and the cache status. Empty for a case
/// that does not belong to an execution and ran without environment.
fn attempts_text(record: &rawconf::protocol::record::Record, env: &[Vec<String>]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let attempt_line = |out: &mut String, indent: &str, n: usize, a: &AttemptRecord| {
        let exit = a
            .exit_code
            .map_or_else(|| "none".to_owned(), |c| c.to_string());
        let _ = writeln!(
            out,
            "{indent}attempt {n}: exit code {exit}, {}",
            result_text(&a.result)
        );
    };
    let Some(execution) = &record.execution else {
        for (n, vars) in env.iter().enumerate() {
            let _ = writeln!(out, "attempt {n} environment: {}", env_text(vars));
        }
        return out;
    };
    for (i, prior) in execution.prior.iter().enumerate() {
        let _ = writeln!(out, "prior run {i}: cache {}", prior.cache_status);
        for (n, a) in prior.attempts.iter().enumerate() {
            attempt_line(&mut out, "  ", n, a);
        }
    }
    let _ = writeln!(
        out,
        "this run: cache {}, {} attempt(s)",
        execution.cache_status,
        execution.attempts.len()
    );
    for (n, a) in execution.attempts.iter().enumerate() {
        attempt_line(&mut out, "  ", n, a);
        match env.get(n) {
            Some(vars) if vars.is_empty() => {
                let _ = writeln!(out, "    environment: (none)");
            }
            Some(vars) => {
                let _ = writeln!(out, "    environment:");
                for var in vars {
                    let _ = writeln!(out, "      {var}");
                }
            }
            None => {
                let _ = writeln!(out, "    environment: not reported by the runtime");
            }
        }
    }
    out
}

/// One attempt's result: its outputs (protobuf JSON) or its error's code and message.
fn result_text(result: &serde_json::Value) -> String {
    if let Some(e) = result.get("error") {
        format!(
            "error {}: {}",
            e["code"].as_str().unwrap_or("?"),
            e["message"].as_str().unwrap_or("")
        )
    } else if let Some(o) = result.get("outputs") {
        format!("outputs {o}")
    } else {
        result.to_string()
    }
}

/// The variables of one attempt, `NAME=value` in the pod's order, or `(none)`.
fn env_text(vars: &[String]) -> String {
    if vars.is_empty() {
        "(none)".to_owned()
    } else {
        vars.join(" ")
    }
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
