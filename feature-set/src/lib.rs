//! No code: this crate exists for its `Cargo.toml`, which gives the dependencies the workspace's builds
//! share one feature set (see the comment there).
#![no_std]
