//! `arr-emulator`: a local emulator of the (retired) Azure Remote Rendering session service and the Mixed
//! Reality STS, in the spirit of Azurite for Azure Storage.
//!
//! One HTTP(S) listener serves everything on [`Emulator::base_url`]:
//!
//! * STS: `GET /Accounts/{id}/token` (or `/accounts/...`) with `Authorization: Bearer <accountId>:<accountKey>`
//!   or `Bearer <AAD access token>` (claims checked, signature not) returns `{"AccessToken":"<JWT>"}`.
//! * Sessions, api-version 2021-01-01 (and `2021-01-01-preview`, `2021-08-01-preview`):
//!   `PUT|GET|PATCH /accounts/{a}/sessions/{s}`, `POST /accounts/{a}/sessions/{s}/:stop`,
//!   `GET /accounts/{a}/sessions` (paged with an absolute `@nextLink`).
//! * Asset conversions, api-version 2021-01-01: `PUT|GET /accounts/{a}/conversions/{c}`,
//!   `GET /accounts/{a}/conversions`, backed by simulated storage or by a real blob storage account
//!   ([`EmulatorConfig::storage`], e.g. an [`azurite::Azurite`]).
//! * The legacy v1 session API under `/v1/accounts/{a}/sessions/...`.
//! * A control surface for out-of-process tests under `/_emulator/` (`counts`, `faults`, `sessions`,
//!   `revoke-tokens`, `log`, `health`, `clock`, `clock/advance`, `sessions/{id}/fail`,
//!   `sessions/{id}/expire`, `sessions/{id}/stop`, `sessions/{id}/set-field`, `conversions`,
//!   `conversions/{id}/fail`, `conversions/{id}/cancel`, `overview`), mostly mirrored by methods of
//!   [`Emulator`], and a dashboard page at `/_emulator/` that shows everything live and calls those hooks.
//!   Loopback clients only unless [`EmulatorConfig::allow_remote_control`].
//!
//! Session status is computed from timestamps on every read (Starting for
//! [`EmulatorConfig::start_delay`], then Ready until the lease runs out, scaled by
//! [`EmulatorConfig::time_scale`]; Error from a recorded failure), so sessions need no background tasks
//! (conversions have one each, for their storage work).
//! Emulated time is the real clock plus an offset moved by [`Emulator::advance_clock`] (and, per session,
//! by [`Emulator::expire_session`]). `emulator/README.md` documents every flag, hook and inference.
//!
//! Well-known development credentials, like Azurite's `devstoreaccount1`: account id [`DEV_ACCOUNT_ID`],
//! key [`DEV_ACCOUNT_KEY`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use arr_emulator::{Emulator, EmulatorConfig};
//! let emulator = Emulator::start(EmulatorConfig { start_delay: std::time::Duration::ZERO, ..Default::default() }).await?;
//! let sts_and_rendering_endpoint = emulator.base_url();
//! # let _ = sts_and_rendering_endpoint;
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

mod api_2021;
mod api_v1;
pub mod azurite;
mod blob;
mod config;
mod control;
mod control_access;
mod control_error;
mod conversion;
mod dashboard;
mod faults;
mod hosts;
mod lenient;
mod logging;
mod ratelimit;
mod request_log;
mod respond;
mod router;
mod server;
mod session;
mod shared;
mod state_file;
mod storage_routes;
mod store;
mod sts;
mod timefmt;
mod token;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use blob::StorageAccount;
pub use config::EmulatorConfig;
pub use control::{FAIL_CODE, FAIL_MESSAGE};
pub use control_error::ControlError;
pub use conversion::{
    ConversionSnapshot, CONVERSION_FAIL_CODE, CONVERSION_FAIL_MESSAGE, INPUT_CONTAINER_ERROR, INPUT_MISSING_MESSAGE,
    LINKED_STORAGE_ERROR, LINKED_STORAGE_MESSAGE, OUTPUT_CONTAINER_ERROR, RESULT_INPUT_INVALID_CODE,
    RESULT_INPUT_INVALID_TITLE, RESULT_SETTINGS_INVALID_CODE, RESULT_SETTINGS_INVALID_TITLE,
    RESULT_UNSUPPORTED_FORMAT_CODE, RESULT_UNSUPPORTED_FORMAT_TITLE,
};
pub use conversion::{ConverterConfig, ConverterProfile, FbxConverter};
pub use faults::{FaultKind, FaultRates, ScriptedFault, SESSION_ERROR_CODE, SESSION_ERROR_MESSAGE};
pub use hosts::flags::HostFlags;
pub use hosts::settings::{
    DockerSettings, HostsConfig, PortRange, ProcessSettings, ProviderKind, SizeProfile, SwarmPublishMode,
};
pub use hosts::{CAPACITY_CODE, HOST_ERROR_CODE};
pub use storage_routes::StorageRoutes;
pub use timefmt::parse_duration;

use shared::Shared;
use state_file::load_state;
use store::Store;
use token::TokenService;

/// The well-known development account id accepted by default.
pub const DEV_ACCOUNT_ID: &str = "11111111-1111-1111-1111-111111111111";
/// The well-known development account key accepted by default.
pub const DEV_ACCOUNT_KEY: &str = "YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==";

