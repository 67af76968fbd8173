//! Debian root filesystems made with `mmdebstrap`, cached on disk by recipe.
//!
//! Two kinds (see `plan.rs`): a suite's *root* (Essential and apt, `--variant=apt`), and a
//! base with packages: the root unpacked into mmdebstrap's chroot (`tar-in`) and the packages
//! installed by apt inside it (`--variant=custom`, so mmdebstrap unpacks nothing itself).
//! Both sync a per-suite apt cache, `<cache>/apt/<suite>/`, in and out of the chroot's
//! `/var/cache/apt/archives` with shell hooks: hard links in, new `.deb`s out by copy and
//! rename (so two builds of one suite never see a half-written file), and mmdebstrap's own
//! clean-up keeps them out of the tarball.
//!
//! The tarball outlives the image imported from it, so a removed image is re-imported
//! without installing anything again. No mirror is written anywhere: mmdebstrap picks
//! Debian's default unless the user sets `RAWCONF_DEBIAN_MIRROR`.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::context::{BuildEvent, Ctx, TAIL_LINES};
use super::lock;
use super::plan::{BasePlan, MMDEBSTRAP_OPTIONS};
use crate::error::{Error, Result};
use crate::text::sh_quoted;

/// What one mmdebstrap run makes.
enum Recipe<'a> {
    /// The suite's root: Essential and apt.
    Root,
    /// `packages` installed on the root tarball at `root`.
    OnRoot {
        root: &'a Path,
        packages: &'a [String],
    },
}

/// Returns the cached tarball for `base`, making it (and its suite's root) first if needed.
/// A base whose packages the root already has (Haskell's runtime libraries) is the root.
/// Package sets of one suite go on one at a time, in the order of [`super::turns`].
pub(crate) async fn ensure_tarball(ctx: &Ctx<'_>, base: &BasePlan) -> Result<PathBuf> {
    let suite = &base.recipe.suite;
    let root = cached(ctx, &base.root_key, suite, Recipe::Root).await?;
    if base.recipe.packages.is_empty() {
        return Ok(root);
    }
    let listed = root.clone();
    let installed = tokio::task::spawn_blocking(move || installed_packages(&listed))
        .await
        .map_err(|e| Error::Internal(format!("reading a rootfs' dpkg status failed: {e}")))??;
    if base.recipe.packages.iter().all(|p| installed.contains(p)) {
        ctx.turns.done([base.key.as_str()]);
        return Ok(root);
    }
    ctx.turns.wait(suite, &base.key).await;
    let on_root = Recipe::OnRoot {
        root: &root,
        packages: &base.recipe.packages,
    };
    let made = {
        let _permit = ctx.heavy.acquire().await.expect("semaphore never closed");
        cached(ctx, &base.key, suite, on_root).await
    };
    ctx.turns.done([base.key.as_str()]);
    made
}

/// The tarball `<cache>/rootfs/<key>.tar`, made by `recipe` under a lock unless it exists.
async fn cached(ctx: &Ctx<'_>, key: &str, suite: &str, recipe: Recipe<'_>) -> Result<PathBuf> {
    let dir = ctx.cache.join("rootfs");
    let tarball = dir.join(format!("{key}.tar"));
    if tarball.is_file() {
        return Ok(tarball);
    }
    let _lock = lock::acquire(ctx.cache.join("locks").join(format!("rootfs-{key}.lock"))).await?;
    if tarball.is_file() {
        return Ok(tarball);
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let step = match &recipe {
        Recipe::Root => format!("mmdebstrap {suite} (root: Essential, apt)"),
        Recipe::OnRoot { packages, .. } => format!("mmdebstrap {suite} ({})", packages.join(", ")),
    };
    ctx.emit(BuildEvent::Step {
        language: ctx.language,
        step: &step,
    });
    let partial = dir.join(format!(".{key}.{}.partial.tar", std::process::id()));
    let result = run_mmdebstrap(ctx, suite, &recipe, &partial, &step).await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, &tarball).map_err(|e| Error::io(&tarball, e))?;
    Ok(tarball)
}

/// The packages dpkg lists as installed in a rootfs tarball (its `/var/lib/dpkg/status`).
fn installed_packages(tarball: &Path) -> Result<std::collections::HashSet<String>> {
    use std::io::Read;
    let file = std::fs::File::open(tarball).map_err(|e| Error::io(tarball, e))?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    let entries = archive.entries().map_err(|e| Error::io(tarball, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| Error::io(tarball, e))?;
        let path = entry.path().map_err(|e| Error::io(tarball, e))?;
        if path.strip_prefix(".").unwrap_or(&path) != Path::new("var/lib/dpkg/status") {
            continue;
        }
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .map_err(|e| Error::io(tarball, e))?;
        return Ok(dpkg_installed(&text));
    }
    Ok(Default::default())
}

/// Names of the stanzas of a dpkg status file whose `Status` is `install ok installed`.
fn dpkg_installed(status: &str) -> std::collections::HashSet<String> {
    status
        .split("\n\n")
        .filter(|stanza| stanza.lines().any(|l| l == "Status: install ok installed"))
        .filter_map(|stanza| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix("Package: "))
                .map(str::to_owned)
        })
        .collect()
}

