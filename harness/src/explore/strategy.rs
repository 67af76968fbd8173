//! Strategies: proptest generators for the ellipse task's inputs, one per class of float that
//! matters to the protocol or to one of the five programs.
//!
//! Every generated value carries the *class* of the generator that made it, so a finding says
//! which kind of input shows it. Each class's generator shrinks *inside* its class (integer
//! mantissas toward 1, exponents toward the class's boundary, filters that keep the class's
//! defining property), so a shrunk input still belongs to the class it is labelled with, and the
//! minimal inputs are readable (`1e-05`, `2e+19`) rather than binary-search noise.
//!
//! | class | values | why it matters |
//! |---|---|---|
//! | `integer` | 0 … 1000 | `3.0` renders as `3`; the example's own inputs |
//! | `decimal` | m·10^e, 1e-4 ≤ x < 1e6 | plain `%v` rendering: every program should pass |
//! | `negative` | −(integer, decimal, tiny, huge) | the sign reaches `bc`'s and `read`'s grammar |
//! | `zero`, `negative-zero` | `0`, `-0` | `-0` rendering, the sign of a zero area |
//! | `exponent-low` | 1e-9 … 9.9e-3 | `%v` switches to `1e-05` below 1e-4 |
//! | `exponent-high` | 999990 … 1000010, 1e4 … 9.9e7 | `%v` switches to `1e+06` at 1e6 |
//! | `exponent-1e21` | 1e19 … 9.9e22 | copilot's `inputs.json` switches to `1e+21` at 1e21 |
//! | `tiny` | 1e-310 … 9.9e-19 | below binary32's range, down into binary64 subnormals |
//! | `huge` | 1e20 … 9.9e307 | above binary32's range |
//! | `subnormal` | binary64 subnormals | `5e-324`; copilot's input file has hundreds of digits |
//! | `nan`, `infinity`, `-infinity` | NaN, ±Inf | `%v` gives `NaN`, `+Inf`, `-Inf`; JSON cannot hold them |
//! | `long-digits` | 16–17 significant digits | the longest shortest representations |
//!
//! A case is a pair `(a, b)`: mostly two independent values, sometimes a pair built for its
//! product — `f32-overflow` (finite π·a·b above binary32's maximum), `f32-underflow` (non-zero
//! π·a·b below binary32's smallest normal), `f64-overflow` (π·a·b overflows binary64).

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use crate::protocol::goformat::ShortestDigits;
use crate::protocol::literal::{Literal, LiteralMap, Primitive};

/// The largest finite binary32, widened.
pub const F32_MAX: f64 = f32::MAX as f64;
/// The smallest positive normal binary32, widened.
pub const F32_MIN_POSITIVE: f64 = f32::MIN_POSITIVE as f64;

/// One generated float and the class of the generator that made it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Input {
    /// The generator's class (see the module table), or [`class_of`] for a replayed input.
    pub class: &'static str,
    /// The value.
    pub value: f64,
}

/// One generated case of the ellipse task: its two inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CaseInput {
    /// Input `a`.
    pub a: Input,
    /// Input `b`.
    pub b: Input,
    /// The class of the pair when it was built for its product (`f32-overflow`, …).
    pub pair_class: Option<&'static str>,
}

impl CaseInput {
    /// A case from two given values (a replayed regression), labelled by [`class_of`].
    pub fn fixed(a: f64, b: f64) -> CaseInput {
        CaseInput {
            a: Input {
                class: class_of(a),
                value: a,
            },
            b: Input {
                class: class_of(b),
                value: b,
            },
            pair_class: None,
        }
    }

    /// The class label shown in findings: the pair's class, or `<a class>×<b class>`.
    pub fn class(&self) -> String {
        match self.pair_class {
            Some(c) => c.to_owned(),
            None if self.a.class == self.b.class => self.a.class.to_owned(),
            None => format!("{}×{}", self.a.class, self.b.class),
        }
    }

    /// The task's input literals `{a, b}`.
    pub fn literals(&self) -> LiteralMap {
        LiteralMap {
            literals: [("a", self.a.value), ("b", self.b.value)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), Literal::primitive(Primitive::Float(v))))
                .collect(),
        }
    }

    /// The exact bits of both values: equal keys mean the very same case (NaN included).
    pub fn key(&self) -> (u64, u64) {
        (self.a.value.to_bits(), self.b.value.to_bits())
    }
}

/// The classes of single values, in the order [`float_input`] lists them.
pub const CLASSES: &[&str] = &[
    "integer",
    "decimal",
    "negative",
    "zero",
    "negative-zero",
    "exponent-low",
    "exponent-high",
    "exponent-1e21",
    "tiny",
    "huge",
    "subnormal",
    "nan",
    "infinity",
    "-infinity",
    "long-digits",
];

