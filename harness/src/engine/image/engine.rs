//! The Engine API calls images need: inspect, import a rootfs, pull probe, classic build.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::{BuildImageOptions, BuilderVersion, CreateImageOptions};
use futures_util::StreamExt;

use super::context::{BuildEvent, Ctx, TAIL_LINES};
use super::plan::{BasePlan, ImagePlan};
use crate::engine::docker::is_not_found;
use crate::error::{Error, Result};

/// Whether an image is present in the engine, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageStatus {
    /// The language.
    pub language: String,
    /// The full image reference.
    pub image: String,
    /// Whether the engine has it.
    pub present: bool,
    /// The engine's image id, when present.
    pub id: Option<String>,
    /// Offline or online.
    pub mode: super::Mode,
    /// The task's command from the manifest.
    pub command: Vec<String>,
}

/// The engine's id of `reference`, or `None` if the engine does not have it.
pub(crate) async fn image_id(docker: &Docker, reference: &str) -> Result<Option<String>> {
    match docker.inspect_image(reference).await {
        Ok(info) => Ok(Some(info.id.unwrap_or_default())),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(Error::docker(
            format!("inspecting image {reference}: {e}"),
            e,
        )),
    }
}

/// Whether `reference` can be pulled: the first answer of the registry decides, within 30 s.
pub(crate) async fn pullable(docker: &Docker, reference: &str) -> bool {
    let options = CreateImageOptions {
        from_image: Some(reference.to_owned()),
        ..Default::default()
    };
    let mut stream = docker.create_image(Some(options), None, None);
    match tokio::time::timeout(Duration::from_secs(30), stream.next()).await {
        Ok(Some(Ok(_))) => {}
        _ => return false,
    }
    while let Some(item) = stream.next().await {
        if item.is_err() {
            return false;
        }
    }
    true
}

/// Imports a rootfs tarball as the base image `base.tag` (`docker import`).
pub(crate) async fn import(ctx: &Ctx<'_>, base: &BasePlan, tarball: &Path) -> Result<()> {
    let step = format!("import {}", base.tag);
    ctx.emit(BuildEvent::Step {
        language: ctx.language,
        step: &step,
    });
    let file = tokio::fs::File::open(tarball)
        .await
        .map_err(|e| Error::io(tarball, e))?;
    let body = bollard::body_try_stream(tokio_util::io::ReaderStream::with_capacity(file, 1 << 20));
    // The whole `name:tag` as `repo` (the Engine API allows a tag there): Podman's
    // Docker-compatible import ignores a separate `tag` and would name the image `:latest`.
    let options = CreateImageOptions {
        from_src: Some("-".into()),
        repo: Some(base.tag.clone()),
        changes: vec![format!("LABEL rawconf.base={}", base.key)],
        ..Default::default()
    };
    let mut stream = ctx.docker.create_image(Some(options), Some(body), None);
    while let Some(item) = stream.next().await {
        if let Err(e) = item {
            return Err(Error::ImageBuild {
                language: ctx.language.into(),
                step,
                message: e.to_string(),
                tail: Vec::new(),
            });
        }
    }
    match image_id(ctx.docker, &base.tag).await? {
        Some(_) => Ok(()),
        None => Err(Error::ImageBuild {
            language: ctx.language.into(),
            step,
            message: "the engine accepted the import but has no such image".into(),
            tail: Vec::new(),
        }),
    }
}

/// Builds the language image with the classic builder (no BuildKit session, no pulls when
/// the bases are local).
pub(crate) async fn build(ctx: &Ctx<'_>, plan: &ImagePlan) -> Result<()> {
    let step = format!("docker build {}", plan.tag);
    ctx.emit(BuildEvent::Step {
        language: ctx.language,
        step: &step,
    });
    let fail = |message: String, tail: &VecDeque<String>| Error::ImageBuild {
        language: ctx.language.into(),
        step: step.clone(),
        message,
        tail: tail.iter().cloned().collect(),
    };
    let context = plan.context_tar()?;
    let labels = HashMap::from([
        ("rawconf.language".to_owned(), plan.language.clone()),
        ("rawconf.hash".to_owned(), plan.hash.clone()),
    ]);
    let options = BuildImageOptions {
        dockerfile: plan.dockerfile.clone(),
        t: Some(plan.tag.clone()),
        rm: true,
        forcerm: true,
        buildargs: Some(plan.build_args.clone().into_iter().collect()),
        labels: Some(labels),
        version: BuilderVersion::BuilderV1,
        ..Default::default()
    };
    let mut tail = VecDeque::with_capacity(TAIL_LINES);
    let mut stream =
        ctx.docker
            .build_image(options, None, Some(bollard::body_full(context.into())));
    while let Some(item) = stream.next().await {
        let info = match item {
            Ok(info) => info,
            Err(e) => return Err(fail(e.to_string(), &tail)),
        };
        if let Some(text) = info.stream.as_deref() {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                ctx.emit(BuildEvent::Output {
                    language: ctx.language,
                    line,
                });
                if tail.len() == TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(line.to_owned());
            }
        }
        if let Some(detail) = info.error_detail {
            return Err(fail(detail.message.unwrap_or_default(), &tail));
        }
    }
    match image_id(ctx.docker, &plan.tag).await? {
        Some(_) => Ok(()),
        None => Err(fail(
            "the build ended without producing the image".into(),
            &tail,
        )),
    }
}
