//! Judging one literal case stage by stage, as the float explorer judges the ellipse task:
//! every stage is judged even after another failed, so one run shows everything wrong with it.
//!
//! | stage | expected | observed |
//! |---|---|---|
//! | `refused` | the model's refusal of an odd map key ([`super::model`]) | the runtime's usage error |
//! | `template` | the model's "renders or not" (protocol-2 §4), then `protocol::template::render` of the args | the render, then the probe's `argv` report |
//! | `download` | the model's tree, paths and bytes | the probe's `listing` and `file` reports, the result |
//! | `metadata` | what `protocol::inputs` writes (checked against real Go by `tests/go_oracle.rs`) | the probe's dump of `inputs.json` / `inputs.yaml` |
//! | `program` | the probe exits 0 and reports | its exit code and reports |
//!
//! A failure's `symptom` is a fixed phrase (never a value), so that the same fault in two inputs
//! is one finding and shrinking keeps to it; `detail` shows the value.

use super::model::{Entry, Expected, is_compact, same_json};
use super::probe::{
    Dumped, Listed, Plan, argv_report, parse_dump, parse_listing, report, sha256_hex,
};
use crate::protocol::literal::ContainerError;
use crate::runtime::{Collected, Executed};

/// A stage of a literal case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The runtime accepted or refused the input.
    Refused,
    /// `{{.inputs.x}}` rendered as the model says, and reached the program.
    Template,
    /// The input dir holds the model's tree; the result is the model's.
    Download,
    /// `inputs.json` / `inputs.yaml`.
    Metadata,
    /// The probe ran and reported.
    Program,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stage::Refused => "refused",
            Stage::Template => "template",
            Stage::Download => "download",
            Stage::Metadata => "metadata",
            Stage::Program => "program",
        })
    }
}

/// One failing check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    /// The stage.
    pub stage: Stage,
    /// What went wrong, as a fixed phrase.
    pub symptom: &'static str,
    /// The first instance, with values.
    pub detail: String,
}

/// What happened to a case.
#[derive(Debug)]
pub enum Observed {
    /// The runtime ran it.
    Ran(Box<Executed>),
    /// The runtime refused it with a usage error (its text).
    Refused(String),
}

/// What `protocol::*` computes for the case, the expectations of the stages the model leaves
/// to them.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The metadata file's bytes as `protocol::inputs` writes them (`None`: not written).
    pub meta: Option<Vec<u8>>,
    /// `render` of `{{.inputs.x}}` alone.
    pub render_one: Result<String, String>,
    /// `render` of the task's args (what the probe's argv should be).
    pub render_args: Result<Vec<String>, String>,
}

/// Every failing check of one case (one per stage and symptom, the first instance shown).
pub fn judge(
    expected: &Expected,
    plan: &Plan,
    computed: &Computed,
    observed: &Observed,
) -> Vec<Failure> {
    let mut out = Failures::default();
    let executed = match observed {
        Observed::Refused(message) => {
            let symptom = if expected.refused.is_some() {
                "the runtime refuses the input"
            } else {
                "the runtime refuses an input the model accepts"
            };
            out.push(Stage::Refused, symptom, message.clone());
            return out.0;
        }
        Observed::Ran(e) => e,
    };
    if let Some(why) = &expected.refused {
        out.push(
            Stage::Refused,
            "the runtime accepts an odd map key",
            why.clone(),
        );
    }
    template(expected, computed, executed, &mut out);
    if executed.record.argv.is_empty() {
        // A failed render created no pod: nothing else to judge.
        return out.0;
    }
    if executed.record.exit_code != Some(0) {
        out.push(
            Stage::Program,
            "the probe failed",
            format!(
                "exit {:?}: {}",
                executed.record.exit_code,
                String::from_utf8_lossy(&executed.stderr).trim()
            ),
        );
    }
    result(expected, &executed.collected, &mut out);
    download(expected, plan, executed, &mut out);
    metadata(expected, plan, computed, executed, &mut out);
    out.0
}

#[derive(Default)]
struct Failures(Vec<Failure>);

impl Failures {
    fn push(&mut self, stage: Stage, symptom: &'static str, detail: String) {
        if !self
            .0
            .iter()
            .any(|f| f.stage == stage && f.symptom == symptom)
        {
            self.0.push(Failure {
                stage,
                symptom,
                detail,
            });
        }
    }
}

