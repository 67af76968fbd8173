//! Judging one executed case: the protocol result, the `metadata` text and the oracle.
//!
//! Produces the list of problems (empty when everything held); [`crate::outcome::decide`]
//! combines it with goldens and expected failures.

use crate::language::Language;
use crate::literal::{Literal, Primitive, Scalar};
use crate::oracle::{self, Arg, Judgement};
use crate::profile::Profile;
use crate::record::FileContent;
use crate::runtime::{Collected, Executed};
use crate::suite::float_input;
use crate::template::{TemplateContext, render};

/// What the judge found.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Everything that did not hold, for humans.
    pub problems: Vec<String>,
    /// The oracle's verdict on `area`, when the task produced one.
    pub judgement: Option<Judgement>,
    /// The parsed `area` output.
    pub area: Option<f64>,
}

/// Judges an ellipse-task result for `lang`, whose inputs were `inputs`.
pub fn judge(
    lang: &Language,
    profile: Profile,
    inputs: &crate::literal::LiteralMap,
    executed: &Executed,
) -> Verdict {
    let mut verdict = Verdict::default();
    let outputs = match &executed.collected {
        Collected::Error(e) => {
            verdict.problems.push(format!(
                "the task failed: {}: {}",
                e.code,
                e.message.trim_end()
            ));
            return verdict;
        }
        Collected::Outputs(m) => m,
    };

    match outputs.literals.get("metadata") {
        Some(Literal::Scalar(Scalar::Primitive(Primitive::String(s)))) => {
            let expected = match profile {
                Profile::Backend => lang.metadata.trim_matches([' ', '\n', '\t']),
                Profile::FlytekitLocal => lang.metadata.as_str(),
            };
            if s != expected {
                verdict.problems.push(format!(
                    "metadata is {s:?}, expected {expected:?} (from {}'s manifest)",
                    lang.name
                ));
            }
        }
        other => verdict
            .problems
            .push(format!("metadata is not a string output: {other:?}")),
    }

    verdict.area = match outputs.literals.get("area") {
        Some(Literal::Scalar(Scalar::Primitive(Primitive::Float(f)))) => Some(*f),
        _ => None,
    };
    let (Some(a), Some(b)) = (float_input(inputs, "a"), float_input(inputs, "b")) else {
        return verdict;
    };
    let render_one = |name: &str| {
        let ctx = TemplateContext {
            profile,
            inputs: inputs.clone(),
            ..Default::default()
        };
        render(&[format!("{{{{.inputs.{name}}}}}")], &ctx)
            .ok()
            .and_then(|v| v.into_iter().next())
            .unwrap_or_default()
    };
    let (ra, rb) = (render_one("a"), render_one("b"));
    let (arg_a, arg_b) = (
        Arg {
            value: a,
            rendered: &ra,
        },
        Arg {
            value: b,
            rendered: &rb,
        },
    );
    // The file's bytes when the runtime reported them; otherwise the collected literal, so a
    // runtime that cannot see the output dir is still judged (oracle.rs: "What is judged").
    let j = match (executed.record.files.get("area"), verdict.area) {
        (Some(FileContent::Text(t)), _) => oracle::judge(lang.arithmetic, arg_a, arg_b, t),
        (Some(_), _) => {
            verdict
                .problems
                .push("the `area` file is not UTF-8 text".into());
            return verdict;
        }
        (None, Some(value)) => oracle::judge_value(lang.arithmetic, arg_a, arg_b, value),
        (None, None) => {
            verdict
                .problems
                .push("there is neither an `area` file nor a float `area` output".into());
            return verdict;
        }
    };
    if !j.detail.is_empty() {
        verdict.problems.push(j.detail.clone());
    }
    verdict.judgement = Some(j);
    verdict
}

/// The `metadata` text a language's result must carry under `profile`: the manifest's bytes,
/// trimmed of space, LF and TAB by the backend's collector (flytekit keeps them).
pub fn expected_metadata(lang: &Language, profile: Profile) -> &str {
    match profile {
        Profile::Backend => lang.metadata.trim_matches([' ', '\n', '\t']),
        Profile::FlytekitLocal => lang.metadata.as_str(),
    }
}
