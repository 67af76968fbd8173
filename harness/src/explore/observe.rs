//! The property of one case, stage by stage: what failed, and which limitation explains it.
//!
//! For one language and one generated `(a, b)`, the collected result must be either
//!
//! - (a) an `area` equal to what the language's declared arithmetic computes and within its
//!   precision of π·a·b in binary64 ([`crate::oracle::judge`]: model and precision), with
//!   `metadata` equal to the manifest's text (trimmed on the backend), or
//! - (b) failures that each match a declared [`Limitation`].
//!
//! Failures are recorded **per stage**, and a later stage is judged even when an earlier one
//! failed. On the backend a NaN or ±Inf input makes copilot's downloader fail for every language
//! (`InputDownloadFailed`), yet the container still runs: judging only the first failing stage
//! would hide what the *program* does with `+Inf` (Haskell's `read` rejects it). So the program
//! stage is judged on what the container left behind — its exit code and output files, collected
//! again as the sidecar would have — and a case is *known* only when every stage's failure is
//! explained; a finding lists every reason.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::explore::limitations::{Facts, FailureKind, Limitation, explain};
use crate::explore::strategy::CaseInput;
use crate::judge::expected_metadata;
use crate::language::Language;
use crate::literal::{Literal, Primitive, Scalar};
use crate::oracle::{self, Arg};
use crate::outputs::{CollectRequest, Collected, collect_outputs};
use crate::profile::Profile;
use crate::record::FileContent;
use crate::runtime::Executed;
use crate::suite::TaskSpec;
use crate::template::{TemplateContext, render};

/// One failing check.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Failure {
    /// What failed.
    pub kind: FailureKind,
    /// What happened, for humans (error codes and messages, the written `area`, …).
    pub detail: String,
    /// For a wrong `area`: what kind of value was written (`Infinity`, `NaN`, `0`, `-0`,
    /// `finite`). Part of the [`Signature`], so an overflow to `Infinity` and a `0 · Infinity =
    /// NaN` are two findings, each shrunk to its own minimal input.
    pub symptom: Option<String>,
}

/// What one language did with one case.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// `{{.inputs.a}}` and `{{.inputs.b}}` as the runtime rendered them for the program.
    pub rendered: [String; 2],
    /// Every failing check, in stage order; empty when the property holds.
    pub failures: Vec<Failure>,
    /// The collected `area` when the program stage succeeded (for the cross-language check).
    pub area: Option<f64>,
}

impl Observation {
    /// Whether the property held (no failure at any stage).
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The facts limitations are evaluated on.
    pub fn facts<'a>(&'a self, case: &CaseInput) -> Facts<'a> {
        Facts {
            a: case.a.value,
            b: case.b.value,
            rendered: [&self.rendered[0], &self.rendered[1]],
        }
    }
}

/// A failure and the limitation that explains it, if one does.
#[derive(Debug, Clone)]
pub struct Explained<'l> {
    /// The failure.
    pub failure: Failure,
    /// The first limitation (the language's, then the suite's) that explains it.
    pub limitation: Option<&'l Limitation>,
}

/// Explains each failure of an observation with the given limitations.
pub fn classify<'l>(
    observation: &Observation,
    case: &CaseInput,
    limitations: &[&'l Limitation],
    profile: Profile,
) -> Vec<Explained<'l>> {
    let facts = observation.facts(case);
    observation
        .failures
        .iter()
        .map(|f| Explained {
            failure: f.clone(),
            limitation: explain(limitations.iter().copied(), f.kind, profile, &facts),
        })
        .collect()
}

/// What identifies "the same finding" while shrinking and when grouping: each failure kind with
/// its symptom and the id of the limitation that explains it (or none).
pub type Signature = Vec<(FailureKind, Option<String>, Option<String>)>;