/// The hooks that sync the suite's apt cache into the chroot (first) and back (last).
fn apt_cache_hooks(apt: &Path) -> (String, String) {
    let apt = sh_quoted(&apt.to_string_lossy());
    let archives = r#""$1/var/cache/apt/archives""#;
    let sync_in = format!(
        "mkdir -p {archives} && for f in {apt}/*.deb; do [ -e \"$f\" ] || continue; \
         ln \"$f\" {archives}/ 2>/dev/null || cp \"$f\" {archives}/ || exit 1; done"
    );
    let sync_out = format!(
        "mkdir -p {apt} && for f in {archives}/*.deb; do [ -e \"$f\" ] || continue; \
         b=${{f##*/}}; [ -e {apt}/\"$b\" ] && continue; \
         cp \"$f\" {apt}/.\"$b\".$$ && mv {apt}/.\"$b\".$$ {apt}/\"$b\" || exit 1; done"
    );
    (sync_in, sync_out)
}

async fn run_mmdebstrap(
    ctx: &Ctx<'_>,
    suite: &str,
    recipe: &Recipe<'_>,
    target: &Path,
    step: &str,
) -> Result<()> {
    let apt = ctx.cache.join("apt").join(suite);
    let apt = std::path::absolute(&apt).map_err(|e| Error::io(&apt, e))?;
    let (sync_in, sync_out) = apt_cache_hooks(&apt);
    let mut cmd = Command::new("mmdebstrap");
    cmd.args(MMDEBSTRAP_OPTIONS);
    match recipe {
        Recipe::Root => {
            // Keep the Essential .debs in the archive dir until the sync-out hook has seen
            // them (mmdebstrap's clean-up still empties it before the tarball).
            cmd.args(["--variant=apt", "--skip=essential/unlink"]);
            cmd.arg(format!("--setup-hook={sync_in}"));
        }
        Recipe::OnRoot { root, packages } => {
            let root = std::path::absolute(root).map_err(|e| Error::io(*root, e))?;
            // tar-in is one of mmdebstrap's special hooks: its path must not contain spaces.
            let root = root.to_string_lossy();
            if root.contains(char::is_whitespace) {
                return Err(Error::ImageBuild {
                    language: ctx.language.to_owned(),
                    step: step.to_owned(),
                    message: format!(
                        "the rootfs cache path `{root}` contains white space, which mmdebstrap's tar-in hook cannot take; set RAWCONF_CACHE_DIR to a path without"
                    ),
                    tail: Vec::new(),
                });
            }
            let install: Vec<String> = packages.iter().map(|p| sh_quoted(p)).collect();
            cmd.args(["--variant=custom", "--skip=check/empty"]);
            cmd.arg(format!("--setup-hook=tar-in {root} /"));
            cmd.arg(format!("--setup-hook={sync_in}"));
            cmd.arg(format!(
                "--customize-hook=chroot \"$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends {}",
                install.join(" ")
            ));
        }
    }
    cmd.arg(format!("--customize-hook={sync_out}"));
    cmd.arg(suite).arg(target);
    if let Some(mirror) = crate::env::debian_mirror() {
        cmd.arg(mirror);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let fail = |message: String, tail: Vec<String>| Error::ImageBuild {
        language: ctx.language.to_owned(),
        step: step.to_owned(),
        message,
        tail,
    };
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::MissingTool {
                tool: "mmdebstrap".into(),
                hint: "the offline image path builds Debian root filesystems with it; install it \
                       with `sudo apt-get install mmdebstrap` (Debian/Ubuntu), or build on the \
                       official bases with `rawconf images build --online`"
                    .into(),
            });
        }
        Err(e) => return Err(fail(format!("cannot start mmdebstrap: {e}"), Vec::new())),
    };

    // Both streams feed one tail, so an error shows what mmdebstrap said last.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    for reader in [
        Box::new(stdout) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
        Box::new(stderr),
    ] {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(reader).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let mut tail = VecDeque::with_capacity(TAIL_LINES);
    while let Some(line) = rx.recv().await {
        ctx.emit(BuildEvent::Output {
            language: ctx.language,
            line: &line,
        });
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    let status = child
        .wait()
        .await
        .map_err(|e| fail(format!("waiting for mmdebstrap: {e}"), Vec::new()))?;
    if status.success() {
        Ok(())
    } else {
        Err(fail(format!("mmdebstrap {status}"), tail.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_installed_stanzas_count() {
        let status = "Package: libgmp10\nStatus: install ok installed\nVersion: 2\n\n\
                      Package: ghc\nStatus: deinstall ok config-files\n\n\
                      Package: bc\nStatus: install ok installed\n";
        let got = dpkg_installed(status);
        assert!(got.contains("libgmp10") && got.contains("bc"), "{got:?}");
        assert!(!got.contains("ghc"));
    }

    #[test]
    fn hooks_quote_the_cache_path() {
        let (sync_in, sync_out) = apt_cache_hooks(Path::new("/c/it's/apt"));
        assert!(sync_in.contains(r"'/c/it'\''s/apt'/*.deb"), "{sync_in}");
        assert!(
            sync_out.contains(r"mkdir -p '/c/it'\''s/apt'"),
            "{sync_out}"
        );
    }
}
