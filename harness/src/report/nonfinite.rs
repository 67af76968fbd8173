//! An area in `report.json` that JSON numbers cannot spell: `"inf"`, `"-inf"`, `"NaN"`.
//!
//! Why: serde_json writes a non-finite `f64` as `null`, which also means "no value". A program
//! that computes +Inf (Haskell's `Float` overflowing) then reads back as one that wrote nothing,
//! and `rawconf report merge`, which recomputes the cross-language table from the shards'
//! reports, lost the disagreements an unsharded run reports. Finite values stay JSON numbers.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A number, a non-finite spelled as a string, or `null`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Spelled {
    Number(f64),
    Word(String),
}

fn spell(x: f64) -> Spelled {
    if x.is_nan() {
        Spelled::Word("NaN".into())
    } else if x.is_infinite() {
        Spelled::Word(if x > 0.0 { "inf" } else { "-inf" }.into())
    } else {
        Spelled::Number(x)
    }
}

fn read<E: serde::de::Error>(s: Spelled) -> Result<f64, E> {
    match s {
        Spelled::Number(x) => Ok(x),
        Spelled::Word(w) => match w.as_str() {
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            "NaN" => Ok(f64::NAN),
            other => Err(E::custom(format!(
                "expected a number, \"inf\", \"-inf\" or \"NaN\", found \"{other}\""
            ))),
        },
    }
}

/// `Option<f64>` fields (`results[].area`).
pub mod option {
    use super::*;

    /// Serializes a non-finite value as its word.
    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        v.map(spell).serialize(s)
    }

    /// Reads a number, a word or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<Spelled>::deserialize(d)?.map(read).transpose()
    }
}

/// Maps of `Option<f64>` (`divergence[].areas`).
pub mod map {
    use super::*;

    /// Serializes each non-finite value as its word.
    pub fn serialize<S: Serializer>(
        m: &BTreeMap<String, Option<f64>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        m.iter()
            .map(|(k, v)| (k, v.map(spell)))
            .collect::<BTreeMap<_, _>>()
            .serialize(s)
    }

    /// Reads numbers, words or `null`s.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Option<f64>>, D::Error> {
        BTreeMap::<String, Option<Spelled>>::deserialize(d)?
            .into_iter()
            .map(|(k, v)| Ok((k, v.map(read).transpose()?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, Debug)]
    struct R {
        #[serde(with = "super::option")]
        area: Option<f64>,
    }

    #[test]
    fn non_finite_areas_round_trip() {
        for (x, json) in [
            (Some(f64::INFINITY), r#"{"area":"inf"}"#),
            (Some(f64::NEG_INFINITY), r#"{"area":"-inf"}"#),
            (Some(1.5), r#"{"area":1.5}"#),
            (None, r#"{"area":null}"#),
        ] {
            assert_eq!(serde_json::to_string(&R { area: x }).unwrap(), json);
            assert_eq!(serde_json::from_str::<R>(json).unwrap().area, x);
        }
        let nan: R = serde_json::from_str(r#"{"area":"NaN"}"#).unwrap();
        assert!(nan.area.unwrap().is_nan());
        assert!(serde_json::from_str::<R>(r#"{"area":"big"}"#).is_err());
    }
}
