//! Pure properties of the oracle's arithmetic models (no Docker): each model agrees with the
//! arithmetic it names, its own result passes the judge wherever the declared precision is
//! promised, and nothing panics on arbitrary text.
//!
//! (Rendering ↔ parsing round trips, input files and the collector live in `tests/protocol.rs`.)

use proptest::prelude::*;
use rawconf::Arithmetic;
use rawconf::explore::strategy::{F32_MAX, F32_MIN_POSITIVE, decimal};
use rawconf::judge::ellipse::oracle::{self, Arg, Prediction};
use rawconf::protocol::goformat::format_v;
// Equality failures print a line diff of the two sides (similar-asserts).
use similar_asserts::assert_eq;

fn arg(value: f64, rendered: &str) -> Arg<'_> {
    Arg { value, rendered }
}

/// Finite doubles across the whole exponent range, both signs.
fn wide() -> impl Strategy<Value = f64> {
    prop_oneof![
        (1u32..=999_999_999, -300i32..=300, any::<bool>()).prop_map(|(m, e, neg)| if neg {
            -decimal(m, e)
        } else {
            decimal(m, e)
        }),
        prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
    ]
    .prop_filter("finite", |x| x.is_finite())
}

/// Doubles that Go's `%v` renders as plain decimals (1e-4 ≤ |x| < 1e6, or zero).
fn plain() -> impl Strategy<Value = f64> {
    prop_oneof![
        (1u32..=99_999_999, -12i32..=5, any::<bool>()).prop_map(|(m, e, neg)| {
            let x = decimal(m, e);
            if neg { -x } else { x }
        }),
        (-1e6f64..1e6),
        Just(0.0),
        Just(-0.0),
    ]
    .prop_filter("plain %v rendering", |x| !format_v(*x).contains('e'))
}

/// Doubles whose binary32 rounding, and π times it, stay in binary32's normal range.
fn f32_normal() -> impl Strategy<Value = f64> {
    (1u32..=99_999_999, -15i32..=15, any::<bool>())
        .prop_map(|(m, e, neg)| if neg { -decimal(m, e) } else { decimal(m, e) })
}

