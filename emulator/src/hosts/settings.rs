//! The operator's host configuration: which provider runs a session's host, what it runs, where devices
//! reach it, and per size its resources, capacity, warm pool and price. Read from a TOML file
//! (`--hosts-config`) and overridden by flags; nothing here ever comes from a request.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::timefmt::parse_duration;

/// Which engine runs session hosts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// No host runs: a session is Ready after the start delay (the emulator's behaviour).
    #[default]
    Simulated,
    /// One local process per session.
    Process,
    /// One Docker container per session.
    Docker,
    /// One Docker Swarm service (one replica) per session.
    Swarm,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Simulated => "simulated",
            ProviderKind::Process => "process",
            ProviderKind::Docker => "docker",
            ProviderKind::Swarm => "swarm",
        }
    }
}

impl std::str::FromStr for ProviderKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "simulated" => Ok(ProviderKind::Simulated),
            "process" => Ok(ProviderKind::Process),
            "docker" => Ok(ProviderKind::Docker),
            "swarm" => Ok(ProviderKind::Swarm),
            other => Err(format!(
                "unknown host provider '{other}' (use simulated, process, docker or swarm)"
            )),
        }
    }
}

/// An inclusive port range, written `LO-HI`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub low: u16,
    pub high: u16,
}

impl Default for PortRange {
    /// ARR's own range for handshake and inspector ports.
    fn default() -> Self {
        PortRange {
            low: 49152,
            high: 65534,
        }
    }
}

impl std::str::FromStr for PortRange {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("port range '{text}' must look like LO-HI with 1 <= LO < HI <= 65535");
        let (low, high) = text.trim().split_once('-').ok_or_else(bad)?;
        let low: u16 = low.trim().parse().map_err(|_| bad())?;
        let high: u16 = high.trim().parse().map_err(|_| bad())?;
        if low == 0 || low >= high {
            return Err(bad());
        }
        Ok(PortRange { low, high })
    }
}

/// What one session size gets.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SizeProfile {
    /// Live sessions of this size at most (None: unlimited); a create beyond it fails like the service
    /// did for lack of capacity.
    pub capacity: Option<usize>,
    /// Hosts kept started ahead for this size, so a create is Ready at once.
    pub warm: usize,
    /// Price per hour of Ready time, for the dashboard's cost column.
    pub price_per_hour: f64,
    /// CPU limit (docker) or reservation (swarm), in CPUs; 0 = none.
    pub cpus: f64,
    /// Memory limit (docker) or reservation (swarm), in MiB; 0 = none.
    pub memory_mib: u64,
    /// Swarm placement constraints for this size, e.g. `node.labels.gpu==true`.
    pub constraints: Vec<String>,
}

impl Default for SizeProfile {
    fn default() -> Self {
        SizeProfile {
            capacity: None,
            warm: 0,
            price_per_hour: 0.0,
            cpus: 0.0,
            memory_mib: 0,
            constraints: Vec::new(),
        }
    }
}

/// The `process` provider's command.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProcessSettings {
    /// The program (no shell: run directly, found on PATH when it has no slash).
    pub command: Option<PathBuf>,
    /// Its arguments; `{sessionId}`, `{size}`, `{handshakePort}`, `{inspectorPort}` are replaced.
    pub args: Vec<String>,
    /// Extra environment variables (the host's environment is otherwise empty but for PATH and the
    /// `ARR_*` contract variables: the service's own secrets never reach a host).
    pub env: BTreeMap<String, String>,
}

/// The `docker` and `swarm` providers' settings.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DockerSettings {
    /// The image every host runs.
    pub image: Option<String>,
    /// The Docker Engine's unix socket; default /var/run/docker.sock.
    pub socket: PathBuf,
    /// Host address the docker provider publishes ports on.
    pub publish_address: String,
    /// How the swarm provider publishes ports: `host` (default: on the node that runs the host, as the
    /// docker provider does; no routing mesh between device and host, which needs no IPVS) or `ingress`
    /// (on every node, through the swarm's routing mesh).
    pub swarm_publish_mode: SwarmPublishMode,
    /// Extra environment variables for the container.
    pub env: BTreeMap<String, String>,
    /// The user the container runs as (default nobody, 65534:65534; needs no passwd file).
    pub user: String,
    /// Extra labels on every container or service (the `arr.*` labels cannot be overridden).
    pub labels: BTreeMap<String, String>,
}

impl Default for DockerSettings {
    fn default() -> Self {
        DockerSettings {
            image: None,
            socket: PathBuf::from("/var/run/docker.sock"),
            publish_address: "0.0.0.0".to_string(),
            swarm_publish_mode: SwarmPublishMode::Host,
            env: BTreeMap::new(),
            user: "65534:65534".to_string(),
            labels: BTreeMap::new(),
        }
    }
}

/// How swarm services publish their ports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SwarmPublishMode {
    #[default]
    Host,
    Ingress,
}

