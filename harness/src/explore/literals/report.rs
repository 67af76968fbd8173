//! What a literal exploration reports: its findings as a table for people and JSON lines for
//! tools, each with the minimal input it was shrunk to and the seed and case that repeat it.

use std::time::Duration;

use serde::Serialize;

use super::judge::Failure;
use super::strategy::{Shape, TypedInput, Value};
use crate::protocol::inputs::InputFormat;

/// One distinct way the literal cases failed, at its minimal input.
#[derive(Debug, Clone, Serialize)]
pub struct LiteralFinding {
    /// The declared type of `x`, e.g. `LIST<MAP<INTEGER>>`.
    pub r#type: String,
    /// The minimal value, compactly.
    pub input: String,
    /// `json` or `yaml`.
    pub format: &'static str,
    /// Whether declared limitations explain every failing check.
    pub known: bool,
    /// The ids of those limitations.
    pub limitations: Vec<String>,
    /// The limitations' reasons (known), or what is unexplained (new).
    pub reason: String,
    /// Every failing check of the minimal input.
    pub failures: Vec<Failure>,
    /// How many generated cases failed the same way.
    pub occurrences: usize,
    /// Shrinking steps tried.
    pub shrink_steps: usize,
    /// The case it was drawn as (`--cases` must exceed it to repeat it).
    pub case: u32,
    /// The run's seed.
    pub seed: u64,
}

impl LiteralFinding {
    /// `known: id, …` or `NEW FINDING`.
    pub fn verdict(&self) -> String {
        if self.known {
            format!("known: {}", self.limitations.join(", "))
        } else {
            "NEW FINDING".into()
        }
    }

    /// Each failing check on one line: `stage: symptom (detail)`.
    pub fn what(&self) -> String {
        self.failures
            .iter()
            .map(|f| format!("{}: {} ({})", f.stage, f.symptom, f.detail))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The command that draws the same cases again.
    pub fn reproduce(&self) -> String {
        format!(
            "rawconf explore --literals --seed {} --cases {}",
            self.seed,
            self.case + 1
        )
    }

    /// The finding as one line of JSON.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("findings serialize")
    }
}

/// The result of a literal exploration.
#[derive(Debug, Clone)]
pub struct LiteralExploration {
    /// The seed.
    pub seed: u64,
    /// Cases drawn.
    pub cases: u32,
    /// Containers run (refusals and memoized repeats not counted).
    pub runs: usize,
    /// Cases the runtime refused (no container).
    pub refused: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Every finding.
    pub findings: Vec<LiteralFinding>,
}

impl LiteralExploration {
    /// The findings no declared limitation explains.
    pub fn new_findings(&self) -> impl Iterator<Item = &LiteralFinding> {
        self.findings.iter().filter(|f| !f.known)
    }

    /// One line saying what ran, with the seed to repeat it.
    pub fn headline(&self) -> String {
        let new = self.new_findings().count();
        format!(
            "seed {} · {} literal cases · probe · {} containers, {} refused inputs in {:.0}s · {} findings: {} known, {} new",
            self.seed,
            self.cases,
            self.runs,
            self.refused,
            self.elapsed.as_secs_f64(),
            self.findings.len(),
            self.findings.len() - new,
            new
        )
    }

    /// The findings table (columns cut to `width` characters).
    pub fn to_table(&self, width: usize) -> String {
        let mut out = String::from("type | input | verdict | what happened\n");
        for f in &self.findings {
            out.push_str(&format!(
                "{} | {} | {} | {}\n",
                cut(&f.r#type, 30),
                cut(&f.input, width / 2),
                f.verdict(),
                cut(&f.what(), width)
            ));
        }
        out
    }
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The type's text, e.g. `MAP<LIST<BLOB>>`.
pub fn shape_text(shape: &Shape) -> String {
    match shape {
        Shape::Int => "INTEGER".into(),
        Shape::Float => "FLOAT".into(),
        Shape::Str => "STRING".into(),
        Shape::Bool => "BOOLEAN".into(),
        Shape::File => "BLOB".into(),
        Shape::Dir => "MULTIPART_BLOB".into(),
        Shape::Struct => "STRUCT".into(),
        Shape::Binary => "BINARY".into(),
        Shape::None => "NONE".into(),
        Shape::List(s) => format!("LIST<{}>", shape_text(s)),
        Shape::Map(s) => format!("MAP<{}>", shape_text(s)),
        Shape::Union(s) => format!("{} | NONE", shape_text(s)),
    }
}

/// A value, compactly: strings and keys quoted, blobs by size, binaries by tag.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Int(i) => i.to_string(),
        Value::Float(x) => format!("{x:?}"),
        Value::Str(s) => format!("{s:?}"),
        Value::Bool(b) => b.to_string(),
        Value::File(b) => format!("file({:?})", String::from_utf8_lossy(b)),
        Value::Dir(t) => format!(
            "dir{{{}}}",
            t.iter()
                .map(|(p, b)| format!("{p:?}: {}B", b.len()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Struct(m) => serde_json::Value::Object(m.clone()).to_string(),
        Value::Binary { tag, bytes } => format!("binary({tag:?}, {} bytes)", bytes.len()),
        Value::None => "none".into(),
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{k:?}: {}", value_text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Union(Some(v)) => format!("union({})", value_text(v)),
        Value::Union(None) => "union(none)".into(),
    }
}

/// The format's name.
pub fn format_text(input: &TypedInput) -> &'static str {
    match input.format {
        InputFormat::Yaml => "yaml",
        InputFormat::Proto => "proto",
        InputFormat::Json => "json",
    }
}