/// R 4.2.2's `as.character` (run in the R image): 15 significant digits, except that fixed
/// notation — chosen when no wider than scientific — prints every integer digit.
fn r15_model_matches_r_as_character() {
    // `sprintf("%.17g")` of each value, and what `as.character` printed.
    let cases: [(&str, &str); 10] = [
        ("1.0005972601683491e18", "1000597260168349056"),
        ("123456789012345678.0", "123456789012345680"),
        ("1.5e17", "1.5e+17"),
        ("9.8765432109876543e19", "98765432109876543488"),
        ("1000000000000000.2", "1e+15"),
        ("123456789012345.59", "123456789012346"),
        ("1234567890123456.0", "1234567890123456"),
        ("0.00012345678901234567", "0.000123456789012346"),
        ("3.1415926535897932e19", "31415926535897931776"),
        ("3.1415926535897933e20", "3.14159265358979e+20"),
    ];
    for (v, r) in cases {
        let v: f64 = v.parse().unwrap();
        // The oracle models π·a·b: with a = 1 and b = v/π the area must be v itself.
        let b = v / std::f64::consts::PI;
        let truth = oracle::truth(1.0, b);
        assert_eq!(truth.to_bits(), v.to_bits(), "π·(v/π) is not v for {v:e}");
        let (ra, rb) = (format_v(1.0), format_v(b));
        let j = oracle::judge(
            Arithmetic::R15,
            arg(1.0, &ra),
            arg(b, &rb),
            &format!("{r}\n"),
        );
        assert!(j.model_ok, "{v:e} ({truth:e}) printed by R as {r}: {j:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: crate::support::regressions_beside_source(), ..ProptestConfig::default() })]

    /// bc's decimal model reads every plain decimal `%v` renders, and its (truncated, 20-decimal)
    /// result is within the declared precision of π·a·b in binary64.
    fn bc_model_is_within_precision_for_plain_decimals(a in plain(), b in plain()) {
        let (ra, rb) = (format_v(a), format_v(b));
        let p = oracle::predict(Arithmetic::Decimal20, arg(a, &ra), arg(b, &rb));
        let Prediction::Decimal(d) = p else {
            return Err(TestCaseError::fail(format!("{ra} × {rb}: {p:?}")));
        };
        // bc prints the number and a newline.
        let j = oracle::judge(Arithmetic::Decimal20, arg(a, &ra), arg(b, &rb), &format!("{d}\n"));
        prop_assert!(j.model_ok && j.precision_ok, "{} × {} → {}: {:?}", ra, rb, d, j);
    }

    /// Haskell's `Float` model is Rust's binary32 arithmetic on the rendered text: π (as f32)
    /// times each argument read as f32, left to right; and `show`'s shortest digits of that
    /// result are accepted by the judge.
    fn f32_model_is_binary32_arithmetic(a in wide(), b in wide()) {
        let (ra, rb) = (format_v(a), format_v(b));
        let want = std::f32::consts::PI * ra.parse::<f32>().unwrap() * rb.parse::<f32>().unwrap();
        let p = oracle::predict(Arithmetic::F32, arg(a, &ra), arg(b, &rb));
        let Prediction::Float(got) = p else {
            return Err(TestCaseError::fail(format!("{ra} × {rb}: {p:?}")));
        };
        // Bit-exact, NaN included.
        prop_assert_eq!(got.to_bits(), f64::from(want).to_bits(), "{} × {}: {} vs {}", ra, rb, got, want);
        // Rust's `{:?}` for f32 prints the shortest digits that identify the value, as `show`.
        let shown = if want.is_infinite() {
            (if want > 0.0 { "Infinity" } else { "-Infinity" }).to_owned()
        } else {
            format!("{want:?}")
        };
        let j = oracle::judge(Arithmetic::F32, arg(a, &ra), arg(b, &rb), &shown);
        prop_assert!(j.model_ok, "{} × {} → {}: {:?}", ra, rb, shown, j);
    }

    /// The declared binary32 tolerance (5 · 2⁻²⁴) holds wherever every step stays normal: the
    /// model's own result then passes the precision check.
    fn f32_tolerance_holds_in_the_normal_range(a in f32_normal(), b in f32_normal()) {
        let pi_a = std::f64::consts::PI * a;
        let area = pi_a * b;
        prop_assume!([a, b, pi_a, area].iter().all(|x| {
            let m = x.abs();
            m > 2.0 * F32_MIN_POSITIVE && m < F32_MAX / 2.0
        }));
        let (ra, rb) = (format_v(a), format_v(b));
        let Prediction::Float(p) = oracle::predict(Arithmetic::F32, arg(a, &ra), arg(b, &rb)) else {
            return Err(TestCaseError::fail("unreadable"));
        };
        let j = oracle::judge(Arithmetic::F32, arg(a, &ra), arg(b, &rb), &format!("{:?}", p as f32));
        prop_assert!(j.model_ok && j.precision_ok, "{} × {}: {:?}", ra, rb, j);
    }

    /// R's 15 significant digits and Python's/Julia's shortest digits are within the declared
    /// precision for every finite area.
    fn binary64_models_pass_their_own_precision(a in wide(), b in wide()) {
        let truth = oracle::truth(a, b);
        prop_assume!(truth.is_finite());
        let (ra, rb) = (format_v(a), format_v(b));
        // What R prints is the model's value (15 digits, or every integer digit in fixed
        // notation); it must be within R's declared precision.
        let Prediction::Float(r) = oracle::predict(Arithmetic::R15, arg(a, &ra), arg(b, &rb)) else {
            return Err(TestCaseError::fail("R15 predicts a float"));
        };
        let r = format!("{r:?}\n");
        let j = oracle::judge(Arithmetic::R15, arg(a, &ra), arg(b, &rb), &r);
        prop_assert!(j.model_ok && j.precision_ok, "R {}: {:?}", r, j);
        let py = format!("{truth:?}");
        let j = oracle::judge(Arithmetic::F64, arg(a, &ra), arg(b, &rb), &py);
        prop_assert!(j.model_ok && j.precision_ok, "f64 {}: {:?}", py, j);
    }

    /// No model panics, whatever the argument and `area` texts are, and every verdict is
    /// coherent: a failed check says why, a passed one says nothing, and judging the text and
    /// judging the value it parses to agree on the model.
    fn models_never_panic(
        a in any::<f64>(),
        b in any::<f64>(),
        ra in "[-+.0-9eEinfaINFAy]{0,30}",
        rb in ".{0,30}",
        area in ".{0,60}",
    ) {
        for arith in [Arithmetic::F64, Arithmetic::F32, Arithmetic::Decimal20, Arithmetic::R15] {
            let predicted = oracle::predict(arith, arg(a, &ra), arg(b, &rb));
            let j = oracle::judge(arith, arg(a, &ra), arg(b, &rb), &area);
            prop_assert_eq!(
                j.detail.is_empty(),
                j.model_ok && j.precision_ok,
                "{:?} {} × {} → {:?}: {:?}", arith, ra, rb, area, j
            );
            if let Prediction::Unreadable(_) = predicted {
                prop_assert!(!j.model_ok, "an unreadable argument cannot match a model: {:?}", j);
            }
        }
    }

    /// Agreement is symmetric and reflexive (NaN agrees with NaN only).
    fn agreement_is_symmetric(x in any::<f64>(), y in any::<f64>(), tol in 0.0f64..1e-3) {
        prop_assert_eq!(oracle::agree(x, y, tol), oracle::agree(y, x, tol));
        prop_assert!(oracle::agree(x, x, tol));
    }
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    crate::unit_trials!("oracle";
        r15_model_matches_r_as_character,
        bc_model_is_within_precision_for_plain_decimals,
        f32_model_is_binary32_arithmetic,
        f32_tolerance_holds_in_the_normal_range,
        binary64_models_pass_their_own_precision,
        models_never_panic,
        agreement_is_symmetric,
    )
}
