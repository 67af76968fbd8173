//! The oracle: what each language's `area` should be, from its declared arithmetic.
//!
//! Two questions per result, kept apart because they fail for different reasons:
//!
//! 1. **Model** — does the value equal what the language's arithmetic computes, exactly?
//!    (`f64`: π·a·b in binary64; `f32`: inputs parsed to binary32 and multiplied there;
//!    `decimal20`: bc's truncating decimal arithmetic at scale 20, on the *rendered* argument
//!    text; `r15`: binary64 rounded to 15 significant digits.) A mismatch means the program
//!    does not do what its manifest says.
//! 2. **Precision** — is that value within the language's declared precision of the true
//!    π·a·b (computed in binary64)? A model can be exact and still miss: a Haskell `Float`
//!    product that overflows to `Infinity` is the correct `f32` answer and a wrong area.
//!
//! Inputs that a model cannot read (bc and an exponent) come back as [`Prediction::Unreadable`].
//!
//! **What is judged.** Normally the bytes of the `area` file ([`judge`]): the model check is then
//! exact on the text — bc's 20 decimals digit for digit. A runtime that reports only the
//! collected `area` literal (an adapter without `files`) is judged on that value instead
//! ([`judge_value`]): the model check then holds when the prediction, rounded to the nearest
//! binary64 as the backend's `ParseFloat` would, *equals* the literal. This is weaker for
//! `decimal20` (digits beyond a double's 17 are not seen) and identical for the binary models.
//! [`Judgement::basis`] says which one was used.
//!
//! Why this file is long: the models are under 430 lines; the rest are their unit tests,
//! which pin each model against values measured with the real interpreters.

use std::cmp::Ordering;

use num_bigint::BigInt;

use crate::spec::language::Arithmetic;

/// bc's π with `-l` (scale 20): `4*a(1)`.
const BC_PI: &str = "3.14159265358979323844";

/// One input of the ellipse task, as the runtime passed it to the program.
#[derive(Debug, Clone, Copy)]
pub struct Arg<'a> {
    /// The literal's value.
    pub value: f64,
    /// The text the template rendered into the command line.
    pub rendered: &'a str,
}

/// What the model says the program computes.
#[derive(Debug, Clone, PartialEq)]
pub enum Prediction {
    /// A binary floating-point value (f64, or an f32 widened exactly).
    Float(f64),
    /// An exact decimal, as bc would print it (without the trailing newline).
    Decimal(String),
    /// The program cannot read its arguments; the reason says why.
    Unreadable(String),
}

/// The verdict on one `area` file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Judgement {
    /// The value the model predicts, printed for humans.
    pub predicted: String,
    /// Whether the written value equals the model's prediction.
    pub model_ok: bool,
    /// Whether the model's value is within the declared precision of π·a·b in f64.
    pub precision_ok: bool,
    /// Relative difference between the written value and π·a·b in f64 (`None` if not finite).
    pub relative_error: Option<f64>,
    /// Why a check failed, for humans; empty when both hold.
    pub detail: String,
    /// What was compared with the model: the `area` file's text, or the `area` literal.
    #[serde(default)]
    pub basis: Basis,
}

/// What the oracle compared with the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// The exact text of the `area` file.
    #[default]
    File,
    /// The collected `area` literal, compared at binary64 level (no file was reported).
    Literal,
}

/// π·a·b computed in binary64, left to right as every program does: the reference value.
pub fn truth(a: f64, b: f64) -> f64 {
    std::f64::consts::PI * a * b
}

/// How far apart two languages' areas may be and still agree: twice the looser of their
/// declared tolerances (each may be that far from [`truth`], on opposite sides), and never less
/// than one binary64 epsilon. The one rule `run`'s cross-language table and `explore`'s
/// agreement check share.
pub fn pair_tolerance(x: Arithmetic, y: Arithmetic) -> f64 {
    2.0 * tolerance(x).max(tolerance(y)).max(f64::EPSILON)
}

/// The relative tolerance each arithmetic promises against [`truth`].
pub fn tolerance(arithmetic: Arithmetic) -> f64 {
    match arithmetic {
        Arithmetic::F64 => 0.0,
        // π, a and b each rounded to 24 bits, then two rounded products: ≤ 5 · 2⁻²⁴.
        Arithmetic::F32 => 5.0 * f64::from(f32::EPSILON) / 2.0,
        // 15 significant digits: half a unit in the 15th digit.
        Arithmetic::R15 => 5e-15,
        // Inputs are the shortest decimal of a double (≤ 2⁻⁵³ away each), bc's π is exact to
        // 20 decimals, and truncation adds absolute errors handled in `within`.
        Arithmetic::Decimal20 => 4.0 * f64::EPSILON,
    }
}

