//! Orchestration: decide offline or online, take locks, build what is missing, concurrently.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::Docker;
use tokio::sync::Semaphore;

use super::context::{BuildObserver, Ctx, NoObserver};
use super::engine::{self, ImageStatus};
use super::lock;
use super::plan::{BasePlan, BaseSource, ImagePlan, Mode};
use super::rootfs;
use super::turns::Turns;
use crate::error::Result;
use crate::spec::language::Language;

/// The result of making sure one image exists.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Built {
    /// The language.
    pub language: String,
    /// The full image reference.
    pub image: String,
    /// Offline or online.
    pub mode: Mode,
    /// `true` if the image was already there and nothing was done.
    pub fresh: bool,
    /// Time spent.
    pub duration: Duration,
}

/// Builds language images; cheap to clone, safe to share between tasks.
#[derive(Clone)]
pub struct Builder {
    docker: Docker,
    cache: PathBuf,
    source: BaseSource,
    heavy: Arc<Semaphore>,
    builds: Arc<Semaphore>,
    turns: Arc<Turns>,
    observer: Arc<dyn BuildObserver>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("cache", &self.cache)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// A builder with the default cache dir, automatic base source, one docker build per core
    /// and no limit on mmdebstrap runs beyond one package set at a time per suite
    /// (`image::turns`).
    pub fn new(docker: Docker) -> Builder {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Builder {
            docker,
            cache: crate::env::cache_dir(),
            source: BaseSource::Auto,
            heavy: Arc::new(Semaphore::new(Semaphore::MAX_PERMITS)),
            builds: Arc::new(Semaphore::new(cores)),
            turns: Arc::default(),
            observer: Arc::new(NoObserver),
        }
    }

    /// Where bases come from.
    pub fn source(mut self, source: BaseSource) -> Builder {
        self.source = source;
        self
    }

    /// How many mmdebstrap runs, and how many docker builds, may run at once (each).
    pub fn jobs(mut self, jobs: usize) -> Builder {
        self.heavy = Arc::new(Semaphore::new(jobs.max(1)));
        self.builds = Arc::new(Semaphore::new(jobs.max(1)));
        self
    }

    /// Where progress goes.
    pub fn observer(mut self, observer: Arc<dyn BuildObserver>) -> Builder {
        self.observer = observer;
        self
    }

    /// The cache directory (rootfs tarballs and locks).
    pub fn cache_dir(mut self, dir: PathBuf) -> Builder {
        self.cache = dir;
        self
    }

    /// Whether each image is present, without building or pulling anything.
    pub async fn status(&self, lang: &Language) -> Result<ImageStatus> {
        let (plan, id) = match self.existing(lang).await? {
            Some(found) => found,
            None => {
                let mode = match self.source {
                    BaseSource::Online => Mode::Online,
                    BaseSource::Offline => Mode::Offline,
                    BaseSource::Auto if self.online_bases_present(lang).await? => Mode::Online,
                    BaseSource::Auto => Mode::Offline,
                };
                (ImagePlan::new(lang, mode)?, None)
            }
        };
        Ok(ImageStatus {
            language: lang.name.clone(),
            image: plan.tag,
            present: id.is_some(),
            id,
            mode: plan.mode,
            command: lang.command.clone(),
        })
    }

    /// The engine's id of each built image, by language (a report records which bytes ran); an
    /// image the engine cannot inspect is left out rather than recorded wrongly.
    pub async fn ids(&self, built: &[Built]) -> std::collections::BTreeMap<String, String> {
        let mut ids = std::collections::BTreeMap::new();
        for b in built {
            if let Ok(Some(id)) = engine::image_id(&self.docker, &b.image).await {
                ids.insert(b.language.clone(), id);
            }
        }
        ids
    }

    /// Makes sure the image of `lang` exists, building it (and its bases) if needed.
    pub async fn ensure(&self, lang: &Language) -> Result<Built> {
        let built = self.ensure_inner(lang).await;
        // Whatever happened, later package sets of the suite no longer wait for this image's.
        if let Ok(plan) = ImagePlan::new(lang, Mode::Offline) {
            self.turns.done(plan.bases.iter().map(|b| b.key.as_str()));
        }
        built
    }

