//! What a session remembers about its host (kept in the state file, so a restarted service knows which
//! host is whose).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum HostState {
    /// Asked to start (or starting); not yet answering on its handshake port.
    Starting,
    /// Answering: the session is Ready.
    Running,
    /// Its session ended; being stopped and removed.
    Stopping,
    /// Gone from the engine.
    Removed,
}

impl HostState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HostState::Starting => "starting",
            HostState::Running => "running",
            HostState::Stopping => "stopping",
            HostState::Removed => "removed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HostRecord {
    /// The host's name in its engine (container `arr-<key>`, service `arr-<key>`, `<key>.pid`).
    pub key: String,
    /// The provider that runs it.
    pub provider: String,
    pub state: HostState,
    /// Whether the provider was asked to start it (a host not found afterwards is gone, not pending).
    pub launched: bool,
    /// Wall-clock nanoseconds after which a host still not answering is an Error.
    pub start_deadline_ns: u64,
    /// Its last log lines, newest last.
    #[serde(default)]
    pub last_log: Vec<String>,
    /// The size's price per hour when the session was created.
    #[serde(default)]
    pub price_per_hour: f64,
    /// Starts retried on other ports after the engine found a port taken (by something this service
    /// does not know of, e.g. another service on the same range).
    #[serde(default)]
    pub port_retries: u32,
}