/// What `arithmetic` computes for the ellipse area of `a` and `b`.
pub fn predict(arithmetic: Arithmetic, a: Arg<'_>, b: Arg<'_>) -> Prediction {
    match arithmetic {
        Arithmetic::F64 => Prediction::Float(truth(a.value, b.value)),
        Arithmetic::R15 => {
            let v = truth(a.value, b.value);
            if v.is_finite() {
                Prediction::Float(r_as_character(v))
            } else {
                Prediction::Float(v)
            }
        }
        Arithmetic::F32 => {
            // Haskell's `read :: Float` rounds the decimal text straight to binary32.
            let parse = |arg: Arg<'_>| haskell_read_float(arg.rendered);
            match (parse(a), parse(b)) {
                (Some(x), Some(y)) => Prediction::Float(f64::from(std::f32::consts::PI * x * y)),
                _ => Prediction::Unreadable(
                    "Haskell's `read :: Float` rejects the argument".to_owned(),
                ),
            }
        }
        Arithmetic::Decimal20 => match (Dec::parse(a.rendered), Dec::parse(b.rendered)) {
            (Some(x), Some(y)) => {
                let pi = Dec::parse(BC_PI).expect("constant");
                Prediction::Decimal(pi.bc_mul(&x).bc_mul(&y).to_bc_string())
            }
            _ => Prediction::Unreadable(format!(
                "bc cannot parse `{}` or `{}` (only plain decimals)",
                a.rendered, b.rendered
            )),
        },
    }
}

/// Judges the trimmed text of an `area` file against the model and the truth.
pub fn judge(arithmetic: Arithmetic, a: Arg<'_>, b: Arg<'_>, area: &str) -> Judgement {
    let written = parse_written(area);
    let prediction = predict(arithmetic, a, b);
    let model_ok = match &prediction {
        Prediction::Float(p) => written.is_some_and(|w| same_float(w, *p, arithmetic)),
        Prediction::Decimal(d) => Dec::parse_bc(area)
            .zip(Dec::parse_bc(d))
            .is_some_and(|(w, p)| w.cmp_value(&p) == Ordering::Equal),
        Prediction::Unreadable(_) => false,
    };
    conclude(
        arithmetic,
        a,
        b,
        &prediction,
        model_ok,
        written,
        format!("written `{area}`"),
        Basis::File,
    )
}

/// Judges the collected `area` literal (a binary64) when no file was reported: the model check
/// holds when the prediction rounded to binary64 equals `area` (see the module documentation).
pub fn judge_value(arithmetic: Arithmetic, a: Arg<'_>, b: Arg<'_>, area: f64) -> Judgement {
    let prediction = predict(arithmetic, a, b);
    let model_ok = match &prediction {
        Prediction::Float(p) => same_float(area, *p, arithmetic),
        Prediction::Decimal(d) => parse_written(d).is_some_and(|p| same_float(area, p, arithmetic)),
        Prediction::Unreadable(_) => false,
    };
    conclude(
        arithmetic,
        a,
        b,
        &prediction,
        model_ok,
        Some(area),
        format!("the `area` literal {area:?} (compared as binary64)"),
        Basis::Literal,
    )
}

#[allow(clippy::too_many_arguments)]
fn conclude(
    arithmetic: Arithmetic,
    a: Arg<'_>,
    b: Arg<'_>,
    prediction: &Prediction,
    model_ok: bool,
    written: Option<f64>,
    what: String,
    basis: Basis,
) -> Judgement {
    let truth = truth(a.value, b.value);
    let (predicted, model_value) = match prediction {
        Prediction::Float(p) => (format!("{p:?}"), Some(*p)),
        Prediction::Decimal(d) => (d.clone(), parse_written(d)),
        Prediction::Unreadable(why) => (format!("unreadable: {why}"), None),
    };
    let tol = tolerance(arithmetic);
    let precision_ok = model_value.is_some_and(|m| within(m, truth, tol, arithmetic, b.value));
    let relative_error = written.and_then(|w| relative(w, truth));
    let mut detail = Vec::new();
    if !model_ok {
        detail.push(format!(
            "{what} is not the {arithmetic:?} result `{predicted}`"
        ));
    }
    if !precision_ok {
        detail.push(format!(
            "the {arithmetic:?} result is not within {tol:e} of π·a·b = {truth:?}"
        ));
    }
    Judgement {
        predicted,
        model_ok,
        precision_ok,
        relative_error,
        detail: detail.join("; "),
        basis,
    }
}