    async fn ensure_inner(&self, lang: &Language) -> Result<Built> {
        let start = Instant::now();
        if let Some((plan, _)) = self.existing(lang).await? {
            return Ok(self.built(plan, true, start));
        }
        let mode = self.decide_mode(lang).await?;
        let plan = ImagePlan::new(lang, mode)?;
        let _lock = lock::acquire(self.cache.join("locks").join(format!(
            "image-{}-{}.lock",
            plan.language,
            &plan.hash[..16]
        )))
        .await?;
        // Another process may have built it while we waited for the lock.
        if engine::image_id(&self.docker, &plan.tag).await?.is_some() {
            return Ok(self.built(plan, true, start));
        }
        let ctx = Ctx {
            docker: &self.docker,
            cache: &self.cache,
            language: &lang.name,
            heavy: &self.heavy,
            turns: &self.turns,
            observer: self.observer.as_ref(),
        };
        // The bases of one image are independent: prepare them side by side, so a long
        // rootfs (GHC's) starts as early as a short one.
        let bases = plan.bases.iter().map(|base| self.ensure_base(&ctx, base));
        for result in futures_util::future::join_all(bases).await {
            result?;
        }
        {
            // Builds have their own permits: a small image's build (a COPY, a symlink) must
            // not queue behind another image's mmdebstrap.
            let _permit = self.builds.acquire().await.expect("semaphore never closed");
            engine::build(&ctx, &plan).await?;
        }
        Ok(self.built(plan, false, start))
    }

    /// Makes sure every image exists, building the missing ones concurrently (bounded by
    /// [`Builder::jobs`] for the heavy steps). Results come back in the order of `langs`.
    pub async fn ensure_all(&self, langs: &[Language]) -> Vec<Result<Built>> {
        // Start the images with the most bases first: they hold the longest chains of heavy
        // steps (Haskell: GHC's rootfs, then a compile); the same order breaks ties in the
        // order package sets go onto their suite's root (`turns.rs`).
        let mut order: Vec<&Language> = langs.iter().collect();
        order.sort_by_key(|l| std::cmp::Reverse(l.image.bases.len()));
        let plans: Vec<ImagePlan> = order
            .iter()
            .filter_map(|l| ImagePlan::new(l, Mode::Offline).ok())
            .collect();
        let bases: Vec<&BasePlan> = plans.iter().flat_map(|p| &p.bases).collect();
        self.turns.plan(&bases, &self.cache.join("apt"));
        let mut handles = std::collections::HashMap::new();
        for lang in order {
            let this = self.clone();
            let lang = lang.clone();
            let name = lang.name.clone();
            handles.insert(name, tokio::spawn(async move { this.ensure(&lang).await }));
        }
        let mut out = Vec::new();
        for lang in langs {
            let handle = handles.remove(&lang.name).expect("one task per language");
            out.push(match handle.await {
                Ok(r) => r,
                Err(e) => Err(crate::Error::Internal(format!("build task panicked: {e}"))),
            });
        }
        out
    }

    async fn ensure_base(&self, ctx: &Ctx<'_>, base: &BasePlan) -> Result<()> {
        let lock_path = self
            .cache
            .join("locks")
            .join(format!("base-{}.lock", base.key));
        let _lock = lock::acquire(lock_path).await?;
        if engine::image_id(&self.docker, &base.tag).await?.is_none() {
            let tarball = rootfs::ensure_tarball(ctx, base).await?;
            engine::import(ctx, base, &tarball).await?;
        }
        Ok(())
    }

    fn built(&self, plan: ImagePlan, fresh: bool, start: Instant) -> Built {
        Built {
            language: plan.language,
            image: plan.tag,
            mode: plan.mode,
            fresh,
            duration: start.elapsed(),
        }
    }

    /// An already-built image for `lang` (offline or online tag, whichever the source allows).
    async fn existing(&self, lang: &Language) -> Result<Option<(ImagePlan, Option<String>)>> {
        let modes: &[Mode] = match self.source {
            BaseSource::Auto => &[Mode::Offline, Mode::Online],
            BaseSource::Offline => &[Mode::Offline],
            BaseSource::Online => &[Mode::Online],
        };
        for &mode in modes {
            let plan = ImagePlan::new(lang, mode)?;
            if let Some(id) = engine::image_id(&self.docker, &plan.tag).await? {
                return Ok(Some((plan, Some(id))));
            }
        }
        Ok(None)
    }

    async fn online_bases_present(&self, lang: &Language) -> Result<bool> {
        for reference in lang.image.online_defaults.values() {
            if engine::image_id(&self.docker, reference).await?.is_none() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Online when every official base is present or can be pulled; offline otherwise.
    async fn decide_mode(&self, lang: &Language) -> Result<Mode> {
        match self.source {
            BaseSource::Offline => return Ok(Mode::Offline),
            BaseSource::Online => return Ok(Mode::Online),
            BaseSource::Auto => {}
        }
        for reference in lang.image.online_defaults.values() {
            if engine::image_id(&self.docker, reference).await?.is_none()
                && !engine::pullable(&self.docker, reference).await
            {
                return Ok(Mode::Offline);
            }
        }
        Ok(Mode::Online)
    }
}
