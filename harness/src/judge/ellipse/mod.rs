//! Judging one executed case of the ellipse task, stage by stage — the one judge `rawconf run`
//! and `rawconf explore` share.
//!
//! The collected result must be either
//!
//! - (a) an `area` equal to what the language's declared arithmetic computes and within its
//!   precision of π·a·b in binary64 ([`crate::judge::ellipse::oracle::judge`]: model and precision), with
//!   `metadata` equal to the manifest's text (trimmed on the backend), or
//! - (b) failures, each of a [`FailureKind`]; `run` turns them into problems (expected failures
//!   and goldens decide the outcome), `explore` explains each with a declared limitation.
//!
//! Failures are recorded **per stage**, and a later stage is judged even when an earlier one
//! failed. On the backend a NaN or ±Inf input makes copilot's downloader fail for every language
//! (`InputDownloadFailed`), yet the container still runs: judging only the first failing stage
//! would hide what the *program* does with `+Inf` (Haskell's `read` rejects it). So the program
//! stage is judged on what the container left behind — its exit code and output files, collected
//! again as the sidecar would have ([`recollect()`]).

pub mod limits;
pub mod oracle;

mod recollect;

use std::collections::BTreeMap;

use crate::error::Result;
use crate::protocol::literal::{Literal, LiteralMap, Primitive, Scalar};
use crate::protocol::profile::Profile;
use crate::protocol::record::FileContent;
use crate::protocol::template::{TemplateContext, render};
use crate::runtime::{Collected, Executed};
use crate::spec::language::{EllipseProgram, Language};
use crate::spec::limitation::FailureKind;
use crate::spec::suite::{TaskSpec, float_input};
use crate::text::first_line;
use oracle::{Arg, Judgement};

pub use recollect::recollect;

/// One failing check.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Failure {
    /// What failed.
    pub kind: FailureKind,
    /// What happened, for humans (error codes and messages, the written `area`, …).
    pub detail: String,
    /// For a wrong `area`: what kind of value was written (`Infinity`, `NaN`, `0`, `-0`,
    /// `finite`). Part of explore's signature, so an overflow to `Infinity` and a
    /// `0 · Infinity = NaN` are two findings, each shrunk to its own minimal input.
    pub symptom: Option<String>,
}

impl Failure {
    fn new(kind: FailureKind, detail: String) -> Failure {
        Failure {
            kind,
            detail,
            symptom: None,
        }
    }
}

/// What the judge found for one language and one case.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Verdict {
    /// `{{.inputs.a}}` and `{{.inputs.b}}` as the profile renders them for the program.
    pub rendered: [String; 2],
    /// Every failing check, in stage order; empty when the property holds.
    pub failures: Vec<Failure>,
    /// The oracle's verdict on `area`, when the task produced one.
    pub judgement: Option<Judgement>,
    /// The collected `area` output, when the outputs were collected.
    pub area: Option<f64>,
}

impl Verdict {
    /// Whether every stage held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The failures as one line each, for reports.
    pub fn problems(&self) -> Vec<String> {
        self.failures.iter().map(|f| f.detail.clone()).collect()
    }
}

/// The error codes with which a runtime reports a failure *before* the program's result: the
/// reference runtime's template failure and copilot's downloader failure.
const RENDER_FAILED: &str = "TemplateRenderFailed";
const INPUT_FAILED: &str = "InputDownloadFailed";

/// Renders `{{.inputs.<name>}}` under `profile`, as the program receives it (empty when the
/// template cannot be rendered).
pub fn rendered_input(inputs: &LiteralMap, profile: Profile, name: &str) -> String {
    let ctx = TemplateContext {
        profile,
        inputs: inputs.clone(),
        ..Default::default()
    };
    render(&[format!("{{{{.inputs.{name}}}}}")], &ctx)
        .ok()
        .and_then(|v| v.into_iter().next())
        .unwrap_or_default()
}

