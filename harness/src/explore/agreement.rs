//! Cross-language agreement: every two languages that both passed a case must agree within
//! [`oracle::pair_tolerance`]; a disagreement is a finding too (known when a `disagreement`
//! limitation explains it).

use super::explorer::{Explorer, reproduce, sort_unique};
use super::shrink::complexity;
use crate::error::{Error, Result};
use crate::explore::classify::{Explained, facts};
use crate::explore::findings::{Finding, Source};
use crate::explore::regressions::Regression;
use crate::explore::strategy::CaseInput;
use crate::judge::ellipse::Failure;
use crate::judge::ellipse::limits::explain;
use crate::judge::ellipse::oracle;
use crate::spec::language::Language;
use crate::spec::limitation::FailureKind;

impl Explorer<'_> {
    /// Cross-language findings: pairs of languages that both passed a case but disagree beyond
    /// twice the looser of their declared precisions.
    pub fn explore_agreement(&self) -> Result<Vec<Finding>> {
        let found = self.explore_agreement_unchecked();
        self.or_fault(found)
    }

    /// [`Explorer::explore_agreement`], leaving a harness fault for the caller to report.
    pub(super) fn explore_agreement_unchecked(&self) -> Result<Vec<Finding>> {
        let generated = self.generated()?;
        let entries: Vec<&Regression> = self
            .regressions
            .cases
            .iter()
            .filter(|r| r.language.is_none() && r.profile == self.config.profile)
            .collect();
        let replays: Vec<CaseInput> = entries.iter().map(|r| CaseInput::fixed(r.a, r.b)).collect();
        let mut pairs = Vec::new();
        for lang in &self.languages {
            for c in replays.iter().chain(&generated) {
                pairs.push((lang, *c));
            }
        }
        self.prefill(&pairs)?;

        let mut findings = Vec::new();
        // Replays that expect a cross-language limitation must still show exactly those.
        for (r, case) in entries.iter().zip(&replays) {
            let Some(expect) = &r.expect else { continue };
            let mut want: Vec<String> = expect
                .iter()
                .filter(|id| self.is_cross_language(id))
                .cloned()
                .collect();
            sort_unique(&mut want);
            let found = self.disagreements(case)?;
            let mut got: Vec<String> = found.iter().filter_map(|(_, _, w)| w.clone()).collect();
            sort_unique(&mut got);
            let unexplained = found.iter().any(|(_, _, w)| w.is_none());
            if want != got || (!want.is_empty() && unexplained) {
                let o = self.observe(&self.languages[0], case)?;
                let mut f = self.finding("cross-language", case, &o, &[], Source::Regression);
                f.known = false;
                f.reason = format!(
                    "{}: case[{}] expects the disagreement(s) {} but shows {}",
                    self.regressions.path.display(),
                    r.index,
                    if want.is_empty() {
                        "none".to_owned()
                    } else {
                        want.join(", ")
                    },
                    if found.is_empty() {
                        "none".to_owned()
                    } else {
                        found
                            .iter()
                            .map(|(x, y, w)| {
                                format!("{x}≠{y} ({})", w.as_deref().unwrap_or("unexplained"))
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                );
                findings.push(f);
            }
        }

        type Key = (String, String, Option<String>);
        let mut groups: Vec<(Key, Option<u32>, CaseInput, usize)> = Vec::new();
        let indexed = replays.iter().map(|c| (None, *c)).chain(
            generated
                .iter()
                .enumerate()
                .map(|(i, c)| (Some(i as u32), *c)),
        );
        for (index, case) in indexed {
            for (x, y, why) in self.disagreements(&case)? {
                let key = (x, y, why);
                match groups.iter_mut().find(|g| g.0 == key) {
                    Some(g) => {
                        g.3 += usize::from(index.is_some());
                        // Start from the simplest input that shows it (a replayed one is not
                        // shrunk further).
                        if complexity(&case) < complexity(&g.2) {
                            g.1 = index;
                            g.2 = case;
                        }
                    }
                    None => groups.push((key, index, case, usize::from(index.is_some()))),
                }
            }
        }
        // Each disagreement shrinks on its own thread; the findings keep the groups' order.
        let shrunk = self.in_parallel(&groups, |((x, y, why), index, case, occurrences)| {
            let known = why.is_some();
            let (minimal, steps) = match index {
                Some(i) if !known || self.config.shrink_known => {
                    let (lx, ly) = match (self.language(x), self.language(y)) {
                        (Some(a), Some(b)) => (a, b),
                        _ => {
                            return Err(Error::Internal(format!(
                                "unknown language `{x}` or `{y}`"
                            )));
                        }
                    };
                    // Only the two languages run while shrinking.
                    let same = |c: &CaseInput| -> Result<bool> {
                        Ok(self.disagreement(lx, ly, c)?.as_ref() == Some(why))
                    };
                    self.shrink(*i, &same)?
                }
                _ => (*case, 0),
            };
            let mut f = self.agreement_finding(x, y, &minimal, index.is_some())?;
            f.occurrences = *occurrences;
            f.shrink_steps = steps;
            Ok(f)
        })?;
        findings.extend(shrunk);
        Ok(findings)
    }

    /// Every pair of languages that both passed `case` and disagree, with the id of the
    /// limitation that explains it (if any).
    fn disagreements(&self, case: &CaseInput) -> Result<Vec<(String, String, Option<String>)>> {
        let mut out = Vec::new();
        for (i, x) in self.languages.iter().enumerate() {
            for y in &self.languages[i + 1..] {
                if let Some(why) = self.disagreement(x, y, case)? {
                    out.push((x.name.clone(), y.name.clone(), why));
                }
            }
        }
        Ok(out)
    }

    /// `Some(explanation)` when `x` and `y` both passed `case` and their areas are not within
    /// twice the looser of their precisions; `None` otherwise.
    fn disagreement(
        &self,
        x: &Language,
        y: &Language,
        case: &CaseInput,
    ) -> Result<Option<Option<String>>> {
        let ox = self.observe(x, case)?;
        let (true, Some(ax)) = (ox.passed(), ox.area) else {
            return Ok(None);
        };
        let oy = self.observe(y, case)?;
        let (true, Some(ay)) = (oy.passed(), oy.area) else {
            return Ok(None);
        };
        if oracle::agree(
            ax,
            ay,
            oracle::pair_tolerance(
                x.ellipse_program()?.arithmetic,
                y.ellipse_program()?.arithmetic,
            ),
        ) {
            return Ok(None);
        }
        let why = explain(
            self.limitations_of(&[x, y]),
            FailureKind::Disagreement,
            self.config.profile,
            &facts(&ox, case),
        )
        .map(|l| l.id.clone());
        Ok(Some(why))
    }

    fn agreement_finding(
        &self,
        x: &str,
        y: &str,
        case: &CaseInput,
        generated: bool,
    ) -> Result<Finding> {
        let (lx, ly) = match (self.language(x), self.language(y)) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(Error::Internal(format!("unknown language `{x}` or `{y}`"))),
        };
        let ox = self.observe(lx, case)?;
        let oy = self.observe(ly, case)?;
        let facts = facts(&ox, case);
        let lim = explain(
            self.limitations_of(&[lx, ly]),
            FailureKind::Disagreement,
            self.config.profile,
            &facts,
        );
        let detail = format!(
            "{x} wrote {:?}, {y} wrote {:?}: not within {:e} of each other",
            ox.area.unwrap_or(f64::NAN),
            oy.area.unwrap_or(f64::NAN),
            oracle::pair_tolerance(
                lx.ellipse_program()?.arithmetic,
                ly.ellipse_program()?.arithmetic,
            )
        );
        let explained = vec![Explained {
            failure: Failure {
                kind: FailureKind::Disagreement,
                detail,
                symptom: None,
            },
            limitation: lim,
        }];
        let mut f = self.finding(
            &format!("{x}≠{y}"),
            case,
            &ox,
            &explained,
            if generated {
                Source::Generated
            } else {
                Source::Regression
            },
        );
        f.reproduce = format!(
            "{} && {}",
            reproduce(x, case, self.config.profile),
            reproduce(y, case, self.config.profile)
        );
        Ok(f)
    }
}