fn template(expected: &Expected, computed: &Computed, ex: &Executed, out: &mut Failures) {
    match (&expected.render_fails, &computed.render_one) {
        (Some(frag), Err(e)) if !e.contains(frag.as_str()) => out.push(
            Stage::Template,
            "the render fails with another error",
            format!("expected …{frag}…, got {e}"),
        ),
        (Some(frag), Ok(s)) => out.push(
            Stage::Template,
            "a value the model cannot render renders",
            format!("expected …{frag}…, rendered {s:?}"),
        ),
        (None, Err(e)) => out.push(
            Stage::Template,
            "a renderable value fails to render",
            e.clone(),
        ),
        (None, Ok(s)) => {
            if let Some(want) = &expected.render_text
                && s != want
            {
                out.push(
                    Stage::Template,
                    "the render is not the model's text",
                    format!("expected {want:?}, rendered {s:?}"),
                );
            }
        }
        _ => {}
    }
    if ex.record.argv.is_empty() {
        out.push(
            Stage::Template,
            "the pod was not created",
            error_text(&ex.collected),
        );
        return;
    }
    let Ok(args) = &computed.render_args else {
        return;
    };
    match report(&ex.record.files, "argv") {
        Some(got) if got == argv_report(args) => {}
        got => out.push(
            Stage::Template,
            "the program's argv is not the render",
            format!("expected {:?}, got {got:?}", argv_report(args)),
        ),
    }
}

fn error_text(c: &Collected) -> String {
    match c {
        Collected::Error(ContainerError { code, message, .. }) => format!("{code}: {message}"),
        other => format!("{other:?}"),
    }
}

fn result(expected: &Expected, collected: &Collected, out: &mut Failures) {
    match collected {
        Collected::Error(e)
            if expected.marshal_fails
                && e.code == "InputDownloadFailed"
                && e.message.contains("failed to marshal out inputs") => {}
        Collected::Error(_) => out.push(
            Stage::Download,
            "the result is an error the model does not expect",
            error_text(collected),
        ),
        _ if expected.marshal_fails => out.push(
            Stage::Metadata,
            "a NaN or ±Inf is marshalled without error",
            String::new(),
        ),
        _ => {}
    }
}

fn download(expected: &Expected, plan: &Plan, ex: &Executed, out: &mut Failures) {
    let listed = match report(&ex.record.files, "listing").map(parse_listing) {
        Some(Ok(l)) => l,
        Some(Err(e)) => return out.push(Stage::Program, "the listing is unreadable", e),
        None => return out.push(Stage::Program, "no listing", String::new()),
    };
    for (path, entry) in &expected.tree {
        match (entry, listed.get(path)) {
            (_, None) => out.push(Stage::Download, "an expected path is missing", path.clone()),
            (Entry::Dir, Some(Listed::Dir)) => {}
            (Entry::Dir, Some(_)) => out.push(
                Stage::Download,
                "a file where a directory is expected",
                path.clone(),
            ),
            (_, Some(Listed::Dir)) => out.push(
                Stage::Download,
                "a directory where a file is expected",
                path.clone(),
            ),
            (Entry::Bytes(b), Some(Listed::File { size, hash })) => {
                if *size != b.len() as u64 || !sha256_hex(b).starts_with(hash.as_str()) {
                    out.push(
                        Stage::Download,
                        "a file's bytes differ",
                        format!("{path}: expected {:?}, got {size} bytes", lossy(b)),
                    );
                }
            }
            (Entry::Json(_), Some(Listed::File { .. })) => {} // judged from its dump
        }
    }
    for (path, l) in &listed {
        let meta = path == "inputs.pb" || path == plan.meta_file;
        if !meta && !expected.tree.contains_key(path) {
            out.push(
                Stage::Download,
                "an unexpected path",
                format!("{path} ({l:?})"),
            );
        }
    }
    if !listed.contains_key("inputs.pb") {
        out.push(Stage::Download, "no inputs.pb", String::new());
    }
    for (name, path) in &plan.dumps {
        let dumped = report(&ex.record.files, name).map(parse_dump);
        match (expected.tree.get(path), dumped) {
            (Some(Entry::Bytes(b)), Some(Ok(Dumped::Bytes(got)))) if got == *b => {}
            (Some(Entry::Bytes(b)), Some(Ok(Dumped::Digest { sha256, size })))
                if sha256 == sha256_hex(b) && size == b.len() as u64 => {}
            (Some(Entry::Json(want)), Some(Ok(Dumped::Bytes(got)))) => {
                let text = String::from_utf8_lossy(&got);
                match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(v) if same_json(want, &v) && is_compact(&text) => {}
                    Ok(v) if same_json(want, &v) => out.push(
                        Stage::Download,
                        "a struct file is not compact JSON",
                        format!("{path}: {text}"),
                    ),
                    _ => out.push(
                        Stage::Download,
                        "a struct file is not the struct",
                        format!("{path}: expected {want}, got {text}"),
                    ),
                }
            }
            (_, got) => out.push(
                Stage::Download,
                "a dumped file differs",
                format!("{path}: got {got:?}"),
            ),
        }
    }
}

