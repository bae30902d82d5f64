//! Session hosts: the machine (process, container, swarm service) behind each session. The session
//! store keeps the one state machine; [`Hosts`] decides where a new session's host goes
//! ([`Hosts::place`]) and the reconcile loop ([`reconcile::run`]) makes the engine match the store:
//! it starts hosts of live sessions, marks them Ready once they answer, fails sessions whose host
//! died, removes hosts of ended sessions and any host no live session owns, and keeps the warm pools
//! full. The `simulated` provider runs nothing: its sessions are Ready after the start delay.

mod docker;
pub(crate) mod flags;
mod owner;
mod ports;
mod process;
mod provider;
pub(crate) mod reconcile;
pub(crate) mod record;
pub(crate) mod settings;
mod warm;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::config::EmulatorConfig;
use ports::PortPool;
use provider::HostProvider;
use record::{HostRecord, HostState};
use settings::ProviderKind;
use warm::WarmPool;

/// The code of a session whose host failed (inferred: the real service's host failures were never
/// documented or recorded).
pub const HOST_ERROR_CODE: &str = "HostFailed";

/// The error a session fails with when no host can be had: the account is over `--max-active-sessions`, a
/// size is at its capacity, or no ports are left (inferred: the real service's capacity failures are not
/// documented).
pub const CAPACITY_CODE: &str = "CapacityExceeded";

/// Where a new session's host goes, decided at its create.
pub(crate) struct Placement {
    pub hostname: String,
    pub handshake_port: u16,
    pub inspector_port: u16,
    /// Real nanoseconds from the create to Ready; None: when the host answers.
    pub ready_after_ns: Option<u64>,
    pub host: Option<HostRecord>,
    /// `(code, message)` when the session cannot get a host (it fails at what would be its Ready time).
    pub failure: Option<(String, String)>,
}

pub(crate) struct Hosts {
    pub(crate) config: settings::HostsConfig,
    /// None: the simulated provider.
    provider: Option<Arc<dyn HostProvider>>,
    start_delay_ns: u64,
    region: String,
    ports: PortPool,
    warm: WarmPool,
    /// Wakes the reconcile loop after a change in the store.
    wake: Notify,
    /// A directory of ours to delete at shutdown (the process provider's, without a state file).
    temp_dir: Option<PathBuf>,
    /// Whether hosts must outlive this instance (there is a state file to adopt them from).
    keep_on_shutdown: bool,
}

impl Hosts {
    pub(crate) fn new(config: &EmulatorConfig) -> std::io::Result<Hosts> {
        let hosts = config.hosts.clone();
        let mut temp_dir = None;
        let provider: Option<Arc<dyn HostProvider>> = match hosts.provider {
            ProviderKind::Simulated => None,
            ProviderKind::Process => {
                let (dir, temporary) = match &hosts.state_dir {
                    Some(dir) => (dir.clone(), false),
                    None => process::default_dir(config.state_file.as_deref()),
                };
                if temporary {
                    process::reap_dead_owners();
                    temp_dir = Some(dir.clone());
                }
                let kill_on_drop = config.state_file.is_none();
                Some(Arc::new(process::ProcessProvider::new(
                    hosts.process.clone(),
                    dir,
                    kill_on_drop,
                )?))
            }
            ProviderKind::Docker | ProviderKind::Swarm => {
                let mode = match hosts.provider {
                    ProviderKind::Swarm => docker::Mode::Swarm,
                    _ => docker::Mode::Container,
                };
                // Hosts nothing could adopt later are labelled with their owner, so that the next
                // service removes them if this one dies without doing so.
                let ephemeral = hosts.instance.is_none() && config.state_file.is_none();
                let owner = ephemeral.then(owner::this_process);
                let instance = instance_name(&hosts, config.state_file.as_deref());
                Some(Arc::new(docker::DockerProvider::new(&hosts, mode, instance, owner)))
            }
        };
        Ok(Hosts {
            ports: PortPool::new(hosts.ports),
            config: hosts,
            provider,
            start_delay_ns: config.start_delay.as_nanos() as u64,
            region: config.region.clone(),
            warm: WarmPool::default(),
            wake: Notify::new(),
            temp_dir,
            keep_on_shutdown: config.state_file.is_some(),
        })
    }

    /// The provider's name (`simulated` when nothing runs).
    /// The least time a session placed on a new host is Starting (`--start-delay`; a warm host's session
    /// is Ready at once).
    pub(crate) fn cold_start_delay_ns(&self) -> u64 {
        self.start_delay_ns
    }

