//! The whole exploration: every language × case first (`jobs` at a time), then each
//! language's findings (`language.rs`) and cross-language agreement (`agreement.rs`), side by
//! side, reported in that order; and which new findings to persist as regressions.

use std::time::Instant;

use super::explorer::Explorer;
use crate::error::Result;
use crate::explore::findings::{Exploration, Finding, Source};
use crate::explore::regressions::Regression;
use crate::explore::strategy::CaseInput;
use crate::spec::language::Language;

impl Explorer<'_> {
    /// The whole exploration: every language, then the cross-language check. Every language ×
    /// case runs first, `jobs` at a time, so the phases after it only shrink — each language
    /// and the cross-language check on their own threads, their runs through the same gate.
    pub fn explore(&self) -> Result<Exploration> {
        let explored = self.explore_all();
        self.or_fault(explored)
    }

    fn explore_all(&self) -> Result<Exploration> {
        let started = Instant::now();
        let generated = self.generated()?;
        let mut pairs = Vec::new();
        for lang in &self.languages {
            for r in self
                .regressions
                .for_language(&lang.name, self.config.profile)
            {
                pairs.push((lang, CaseInput::fixed(r.a, r.b)));
            }
            for c in &generated {
                pairs.push((lang, *c));
            }
        }
        self.prefill(&pairs)?;
        // `None` is the cross-language check, after every language.
        let phases: Vec<Option<&Language>> = self
            .languages
            .iter()
            .map(Some)
            .chain(std::iter::once(None))
            .collect();
        let findings: Vec<Finding> = self
            .in_parallel(&phases, |phase| match phase {
                Some(lang) => self.explore_language_unchecked(lang),
                None => self.explore_agreement_unchecked(),
            })?
            .into_iter()
            .flatten()
            .collect();
        Ok(Exploration {
            seed: self.config.seed,
            cases: self.config.cases,
            profile: self.config.profile,
            languages: self.languages.iter().map(|l| l.name.clone()).collect(),
            replayed: self
                .regressions
                .cases
                .iter()
                .filter(|r| r.profile == self.config.profile)
                .count(),
            runs: self.runs(),
            elapsed: started.elapsed(),
            findings,
        })
    }

    /// The minimal inputs of new findings, as regression entries to persist.
    pub fn to_persist(&self, findings: &[Finding]) -> Vec<Regression> {
        findings
            .iter()
            .filter(|f| !f.known && f.source == Source::Generated)
            .filter_map(|f| {
                let a = crate::protocol::goformat::parse_float(&f.a_input).ok()?;
                let b = crate::protocol::goformat::parse_float(&f.b_input).ok()?;
                Some(Regression {
                    a,
                    b,
                    language: self.language(&f.language).map(|l| l.name.clone()),
                    profile: self.config.profile,
                    expect: None,
                    note: format!("found by seed {}: {}", f.seed, f.reason),
                    index: 0,
                })
            })
            .collect()
    }
}