/// Whether two areas agree within the looser of two tolerances (for the cross-language table).
///
/// Symmetric: the difference is measured against the larger magnitude, so `agree(x, y)` and
/// `agree(y, x)` never differ (a property test found that measuring against `y` made
/// `agree(0, 7e-81)` false and `agree(7e-81, 0)` true).
pub fn agree(x: f64, y: f64, tol: f64) -> bool {
    if x.is_nan() || y.is_nan() {
        return x.is_nan() && y.is_nan();
    }
    if x == y {
        return true;
    }
    if !x.is_finite() || !y.is_finite() {
        return false;
    }
    (x - y).abs() <= tol * x.abs().max(y.abs())
}

/// The value R's `as.character` prints for a double (R 4.2), read back.
///
/// R formats with 15 significant digits, in fixed notation when that is no wider than scientific
/// (`formatReal`, `scipen = 0`). Fixed notation prints the integer part in full (`%.0f`), so a
/// value of 1e15 or more printed fixed keeps *every* integer digit of the double:
/// π·4.9e20·0.00065 prints as `1000597260168349056`, not `1.00059726016835e+18` (found by the
/// property runner; measured with R 4.2.2). Everything else is the 15-digit rounding.
fn r_as_character(v: f64) -> f64 {
    let sci = format!("{v:.14e}");
    let rounded: f64 = sci.parse().expect("Rust float syntax");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return rounded;
    };
    let e: i32 = exp.parse().unwrap_or(0);
    let sig = mantissa
        .trim_start_matches('-')
        .replace('.', "")
        .trim_end_matches('0')
        .len()
        .max(1) as i32;
    let sci_width = sig + i32::from(sig > 1) + if e.abs() >= 100 { 5 } else { 4 };
    let fixed_width = if e >= 0 {
        let decimals = (sig - e - 1).max(0);
        e + 1 + if decimals > 0 { decimals + 1 } else { 0 }
    } else {
        2 + sig - e - 1
    };
    if fixed_width <= sci_width && e >= 15 {
        v.round_ties_even()
    } else {
        rounded
    }
}

/// `read :: String -> Float`: Haskell's lexical syntax for a (possibly negated) decimal
/// literal — `-?digits(.digits)?([eE][+-]?digits)?` — or `NaN` / `Infinity` / `-Infinity`,
/// correctly rounded to binary32. It rejects `.5`, `5.`, `+1.5`, `inf` and `+Inf`.
fn haskell_read_float(s: &str) -> Option<f32> {
    match s {
        "NaN" => return Some(f32::NAN),
        "Infinity" => return Some(f32::INFINITY),
        "-Infinity" => return Some(f32::NEG_INFINITY),
        _ => {}
    }
    let syntax =
        regex::Regex::new(r"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$").expect("static regex");
    if !syntax.is_match(s) {
        return None;
    }
    s.parse::<f32>().ok()
}

fn parse_written(text: &str) -> Option<f64> {
    let t = text.trim_matches([' ', '\n', '\t']);
    let t = t.strip_prefix('+').unwrap_or(t);
    match t.to_ascii_lowercase().as_str() {
        "nan" => return Some(f64::NAN),
        "inf" | "infinity" => return Some(f64::INFINITY),
        "-inf" | "-infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    // bc omits the leading zero (`.5`, `-.5`); Rust's parser accepts both forms.
    t.parse::<f64>().ok()
}

fn same_float(written: f64, predicted: f64, arithmetic: Arithmetic) -> bool {
    if written.is_nan() || predicted.is_nan() {
        return written.is_nan() && predicted.is_nan();
    }
    match arithmetic {
        // `show` prints the shortest digits that identify the Float: compare as Floats.
        Arithmetic::F32 => (written as f32) == (predicted as f32),
        _ => written == predicted,
    }
}

fn relative(x: f64, reference: f64) -> Option<f64> {
    if !x.is_finite() || !reference.is_finite() {
        return None;
    }
    if reference == 0.0 {
        return Some(x.abs());
    }
    Some(((x - reference) / reference).abs())
}

fn within(value: f64, truth: f64, tol: f64, arithmetic: Arithmetic, b: f64) -> bool {
    if truth.is_nan() || value.is_nan() {
        return truth.is_nan() && value.is_nan();
    }
    if truth.is_infinite() || value.is_infinite() {
        return value == truth;
    }
    let slack = match arithmetic {
        // Truncating π·a to 20 decimals, then the product to 20 decimals.
        Arithmetic::Decimal20 => 1e-20 * (1.0 + b.abs()),
        // Below the normal range binary32 keeps fewer bits: allow nothing extra, so an
        // underflowed product is reported rather than hidden.
        _ => 0.0,
    };
    (value - truth).abs() <= tol * truth.abs() + slack
}

/// A finite decimal `digits · 10^-scale` — enough of bc's number model for `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Dec {
    digits: BigInt,
    scale: u32,
}