fn metadata(
    expected: &Expected,
    plan: &Plan,
    computed: &Computed,
    ex: &Executed,
    out: &mut Failures,
) {
    let dumped = report(&ex.record.files, "meta").map(parse_dump);
    match (&computed.meta, dumped) {
        (None, Some(Ok(Dumped::Absent(_)))) => {}
        (Some(want), Some(Ok(Dumped::Bytes(got)))) if *want == got => {}
        (Some(want), Some(Ok(Dumped::Digest { sha256, size })))
            if sha256 == sha256_hex(want) && size == want.len() as u64 => {}
        (None, got) => out.push(
            Stage::Metadata,
            "a metadata file protocol::inputs does not write",
            format!("{}: {got:?}", plan.meta_file),
        ),
        (Some(want), got) => out.push(
            Stage::Metadata,
            "the metadata file differs from protocol::inputs",
            format!(
                "{}: expected {:?}, got {:?}",
                plan.meta_file,
                lossy(want),
                got.map(|g| g.map(|d| match d {
                    Dumped::Bytes(b) => lossy(&b),
                    other => format!("{other:?}"),
                }))
            ),
        ),
    }
    // The model's own word on the metadata file: written unless a NaN or ±Inf stops it.
    if expected.refused.is_none() && computed.meta.is_some() == expected.marshal_fails {
        out.push(
            Stage::Metadata,
            "protocol::inputs disagrees with the model on writing the metadata file",
            format!("marshal fails: {}", expected.marshal_fails),
        );
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::super::model::expect;
    use super::super::probe::{plan, sha256_hex};
    use super::super::strategy::Value;
    use super::*;
    use crate::protocol::inputs::InputFormat;
    use crate::protocol::literal::{LiteralMap, LiteralType, SimpleType};
    use crate::protocol::record::FileContent;

    /// A run of `x = 7` as the probe reports it, with `x`'s bytes replaced by `x_bytes`.
    fn case(x_bytes: &[u8]) -> (Expected, Plan, Computed, Observed) {
        let expected = expect("x", &Value::Int(7), false);
        let plan = plan(
            &LiteralType::Simple(SimpleType::Integer),
            InputFormat::Json,
            &expected,
        );
        let meta = br#"{"x":7}"#.to_vec();
        let args: Vec<String> = plan
            .task
            .args
            .iter()
            .map(|a| a.replace("{{.inputs.x}}", "7"))
            .collect();
        let b64 = |b: &[u8]| {
            format!(
                "b64:{}",
                base64::engine::general_purpose::STANDARD.encode(b)
            )
        };
        let listing = format!(
            "f inputs.json {} {}\nf inputs.pb 9 protobuf\nf x {} {}\n",
            meta.len(),
            &sha256_hex(&meta)[..16],
            x_bytes.len(),
            &sha256_hex(x_bytes)[..16]
        );
        let mut ex = Executed::without_container(
            Collected::Outputs(LiteralMap::default()),
            std::time::Duration::ZERO,
            Vec::new(),
        );
        ex.record.argv = vec!["/usr/local/bin/probe".into()];
        ex.record.exit_code = Some(0);
        for (name, text) in [
            ("listing", listing),
            ("d0", b64(x_bytes)),
            ("meta", b64(&meta)),
            ("argv", argv_report(&args)),
        ] {
            ex.record.files.insert(name.into(), FileContent::Text(text));
        }
        let computed = Computed {
            meta: Some(meta),
            render_one: Ok("7".into()),
            render_args: Ok(args),
        };
        (expected, plan, computed, Observed::Ran(Box::new(ex)))
    }

    #[test]
    fn a_faithful_run_passes_and_a_wrong_byte_fails_the_download_stage() {
        let (e, p, c, o) = case(b"7");
        assert_eq!(judge(&e, &p, &c, &o), Vec::new());
        let (e, p, c, o) = case(b"8");
        let symptoms: Vec<_> = judge(&e, &p, &c, &o)
            .iter()
            .map(|f| (f.stage, f.symptom))
            .collect();
        assert_eq!(
            symptoms,
            [
                (Stage::Download, "a file's bytes differ"),
                (Stage::Download, "a dumped file differs")
            ]
        );
    }

    #[test]
    fn a_refusal_the_model_does_not_expect_is_a_failure() {
        let (e, p, c, _) = case(b"7");
        let f = judge(&e, &p, &c, &Observed::Refused("no".into()));
        assert_eq!(
            f[0].symptom,
            "the runtime refuses an input the model accepts"
        );
    }
}
