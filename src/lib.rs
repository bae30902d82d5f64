//! # arr-session
//!
//! Manage Azure Remote Rendering sessions: create one, wait until it is Ready, extend its lease, list and
//! stop sessions, with the account-key to access-token exchange done for you. The same engine serves Rust
//! (this crate), C and C++ (the C ABI in `ffi`), C# and Python.
//!
//! ```no_run
//! # async fn demo() -> arr_session::Result<()> {
//! use arr_session::{Client, ClientConfig, CreateSessionOptions, Credential, SessionSize, WaitOptions};
//! let mut config = ClientConfig::new(
//!     "westus2",                                    // or a full URL
//!     "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
//!     Credential::AccountKey("<account key>".into()),
//! );
//! config.account_domain = Some("westus2".into());
//! let client = Client::new(config)?;
//! let created = client.create_session(&CreateSessionOptions::new(SessionSize::standard(), 60)).await?;
//! let ready = client.wait_until_ready(&created.id, &WaitOptions::default()).await?;
//! println!("{} at {:?}", ready.id, ready.hostname);
//! client.stop_session(&ready.id).await?;
//! # Ok(()) }
//! ```
//!
//! Both wire versions are spoken: api-version 2021-01-01 (default) and the legacy v1 API
//! ([`ApiVersion::V1`]); results always use the 2021-01-01 shape. The `arr-emulator` crate is a faithful
//! local service for development and tests.

pub mod auth;
mod cancel;
mod client;
mod config;
mod error;
pub mod ffi;
#[doc(hidden)]
pub mod fuzzing;
mod guard;
mod json_fields;
mod model;
mod retry;
mod secret;
pub mod timefmt;
pub mod timespan;
mod transport;
mod wait;
mod wire;

pub use cancel::CancelToken;
pub use client::Client;
pub use config::{ApiVersion, ClientConfig, Credential, ProxySetting};
pub use error::{Error, ErrorKind, Result, ServiceError};
pub use model::{
    validate_lease, validate_session_id, CreateSessionOptions, Response, Session, SessionSize, SessionStatus,
    MAX_LEASE_MINUTES,
};
pub use retry::{Idempotency, RetryPolicy};
pub use secret::Secret;
pub use wait::{ProgressFn, WaitOptions, PREMIUM_POLL_INTERVAL, STANDARD_POLL_INTERVAL};
