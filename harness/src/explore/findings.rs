//! Findings: what a property run reports, as a table for people and JSON lines for tools.
//!
//! A finding is one distinct way a language failed (one [`Signature`](super::classify::Signature)),
//! shown with the minimal input it was shrunk to. It is *known* when a declared limitation
//! explains every failing stage — then `reason` gives each limitation's reason — and a *new
//! finding* otherwise, which fails the run.

use std::time::Duration;

use serde::Serialize;

use crate::protocol::profile::Profile;
use crate::spec::limitation::FailureKind;

/// Where the input a finding shows comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A generated case, shrunk.
    Generated,
    /// A replayed entry of the regressions file (not shrunk): only a replay showed the failure,
    /// or the replayed input is simpler than the one shrinking reached.
    Regression,
}

/// One failing stage of a finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailureReport {
    /// `input`, `program` or `cross-language`.
    pub stage: String,
    /// What failed.
    pub kind: FailureKind,
    /// What happened.
    pub detail: String,
    /// The limitation that explains it, if any.
    pub limitation: Option<String>,
}

/// One distinct failure, at its minimal input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The language (`x≠y` for a cross-language disagreement).
    pub language: String,
    /// Input `a` as the runtime rendered it into the command line (backend: Go's `%v`).
    pub a: String,
    /// Input `b` as rendered.
    pub b: String,
    /// Input `a` in Go's ParseFloat syntax, exactly (what `rawconf exec --input` takes).
    pub a_input: String,
    /// Input `b` in Go's ParseFloat syntax.
    pub b_input: String,
    /// The class of the input (see `explore::strategy`).
    pub class: String,
    /// Whether declared limitations explain every failing stage.
    pub known: bool,
    /// The limitations' reasons (known), or what is unexplained (new).
    pub reason: String,
    /// The ids of the limitations that explain it.
    pub limitations: Vec<String>,
    /// Every failing stage.
    pub failures: Vec<FailureReport>,
    /// A command that reruns the minimal input alone.
    pub reproduce: String,
    /// How many generated cases showed the same failure (0: only a replayed regression did).
    pub occurrences: usize,
    /// Generated or replayed.
    pub source: Source,
    /// Shrinking steps tried to reach the minimal input.
    pub shrink_steps: usize,
    /// The run's seed.
    pub seed: u64,
    /// The profile.
    pub profile: Profile,
}

impl Finding {
    /// What happened, on one line: each failing stage's kind and detail.
    pub fn what(&self) -> String {
        self.failures
            .iter()
            .map(|f| format!("{}: {}", f.kind, f.detail))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// `known: id, id` or `NEW`.
    pub fn verdict(&self) -> String {
        if self.known {
            format!("known: {}", self.limitations.join(", "))
        } else {
            "NEW FINDING".to_owned()
        }
    }

    /// The finding as one line of JSON.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("findings serialize")
    }
}

/// The result of a property run.
#[derive(Debug, Clone)]
pub struct Exploration {
    /// The seed.
    pub seed: u64,
    /// Generated cases per language.
    pub cases: u32,
    /// The profile.
    pub profile: Profile,
    /// The languages explored.
    pub languages: Vec<String>,
    /// Regression entries replayed (for this profile).
    pub replayed: usize,
    /// Containers run.
    pub runs: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Every finding, by language, then cross-language.
    pub findings: Vec<Finding>,
}

impl Exploration {
    /// The findings no limitation explains.
    pub fn new_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.known)
    }

    /// One line saying what ran, with the seed to repeat it.
    pub fn headline(&self) -> String {
        let new = self.new_findings().count();
        format!(
            "seed {} · {} generated cases per language + {} replayed · {} · profile {} · {} containers in {:.0}s · {} findings: {} known, {} new",
            self.seed,
            self.cases,
            self.replayed,
            self.languages.join(", "),
            self.profile,
            self.runs,
            self.elapsed.as_secs_f64(),
            self.findings.len(),
            self.findings.len() - new,
            new
        )
    }

    /// The findings table for a terminal (the last column is cut to `width` characters).
    pub fn to_table(&self, width: usize) -> String {
        let header = ["language", "class", "a", "b", "verdict", "what happened"];
        let rows: Vec<[String; 6]> = self
            .findings
            .iter()
            .map(|f| {
                [
                    f.language.clone(),
                    f.class.clone(),
                    f.a.clone(),
                    f.b.clone(),
                    f.verdict(),
                    f.what(),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r.iter()).take(5) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: [&str; 6]| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate().take(5) {
                s.push_str(c);
                s.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
            s.push_str(&cut(cells[5], width));
            s.trim_end().to_owned()
        };
        let mut out = String::new();
        out.push_str(&line(header));
        out.push('\n');
        for r in &rows {
            out.push_str(&line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]]));
            out.push('\n');
        }
        out
    }

    /// The findings as a Markdown section (for a CI step summary).
    pub fn to_markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        let mut out = format!("## Property run\n\n{}\n\n", self.headline());
        if self.findings.is_empty() {
            out.push_str("No findings.\n");
            return out;
        }
        out.push_str("| language | class | a | b | verdict | what happened | reproduce |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
        for f in &self.findings {
            out.push_str(&format!(
                "| {} | {} | `{}` | `{}` | {} | {} | `{}` |\n",
                esc(&f.language),
                esc(&f.class),
                esc(&f.a),
                esc(&f.b),
                esc(&f.verdict()),
                esc(&f.what()),
                esc(&f.reproduce)
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