/// Judges one executed case of the ellipse task for `lang`, whose inputs were `inputs`.
///
/// `Err` only for harness faults (a temporary directory that cannot be written).
pub fn judge(
    lang: &Language,
    task: &TaskSpec,
    profile: Profile,
    inputs: &LiteralMap,
    executed: &Executed,
) -> Result<Verdict> {
    let program = lang.ellipse_program()?;
    let mut verdict = Verdict {
        rendered: [
            rendered_input(inputs, profile, "a"),
            rendered_input(inputs, profile, "b"),
        ],
        ..Verdict::default()
    };
    let mut input_failed = false;
    if let Collected::Error(e) = &executed.collected {
        let detail = format!("{}: {}", e.code, first_line(&e.message));
        if e.code == RENDER_FAILED {
            verdict
                .failures
                .push(Failure::new(FailureKind::Render, detail));
            // Nothing ran.
            return Ok(verdict);
        }
        if e.code == INPUT_FAILED {
            input_failed = true;
            verdict
                .failures
                .push(Failure::new(FailureKind::Input, detail));
        }
    }

    let record = &executed.record;
    if record.timed_out {
        verdict.failures.push(Failure::new(
            FailureKind::Timeout,
            "the container was killed by the task's timeout".into(),
        ));
        return Ok(verdict);
    }
    // flytekit's local executor ignores the exit status (protocol.md §5.1); a runtime that did
    // not report the exit code is judged on its result alone.
    if profile == Profile::Backend && executed.reported.exit_code && record.exit_code != Some(0) {
        let stderr = String::from_utf8_lossy(&executed.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        verdict.failures.push(Failure::new(
            FailureKind::Exit,
            match (record.exit_code, last) {
                (Some(c), Some(l)) => format!("exit {c}: {}", l.trim()),
                (Some(c), None) => format!("exit {c}"),
                (None, _) => "no exit code".into(),
            },
        ));
        return Ok(verdict);
    }

    // The program's own result: what the runtime collected, or — when an input-stage error
    // took its place — the same collection redone on the files the container left.
    let collected = if input_failed {
        if !executed.reported.files {
            return Ok(verdict);
        }
        recollect(&record.files, task, profile)?
    } else {
        executed.collected.clone()
    };
    let outputs = match collected {
        Collected::Error(e) => {
            verdict.failures.push(Failure::new(
                FailureKind::Output,
                format!("{}: {}", e.code, first_line(&e.message)),
            ));
            return Ok(verdict);
        }
        Collected::Outputs(m) => m,
    };

    let expected = expected_metadata(program, profile);
    match outputs.literals.get("metadata") {
        Some(Literal::Scalar(Scalar::Primitive(Primitive::String(s)))) if s == expected => {}
        other => verdict.failures.push(Failure::new(
            FailureKind::Metadata,
            format!(
                "metadata is {other:?}, expected {expected:?} (from {}'s manifest)",
                lang.name
            ),
        )),
    }
    verdict.area = match outputs.literals.get("area") {
        Some(Literal::Scalar(Scalar::Primitive(Primitive::Float(f)))) => Some(*f),
        _ => None,
    };
    let (Some(a), Some(b)) = (float_input(inputs, "a"), float_input(inputs, "b")) else {
        return Ok(verdict);
    };
    let (arg_a, arg_b) = (
        Arg {
            value: a,
            rendered: &verdict.rendered[0],
        },
        Arg {
            value: b,
            rendered: &verdict.rendered[1],
        },
    );
    // The file's bytes when the runtime reported them, else the collected literal, so a
    // runtime that cannot see the output dir is still judged (oracle.rs, "What is judged").
    let (j, shown) = match (area_file(&record.files), verdict.area) {
        (Some(FileContent::Text(text)), _) => (
            oracle::judge(program.arithmetic, arg_a, arg_b, text),
            text.trim_end_matches('\n').to_owned(),
        ),
        (Some(_), _) => {
            verdict.failures.push(Failure::new(
                FailureKind::Output,
                "the `area` file is not UTF-8 text".into(),
            ));
            return Ok(verdict);
        }
        (None, Some(value)) => (
            oracle::judge_value(program.arithmetic, arg_a, arg_b, value),
            crate::protocol::goformat::format_v(value),
        ),
        (None, None) => {
            verdict.failures.push(Failure::new(
                FailureKind::Output,
                "neither an `area` file nor a float `area` output".into(),
            ));
            return Ok(verdict);
        }
    };
    let symptom = Some(symptom_of(&shown));
    if !j.model_ok {
        verdict.failures.push(Failure {
            kind: FailureKind::Model,
            detail: format!(
                "area `{shown}` is not the {:?} result `{}`",
                program.arithmetic, j.predicted
            ),
            symptom,
        });
    } else if !j.precision_ok {
        verdict.failures.push(Failure {
            kind: FailureKind::Precision,
            detail: format!(
                "area `{shown}` (the {:?} result) is not within {:e} of π·a·b = {:?}",
                program.arithmetic,
                oracle::tolerance(program.arithmetic),
                oracle::truth(a, b)
            ),
            symptom,
        });
    }
    verdict.judgement = Some(j);
    Ok(verdict)
}

/// The `metadata` text a language's result must carry under `profile`: the manifest's bytes,
/// trimmed of space, LF and TAB by the backend's collector (flytekit keeps them).
pub fn expected_metadata(program: &EllipseProgram, profile: Profile) -> &str {
    match profile {
        Profile::Backend => program.metadata.trim_matches([' ', '\n', '\t']),
        Profile::FlytekitLocal => program.metadata.as_str(),
    }
}

/// What kind of value a written `area` is: `Infinity`, `-Infinity`, `NaN`, `0`, `-0`, `finite`
/// or `unparsable`.
fn symptom_of(area: &str) -> String {
    match crate::protocol::goformat::parse_float(area.trim_matches([' ', '\n', '\t'])) {
        Ok(x) if x.is_nan() => "NaN".into(),
        Ok(x) if x == f64::INFINITY => "Infinity".into(),
        Ok(x) if x == f64::NEG_INFINITY => "-Infinity".into(),
        Ok(x) if x == 0.0 => (if x.is_sign_negative() { "-0" } else { "0" }).into(),
        Ok(_) => "finite".into(),
        Err(_) => "unparsable".into(),
    }
}

/// The `area` file (or its extension-fallback `area.<ext>`, when exactly one exists).
fn area_file(files: &BTreeMap<String, FileContent>) -> Option<&FileContent> {
    files.get("area").or_else(|| {
        let mut fallback = files.iter().filter(|(k, _)| k.starts_with("area."));
        match (fallback.next(), fallback.next()) {
            (Some((_, c)), None) => Some(c),
            _ => None,
        }
    })
}
