//! The connection to the Docker engine (Engine API through bollard).
//!
//! Every Docker-dependent command and test goes through [`connect`], so an unreachable
//! engine always produces the same clear message instead of a socket error deep in a step.

use bollard::Docker;

use crate::error::{Error, Result};

/// Connects to the engine named by `DOCKER_HOST` (default: the local Unix socket) and checks
/// that it answers.
pub async fn connect() -> Result<Docker> {
    let where_ = crate::env::docker_host();
    let docker = Docker::connect_with_defaults().map_err(|e| unreachable(&where_, e))?;
    docker.ping().await.map_err(|e| unreachable(&where_, e))?;
    Ok(docker)
}

fn unreachable(where_: &str, e: bollard::errors::Error) -> Error {
    Error::docker(
        format!(
            "the Docker engine at {where_} is unreachable ({e}); start it or point DOCKER_HOST at one"
        ),
        e,
    )
}

/// Whether a bollard error is the engine's 404 (no such image/container).
pub fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}
