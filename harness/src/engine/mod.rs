//! The container engine side: talking to Docker (or Podman's compatible API), building the
//! language images offline, running one sandboxed container, keeping a warm pool, and the
//! scratch directories every case works in (reaped when their owner is gone).

pub mod clean;
pub mod container;
pub mod docker;
pub mod image;
pub mod scratch;
pub mod warm;
pub mod workspace;
