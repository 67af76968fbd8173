//! What a declared limitation ([`crate::spec::limitation`]) means for one case: its predicates
//! evaluated on the inputs as the ellipse program saw them, and the first limitation that
//! explains a failure. The ellipse judge and the property runner classify failures with it.

use crate::protocol::profile::Profile;
use crate::spec::limitation::{Condition, FailureKind, Limitation, ValueTest};

/// What a condition is evaluated on: one case as the program saw it.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The input values.
    pub a: f64,
    /// The input values.
    pub b: f64,
    /// The arguments as the runtime rendered them (`{{.inputs.a}}`, `{{.inputs.b}}`).
    pub rendered: [&'a str; 2],
}

impl ValueTest {
    /// Whether `x` passes every set field.
    pub fn holds(&self, x: f64) -> bool {
        self.finite.is_none_or(|f| x.is_finite() == f)
            && self.nan.is_none_or(|n| x.is_nan() == n)
            && self.nonzero.is_none_or(|n| (x != 0.0) == n)
            && self.abs_above.is_none_or(|b| x.abs() > b)
            && self.abs_below.is_none_or(|b| x.abs() < b)
    }
}

impl Condition {
    /// Whether every condition holds for the case.
    pub fn holds(&self, facts: &Facts<'_>) -> bool {
        let pi_a = std::f64::consts::PI * facts.a;
        let area = pi_a * facts.b;
        self.argument
            .as_ref()
            .is_none_or(|re| facts.rendered.iter().any(|r| re.is_match(r)))
            && self
                .input
                .as_ref()
                .is_none_or(|t| t.holds(facts.a) || t.holds(facts.b))
            && self.steps.as_ref().is_none_or(|t| {
                [facts.a, facts.b, pi_a, area]
                    .into_iter()
                    .any(|x| t.holds(x))
            })
            && self.area.as_ref().is_none_or(|t| t.holds(area))
    }
}

impl Limitation {
    /// Whether this limitation explains a failure of `kind` on `facts` under `profile`.
    pub fn explains(&self, kind: FailureKind, profile: Profile, facts: &Facts<'_>) -> bool {
        self.failures.contains(&kind)
            && (self.profiles.is_empty() || self.profiles.contains(&profile))
            && self.when.holds(facts)
    }
}

/// The first limitation among `limitations` that explains a failure, if any.
pub fn explain<'l>(
    limitations: impl IntoIterator<Item = &'l Limitation>,
    kind: FailureKind,
    profile: Profile,
    facts: &Facts<'_>,
) -> Option<&'l Limitation> {
    limitations
        .into_iter()
        .find(|l| l.explains(kind, profile, facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::limitation::{RawLimitation, validate};

    fn parse(text: &str) -> Result<Vec<Limitation>, String> {
        #[derive(serde::Deserialize)]
        struct File {
            limitation: Vec<RawLimitation>,
        }
        let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
        validate(f.limitation, "test.toml")
    }

    fn facts(a: f64, b: f64) -> (String, String) {
        (
            crate::protocol::goformat::format_v(a),
            crate::protocol::goformat::format_v(b),
        )
    }

    fn holds(l: &Limitation, kind: FailureKind, a: f64, b: f64) -> bool {
        let (ra, rb) = facts(a, b);
        l.explains(
            kind,
            Profile::Backend,
            &Facts {
                a,
                b,
                rendered: [&ra, &rb],
            },
        )
    }

    #[test]
    fn argument_regex_and_failure_kind() {
        let l = parse(
            r#"
[[limitation]]
id = "exponent-form"
failure = "output"
when.argument = 'e[+-][0-9]+$'
reason = "bc"
"#,
        )
        .unwrap();
        assert!(holds(&l[0], FailureKind::Output, 1e6, 1.0));
        assert!(holds(&l[0], FailureKind::Output, 1.0, 1e-5));
        assert!(!holds(&l[0], FailureKind::Output, 123456.0, 0.0001));
        // Explains only the declared kind.
        assert!(!holds(&l[0], FailureKind::Precision, 1e6, 1.0));
    }

    #[test]
    fn steps_cover_the_partial_product() {
        let l = parse(
            r#"
[[limitation]]
id = "f32-overflow"
failure = ["precision", "model"]
when.steps = { finite = true, abs-above = 3.4028235e38 }
reason = "Float"
"#,
        )
        .unwrap();
        // π·a overflows binary32 although π·a·b does not.
        assert!(holds(&l[0], FailureKind::Precision, 2e38, 1e-10));
        assert!(holds(&l[0], FailureKind::Model, 1e20, 1e20));
        assert!(!holds(&l[0], FailureKind::Precision, 1e10, 1e10));
        // Infinity in f64 is not "finite and above".
        assert!(!holds(&l[0], FailureKind::Precision, f64::INFINITY, 1.0));
    }

    #[test]
    fn profiles_scope_a_limitation() {
        let l = parse(
            r#"
[[limitation]]
id = "copilot-non-finite"
profiles = ["backend"]
failure = "input"
when.input = { finite = false }
reason = "json"
"#,
        )
        .unwrap();
        let f = Facts {
            a: f64::NAN,
            b: 1.0,
            rendered: ["NaN", "1"],
        };
        assert!(l[0].explains(FailureKind::Input, Profile::Backend, &f));
        assert!(!l[0].explains(FailureKind::Input, Profile::FlytekitLocal, &f));
    }

    #[test]
    fn value_tests() {
        let t = ValueTest {
            nonzero: Some(true),
            abs_below: Some(1.17549435e-38),
            ..Default::default()
        };
        assert!(t.holds(1e-40));
        assert!(t.holds(-1e-40));
        assert!(!t.holds(0.0));
        assert!(!t.holds(-0.0));
        assert!(!t.holds(f64::NAN));
        let nan = ValueTest {
            nan: Some(true),
            ..Default::default()
        };
        assert!(nan.holds(f64::NAN) && !nan.holds(1.0));
    }
}
