//! The state file (`--state-file`): what survives a restart, read at start and written atomically.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::conversion::Conversion;
use crate::session::Session;

/// What the state file holds.
#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PersistedState {
    /// Base64 token-signing secret, so issued tokens survive restarts.
    pub secret: String,
    #[serde(default)]
    pub token_generation: u64,
    #[serde(default)]
    pub next_seq: u64,
    #[serde(default)]
    pub sessions: Vec<Session>,
    /// Emulated time gained through `POST /_emulator/clock/advance`, in real nanoseconds.
    #[serde(default)]
    pub clock_offset_ns: u64,
    /// The generated TLS certificate and key (PEM), reused across restarts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_cert_pem: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_key_pem: Option<String>,
    /// Asset conversions, in creation order.
    #[serde(default)]
    pub conversions: Vec<Conversion>,
    #[serde(default)]
    pub next_conversion_seq: u64,
}

/// Reads a state file; a missing file is a fresh start.
pub(crate) fn load_state(path: &std::path::Path) -> std::io::Result<Option<PersistedState>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("state file {} is not valid: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Atomic write: a reader (or a crash) never sees a half-written file.
pub(crate) fn write_state(path: &std::path::Path, state: &PersistedState) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}