/// The class a given value would be drawn from (for inputs that were not generated, such as
/// replayed regressions). Where the generators overlap, the first class of [`CLASSES`] wins.
pub fn class_of(x: f64) -> &'static str {
    let m = x.abs();
    match x {
        _ if x.is_nan() => "nan",
        f64::INFINITY => "infinity",
        f64::NEG_INFINITY => "-infinity",
        _ if x == 0.0 && x.is_sign_negative() => "negative-zero",
        _ if x == 0.0 => "zero",
        _ if m <= 1000.0 && m.fract() == 0.0 && x > 0.0 => "integer",
        _ if x < 0.0 => "negative",
        _ if (1e-4..1e6).contains(&m) && significant_digits(m) >= 16 => "long-digits",
        _ if (1e-4..1e6).contains(&m) => "decimal",
        _ if m < f64::MIN_POSITIVE => "subnormal",
        _ if m < 1e-18 => "tiny",
        _ if m < 1e-4 => "exponent-low",
        _ if m < 1e19 => "exponent-high",
        _ if m < 1e23 => "exponent-1e21",
        _ => "huge",
    }
}

/// The classes of pairs built for their product.
pub const PAIR_CLASSES: &[&str] = &["f32-overflow", "f32-underflow", "f64-overflow"];

/// `m · 10^e` as the nearest binary64 of that decimal (what a user typing `me` gets), not
/// `m as f64 * 10f64.powi(e)`, whose double rounding gives values like `1.0000000000000001e-5`.
pub fn decimal(m: u32, e: i32) -> f64 {
    format!("{m}e{e}").parse().unwrap_or(f64::NAN)
}

/// The number of significant digits of the shortest representation of `x` (0 for zero and
/// non-finite values).
pub fn significant_digits(x: f64) -> usize {
    if !x.is_finite() {
        return 0;
    }
    ShortestDigits::of(x).digits.len()
}

fn labelled(class: &'static str, s: impl Strategy<Value = f64> + 'static) -> BoxedStrategy<Input> {
    s.prop_map(move |value| Input { class, value }).boxed()
}

fn mantissa_exponent(
    m: std::ops::RangeInclusive<u32>,
    e: std::ops::RangeInclusive<i32>,
) -> impl Strategy<Value = f64> {
    (m, e).prop_map(|(m, e)| decimal(m, e))
}

fn integer() -> impl Strategy<Value = f64> {
    (0u32..=1000).prop_map(f64::from)
}

fn plain_decimal() -> impl Strategy<Value = f64> {
    mantissa_exponent(1..=9999, -4..=2).prop_filter("plain %v rendering: 1e-4 ≤ x < 1e6", |x| {
        (1e-4..1e6).contains(x)
    })
}

fn tiny() -> impl Strategy<Value = f64> {
    mantissa_exponent(1..=99, -310..=-20)
}

fn huge() -> impl Strategy<Value = f64> {
    mantissa_exponent(1..=99, 20..=306)
}

/// One float, from every class, weighted so that a few dozen cases touch every class.
pub fn float_input() -> BoxedStrategy<Input> {
    prop_oneof![
        3 => labelled("integer", integer()),
        3 => labelled("decimal", plain_decimal()),
        2 => labelled(
            "negative",
            prop_oneof![
                (1u32..=1000).prop_map(f64::from),
                plain_decimal(),
                tiny(),
                huge()
            ]
            .prop_map(|x: f64| -x)
        ),
        1 => labelled("zero", Just(0.0)),
        1 => labelled("negative-zero", Just(-0.0)),
        2 => labelled("exponent-low", mantissa_exponent(1..=99, -9..=-4)),
        2 => labelled(
            "exponent-high",
            prop_oneof![
                (999_990u32..=1_000_010).prop_map(f64::from),
                mantissa_exponent(1..=99, 4..=6)
            ]
        ),
        1 => labelled("exponent-1e21", mantissa_exponent(1..=99, 19..=21)),
        2 => labelled("tiny", tiny()),
        2 => labelled("huge", huge()),
        1 => labelled("subnormal", (1u64..(1u64 << 52)).prop_map(f64::from_bits)),
        1 => labelled("nan", Just(f64::NAN)),
        1 => labelled("infinity", Just(f64::INFINITY)),
        1 => labelled("-infinity", Just(f64::NEG_INFINITY)),
        2 => labelled(
            "long-digits",
            (0u64..(1u64 << 52), -3i32..=3)
                .prop_map(|(bits, e)| {
                    f64::from_bits(0x3FF0_0000_0000_0000 | bits) * 10f64.powi(e)
                })
                .prop_filter("16 or more significant digits", |x| {
                    significant_digits(*x) >= 16
                })
        ),
    ]
    .boxed()
}