/// The signature of a classified observation.
pub fn signature(explained: &[Explained<'_>]) -> Signature {
    explained
        .iter()
        .map(|e| {
            (
                e.failure.kind,
                e.failure.symptom.clone(),
                e.limitation.map(|l| l.id.clone()),
            )
        })
        .collect()
}

/// Renders `{{.inputs.a}}` and `{{.inputs.b}}` under `profile`, as the program receives them.
pub fn rendered_inputs(case: &CaseInput, profile: Profile) -> [String; 2] {
    let ctx = TemplateContext {
        profile,
        inputs: case.literals(),
        ..Default::default()
    };
    let one = |name: &str| {
        render(&[format!("{{{{.inputs.{name}}}}}")], &ctx)
            .ok()
            .and_then(|v| v.into_iter().next())
            .unwrap_or_default()
    };
    [one("a"), one("b")]
}

/// The error codes with which a runtime reports a failure *before* the program's result: the
/// reference runtime's template failure and copilot's downloader failure.
const RENDER_FAILED: &str = "TemplateRenderFailed";
const INPUT_FAILED: &str = "InputDownloadFailed";

/// Judges one executed case of the ellipse task, stage by stage.
///
/// `Err` only for harness faults (a temporary directory that cannot be written).
pub fn observe(
    lang: &Language,
    task: &TaskSpec,
    profile: Profile,
    case: &CaseInput,
    executed: &Executed,
) -> Result<Observation> {
    let rendered = rendered_inputs(case, profile);
    let mut failures = Vec::new();
    let mut input_failed = false;
    if let Collected::Error(e) = &executed.collected {
        if e.code == RENDER_FAILED {
            failures.push(Failure {
                kind: FailureKind::Render,
                detail: format!("{}: {}", e.code, first_line(&e.message)),
                symptom: None,
            });
            // Nothing ran.
            return Ok(Observation {
                rendered,
                failures,
                area: None,
            });
        }
        if e.code == INPUT_FAILED {
            input_failed = true;
            failures.push(Failure {
                kind: FailureKind::Input,
                detail: format!("{}: {}", e.code, first_line(&e.message)),
                symptom: None,
            });
        }
    }

    let record = &executed.record;
    if record.timed_out {
        failures.push(Failure {
            kind: FailureKind::Timeout,
            detail: "the container was killed by the task's timeout".into(),
            symptom: None,
        });
        return Ok(Observation {
            rendered,
            failures,
            area: None,
        });
    }
    // flytekit's local executor ignores the exit status (protocol.md §5.1).
    if profile == Profile::Backend && record.exit_code != Some(0) {
        let stderr = String::from_utf8_lossy(&executed.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        failures.push(Failure {
            kind: FailureKind::Exit,
            detail: match (record.exit_code, last) {
                (Some(c), Some(l)) => format!("exit {c}: {}", l.trim()),
                (Some(c), None) => format!("exit {c}"),
                (None, _) => "no exit code".into(),
            },
            symptom: None,
        });
        return Ok(Observation {
            rendered,
            failures,
            area: None,
        });
    }

    // The program's own result: what the runtime collected, or — when an input-stage error
    // took its place — the same collection redone on the files the container left.
    let collected = if input_failed {
        recollect(&record.files, task, profile)?
    } else {
        executed.collected.clone()
    };
    let outputs = match collected {
        Collected::Error(e) => {
            failures.push(Failure {
                kind: FailureKind::Output,
                detail: format!("{}: {}", e.code, first_line(&e.message)),
                symptom: None,
            });
            return Ok(Observation {
                rendered,
                failures,
                area: None,
            });
        }
        Collected::Outputs(m) => m,
    };

    let expected = expected_metadata(lang, profile);
    match outputs.literals.get("metadata") {
        Some(Literal::Scalar(Scalar::Primitive(Primitive::String(s)))) if s == expected => {}
        other => failures.push(Failure {
            kind: FailureKind::Metadata,
            detail: format!("metadata is {other:?}, expected {expected:?}"),
            symptom: None,
        }),
    }
    let area = match outputs.literals.get("area") {
        Some(Literal::Scalar(Scalar::Primitive(Primitive::Float(f)))) => Some(*f),
        _ => None,
    };
    let (arg_a, arg_b) = (
        Arg {
            value: case.a.value,
            rendered: &rendered[0],
        },
        Arg {
            value: case.b.value,
            rendered: &rendered[1],
        },
    );
    // The file's bytes when the runtime reported them, else the collected literal (as
    // `judge::judge` does; oracle.rs, "What is judged").
    let (j, shown) = match (area_text(&record.files), area) {
        (Some(text), _) => (
            oracle::judge(lang.arithmetic, arg_a, arg_b, &text),
            text.trim_end_matches('\n').to_owned(),
        ),
        (None, Some(value)) => (
            oracle::judge_value(lang.arithmetic, arg_a, arg_b, value),
            crate::goformat::format_v(value),
        ),
        (None, None) => {
            failures.push(Failure {
                kind: FailureKind::Output,
                detail: "neither an `area` file nor a float `area` output".into(),
                symptom: None,
            });
            return Ok(Observation {
                rendered,
                failures,
                area: None,
            });
        }
    };
    let symptom = Some(symptom_of(&shown));
    if !j.model_ok {
        failures.push(Failure {
            kind: FailureKind::Model,
            detail: format!(
                "area `{shown}` is not the {:?} result `{}`",
                lang.arithmetic, j.predicted
            ),
            symptom,
        });
    } else if !j.precision_ok {
        failures.push(Failure {
            kind: FailureKind::Precision,
            detail: format!(
                "area `{shown}` (the {:?} result) is not within {:e} of π·a·b = {:?}",
                lang.arithmetic,
                oracle::tolerance(lang.arithmetic),
                oracle::truth(case.a.value, case.b.value)
            ),
            symptom,
        });
    }
    let program_ok = !failures.iter().any(|f| f.kind.stage() == "program");
    Ok(Observation {
        rendered,
        failures,
        area: if program_ok { area } else { None },
    })
}

/// What kind of value a written `area` is: `Infinity`, `-Infinity`, `NaN`, `0`, `-0`, `finite`
/// or `unparsable`.
fn symptom_of(area: &str) -> String {
    match crate::goformat::parse_float(area.trim_matches([' ', '\n', '\t'])) {
        Ok(x) if x.is_nan() => "NaN".into(),
        Ok(x) if x == f64::INFINITY => "Infinity".into(),
        Ok(x) if x == f64::NEG_INFINITY => "-Infinity".into(),
        Ok(x) if x == 0.0 => (if x.is_sign_negative() { "-0" } else { "0" }).into(),
        Ok(_) => "finite".into(),
        Err(_) => "unparsable".into(),
    }
}

/// The text of the `area` file (or of its extension-fallback `area.<ext>`), if the record has it.
fn area_text(files: &BTreeMap<String, FileContent>) -> Option<String> {
    let content = files.get("area").or_else(|| {
        let mut fallback = files.iter().filter(|(k, _)| k.starts_with("area."));
        match (fallback.next(), fallback.next()) {
            (Some((_, c)), None) => Some(c),
            _ => None,
        }
    })?;
    match content {
        FileContent::Text(t) => Some(t.clone()),
        _ => None,
    }
}

/// Collects outputs again from the files a record kept, as the sidecar would have.
///
/// Used when an input-stage error replaced the program's result. Files the record truncated
/// (> 64 KiB) are far above the collector's 1 KiB cap, so their first bytes give the same
/// verdict (a size error, with a smaller size in its message).
pub fn recollect(
    files: &BTreeMap<String, FileContent>,
    task: &TaskSpec,
    profile: Profile,
) -> Result<Collected> {
    let dir = crate::scratch::tempdir("recollect")?;
    for (name, content) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        match content {
            FileContent::Symlink { symlink } => {
                std::os::unix::fs::symlink(symlink, &path).map_err(|e| Error::io(&path, e))?
            }
            FileContent::Truncated { base64, .. } => {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(base64)
                    .unwrap_or_default();
                std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
            }
            other => {
                std::fs::write(&path, other.bytes().unwrap_or_default())
                    .map_err(|e| Error::io(&path, e))?;
            }
        }
    }
    collect_outputs(&CollectRequest {
        interface: &task.interface,
        dir: dir.path(),
        container_dir: Some(&task.output_data_dir),
        raw_output_prefix: None,
        profile,
    })
}

fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}
