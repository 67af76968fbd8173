//! Pure properties of the oracle's arithmetic models (no Docker): each model agrees with the
//! arithmetic it names, its own result passes the judge wherever the declared precision is
//! promised, and nothing panics on arbitrary text.
//!
//! (Rendering ↔ parsing round trips, input files and the collector live in `tests/protocol.rs`.)

use proptest::prelude::*;
use rawconf::Arithmetic;
use rawconf::explore::strategy::{F32_MAX, F32_MIN_POSITIVE, decimal};
use rawconf::goformat::format_v;
use rawconf::oracle::{self, Arg, Prediction};

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

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// bc's decimal model reads every plain decimal `%v` renders, and its (truncated, 20-decimal)
    /// result is within the declared precision of π·a·b in binary64.
    #[test]
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
    #[test]
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
    #[test]
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

    /// R's 15 significant digits and Python's/Julia's shortest digits pass their own models and
    /// the declared precision for every finite area.
    #[test]
    fn binary64_models_pass_their_own_precision(a in wide(), b in wide()) {
        let truth = oracle::truth(a, b);
        prop_assume!(truth.is_finite());
        let (ra, rb) = (format_v(a), format_v(b));
        let r = format!("{truth:.14e}\n");
        let j = oracle::judge(Arithmetic::R15, arg(a, &ra), arg(b, &rb), &r);
        prop_assert!(j.model_ok && j.precision_ok, "R {}: {:?}", r, j);
        let py = format!("{truth:?}");
        let j = oracle::judge(Arithmetic::F64, arg(a, &ra), arg(b, &rb), &py);
        prop_assert!(j.model_ok && j.precision_ok, "f64 {}: {:?}", py, j);
    }

    /// No model panics, whatever the argument and `area` texts are.
    #[test]
    fn models_never_panic(
        a in any::<f64>(),
        b in any::<f64>(),
        ra in "[-+.0-9eEinfaINFAy]{0,30}",
        rb in ".{0,30}",
        area in ".{0,60}",
    ) {
        for arith in [Arithmetic::F64, Arithmetic::F32, Arithmetic::Decimal20, Arithmetic::R15] {
            let _ = oracle::predict(arith, arg(a, &ra), arg(b, &rb));
            let _ = oracle::judge(arith, arg(a, &ra), arg(b, &rb), &area);
        }
    }

    /// Agreement is symmetric and reflexive (NaN agrees with NaN only).
    #[test]
    fn agreement_is_symmetric(x in any::<f64>(), y in any::<f64>(), tol in 0.0f64..1e-3) {
        prop_assert_eq!(oracle::agree(x, y, tol), oracle::agree(y, x, tol));
        prop_assert!(oracle::agree(x, x, tol));
    }
}
