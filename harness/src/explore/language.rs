//! The findings of one language: its replayed regressions and its generated cases, each
//! distinct failure shrunk to a minimal input.

use std::collections::HashMap;

use super::explorer::{Explorer, sort_unique};
use super::shrink::complexity;
use crate::error::Result;
use crate::explore::classify::{Signature, classify, signature};
use crate::explore::findings::{Finding, Source};
use crate::explore::regressions::Regression;
use crate::explore::strategy::CaseInput;
use crate::spec::language::Language;

impl Explorer<'_> {
    /// The findings of one language: replayed regressions (and whether each still shows what it
    /// expects), then the generated cases, each distinct failure shrunk to a minimal input.
    pub fn explore_language(&self, lang: &Language) -> Result<Vec<Finding>> {
        let found = self.explore_language_unchecked(lang);
        self.or_fault(found)
    }

    /// [`Explorer::explore_language`], leaving a harness fault for the caller to report.
    pub(super) fn explore_language_unchecked(&self, lang: &Language) -> Result<Vec<Finding>> {
        let generated = self.generated()?;
        let replays: Vec<(&Regression, CaseInput)> = self
            .regressions
            .for_language(&lang.name, self.config.profile)
            .map(|r| (r, CaseInput::fixed(r.a, r.b)))
            .collect();
        let mut pairs: Vec<(&Language, CaseInput)> =
            replays.iter().map(|(_, c)| (lang, *c)).collect();
        pairs.extend(generated.iter().map(|c| (lang, *c)));
        self.prefill(&pairs)?;

        let lims = self.limitations_of(&[lang]);
        let mut findings: Vec<Finding> = Vec::new();
        let mut seen: HashMap<Signature, usize> = HashMap::new();

        // Generated cases: group by signature, shrink the first case of each group.
        let mut groups: Vec<(Signature, u32, usize)> = Vec::new();
        for (i, case) in generated.iter().enumerate() {
            let (o, sig) = self.classified(lang, case)?;
            if o.passed() {
                continue;
            }
            match groups.iter_mut().find(|(s, _, _)| *s == sig) {
                Some(g) => {
                    g.2 += 1;
                    // Shrink from the simplest case that shows it: shrinking only simplifies
                    // inside one case's generator, so the start decides how small it gets.
                    if complexity(case) < complexity(&generated[g.1 as usize]) {
                        g.1 = i as u32;
                    }
                }
                None => groups.push((sig, i as u32, 1)),
            }
        }
        // Each group shrinks on its own thread; the findings keep the groups' order.
        let shrunk = self.in_parallel(&groups, |(sig, index, occurrences)| {
            let known = sig.iter().all(|(_, _, l)| l.is_some());
            let (minimal, steps) = if !known || self.config.shrink_known {
                let same =
                    |c: &CaseInput| -> Result<bool> { Ok(self.classified(lang, c)?.1 == *sig) };
                self.shrink(*index, &same)?
            } else {
                (generated[*index as usize], 0)
            };
            let o = self.observe(lang, &minimal)?;
            let explained = classify(&o, &minimal, &lims, self.config.profile);
            let mut f = self.finding(&lang.name, &minimal, &o, &explained, Source::Generated);
            f.occurrences = *occurrences;
            f.shrink_steps = steps;
            Ok(f)
        })?;
        for ((sig, _, _), f) in groups.into_iter().zip(shrunk) {
            seen.insert(sig, findings.len());
            findings.push(f);
        }

        // Replays: a failing replay is a finding unless a generated case already showed the same
        // thing; a replay that does not show what it expects is always a new finding.
        for (r, case) in &replays {
            let o = self.observe(lang, case)?;
            let explained = classify(&o, case, &lims, self.config.profile);
            let sig = signature(&explained);
            let shown: Vec<String> = explained
                .iter()
                .filter_map(|e| e.limitation.map(|l| l.id.clone()))
                .collect();
            if let Some(expect) = &r.expect {
                let all_known = explained.iter().all(|e| e.limitation.is_some());
                // Cross-language expectations are checked by `explore_agreement`; ids of
                // languages outside this selection cannot show.
                let mut want: Vec<String> = expect
                    .iter()
                    .filter(|id| self.is_declared(id) && !self.is_cross_language(id))
                    .cloned()
                    .collect();
                sort_unique(&mut want);
                let mut got = shown.clone();
                sort_unique(&mut got);
                if !all_known || want != got {
                    let mut f = self.finding(&lang.name, case, &o, &explained, Source::Regression);
                    f.known = false;
                    f.reason = format!(
                        "{}: case[{}] expects {} but shows {}{}",
                        self.regressions.path.display(),
                        r.index,
                        if want.is_empty() {
                            "a pass".to_owned()
                        } else {
                            want.join(", ")
                        },
                        if o.passed() {
                            "a pass".to_owned()
                        } else if got.is_empty() {
                            "no known limitation".to_owned()
                        } else {
                            got.join(", ")
                        },
                        if all_known {
                            String::new()
                        } else {
                            format!(" and a new finding ({})", f.what())
                        }
                    );
                    findings.push(f);
                    continue;
                }
            }
            if o.passed() {
                continue;
            }
            let f = self.finding(&lang.name, case, &o, &explained, Source::Regression);
            match seen.get(&sig) {
                // Keep whichever input is simpler: the shrunk one or the replayed one.
                Some(&i) => {
                    let shown = CaseInput::fixed(
                        crate::protocol::goformat::parse_float(&findings[i].a_input)
                            .unwrap_or(f64::NAN),
                        crate::protocol::goformat::parse_float(&findings[i].b_input)
                            .unwrap_or(f64::NAN),
                    );
                    if complexity(case) < complexity(&shown) {
                        let (occurrences, steps) =
                            (findings[i].occurrences, findings[i].shrink_steps);
                        findings[i] = Finding {
                            occurrences,
                            shrink_steps: steps,
                            ..f
                        };
                    }
                }
                None => {
                    seen.insert(sig, findings.len());
                    // No generated case showed it.
                    findings.push(Finding {
                        occurrences: 0,
                        ..f
                    });
                }
            }
        }
        Ok(findings)
    }
}
