//! What goes into an image, and the content-addressed tags derived from it.
//!
//! **One root per Debian suite.** Every offline base starts from its suite's *root*: Debian's
//! Essential set plus apt, made once by mmdebstrap and cached as a tarball. A base with
//! packages is that root with the packages installed on top by apt in a chroot (mmdebstrap's
//! `custom` variant over the root), so the Essential set is unpacked once per suite, not once
//! per image: on 2 cores that was about 25 s of a 45 s GHC rootfs, and five times over. A base
//! without packages is the root itself. The packages come from a per-suite apt cache of
//! downloaded `.deb`s, so a rebuild downloads nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::spec::language::{BaseRecipe, Language, MANIFEST};

/// Bumped whenever the way images are built changes, so old tags are not reused.
const RECIPE_VERSION: &str = "rawconf-image-v2";

/// The options every rootfs is made with (the suite's root and the packages on top); part of
/// the base hash. The root is `--variant=apt`; packages go on top with `--variant=custom`.
pub(crate) const MMDEBSTRAP_OPTIONS: &[&str] = &[
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/info/*",
    "--aptopt=Acquire::Retries \"3\"",
];

/// Where the bases of an image come from, as the user asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BaseSource {
    /// Online when every official base is present or pullable, offline otherwise.
    #[default]
    Auto,
    /// Always build bases from Debian packages with mmdebstrap.
    Offline,
    /// Always use the Dockerfile's default (official) bases.
    Online,
}

/// Where the bases of one build come from, once decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// mmdebstrap root filesystems imported as bases.
    Offline,
    /// The Dockerfile's default bases.
    Online,
}

/// One imported base image of the offline path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasePlan {
    /// The Dockerfile `ARG` it is passed as.
    pub arg: String,
    /// The Debian recipe.
    pub recipe: BaseRecipe,
    /// `<suite>-<hash>`: names the cached tarball and the image tag.
    pub key: String,
    /// `<suite>-root-<hash>`: names the cached tarball of the suite's root (Essential and
    /// apt) that the packages are installed on.
    pub root_key: String,
    /// The full image reference, `rawconf-base:<key>`.
    pub tag: String,
}

/// Everything needed to build (or find) one language's image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePlan {
    /// The language.
    pub language: String,
    /// The language folder (build context).
    pub dir: PathBuf,
    /// The Dockerfile inside the context.
    pub dockerfile: String,
    /// Offline or online.
    pub mode: Mode,
    /// The full image reference, `rawconf-<lang>:<hash>`.
    pub tag: String,
    /// The full hash the tag abbreviates.
    pub hash: String,
    /// Bases to import first (offline only).
    pub bases: Vec<BasePlan>,
    /// `--build-arg`s (offline: the imported bases; online: none).
    pub build_args: BTreeMap<String, String>,
    /// Build-context files, relative to `dir`, sorted.
    pub context: Vec<PathBuf>,
}

impl BasePlan {
    fn new(arg: &str, recipe: &BaseRecipe) -> BasePlan {
        let mut packages = recipe.packages.clone();
        packages.sort();
        packages.dedup();
        let mut h = Sha256::new();
        h.update(RECIPE_VERSION);
        h.update([0]);
        h.update(&recipe.suite);
        for o in MMDEBSTRAP_OPTIONS {
            h.update([0]);
            h.update(o);
        }
        let root_key = format!(
            "{}-root-{}",
            recipe.suite,
            &hex(&h.clone().finalize())[..12]
        );
        for p in &packages {
            h.update([1]);
            h.update(p);
        }
        let key = format!("{}-{}", recipe.suite, &hex(&h.finalize())[..12]);
        BasePlan {
            arg: arg.to_owned(),
            recipe: BaseRecipe {
                suite: recipe.suite.clone(),
                packages,
            },
            tag: format!("rawconf-base:{key}"),
            key,
            root_key,
        }
    }
}

impl ImagePlan {
    /// Plans the image of `lang` for `mode`, hashing its build context.
    pub fn new(lang: &Language, mode: Mode) -> Result<ImagePlan> {
        let context = context_files(&lang.dir)?;
        let bases: Vec<BasePlan> = match mode {
            Mode::Offline => lang
                .image
                .bases
                .iter()
                .map(|(arg, r)| BasePlan::new(arg, r))
                .collect(),
            Mode::Online => Vec::new(),
        };
        let build_args: BTreeMap<String, String> = bases
            .iter()
            .map(|b| (b.arg.clone(), b.tag.clone()))
            .collect();

        let mut h = Sha256::new();
        h.update(RECIPE_VERSION);
        h.update([0]);
        h.update(&lang.image.dockerfile);
        for rel in &context {
            let path = lang.dir.join(rel);
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            h.update([1]);
            h.update(rel.to_string_lossy().as_bytes());
            h.update([0]);
            h.update([u8::from(is_executable(&path))]);
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
        match mode {
            Mode::Offline => h.update("mode=offline"),
            Mode::Online => h.update("mode=online"),
        }
        for (k, v) in &build_args {
            h.update([2]);
            h.update(k);
            h.update([0]);
            h.update(v);
        }
        let hash = hex(&h.finalize());
        Ok(ImagePlan {
            language: lang.name.clone(),
            dir: lang.dir.clone(),
            dockerfile: lang.image.dockerfile.clone(),
            mode,
            tag: format!("rawconf-{}:{}", lang.name, &hash[..16]),
            hash,
            bases,
            build_args,
            context,
        })
    }

    /// The build context as an uncompressed tar (deterministic: sorted, zero mtimes).
    pub fn context_tar(&self) -> Result<Vec<u8>> {
        let mut tar = tar::Builder::new(Vec::new());
        for rel in &self.context {
            let path = self.dir.join(rel);
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(if is_executable(&path) { 0o755 } else { 0o644 });
            header.set_mtime(0);
            header.set_cksum();
            tar.append_data(&mut header, rel, bytes.as_slice())
                .map_err(|e| Error::io(&path, e))?;
        }
        tar.into_inner().map_err(|e| Error::io(&self.dir, e))
    }
}

/// A language folder's expectation for `tests/images.rs` (the exact bytes its program writes
/// for one input): about the program, not the image, so not part of the build context.
pub const SMOKE: &str = "smoke.toml";

/// Files of the build context: everything in the language folder except the manifest (which
/// describes the task, not the image), [`SMOKE`] and hidden files. Neither changes an image's
/// tag.
fn context_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            Error::io(path, e.into())
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("walkdir yields paths under its root")
            .to_path_buf();
        let hidden = rel
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        if hidden || rel == Path::new(MANIFEST) || rel == Path::new(SMOKE) {
            continue;
        }
        files.push(rel);
    }
    Ok(files)
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
