//! Declared limitations of the literal explorer: which inputs are known to fail which check,
//! and why — so a run that hits one reports it as known instead of failing.
//!
//! The float explorer's limitations live in manifests (`[[limitation]]`, [`crate::spec::limitation`])
//! because their predicates are about numbers and rendered arguments. Those of the literal
//! explorer are about the *shape* of an input (a map key, a file name), which that vocabulary
//! cannot say; they are declared here, as data, each with the stage and symptom it explains
//! and a predicate over the drawn input. A limitation must not explain a failure its predicate
//! does not hold for: a new way to fail stays a new finding.
//!
//! (The first run of this explorer found the probe listing a path that ends in a space without
//! it — `read -r` with the default IFS trims it. That was the probe's fault, not the runtime's:
//! the probe now reads with `IFS=`, and no limitation is declared for it.)

use super::judge::{Failure, Stage};
use super::model::odd_key;
use super::strategy::{TypedInput, Value};

/// One declared limitation.
#[derive(Debug)]
pub struct Declared {
    /// Identifier, kebab-case.
    pub id: &'static str,
    /// The failures it explains: stage and symptom.
    pub failures: &'static [(Stage, &'static str)],
    /// Why, for humans.
    pub reason: &'static str,
    /// Whether it covers this input.
    pub applies: fn(&TypedInput) -> bool,
}

/// Every declared limitation.
pub const DECLARED: &[Declared] = &[
    Declared {
        id: "map-key-not-a-path-component",
        failures: &[(Stage::Refused, "the runtime refuses the input")],
        reason: "copilot path.Joins a map key into the map's directory (download.go, RecursiveDownload): \
             an empty key or `.` names the map's own directory, `..` its parent, `a/b` a nested path; \
             the protocol fixes no result for them and rawconf refuses such an input with a usage error \
             rather than write outside the input dir",
        applies: |input| odd_key(&input.value).is_some(),
    },
    Declared {
        id: "probe-listing-one-path-per-line",
        failures: &[
            (Stage::Program, "the listing is unreadable"),
            (Stage::Download, "an expected path is missing"),
            (Stage::Download, "an unexpected path"),
            (Stage::Download, "a file's bytes differ"),
        ],
        reason: "the probe lists one path per line: a map key or file name holding a line feed is \
             split over two lines, so the listing cannot show it (a limit of the probe's report, \
             not of the runtime; the dumped files and inputs.json are still judged)",
        applies: |input| has_line_feed(&input.value),
    },
];

fn has_line_feed(value: &Value) -> bool {
    match value {
        Value::Map(m) => m.iter().any(|(k, v)| k.contains('\n') || has_line_feed(v)),
        Value::List(items) => items.iter().any(has_line_feed),
        Value::Union(Some(v)) => has_line_feed(v),
        Value::Dir(t) => t.keys().any(|p| p.contains('\n')),
        _ => false,
    }
}

/// The declared limitation that explains `failure` of `input`, if one does.
pub fn explain(failure: &Failure, input: &TypedInput) -> Option<&'static Declared> {
    DECLARED
        .iter()
        .find(|d| d.failures.contains(&(failure.stage, failure.symptom)) && (d.applies)(input))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::inputs::InputFormat;

    #[test]
    fn a_refused_odd_key_is_known_and_a_plain_key_is_not() {
        let input = |k: &str| TypedInput {
            shape: super::super::strategy::Shape::Map(Box::new(super::super::strategy::Shape::Int)),
            value: Value::Map([(k.to_owned(), Value::Int(1))].into()),
            format: InputFormat::Json,
        };
        let f = Failure {
            stage: Stage::Refused,
            symptom: "the runtime refuses the input",
            detail: String::new(),
        };
        assert_eq!(
            explain(&f, &input("..")).map(|d| d.id),
            Some("map-key-not-a-path-component")
        );
        assert!(explain(&f, &input("k")).is_none());
    }
}