impl Dec {
    /// Parses what bc accepts as a number literal after an optional unary minus: digits with
    /// at most one point. Anything else (`1e+06`, `NaN`, `+Inf`) is not a bc number.
    fn parse(text: &str) -> Option<Dec> {
        let (neg, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut digits: BigInt = format!("{int}{frac}").parse().ok()?;
        if neg {
            digits = -digits;
        }
        Some(Dec {
            digits,
            scale: u32::try_from(frac.len()).ok()?,
        })
    }

    /// Parses bc's output form (may lack the leading zero, ends with a newline).
    fn parse_bc(text: &str) -> Option<Dec> {
        Dec::parse(text.trim_matches([' ', '\n', '\t']))
    }

    /// bc's `*` with `scale=20`: the product's scale is min(sa+sb, max(20, sa, sb)), and extra
    /// digits are truncated toward zero.
    fn bc_mul(&self, other: &Dec) -> Dec {
        let full = self.scale + other.scale;
        let scale = full.min(20.max(self.scale).max(other.scale));
        let product = &self.digits * &other.digits;
        let cut = BigInt::from(10u8).pow(full - scale);
        Dec {
            digits: product / cut, // BigInt division truncates toward zero, as bc does.
            scale,
        }
    }

    fn cmp_value(&self, other: &Dec) -> Ordering {
        let s = self.scale.max(other.scale);
        let a = &self.digits * BigInt::from(10u8).pow(s - self.scale);
        let b = &other.digits * BigInt::from(10u8).pow(s - other.scale);
        a.cmp(&b)
    }

    /// bc's printing: no leading zero before the point, every digit of the scale kept, `0`
    /// for zero.
    fn to_bc_string(&self) -> String {
        if self.digits == BigInt::from(0u8) {
            return "0".to_owned();
        }
        let neg = self.digits < BigInt::from(0u8);
        let mut abs = self.digits.magnitude().to_string();
        let scale = self.scale as usize;
        if abs.len() <= scale {
            abs = format!("{}{abs}", "0".repeat(scale - abs.len()));
            abs.insert(0, '.');
        } else if scale > 0 {
            abs.insert(abs.len() - scale, '.');
        }
        if neg { format!("-{abs}") } else { abs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(value: f64, rendered: &str) -> Arg<'_> {
        Arg { value, rendered }
    }

    // Outputs of the real interpreters, protocol.md §7.3.
    #[test]
    fn bc_model_reproduces_the_measured_outputs() {
        let cases = [
            ((3.0, "3"), (4.0, "4"), "37.69911184307751886128"),
            ((1.1, "1.1"), (1.2, "1.2"), "4.14690230273852707473"),
            ((0.5, "0.5"), (0.5, "0.5"), ".78539816339744830961"),
            ((0.1, "0.1"), (0.1, "0.1"), ".03141592653589793238"),
            (
                (1000.0, "1000"),
                (1000.0, "1000"),
                "3141592.65358979323844000000",
            ),
            ((2.5, "2.5"), (-1.0, "-1"), "-7.85398163397448309610"),
        ];
        for ((a, ra), (b, rb), want) in cases {
            let p = predict(Arithmetic::Decimal20, arg(a, ra), arg(b, rb));
            assert_eq!(p, Prediction::Decimal(want.to_owned()), "{ra} × {rb}");
            let j = judge(
                Arithmetic::Decimal20,
                arg(a, ra),
                arg(b, rb),
                &format!("{want}\n"),
            );
            assert!(j.model_ok && j.precision_ok, "{j:?}");
        }
    }

    #[test]
    fn f32_model_matches_haskell_show() {
        let j = judge(Arithmetic::F32, arg(3.0, "3"), arg(4.0, "4"), "37.699112");
        assert!(j.model_ok && j.precision_ok, "{j:?}");
        let j = judge(
            Arithmetic::F32,
            arg(0.1, "0.1"),
            arg(0.1, "0.1"),
            "3.141593e-2",
        );
        assert!(j.model_ok && j.precision_ok, "{j:?}");
        let j = judge(
            Arithmetic::F32,
            arg(1000.0, "1000"),
            arg(1000.0, "1000"),
            "3141592.8",
        );
        assert!(j.model_ok && j.precision_ok, "{j:?}");
        // Overflow: the f32 answer is Infinity, the true area is finite.
        let j = judge(
            Arithmetic::F32,
            arg(1e20, "1e+20"),
            arg(1e20, "1e+20"),
            "Infinity",
        );
        assert!(j.model_ok && !j.precision_ok, "{j:?}");
        let p = predict(Arithmetic::F32, arg(f64::INFINITY, "+Inf"), arg(1.0, "1"));
        assert!(matches!(p, Prediction::Unreadable(_)), "{p:?}");
    }

    #[test]
    fn r15_and_f64_models() {
        let j = judge(
            Arithmetic::R15,
            arg(3.0, "3"),
            arg(4.0, "4"),
            "37.6991118430775\n",
        );
        assert!(j.model_ok && j.precision_ok, "{j:?}");
        let j = judge(
            Arithmetic::R15,
            arg(0.1, "0.1"),
            arg(0.0001, "0.0001"),
            "3.14159265358979e-05\n",
        );
        assert!(j.model_ok && j.precision_ok, "{j:?}");
        let j = judge(
            Arithmetic::F64,
            arg(1000.0, "1000"),
            arg(1000.0, "1000"),
            "3.141592653589793e6",
        );
        assert!(j.model_ok && j.precision_ok, "{j:?}");
        let j = judge(Arithmetic::F64, arg(3.0, "3"), arg(4.0, "4"), "37.699112");
        assert!(!j.model_ok, "{j:?}");
        let j = judge(Arithmetic::F64, arg(f64::NAN, "NaN"), arg(1.0, "1"), "nan");
        assert!(j.model_ok && j.precision_ok, "{j:?}");
    }

    #[test]
    fn bc_rejects_exponents_and_specials() {
        for r in ["1e+06", "NaN", "+Inf", "-Inf", "1e-05"] {
            let p = predict(Arithmetic::Decimal20, arg(1.0, r), arg(1.0, "1"));
            assert!(matches!(p, Prediction::Unreadable(_)), "{r}: {p:?}");
        }
    }

    #[test]
    fn literal_basis_compares_at_binary64() {
        // bc's decimal text, parsed by the backend into the `area` literal.
        let j = judge_value(
            Arithmetic::Decimal20,
            arg(3.0, "3"),
            arg(4.0, "4"),
            "37.69911184307751886128".parse().unwrap(),
        );
        assert!(
            j.model_ok && j.precision_ok && j.basis == Basis::Literal,
            "{j:?}"
        );
        // A value one ulp away is not the model's.
        let off = f64::from_bits(37.69911184307752f64.to_bits() + 1);
        let j = judge_value(Arithmetic::F64, arg(3.0, "3"), arg(4.0, "4"), off);
        assert!(!j.model_ok && j.detail.contains("literal"), "{j:?}");
        // Haskell's `37.699112`, parsed as a double, is still the f32 product.
        let j = judge_value(Arithmetic::F32, arg(3.0, "3"), arg(4.0, "4"), 37.699112);
        assert!(j.model_ok && j.precision_ok, "{j:?}");
        let j = judge_value(
            Arithmetic::R15,
            arg(3.0, "3"),
            arg(4.0, "4"),
            37.6991118430775,
        );
        assert!(j.model_ok && j.precision_ok, "{j:?}");
        let j = judge_value(Arithmetic::Decimal20, arg(1e6, "1e+06"), arg(1.0, "1"), 0.0);
        assert!(!j.model_ok, "{j:?}");
        assert_eq!(
            judge(
                Arithmetic::F64,
                arg(3.0, "3"),
                arg(4.0, "4"),
                "37.69911184307752"
            )
            .basis,
            Basis::File
        );
    }

    #[test]
    fn bc_zero_and_negative_zero() {
        let p = predict(Arithmetic::Decimal20, arg(-0.0, "-0"), arg(2.0, "2"));
        assert_eq!(p, Prediction::Decimal("0".into()));
    }
}
