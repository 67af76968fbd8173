//! Known limitations: predicates over a case's inputs, declared as data, that explain a failure.
//!
//! Expected failures ([`crate::spec::expect`]) name *cases* (globs over `<suite>/<case>` ids); the
//! property runner has no case ids, only generated inputs. A limitation instead says *which
//! inputs* fail, *how*, and *why*, so a generated input that fails that way is classified as
//! known without Rust ever naming a language:
//!
//! ```toml
//! # languages/shell/language.toml
//! [[limitation]]
//! id = "exponent-form"                 # kebab-case, unique in the file
//! failure = "output"                   # the failure kind(s) it explains (a string or a list)
//! when.argument = 'e[+-][0-9]+$'       # a rendered argument matches this regex
//! reason = "bc cannot parse the exponent form Go's %v renders (`1e+06`): `area` is empty"
//!
//! # tests/suites/ellipse.toml: applies to every language of the suite
//! [[limitation]]
//! id = "copilot-non-finite"
//! profiles = ["backend"]               # optional: only under these profiles (default: all)
//! failure = "input"
//! when.input = { finite = false }      # a or b is NaN or ±Inf
//! reason = "flyte-copilot's json.Marshal rejects NaN and ±Inf: InputDownloadFailed"
//! ```
//!
//! Every key of `when` must hold (and), at least one is required; several `[[limitation]]`
//! entries give alternatives (or). The subjects:
//!
//! | key | holds when |
//! |---|---|
//! | `argument = "<regex>"` | a rendered argument (`{{.inputs.a}}` or `{{.inputs.b}}`) matches |
//! | `input = {…}` | the value test holds for `a` or for `b` |
//! | `steps = {…}` | it holds for a value the program computes on the way, left to right in binary64: `a`, `b`, `π·a` or `π·a·b` |
//! | `area = {…}` | it holds for `π·a·b` in binary64 |
//!
//! A value test is a table of `finite`, `nan`, `nonzero` (booleans) and `abs-above`,
//! `abs-below` (positive numbers, strict bounds on the magnitude); every key given must hold.
//!
//! The predicates are evaluated by the ellipse judge
//! ([`crate::judge::ellipse::limits`]): this module holds what a file declares and checks it.

use std::collections::BTreeSet;

use regex::Regex;
use serde::Deserialize;

use crate::protocol::profile::Profile;

/// How one case can fail, stage by stage; a limitation names the kinds it explains.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// Input stage: the command templates could not be rendered (the pod is never created).
    Render,
    /// Input stage: the runtime could not materialize the inputs (copilot's downloader wrote
    /// `errors.pb`, e.g. `InputDownloadFailed`).
    Input,
    /// Program stage: the container ran longer than the task's timeout.
    Timeout,
    /// Program stage: the program exited non-zero (a system failure on the backend).
    Exit,
    /// Program stage: the outputs could not be collected (missing or unparsable `area`).
    Output,
    /// Program stage: `metadata` is not the manifest's text.
    Metadata,
    /// Program stage: `area` is not what the language's declared arithmetic computes.
    Model,
    /// Program stage: the declared arithmetic's result is not within its precision of π·a·b.
    Precision,
    /// Across languages: two languages that both succeeded disagree beyond the looser precision.
    Disagreement,
}

impl FailureKind {
    /// Every kind, in stage order.
    pub const ALL: [FailureKind; 9] = [
        FailureKind::Render,
        FailureKind::Input,
        FailureKind::Timeout,
        FailureKind::Exit,
        FailureKind::Output,
        FailureKind::Metadata,
        FailureKind::Model,
        FailureKind::Precision,
        FailureKind::Disagreement,
    ];

    /// The spelling used in manifests and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Render => "render",
            FailureKind::Input => "input",
            FailureKind::Timeout => "timeout",
            FailureKind::Exit => "exit",
            FailureKind::Output => "output",
            FailureKind::Metadata => "metadata",
            FailureKind::Model => "model",
            FailureKind::Precision => "precision",
            FailureKind::Disagreement => "disagreement",
        }
    }

    /// The stage the kind belongs to: `input` (before the program runs), `program` or
    /// `cross-language`. Reports show both stages when both fail, so a failure of the program
    /// stays visible behind an input-stage failure that affects every language.
    pub fn stage(self) -> &'static str {
        match self {
            FailureKind::Render | FailureKind::Input => "input",
            FailureKind::Disagreement => "cross-language",
            _ => "program",
        }
    }
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for FailureKind {
    type Err = String;
    fn from_str(s: &str) -> Result<FailureKind, String> {
        FailureKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "expected a failure kind ({}), found `{s}`",
                    FailureKind::ALL.map(|k| k.as_str()).join(", ")
                )
            })
    }
}