/// A session as the emulator sees it right now (status computed at the time of the call). `status` and
/// `size` are the real ones, not values overridden with [`Emulator::set_session_field`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionSnapshot {
    pub account_id: String,
    pub id: String,
    pub status: String,
    pub size: String,
    pub max_lease_time_minutes: u32,
    /// Emulated minutes spent in Ready so far (capped at the lease).
    #[serde(default)]
    pub elapsed_time_minutes: u64,
    /// The session's `error.code` when its status is `Error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The session's `error.message` when its status is `Error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// A running emulator. Dropping it stops accepting connections; [`Emulator::shutdown`] also waits for
/// in-flight requests and flushes the state file.
pub struct Emulator {
    shared: Arc<Shared>,
    cert_pem: Option<String>,
    shutdown_tx: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    /// The emulator's own runtime (see [`Emulator::start`]).
    runtime: Option<tokio::runtime::Runtime>,
}

impl Emulator {
    /// Binds the listener and starts serving.
    ///
    /// The emulator runs on its own small Tokio runtime (two worker threads), not on the caller's: a
    /// test on a current-thread runtime that calls a *blocking* client API would otherwise deadlock,
    /// and injected delays never starve the caller's tasks. `start` may be awaited from any runtime.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        config
            .validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let loaded = match &config.state_file {
            Some(path) => load_state(path)?,
            None => None,
        };
        let (secret, generation) = match &loaded {
            Some(state) => {
                let secret = STANDARD.decode(&state.secret).map_err(|e| {
                    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("state file secret: {e}"))
                })?;
                (secret, state.token_generation)
            }
            None => (TokenService::random_secret(), 0),
        };
        let tokens = Arc::new(TokenService::new(secret, generation));
        let loaded = loaded.unwrap_or_default();

        let listener = std::net::TcpListener::bind(config.listen)?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        // TLS: the given certificate and key; else, with --tls, the one kept in the state file; else a
        // freshly generated one (kept in the state file, when there is one, for the next start).
        let (tls, cert_pem, generated_tls) = match (&config.tls_cert, &config.tls_key) {
            (Some(cert_path), Some(key_path)) => {
                let cert = std::fs::read_to_string(cert_path)?;
                let key = std::fs::read_to_string(key_path)?;
                (Some(server::acceptor_from_pem(&cert, &key)?), Some(cert), None)
            }
            _ if config.tls => {
                let (cert, key) = match (&loaded.tls_cert_pem, &loaded.tls_key_pem) {
                    (Some(c), Some(k)) => (c.clone(), k.clone()),
                    _ => server::generate_self_signed(config.listen.ip())?,
                };
                let acceptor = server::acceptor_from_pem(&cert, &key)?;
                (Some(acceptor), Some(cert.clone()), Some((cert, key)))
            }
            _ => (None, None, None),
        };
        if let (Some(path), Some(pem)) = (&config.tls_cert_out, &cert_pem) {
            std::fs::write(path, pem)?;
        }
        let serves_tls = tls.is_some();
        let base_url = format!("{}://{}", if serves_tls { "https" } else { "http" }, connectable(local));

        let storage = match &config.storage {
            Some(text) => Some(
                blob::StorageAccount::from_connection_string(text)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
            ),
            None => None,
        };
        let linked_route = storage.as_ref().map(|a| (a.name.as_str(), a.blob_endpoint.as_str()));
        let storage_routes = storage_routes::StorageRoutes::new(
            linked_route
                .into_iter()
                .chain(config.storage_routes.iter().map(|(n, e)| (n.as_str(), e.as_str()))),
        )
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(std::io::Error::other)?;
        let unfinished: Vec<(String, String)> = loaded
            .conversions
            .iter()
            .filter(|c| c.outcome.is_none() && c.forced.is_none())
            .map(|c| (c.account_id.clone(), c.id.clone()))
            .collect();
        let hosts = Arc::new(hosts::Hosts::new(&config)?);
        let store = Store::new(
            &loaded,
            config.time_scale,
            hosts.clone(),
            config.max_active_sessions,
            config.state_file.clone().map(|p| (p, tokens.clone())),
            generated_tls,
        );
        let shared = Arc::new(Shared {
            accounts: config
                .accounts
                .iter()
                .map(|(id, key)| (id.to_ascii_lowercase(), key.clone()))
                .collect(),
            store,
            hosts,
            tokens,
            faults: faults::FaultEngine::new(config.faults.clone()),
            rate: config.rate_limit.map(ratelimit::RateLimiter::new),
            counts: Mutex::new(BTreeMap::new()),
            log: request_log::RequestLog::default(),
            base_url,
            conversion_slots: tokio::sync::Semaphore::new(config.converter.workers),
            config,
            storage,
            storage_routes,
            http,
        });
        // Write the file right away so the signing secret is persisted before any token is handed out.
        shared.store.persist();
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("arr-emulator")
            .enable_all()
            .build()?;
        if shared.hosts.is_real() {
            runtime.spawn(hosts::reconcile::run(shared.clone(), shutdown_rx.clone()));
        }
        let server = runtime.spawn(server::run(listener, tls, shared.clone(), shutdown_rx));
        // Conversions loaded from the state file that had not finished resume their storage work.
        for (account, id) in unfinished {
            runtime.spawn(conversion::worker(shared.clone(), account, id));
        }
        Ok(Emulator {
            shared,
            cert_pem,
            shutdown_tx,
            server: Some(server),
            runtime: Some(runtime),
        })
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` (no trailing slash). Both the STS and the
    /// rendering API are served here.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The self-signed certificate (PEM) when serving TLS; trust it in the client.
    pub fn cert_pem(&self) -> Option<String> {
        self.cert_pem.clone()
    }

    /// Requests seen for one route name (e.g. `"sessions.get"`, `"unknown"`), including failed ones.
    pub fn request_count(&self, route: &str) -> u64 {
        self.shared.counts.lock().unwrap().get(route).copied().unwrap_or(0)
    }

    /// All non-zero route counts.
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.shared.counts.lock().unwrap().clone()
    }

    /// Queues a deterministic fault (applied FIFO among faults matching a request's route).
    pub fn inject(&self, fault: ScriptedFault) {
        self.shared.faults.inject(fault);
    }

    /// All sessions of all accounts, including stopped and expired ones, in creation order.
    pub fn sessions(&self) -> Vec<SessionSnapshot> {
        self.shared.snapshots()
    }

    /// Invalidates every token issued so far (requests using them get 401), simulating expiry or key
    /// rotation. New tokens from the STS work as usual.
    pub fn revoke_tokens(&self) {
        self.shared.revoke_tokens();
    }

    /// Makes session `id` fail now: status `Error` with this `error.code` / `error.message` (v1: `message`).
    /// Fails when no session has this id, several accounts have one, or it already ended.
    pub fn fail_session(&self, id: &str, code: &str, message: &str) -> Result<SessionSnapshot, ControlError> {
        self.shared.store.fail(id, None, code, message)?;
        self.snapshot(id)
    }

    /// Moves session `id`'s own clock to the end of its lease: it reads `Expired` with the full lease
    /// elapsed (a Starting session is taken through Ready). Other sessions are not affected.
    pub fn expire_session(&self, id: &str) -> Result<SessionSnapshot, ControlError> {
        self.shared.store.expire(id, None)?;
        self.snapshot(id)
    }

    /// Moves emulated time forward by `minutes` for every session and conversion (and for those created
    /// later): Starting sessions get closer to Ready, Ready ones accumulate elapsed time and may expire;
    /// conversions move from NotStarted to Running to their result (a conversion whose storage work is
    /// still going on stays Running until it is done, usually milliseconds). Time never goes back.
    pub fn advance_clock(&self, minutes: f64) -> Result<(), ControlError> {
        self.shared.store.advance_clock(minutes)
    }

    /// Makes the API report `value` as session `id`'s `field` (`"size"` or `"status"`), whatever the
    /// real value, to test a client's tolerance of values it does not know (the service once answered
    /// `"Tiny"`). `None` restores the real value. Behaviour (listing, expiry, updates) is unchanged.
    pub fn set_session_field(&self, id: &str, field: &str, value: Option<&str>) -> Result<(), ControlError> {
        self.shared.store.set_field(id, None, field, value).map(|_| ())
    }

    /// All conversions of all accounts in creation order, with their status now.
    pub fn conversions(&self) -> Vec<ConversionSnapshot> {
        conversion::snapshots(&self.shared)
    }

    /// Makes conversion `id` (NotStarted or Running) `Failed` now, with this `error.code` and
    /// `error.message` (defaults: [`CONVERSION_FAIL_CODE`], [`CONVERSION_FAIL_MESSAGE`]).
    pub fn fail_conversion(&self, id: &str, code: &str, message: &str) -> Result<ConversionSnapshot, ControlError> {
        conversion::force(&self.shared, id, None, conversion::fail_outcome(code, message))
    }

    /// Makes conversion `id` (NotStarted or Running) `Cancelled` now (`error` stays null).
    pub fn cancel_conversion(&self, id: &str) -> Result<ConversionSnapshot, ControlError> {
        conversion::force(&self.shared, id, None, conversion::cancel_outcome())
    }

    fn snapshot(&self, id: &str) -> Result<SessionSnapshot, ControlError> {
        self.sessions()
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| ControlError::NotFound(id.to_string()))
    }

    /// One line per counted request, oldest first (the last 10 000). Never contains credentials.
    pub fn request_log(&self) -> Vec<String> {
        self.shared.log.lines()
    }

    /// Stops accepting, lets in-flight requests finish (briefly), and flushes the state file.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        // On the emulator's own runtime, where the engine clients live.
        if let Some(runtime) = &self.runtime {
            let shared = self.shared.clone();
            let _ = runtime.spawn(async move { shared.hosts.shutdown().await }).await;
        }
        self.shared.store.persist();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
        // shutdown_background never blocks, so dropping the emulator inside async code is fine; it
        // closes the listener and every connection at once.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The address clients should use: a wildcard listen address is reached through loopback.
fn connectable(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port()).to_string()
}
