//! `cargo bench`: what rawconf adds on top of the work it drives, as ratios and medians.
//!
//! - the up-to-date check of `images build` (target: well under 2 s for five images);
//! - one ellipse case through the reference runtime versus a bare container start of the
//!   same image (the harness's per-case overhead: templating, input files, sandbox, collection);
//! - the pure protocol stages per call (render, collect).
//!
//! Needs Docker for the first two; prints medians of several runs. Not a test: machines are
//! noisy, so nothing here passes or fails.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rawconf::Language;
use rawconf::container::{self, ContainerSpec, Sandbox};
use rawconf::image::Builder;
use rawconf::literal::{Literal, LiteralMap, Primitive};
use rawconf::profile::Profile;
use rawconf::runtime::{Execution, Reference};
use rawconf::suite::Suite;
use rawconf::template::{TemplateContext, render};

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
    let langs = Language::discover(&root.join("languages")).expect("languages");
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
    let Ok(docker) = rt.block_on(rawconf::docker::connect()) else {
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

    let reference = Reference::new(docker.clone());
    for (lang, b) in langs.iter().zip(&built) {
        let bare = time(5, || {
            let spec = ContainerSpec {
                image: b.image.clone(),
                command: vec!["true".into()],
                args: vec![],
                env: vec![],
                binds: vec![],
                timeout: Duration::from_secs(60),
                sandbox: Sandbox::default(),
            };
            rt.block_on(container::run(&docker, &spec, "bench"))
                .expect("bare run")
        });
        let case = time(5, || {
            rt.block_on(reference.execute(&Execution {
                language: lang,
                image: &b.image,
                task: &suite.task,
                inputs: &inputs,
                profile: Profile::Backend,
                run_id: "bench",
            }))
            .expect("case")
        });
        println!(
            "{:<8} case {:>8.0?}  bare container {:>8.0?}  ratio {:>5.2}",
            lang.name,
            case,
            bare,
            case.as_secs_f64() / bare.as_secs_f64()
        );
    }
}
