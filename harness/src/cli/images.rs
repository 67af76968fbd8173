//! `rawconf images build|list`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Args, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use rawconf::engine::image::{BaseSource, BuildEvent, BuildObserver, Builder};
use rawconf::{ExitCode, Language, Result};

#[derive(Debug, Subcommand)]
pub(crate) enum ImagesCommand {
    /// Build the images of the given languages (default: all) that are missing.
    Build(BuildArgs),
    /// Show every language's image reference and whether it is present.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// Languages to build (default: all).
    languages: Vec<String>,
    /// Always build the bases from Debian packages with mmdebstrap.
    #[arg(long, conflicts_with = "online")]
    offline: bool,
    /// Always use the Dockerfiles' default (official) bases.
    #[arg(long)]
    online: bool,
    /// CPU-heavy steps run at once (default: the number of cores).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// One JSON object per line: language, image, present, id, mode, command.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(cmd: ImagesCommand, languages_dir: &Path) -> Result<ExitCode> {
    match cmd {
        ImagesCommand::Build(args) => build(args, languages_dir).await,
        ImagesCommand::List(args) => list(args, languages_dir).await,
    }
}

async fn build(args: BuildArgs, languages_dir: &Path) -> Result<ExitCode> {
    let langs = Language::select(Language::discover(languages_dir)?, &args.languages)?;
    let docker = rawconf::engine::docker::connect().await?;
    let source = if args.offline {
        BaseSource::Offline
    } else if args.online {
        BaseSource::Online
    } else {
        BaseSource::Auto
    };
    let progress = Arc::new(Progress::new(&langs));
    let mut builder = Builder::new(docker)
        .source(source)
        .observer(progress.clone());
    if let Some(jobs) = args.jobs {
        builder = builder.jobs(jobs);
    }
    let results = builder.ensure_all(&langs).await;
    let mut failed = Vec::new();
    for (lang, result) in langs.iter().zip(results) {
        match result {
            Ok(built) => {
                let what = if built.fresh {
                    "up to date".to_owned()
                } else {
                    format!("built in {:.1}s", built.duration.as_secs_f64())
                };
                progress.finish(&lang.name, &what);
                println!(
                    "{:<8} {:<32} {what} ({})",
                    built.language,
                    built.image,
                    serde_json::to_value(built.mode)
                        .unwrap_or_default()
                        .as_str()
                        .unwrap_or("")
                );
            }
            Err(e) => {
                progress.finish(&lang.name, "failed");
                failed.push(e);
            }
        }
    }
    let code = failed.first().map(|e| e.exit_code());
    for e in failed {
        eprintln!("error: {e}");
    }
    Ok(code.unwrap_or(ExitCode::Success))
}

async fn list(args: ListArgs, languages_dir: &Path) -> Result<ExitCode> {
    let langs = Language::discover(languages_dir)?;
    let docker = rawconf::engine::docker::connect().await?;
    let builder = Builder::new(docker);
    for lang in &langs {
        let status = builder.status(lang).await?;
        if args.json {
            println!(
                "{}",
                serde_json::to_string(&status).expect("status serializes")
            );
        } else {
            println!(
                "{:<8} {:<32} {}",
                status.language,
                status.image,
                if status.present { "present" } else { "missing" }
            );
        }
    }
    Ok(ExitCode::Success)
}

/// One spinner per language; indicatif hides them when stderr is not a terminal, and then
/// each step is a line on stderr with the time since the build started (CI logs show where a
/// cold build spends its time).
pub(crate) struct Progress {
    bars: Mutex<HashMap<String, (ProgressBar, String)>>,
    lines: Option<std::time::Instant>,
}

impl Progress {
    pub(crate) fn new(langs: &[Language]) -> Progress {
        let multi = MultiProgress::new();
        let style = ProgressStyle::with_template("{spinner} {prefix:<8} {elapsed:>4} {msg}")
            .expect("static template");
        let bars = langs
            .iter()
            .map(|l| {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(style.clone());
                bar.set_prefix(l.name.clone());
                bar.set_message("checking");
                bar.enable_steady_tick(Duration::from_millis(120));
                (l.name.clone(), (bar, String::from("checking")))
            })
            .collect();
        Progress {
            bars: Mutex::new(bars),
            lines: multi.is_hidden().then(std::time::Instant::now),
        }
    }

    pub(crate) fn finish(&self, language: &str, what: &str) {
        if let Some((bar, _)) = self.bars.lock().expect("not poisoned").get(language) {
            bar.finish_with_message(what.to_owned());
        }
    }
}

impl BuildObserver for Progress {
    fn event(&self, event: BuildEvent<'_>) {
        let mut bars = self.bars.lock().expect("not poisoned");
        match event {
            BuildEvent::Step { language, step } => {
                if let Some(start) = self.lines {
                    eprintln!(
                        "images: {:>6.1}s {language}: {step}",
                        start.elapsed().as_secs_f64()
                    );
                }
                if let Some((bar, current)) = bars.get_mut(language) {
                    *current = step.to_owned();
                    bar.set_message(step.to_owned());
                }
            }
            BuildEvent::Output { language, line } => {
                if let Some((bar, current)) = bars.get(language) {
                    let line: String = line.chars().take(60).collect();
                    bar.set_message(format!("{current}: {line}"));
                }
            }
        }
    }
}