/// Everything about session hosts. [`Default`]: the simulated provider, as the emulator always behaved.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HostsConfig {
    pub provider: ProviderKind,
    /// The name devices use to reach hosts (the session's `hostname`); default 127.0.0.1.
    pub public_name: String,
    #[serde(deserialize_with = "de_from_str")]
    pub ports: PortRange,
    /// Between SIGTERM and kill on stop and expiry.
    #[serde(deserialize_with = "de_duration")]
    pub stop_grace: Duration,
    /// A host not answering on its handshake port this long after its start is an Error.
    #[serde(deserialize_with = "de_duration")]
    pub start_timeout: Duration,
    /// Also require an HTTP GET on the inspector port to answer 2xx before Ready.
    pub probe_inspector: bool,
    /// A Ready host is probed this often; three failed probes in a row make its session an Error.
    #[serde(deserialize_with = "de_duration")]
    pub liveness_interval: Duration,
    /// Where the process provider keeps pid and log files (default: next to the state file, else a
    /// temporary directory removed at shutdown).
    pub state_dir: Option<PathBuf>,
    pub process: ProcessSettings,
    pub docker: DockerSettings,
    /// Names this service's hosts in a shared engine (the `arr.instance` label). Default: derived from
    /// the state file's path (so a restart finds its hosts), else random for this run.
    pub instance: Option<String>,
    /// Profiles by session size (`Standard`, `Premium`); a size without one gets the defaults.
    pub sizes: BTreeMap<String, SizeProfile>,
}

impl Default for HostsConfig {
    fn default() -> Self {
        HostsConfig {
            provider: ProviderKind::Simulated,
            public_name: "127.0.0.1".to_string(),
            ports: PortRange::default(),
            stop_grace: Duration::from_secs(10),
            start_timeout: Duration::from_secs(60),
            probe_inspector: false,
            liveness_interval: Duration::from_secs(5),
            state_dir: None,
            instance: None,
            process: ProcessSettings::default(),
            docker: DockerSettings::default(),
            sizes: BTreeMap::new(),
        }
    }
}

/// The sizes a request may name; anything else is rejected before it reaches here.
pub const SIZES: [&str; 2] = ["Standard", "Premium"];

impl HostsConfig {
    /// Reads a TOML file; errors name the file and the field.
    pub fn from_file(path: &std::path::Path) -> Result<HostsConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The profile of a size (the defaults when the file has none).
    pub fn size(&self, size: &str) -> SizeProfile {
        self.sizes.get(size).cloned().unwrap_or_default()
    }

    /// The profile entry of a size, created when missing (for flags like `--capacity SIZE=N`).
    pub fn size_mut(&mut self, size: &str) -> Result<&mut SizeProfile, String> {
        if !SIZES.contains(&size) {
            return Err(format!("unknown session size '{size}' (use Standard or Premium)"));
        }
        Ok(self.sizes.entry(size.to_string()).or_default())
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        for (name, profile) in &self.sizes {
            if !SIZES.contains(&name.as_str()) {
                return Err(format!(
                    "hosts.sizes: unknown session size '{name}' (use Standard or Premium)"
                ));
            }
            if !(profile.price_per_hour.is_finite() && profile.price_per_hour >= 0.0) {
                return Err(format!(
                    "hosts.sizes.{name}.price_per_hour must be a non-negative number"
                ));
            }
            if !(profile.cpus.is_finite() && profile.cpus >= 0.0) {
                return Err(format!("hosts.sizes.{name}.cpus must be a non-negative number"));
            }
            if profile.capacity == Some(0) {
                return Err(format!(
                    "hosts.sizes.{name}.capacity must be at least 1 (omit it for no limit)"
                ));
            }
        }
        if self.public_name.is_empty() || self.public_name.chars().any(|c| c.is_whitespace() || c == '/') {
            return Err(format!("hosts.public_name '{}' is not a host name", self.public_name));
        }
        match self.provider {
            ProviderKind::Process if self.process.command.is_none() => {
                Err("the process provider needs a command (--host-command or hosts.process.command)".into())
            }
            ProviderKind::Docker | ProviderKind::Swarm if self.docker.image.is_none() => Err(format!(
                "the {} provider needs an image (--host-image or hosts.docker.image)",
                self.provider.as_str()
            )),
            _ => Ok(()),
        }
    }
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text).map_err(serde::de::Error::custom)
}

fn de_from_str<'de, D: Deserializer<'de>, T: std::str::FromStr<Err = String>>(d: D) -> Result<T, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_names_the_field_it_rejects() {
        let config: HostsConfig = toml::from_str(
            "provider = \"process\"\nports = \"50000-50100\"\nstop_grace = \"2s\"\n\
             [process]\ncommand = \"/bin/host\"\nargs = [\"--port\", \"{handshakePort}\"]\n\
             [sizes.Standard]\ncapacity = 2\nwarm = 1\nprice_per_hour = 3.0\n",
        )
        .unwrap();
        assert_eq!(
            config.ports,
            PortRange {
                low: 50000,
                high: 50100
            }
        );
        assert_eq!(config.size("Standard").capacity, Some(2));
        assert_eq!(config.stop_grace, Duration::from_secs(2));
        config.validate().unwrap();
        let err = toml::from_str::<HostsConfig>("ports = \"9-3\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ports"), "{err}");
        let err = toml::from_str::<HostsConfig>("[sizes.Standard]\ncapcity = 1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("capcity"), "{err}");
    }
}