/// A test on one number; every field that is set must hold.
#[derive(Debug, Clone, Default)]
pub struct ValueTest {
    /// `Some(true)`: finite; `Some(false)`: NaN or ±Inf.
    pub finite: Option<bool>,
    /// `Some(true)`: NaN; `Some(false)`: not NaN.
    pub nan: Option<bool>,
    /// `Some(true)`: not ±0 (NaN counts as non-zero); `Some(false)`: ±0.
    pub nonzero: Option<bool>,
    /// The magnitude is strictly above this bound (false for NaN).
    pub abs_above: Option<f64>,
    /// The magnitude is strictly below this bound (false for NaN).
    pub abs_below: Option<f64>,
}

// Bounds compare by bits, so equality is total (languages compare their manifests).
impl PartialEq for ValueTest {
    fn eq(&self, other: &ValueTest) -> bool {
        let bits = |b: Option<f64>| b.map(f64::to_bits);
        self.finite == other.finite
            && self.nan == other.nan
            && self.nonzero == other.nonzero
            && bits(self.abs_above) == bits(other.abs_above)
            && bits(self.abs_below) == bits(other.abs_below)
    }
}

impl Eq for ValueTest {}

/// The conditions of a limitation (all must hold).
#[derive(Debug, Clone, Default)]
pub struct Condition {
    /// A rendered argument matches.
    pub argument: Option<Regex>,
    /// `a` or `b` passes.
    pub input: Option<ValueTest>,
    /// `a`, `b`, `π·a` or `π·a·b` passes.
    pub steps: Option<ValueTest>,
    /// `π·a·b` passes.
    pub area: Option<ValueTest>,
}

// Regexes compare by their source text.
impl PartialEq for Condition {
    fn eq(&self, other: &Condition) -> bool {
        self.argument.as_ref().map(Regex::as_str) == other.argument.as_ref().map(Regex::as_str)
            && self.input == other.input
            && self.steps == other.steps
            && self.area == other.area
    }
}

impl Eq for Condition {}

/// One declared limitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limitation {
    /// Identifier, kebab-case, unique in its file; findings and regressions refer to it.
    pub id: String,
    /// Why these inputs fail this way, for humans.
    pub reason: String,
    /// The failure kinds it explains.
    pub failures: BTreeSet<FailureKind>,
    /// The profiles it applies to (empty: every profile).
    pub profiles: Vec<Profile>,
    /// Which inputs it covers.
    pub when: Condition,
    /// The file that declares it (a language manifest or a suite file).
    pub source: String,
}

/// `[[limitation]]` as written in a manifest or suite file (validated by [`validate`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimitation {
    id: String,
    #[serde(default)]
    reason: String,
    failure: OneOrMany,
    #[serde(default)]
    profiles: Vec<String>,
    when: RawCondition,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    argument: Option<String>,
    input: Option<RawValueTest>,
    steps: Option<RawValueTest>,
    area: Option<RawValueTest>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawValueTest {
    finite: Option<bool>,
    nan: Option<bool>,
    nonzero: Option<bool>,
    abs_above: Option<f64>,
    abs_below: Option<f64>,
}

/// Validates the `[[limitation]]` entries of one file. `Err` names the field
/// (`limitation[i].…`) and what was expected; `source` is recorded on each limitation.
pub fn validate(raw: Vec<RawLimitation>, source: &str) -> Result<Vec<Limitation>, String> {
    let mut out: Vec<Limitation> = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let field = |f: &str| format!("field `limitation[{i}].{f}`");
        if r.id.is_empty()
            || !r
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!(
                "{}: expected a kebab-case id (a-z, 0-9, `-`), found `{}`",
                field("id"),
                r.id
            ));
        }
        if out.iter().any(|l| l.id == r.id) {
            return Err(format!(
                "{}: the id `{}` is declared twice in this file",
                field("id"),
                r.id
            ));
        }
        if r.reason.trim().is_empty() {
            return Err(format!(
                "{} (id `{}`): expected a reason saying why these inputs fail, found none",
                field("reason"),
                r.id
            ));
        }
        let names = match r.failure {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        };
        if names.is_empty() {
            return Err(format!(
                "{} (id `{}`): expected at least one failure kind",
                field("failure"),
                r.id
            ));
        }
        let mut failures = BTreeSet::new();
        for n in &names {
            failures.insert(
                n.parse::<FailureKind>()
                    .map_err(|e| format!("{} (id `{}`): {e}", field("failure"), r.id))?,
            );
        }
        let mut profiles = Vec::new();
        for p in &r.profiles {
            profiles.push(
                p.parse::<Profile>()
                    .map_err(|e| format!("{} (id `{}`): {e}", field("profiles"), r.id))?,
            );
        }
        let when = condition(r.when, &format!("limitation[{i}].when"), &r.id)?;
        out.push(Limitation {
            id: r.id,
            reason: r.reason.trim().to_owned(),
            failures,
            profiles,
            when,
            source: source.to_owned(),
        });
    }
    Ok(out)
}