fn pair(
    class: &'static str,
    exponents: std::ops::RangeInclusive<i32>,
    keep: fn(f64) -> bool,
) -> BoxedStrategy<CaseInput> {
    let side = || mantissa_exponent(1..=99, exponents.clone());
    let label = if class == "f32-underflow" {
        "tiny"
    } else {
        "huge"
    };
    (side(), side())
        .prop_filter(class, move |(a, b)| keep(std::f64::consts::PI * a * b))
        .prop_map(move |(a, b)| CaseInput {
            a: Input {
                class: label,
                value: a,
            },
            b: Input {
                class: label,
                value: b,
            },
            pair_class: Some(class),
        })
        .boxed()
}

/// One case of the ellipse task: two independent inputs, or a pair built for its product.
pub fn case_input() -> BoxedStrategy<CaseInput> {
    prop_oneof![
        8 => (float_input(), float_input()).prop_map(|(a, b)| CaseInput { a, b, pair_class: None }),
        1 => pair("f32-overflow", 19..=30, |p| p.is_finite() && p.abs() > F32_MAX),
        1 => pair("f32-underflow", -30..=-20, |p| p != 0.0 && p.abs() < F32_MIN_POSITIVE),
        1 => pair("f64-overflow", 150..=306, f64::is_infinite),
    ]
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::TestRunner;

    #[test]
    fn decimals_are_the_nearest_double() {
        assert_eq!(decimal(1, -5), 1e-5);
        assert_eq!(crate::protocol::goformat::format_v(decimal(1, -5)), "1e-05");
        assert_eq!(decimal(2, 19), 2e19);
        assert_eq!(significant_digits(0.1 + 0.2), 17);
        assert_eq!(significant_digits(1e6), 1);
    }

    /// A few hundred cases reach every class, and every class keeps its defining property.
    #[test]
    fn every_class_is_generated_and_true_to_its_label() {
        let mut runner = TestRunner::deterministic();
        let strategy = case_input();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..2000 {
            let case = strategy.new_tree(&mut runner).unwrap().current();
            for input in [case.a, case.b] {
                seen.insert(input.class);
                let x = input.value;
                let ok = match input.class {
                    "integer" => x.fract() == 0.0 && (0.0..=1000.0).contains(&x),
                    "decimal" => (1e-4..1e6).contains(&x),
                    "negative" => x < 0.0,
                    "zero" => x == 0.0 && x.is_sign_positive(),
                    "negative-zero" => x == 0.0 && x.is_sign_negative(),
                    "exponent-low" => (1e-9..1e-2).contains(&x),
                    "exponent-high" => (1e4..1e8).contains(&x),
                    "exponent-1e21" => (1e19..1e23).contains(&x),
                    "tiny" => x > 0.0 && x < 1e-18,
                    "huge" => x >= 1e19 && x.is_finite(),
                    "subnormal" => x > 0.0 && x < f64::MIN_POSITIVE,
                    "nan" => x.is_nan(),
                    "infinity" => x == f64::INFINITY,
                    "-infinity" => x == f64::NEG_INFINITY,
                    "long-digits" => significant_digits(x) >= 16,
                    other => panic!("unknown class {other}"),
                };
                assert!(ok, "{} is not {}", x, input.class);
            }
            if let Some(pc) = case.pair_class {
                seen.insert(pc);
                let p = std::f64::consts::PI * case.a.value * case.b.value;
                let ok = match pc {
                    "f32-overflow" => p.is_finite() && p > F32_MAX,
                    "f32-underflow" => p > 0.0 && p < F32_MIN_POSITIVE,
                    "f64-overflow" => p.is_infinite(),
                    other => panic!("unknown pair class {other}"),
                };
                assert!(ok, "{case:?} is not {pc}");
            }
        }
        for class in CLASSES.iter().chain(PAIR_CLASSES) {
            assert!(seen.contains(class), "class {class} never generated");
        }
    }

    /// Shrinking keeps a pair inside its class and ends on round numbers.
    #[test]
    fn overflow_pairs_shrink_to_round_numbers() {
        let mut runner = TestRunner::deterministic();
        let s = pair("f32-overflow", 19..=30, |p| {
            p.is_finite() && p.abs() > F32_MAX
        });
        let mut tree = s.new_tree(&mut runner).unwrap();
        while tree.simplify() {}
        let c = tree.current();
        let p = std::f64::consts::PI * c.a.value * c.b.value;
        assert!(p.is_finite() && p > F32_MAX, "{c:?}");
        assert_eq!(c.a.value, 1e19, "{c:?}");
        assert!(significant_digits(c.b.value) <= 2, "{c:?}");
    }
}
