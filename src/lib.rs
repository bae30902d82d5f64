//! # arr-session
//!
//! Manage Azure Remote Rendering sessions: create one, wait until it is Ready, extend its lease, list and
//! stop sessions, with the account-key to access-token exchange done for you. The same engine serves Rust
//! (this crate), C and C++ (the C ABI, crate `arr-session-ffi`), C# and Python.
//!
//! The main flow, here against the local emulator (`arr-emulator`, a dev-dependency) so that this
//! example runs as a test; against the real service, use the region (`"westus2"`) or the endpoint URL and
//! set `account_domain`:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use arr_session::{Client, ClientConfig, CreateSessionOptions, Credential, SessionSize, WaitOptions};
//! use arr_emulator::{Emulator, EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
//!
//! let service = EmulatorConfig { start_delay: std::time::Duration::from_millis(100), ..Default::default() };
//! let emulator = Emulator::start(service).await?;
//!
//! let config = ClientConfig::builder(emulator.base_url(), DEV_ACCOUNT_ID, Credential::AccountKey(DEV_ACCOUNT_KEY.into()))
//!     .sts_endpoint(emulator.base_url())        // or .account_domain("westus2")
//!     .stop_owned_sessions_on_close(true)       // an app that exits stops what it started
//!     .build()?;
//! let client = Client::new(config)?;
//!
//! let created = client.create_session(&CreateSessionOptions::new(SessionSize::Standard, 60)).await?;
//! let id = created.value().id.clone();
//! let ready = client.wait_until_ready(&id, &WaitOptions::default()).await?;
//! assert!(ready.value().status.is_ready());
//! println!("{id} at {:?}, MS-CV {:?}", ready.value().hostname, ready.ms_cv());
//!
//! let extended = client.extend_session(&id, 30).await?;   // the lease is absolute; this adds to it
//! assert_eq!(extended.value().max_lease_time_minutes, Some(90));
//! client.stop_session(&id).await?;
//! client.close().await;
//! # Ok(()) }
//! ```
//!
//! Both wire versions are spoken: api-version 2021-01-01 (default) and the legacy v1 API
//! ([`ApiVersion::V1`]); results always use the 2021-01-01 shape. The `arr-emulator` crate is a faithful
//! local service for development and tests.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
mod budget;
mod call_history;
mod capacity_fallback;
mod client;
mod config;
mod config_sources;
mod conversion;
mod conversion_calls;
mod cost;
mod credentials;
mod doctor;
mod endpoints;
mod error;
/// Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`); not part of the supported API.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod json_fields;
mod keeper;
mod owned_sessions;
mod preflight;
mod proxy;
mod reap;
mod resource_id;
mod response;
mod retry;
mod secret;
mod session;
mod session_calls;
mod tls;
mod transport;
mod wait;
mod wire;

#[cfg(test)]
mod property_tests;

pub use budget::KeepBudget;
pub use call_history::{read_call_history, CallHistoryOptions, CallRecord, DEFAULT_HISTORY_MAX_BYTES};
pub use capacity_fallback::{CapacityFallback, FallbackEvent, FallbackFn, CAPACITY_ERROR_CODES};
pub use client::Client;
pub use config::{ApiVersion, ClientConfig, ClientConfigBuilder};
pub use conversion::{
    AssetConversion, ConversionInputSettings, ConversionOutput, ConversionOutputSettings, ConversionSettings,
    ConversionStatus,
};
pub use conversion_calls::CONVERSION_POLL_INTERVAL;
pub use cost::{billed_minutes, cost_summary, remaining_billable_minutes, CostSummary, PriceTable, SessionCost};
pub use credentials::{Credential, TokenProvider};
pub use doctor::{
    diagnose, session_port_checks, Check, CheckResult, DoctorOptions, DoctorReport, CLOCK_SKEW_FAILURE,
    CLOCK_SKEW_WARNING,
};
pub use error::{Error, ErrorKind, Result, ServiceError};
pub use keeper::{KeepEvent, KeepEventKind, KeepOptions, SessionKeeper};
pub use preflight::{
    check_settings, has_errors, ContainerSas, ConversionResults, Finding, InputLint, LintOptions, ResultMessage,
    ResultsOptions, SasPurpose, SettingsFileKind, Severity, DEFAULT_SAS_LIFETIME, DEFAULT_SCAN_BYTES,
};
pub use proxy::ProxySetting;
pub use reap::{ReapOptions, ReapReport, ReapedSession};
pub use resource_id::{validate_conversion_id, validate_session_id};
pub use response::Response;
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use session::{validate_lease, CreateSessionOptions, Session, SessionSize, SessionStatus, MAX_LEASE_MINUTES};
pub use tokio_util::sync::CancellationToken;
pub use wait::{ProgressFn, WaitOptions, PREMIUM_POLL_INTERVAL, STANDARD_POLL_INTERVAL};