fn condition(raw: RawCondition, path: &str, id: &str) -> Result<Condition, String> {
    if raw.argument.is_none() && raw.input.is_none() && raw.steps.is_none() && raw.area.is_none() {
        return Err(format!(
            "field `{path}` (id `{id}`): expected at least one condition (`argument`, `input`, `steps` or `area`); a limitation without one would explain every failure"
        ));
    }
    let argument = raw
        .argument
        .map(|re| {
            Regex::new(&re).map_err(|e| {
                format!("field `{path}.argument` (id `{id}`): expected a regular expression: {e}")
            })
        })
        .transpose()?;
    let test = |t: Option<RawValueTest>, name: &str| -> Result<Option<ValueTest>, String> {
        let Some(t) = t else { return Ok(None) };
        let f = format!("{path}.{name}");
        if t.finite.is_none()
            && t.nan.is_none()
            && t.nonzero.is_none()
            && t.abs_above.is_none()
            && t.abs_below.is_none()
        {
            return Err(format!(
                "field `{f}` (id `{id}`): expected at least one of `finite`, `nan`, `nonzero`, `abs-above`, `abs-below`"
            ));
        }
        for (key, bound) in [("abs-above", t.abs_above), ("abs-below", t.abs_below)] {
            if let Some(b) = bound
                && !(b.is_finite() && b > 0.0)
            {
                return Err(format!(
                    "field `{f}.{key}` (id `{id}`): expected a positive finite bound, found `{b}`"
                ));
            }
        }
        Ok(Some(ValueTest {
            finite: t.finite,
            nan: t.nan,
            nonzero: t.nonzero,
            abs_above: t.abs_above,
            abs_below: t.abs_below,
        }))
    };
    Ok(Condition {
        argument,
        input: test(raw.input, "input")?,
        steps: test(raw.steps, "steps")?,
        area: test(raw.area, "area")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Limitation>, String> {
        #[derive(Deserialize)]
        struct File {
            limitation: Vec<RawLimitation>,
        }
        let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
        validate(f.limitation, "test.toml")
    }

    #[test]
    fn bad_entries_name_the_field_and_the_expectation() {
        let cases = [
            (
                "id = \"Bad Id\"\nfailure = \"output\"\nreason = \"r\"\nwhen.argument = \"x\"",
                "field `limitation[0].id`: expected a kebab-case id",
            ),
            (
                "id = \"x\"\nfailure = \"output\"\nwhen.argument = \"x\"",
                "field `limitation[0].reason` (id `x`): expected a reason",
            ),
            (
                "id = \"x\"\nfailure = \"crash\"\nreason = \"r\"\nwhen.argument = \"x\"",
                "field `limitation[0].failure` (id `x`): expected a failure kind (render, input,",
            ),
            (
                "id = \"x\"\nfailure = []\nreason = \"r\"\nwhen.argument = \"x\"",
                "expected at least one failure kind",
            ),
            (
                "id = \"x\"\nfailure = \"exit\"\nreason = \"r\"\nprofiles = [\"k8s\"]\nwhen.argument = \"x\"",
                "field `limitation[0].profiles` (id `x`): unknown profile `k8s`",
            ),
            (
                "id = \"x\"\nfailure = \"exit\"\nreason = \"r\"\nwhen = {}",
                "field `limitation[0].when` (id `x`): expected at least one condition",
            ),
            (
                "id = \"x\"\nfailure = \"exit\"\nreason = \"r\"\nwhen.argument = \"(\"",
                "field `limitation[0].when.argument` (id `x`): expected a regular expression",
            ),
            (
                "id = \"x\"\nfailure = \"exit\"\nreason = \"r\"\nwhen.area = {}",
                "field `limitation[0].when.area` (id `x`): expected at least one of",
            ),
            (
                "id = \"x\"\nfailure = \"exit\"\nreason = \"r\"\nwhen.area = { abs-above = -1.0 }",
                "field `limitation[0].when.area.abs-above` (id `x`): expected a positive finite bound",
            ),
        ];
        for (body, want) in cases {
            let err = parse(&format!("[[limitation]]\n{body}\n")).unwrap_err();
            assert!(err.contains(want), "{body}\n→ {err}\nwanted: {want}");
        }
        let twice = "[[limitation]]\nid = \"x\"\nfailure = \"exit\"\nreason = \"r\"\nwhen.argument = \"x\"\n";
        let err = parse(&format!("{twice}{twice}")).unwrap_err();
        assert!(
            err.contains("field `limitation[1].id`: the id `x` is declared twice"),
            "{err}"
        );
        // Unknown keys are rejected by serde, naming the key.
        let err = parse("[[limitation]]\nid = \"x\"\nfailure = \"exit\"\nreason = \"r\"\nwhen.argumnet = \"x\"\n").unwrap_err();
        assert!(err.contains("argumnet"), "{err}");
    }
}
