//! Emulator configuration.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::faults::FaultRates;
use crate::hosts::settings::HostsConfig;
use crate::{DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};

/// How an [`Emulator`](crate::Emulator) behaves. Every field has a default suited to fast tests.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Address to listen on; default `127.0.0.1:0` (a free port).
    pub listen: SocketAddr,
    /// `(account id, account key)` pairs accepted by the STS; default the well-known dev account.
    pub accounts: Vec<(String, String)>,
    /// Real time a session spends Starting before it is Ready; default 3 s.
    pub start_delay: Duration,
    /// An emulated minute lasts `60 / time_scale` real seconds (affects elapsed time and expiry); default 1.
    pub time_scale: f64,
    /// Requests per second per account (token bucket); exhausted requests get 429 + `Retry-After`.
    pub rate_limit: Option<u32>,
    /// Sessions per list page; default 100.
    pub page_size: usize,
    /// Early-2021 serialisation: every session field emitted, zeros/nulls for unknown ones.
    pub legacy_nulls: bool,
    /// Random faults; default none.
    pub faults: FaultRates,
    /// Persist sessions and the token-signing secret here, across restarts.
    pub state_file: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate for 127.0.0.1 / localhost / ::1: generated at the first
    /// start and, with a `state_file`, kept there and reused on every later start (so a client that
    /// trusted it once keeps working).
    pub tls: bool,
    /// Serve HTTPS with this certificate chain (PEM) instead; needs `tls_key`. Implies TLS.
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Write the certificate (PEM) here when `tls` is set.
    pub tls_cert_out: Option<PathBuf>,
    /// Lifetime of STS tokens; default 24 h like the real service. `exp` is `iat` plus this, in whole
    /// seconds, and a token is accepted through the second of its `exp` (inferred), so it lives at least
    /// this long.
    pub token_lifetime: Duration,
    /// Region name used in session hostnames; default `emulator`.
    pub region: String,
    /// Largest accepted request body; bigger ones get 413 `PayloadTooLarge`. Default 1 MiB (inferred:
    /// the service's limit is not documented; its bodies are tiny).
    pub max_body_bytes: usize,
    /// Live (Starting/Ready) sessions per account; a session created beyond this fails into `Error`
    /// with code `CapacityExceeded` (inferred). Default unlimited.
    pub max_active_sessions: Option<usize>,
    /// AAD tenants (`tid` claim) whose tokens the STS exchanges; empty (default) accepts any tenant.
    pub aad_tenants: Vec<String>,
    /// Extra `aud` values accepted in AAD tokens, besides the Mixed Reality STS resource URIs.
    pub aad_audiences: Vec<String>,
    /// The storage account linked to every ARR account, as an Azure Storage connection string (e.g.
    /// [`Azurite::connection_string`](crate::azurite::Azurite::connection_string)). Conversions read and
    /// write real blobs through it (Shared Key) or through the SAS of the request. `None` (default):
    /// storage is simulated and nothing is read or written.
    pub storage: Option<String>,
    /// Blob endpoints of other storage accounts, by account name: a request for
    /// `https://<name>.blob.<suffix>/...` goes there (the linked account is routed by its own name).
    pub storage_routes: Vec<(String, String)>,
    /// Emulated time a conversion spends `NotStarted`; default 5 s (inferred from a 2022 recording).
    pub conversion_start_delay: Duration,
    /// Emulated time a conversion spends `Running`; default 60 s (inferred from a 2022 recording).
    pub conversion_duration: Duration,
    /// The converter behind the conversion API (default: simulated). docs/converter.md.
    pub converter: crate::conversion::ConverterConfig,
    /// Let clients on other machines use the control surface (`/_emulator/`: hooks and dashboard). Default
    /// false: it answers loopback clients, addressed by a loopback name, only.
    pub allow_remote_control: bool,
    /// What runs behind each session (default: the simulated provider, nothing runs). docs/hosts.md.
    pub hosts: HostsConfig,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            accounts: vec![(DEV_ACCOUNT_ID.to_string(), DEV_ACCOUNT_KEY.to_string())],
            start_delay: Duration::from_secs(3),
            time_scale: 1.0,
            rate_limit: None,
            page_size: 100,
            legacy_nulls: false,
            faults: FaultRates::default(),
            state_file: None,
            tls: false,
            tls_cert: None,
            tls_key: None,
            max_active_sessions: None,
            aad_tenants: Vec::new(),
            aad_audiences: Vec::new(),
            tls_cert_out: None,
            token_lifetime: Duration::from_secs(24 * 3600),
            region: "emulator".to_string(),
            max_body_bytes: 1 << 20,
            storage: None,
            storage_routes: Vec::new(),
            conversion_start_delay: Duration::from_secs(5),
            conversion_duration: Duration::from_secs(60),
            converter: crate::conversion::ConverterConfig::default(),
            allow_remote_control: false,
            hosts: HostsConfig::default(),
        }
    }
}

impl EmulatorConfig {
    /// Rejects settings that would make the emulator misbehave rather than fail loudly later.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(self.time_scale.is_finite() && self.time_scale > 0.0) {
            return Err(format!("time_scale must be a positive number, got {}", self.time_scale));
        }
        if self.page_size == 0 {
            return Err("page_size must be at least 1".into());
        }
        if self.accounts.is_empty() {
            return Err("at least one account is required".into());
        }
        for (id, key) in &self.accounts {
            if id.is_empty() || id.contains(':') || id.contains('/') {
                return Err(format!("account id '{id}' must be non-empty and contain no ':' or '/'"));
            }
            if key.is_empty() {
                return Err(format!("account '{id}' has an empty key"));
            }
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err("tls_cert and tls_key must be given together".into());
        }
        if self.max_active_sessions == Some(0) {
            return Err("max_active_sessions must be at least 1".into());
        }
        if self.rate_limit == Some(0) {
            return Err("rate_limit must be at least 1 request per second".into());
        }
        if let Some(text) = &self.storage {
            crate::blob::StorageAccount::from_connection_string(text)?;
        }
        self.converter.validate()?;
        if self.converter.profile == crate::conversion::ConverterProfile::Pipeline && self.storage.is_none() {
            return Err("the pipeline converter reads and writes real blobs: it needs storage (--storage)".into());
        }
        self.hosts.validate()?;
        if self.region.is_empty() || !self.region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(format!("region '{}' must be a non-empty DNS label", self.region));
        }
        Ok(())
    }
}
