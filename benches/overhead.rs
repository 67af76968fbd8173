//! `cargo bench`: what rawconf adds on top of the work it drives, as ratios and medians.
//!
//! - the up-to-date check of `images build` (target: well under 2 s for five images);
//! - one ellipse case through the reference runtime (fresh and warm) versus the engine's floor:
//!   the same image, the case's own argv, binds and sandbox through the Engine API with no
//!   harness work (`rawconf::bench`, also behind `rawconf bench`);
//! - the pure protocol stages per call (render, collect).
//!
//! Needs Docker for the first two; prints medians of several runs. Not a test: machines are
//! noisy, so nothing here passes or fails.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rawconf::Language;
use rawconf::bench::{BenchConfig, bench};
use rawconf::engine::image::Builder;
use rawconf::engine::warm::PoolConfig;
use rawconf::protocol::literal::{Literal, LiteralMap, Primitive};
use rawconf::protocol::profile::Profile;
use rawconf::protocol::template::{TemplateContext, render};
use rawconf::spec::suite::Suite;

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn time<T>(n: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let langs = Language::for_suite(
        Language::discover(&root.join("languages")).expect("languages"),
        &[],
        "ellipse",
    )
    .expect("ellipse languages");
    let suite = Suite::named(&root.join("tests/suites"), "ellipse").expect("suite");
    let inputs = LiteralMap {
        literals: BTreeMap::from([
            ("a".to_owned(), Literal::primitive(Primitive::Float(3.0))),
            ("b".to_owned(), Literal::primitive(Primitive::Float(4.0))),
        ]),
    };

    let ctx = TemplateContext {
        profile: Profile::Backend,
        inputs: inputs.clone(),
        ..Default::default()
    };
    let render_t = time(2000, || render(&langs[0].command, &ctx));
    println!("template render (5 args)            {:>10.2?}", render_t);

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let Ok(docker) = rt.block_on(rawconf::engine::docker::connect()) else {
        println!("Docker unreachable: skipping the Docker benchmarks");
        return;
    };
    let builder = Builder::new(docker.clone());
    let built: Vec<_> = rt
        .block_on(builder.ensure_all(&langs))
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("images build");
    let check = time(5, || rt.block_on(builder.ensure_all(&langs)));
    println!(
        "images build, all up to date        {:>10.2?}   (target < 2 s)",
        check
    );

    // Per case: the engine floor (the case's own argv, binds and sandbox, no harness work)
    // against rawconf fresh and warm — the same measurement as `rawconf bench`.
    let languages: Vec<(Language, String)> = langs
        .iter()
        .cloned()
        .zip(built.iter().map(|b| b.image.clone()))
        .collect();
    let config = BenchConfig {
        reps: 5,
        flytekit_reps: 0,
        flytekit: Err("not measured by cargo bench (use `rawconf bench`)".into()),
        jobs: Vec::new(),
        suite_cases: 0,
        warm: true,
        pool: PoolConfig::default(),
    };
    let report = rt
        .block_on(bench(&docker, &languages, &suite, &config, &|_| {}))
        .expect("bench");
    print!("{}", report.to_text());
}