    pub(crate) fn provider_name(&self) -> &'static str {
        self.provider.as_ref().map_or("simulated", |p| p.name())
    }

    /// The warm pools now: `(size, host key, ready)`.
    pub(crate) fn warm_hosts(&self) -> Vec<(String, String, bool)> {
        self.warm
            .snapshot()
            .into_iter()
            .map(|w| (w.size, w.key, w.ready))
            .collect()
    }

    /// Whether a real engine runs hosts (so the reconcile loop must run).
    pub(crate) fn is_real(&self) -> bool {
        self.provider.is_some()
    }

    pub(crate) fn wake(&self) {
        if self.provider.is_some() {
            self.wake.notify_one();
        }
    }

    /// Decides the new session's host. `live_of_size` counts live sessions of this size already.
    pub(crate) fn place(&self, size: &str, live_of_size: usize, now_wall_ns: u64) -> Placement {
        let profile = self.config.size(size);
        let capacity_failure = profile.capacity.filter(|limit| live_of_size >= *limit).map(|limit| {
            (
                CAPACITY_CODE.to_string(),
                format!(
                    "No rendering VM could be allocated: {live_of_size} {size} sessions are live, the service's \
                     capacity for this size ({limit})."
                ),
            )
        });
        let Some(provider) = &self.provider else {
            let (handshake_port, inspector_port) = simulated_ports();
            return Placement {
                hostname: simulated_hostname(&self.region),
                handshake_port,
                inspector_port,
                ready_after_ns: Some(self.start_delay_ns),
                host: None,
                failure: capacity_failure,
            };
        };
        let unplaced = |failure: (String, String)| Placement {
            hostname: self.config.public_name.clone(),
            handshake_port: 0,
            inspector_port: 0,
            ready_after_ns: Some(0),
            host: None,
            failure: Some(failure),
        };
        if let Some(failure) = capacity_failure {
            return unplaced(failure);
        }
        let record = |key: String, state| HostRecord {
            key,
            provider: provider.name().to_string(),
            state,
            launched: state == HostState::Running,
            start_deadline_ns: now_wall_ns.saturating_add(self.config.start_timeout.as_nanos() as u64),
            last_log: Vec::new(),
            price_per_hour: profile.price_per_hour,
            port_retries: 0,
        };
        // A warm host answers already: the session is Ready at its first read after the create.
        if let Some(warm) = self.warm.claim(size) {
            return Placement {
                hostname: self.config.public_name.clone(),
                handshake_port: warm.handshake_port,
                inspector_port: warm.inspector_port,
                ready_after_ns: Some(0),
                host: Some(record(warm.key, HostState::Running)),
                failure: None,
            };
        }
        let key = new_host_key();
        let Some((handshake_port, inspector_port)) = self.ports.take_pair(&key) else {
            return unplaced((
                CAPACITY_CODE.to_string(),
                format!(
                    "No rendering VM could be allocated: no two free ports are left in the host port range {}-{}.",
                    self.config.ports.low, self.config.ports.high
                ),
            ));
        };
        Placement {
            hostname: self.config.public_name.clone(),
            handshake_port,
            inspector_port,
            ready_after_ns: None,
            host: Some(record(key, HostState::Starting)),
            failure: None,
        }
    }

    /// At shutdown: without a state file nothing could adopt the hosts later, so every host goes (with
    /// its grace); with one, live sessions keep theirs for the next start to adopt, and only the warm
    /// pools go (no session owns them; the next start refills).
    pub(crate) async fn shutdown(&self) {
        if let Some(provider) = &self.provider {
            let keys: Vec<String> = if self.keep_on_shutdown {
                self.warm.snapshot().into_iter().map(|w| w.key).collect()
            } else {
                match tokio::time::timeout(Duration::from_secs(30), provider.observe()).await {
                    Ok(Ok(hosts)) => hosts.into_iter().map(|h| h.key).collect(),
                    Ok(Err(e)) => {
                        tracing::warn!("hosts left at shutdown: {e}");
                        Vec::new()
                    }
                    Err(_) => {
                        tracing::warn!("hosts left at shutdown: the engine did not list them within 30 s");
                        Vec::new()
                    }
                }
            };
            let mut removals = tokio::task::JoinSet::new();
            for key in keys {
                let (provider, grace) = (provider.clone(), self.config.stop_grace);
                removals.spawn(async move { provider.remove(&key, grace).await });
            }
            while let Some(result) = removals.join_next().await {
                if let Ok(Err(e)) = result {
                    tracing::warn!("host removal at shutdown failed: {e}");
                }
            }
        }
        if let Some(dir) = &self.temp_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The `arr.instance` label of this service's hosts: configured, else stable for a state file (a
/// restart must find its hosts), else unique to this run.
fn instance_name(config: &settings::HostsConfig, state_file: Option<&std::path::Path>) -> String {
    if let Some(name) = &config.instance {
        return name.clone();
    }
    match state_file {
        Some(path) => {
            let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            let digest = ring::digest::digest(&ring::digest::SHA256, path.as_os_str().as_encoded_bytes());
            digest.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect()
        }
        None => new_host_key(),
    }
}

/// A fresh host name: `h` and 32 hex digits (valid as a file, container and service name).
fn new_host_key() -> String {
    let hex: String = (0..32)
        .map(|_| char::from(b"0123456789abcdef"[fastrand::usize(..16)]))
        .collect();
    format!("h{hex}")
}

/// The hostname of a simulated session: the real service's shape, in the configured region.
fn simulated_hostname(region: &str) -> String {
    let hex: String = (0..32)
        .map(|_| char::from(b"0123456789abcdef"[fastrand::usize(..16)]))
        .collect();
    format!("{hex}.remoterendering.vm.{region}.mixedreality.azure.com")
}

fn simulated_ports() -> (u16, u16) {
    let handshake_port = fastrand::u16(49152..=65534);
    let inspector_port = loop {
        let p = fastrand::u16(49152..=65534);
        if p != handshake_port {
            break p;
        }
    };
    (handshake_port, inspector_port)
}
