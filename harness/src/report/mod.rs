//! Reports: the terminal matrix, `report.json`, `junit.xml`, `summary.md` and `report.html`.
//!
//! Every reporter reads the same [`RunReport`]; none of them decides anything.

pub mod vendor;

mod areas;
mod badge;
mod compare;
mod html;
mod junit;
mod markdown;
mod matrix;
mod model;
mod nonfinite;
mod provenance;
mod shards;

pub use areas::{Area, area_of, areas, divergences};
pub use badge::{badge_svg, badges};
pub use compare::{Column, columns, compare_html, compare_markdown};
pub use html::to_html;
pub use junit::to_junit;
pub use markdown::to_markdown;
pub use matrix::to_matrix;
pub use model::{CaseResult, Counts, Divergence, RunMeta, RunReport};
pub use provenance::{Declared, ExpectationsMeta, ShardCheck};
pub use shards::{ShardReport, intersect, merge_shards};

use std::path::Path;

use crate::error::{Error, Result};

/// Writes `report.json`, `junit.xml`, `summary.md` and `report.html` into `dir`.
pub fn write_all(report: &RunReport, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))
    };
    write(
        "report.json",
        serde_json::to_string_pretty(report).expect("report serializes"),
    )?;
    write("junit.xml", to_junit(report))?;
    write("summary.md", to_markdown(report))?;
    write("report.html", to_html(report))?;
    Ok(())
}
