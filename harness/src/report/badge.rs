//! Small SVG badges, one per runtime and rule area (`protocol/outputs 43/43`), for a vendor's
//! README or dashboard — the way wpt.fyi and test262.fyi summarise an engine per area.
//!
//! Self-contained SVG (no font file, no link): the text is sized by a fixed per-character width,
//! enough for the ASCII names rawconf's areas and counts use.

use super::areas::{Area, areas};
use super::compare::Column;

/// Pixels per character of the badge font (Verdana-like 11 px, as shields.io's flat style).
const CHAR: usize = 7;

/// One badge: `label | value`, the value's colour saying how the area went.
pub fn badge_svg(label: &str, value: &str, colour: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let (lw, vw) = (
        label.chars().count() * CHAR + 10,
        value.chars().count() * CHAR + 10,
    );
    let w = lw + vw;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"20\" role=\"img\" aria-label=\"{l}: {v}\">\
<title>{l}: {v}</title>\
<rect width=\"{lw}\" height=\"20\" fill=\"#555\"/><rect x=\"{lw}\" width=\"{vw}\" height=\"20\" fill=\"{colour}\"/>\
<g fill=\"#fff\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\" text-anchor=\"middle\">\
<text x=\"{lx}\" y=\"14\">{l}</text><text x=\"{vx}\" y=\"14\">{v}</text></g></svg>\n",
        l = esc(label),
        v = esc(value),
        lx = lw / 2,
        vx = lw + vw / 2,
    )
}

/// The colour of an area: green when nothing diverged and something passed or failed as
/// expected, red when a case diverged, grey when nothing could run.
fn colour(a: &Area) -> &'static str {
    if a.divergent > 0 {
        "#e05d44"
    } else if a.passed + a.expected == 0 {
        "#9f9f9f"
    } else {
        "#4c1"
    }
}

/// A file name made of the characters badges' names may hold.
fn slug(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    out.trim_matches('-').to_owned()
}

/// Every badge of a comparison: `badges/<n>-<runtime>/<area>.svg` → SVG, where `n` is the
/// column's position (two columns may share a runtime), the value `passed/total` (expected
/// failures count as not passed; the colour says whether anything diverged).
pub fn badges(cols: &[Column<'_>]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, c) in cols.iter().enumerate() {
        for a in areas(c.report) {
            let value = format!("{}/{}", a.passed, a.total());
            out.push((
                format!("badges/{}-{}/{}.svg", i + 1, slug(&c.label), slug(&a.name)),
                badge_svg(&a.name, &value, colour(&a)),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_badge_names_the_area_and_its_count() {
        let svg = badge_svg("protocol/outputs", "43/43", "#4c1");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains(">protocol/outputs</text><text x="));
        assert!(svg.contains(">43/43</text>"));
        assert!(svg.contains("aria-label=\"protocol/outputs: 43/43\""));
        assert_eq!(
            slug("cmd:adapters/flyte2/run.sh (backend)"),
            "cmd-adapters-flyte2-run-sh-backend"
        );
    }
}
