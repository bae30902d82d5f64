//! The command-line flags for hosts (`arr-emulator --help`, "Hosts" group), laid over `--hosts-config`.

use std::path::PathBuf;
use std::time::Duration;

use super::settings::{HostsConfig, PortRange, ProviderKind};
use crate::timefmt::parse_duration;

#[derive(clap::Args, Debug, Clone, Default)]
#[command(next_help_heading = "Hosts (what runs behind each session; docs/hosts.md)")]
pub struct HostFlags {
    /// Host settings from a TOML file (providers, sizes, ports); the flags below override it.
    #[arg(long, value_name = "FILE")]
    pub hosts_config: Option<PathBuf>,
    /// What runs a session's host: simulated (nothing runs; default), process, docker or swarm.
    #[arg(long, value_name = "PROVIDER")]
    pub hosts: Option<ProviderKind>,
    /// The program run per session (process provider); no shell is involved.
    #[arg(long, value_name = "PROGRAM")]
    pub host_command: Option<PathBuf>,
    /// One argument of --host-command (repeatable, in order; `--host-arg=-f` for one starting with -).
    /// {sessionId} {size} {handshakePort} {inspectorPort} are replaced.
    #[arg(long = "host-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub host_args: Vec<String>,
    /// The image run per session (docker, swarm).
    #[arg(long, value_name = "IMAGE")]
    pub host_image: Option<String>,
    /// The name devices reach hosts by (the session's hostname; default 127.0.0.1).
    #[arg(long, value_name = "NAME")]
    pub host_public_name: Option<String>,
    /// Handshake and inspector ports are taken from this range (default 49152-65534).
    #[arg(long, value_name = "LO-HI")]
    pub host_ports: Option<PortRange>,
    /// Between SIGTERM and kill when a session stops or expires (default 10s).
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub host_stop_grace: Option<Duration>,
    /// Live sessions of a size at most, e.g. Standard=4 (repeatable); more fail like the service did
    /// for lack of capacity (Error, CapacityExceeded).
    #[arg(long, value_name = "SIZE=N")]
    pub capacity: Vec<String>,
    /// Hosts of a size kept started ahead, e.g. Standard=2 (repeatable): a create gets one at once.
    #[arg(long, value_name = "SIZE=N")]
    pub warm: Vec<String>,
}

impl HostFlags {
    /// The configuration: the file's (or the defaults), then each flag given.
    pub fn to_config(&self) -> Result<HostsConfig, String> {
        let mut config = match &self.hosts_config {
            Some(path) => HostsConfig::from_file(path).map_err(|e| format!("--hosts-config {e}"))?,
            None => HostsConfig::default(),
        };
        if let Some(provider) = self.hosts {
            config.provider = provider;
        }
        if let Some(command) = &self.host_command {
            config.process.command = Some(command.clone());
            config.process.args = self.host_args.clone();
        } else if !self.host_args.is_empty() {
            config.process.args = self.host_args.clone();
        }
        if let Some(image) = &self.host_image {
            config.docker.image = Some(image.clone());
        }
        if let Some(name) = &self.host_public_name {
            config.public_name = name.clone();
        }
        if let Some(ports) = self.host_ports {
            config.ports = ports;
        }
        if let Some(grace) = self.host_stop_grace {
            config.stop_grace = grace;
        }
        for spec in &self.capacity {
            let (size, n) = size_count("--capacity", spec)?;
            if n == 0 {
                return Err(format!("--capacity {spec}: the capacity must be at least 1"));
            }
            config
                .size_mut(&size)
                .map_err(|e| format!("--capacity {spec}: {e}"))?
                .capacity = Some(n);
        }
        for spec in &self.warm {
            let (size, n) = size_count("--warm", spec)?;
            config.size_mut(&size).map_err(|e| format!("--warm {spec}: {e}"))?.warm = n;
        }
        Ok(config)
    }
}

fn size_count(flag: &str, spec: &str) -> Result<(String, usize), String> {
    let (size, n) = spec
        .split_once('=')
        .ok_or_else(|| format!("{flag} '{spec}' must look like SIZE=N (e.g. Standard=2)"))?;
    let n = n
        .trim()
        .parse()
        .map_err(|_| format!("{flag} '{spec}': '{n}' is not a whole number"))?;
    Ok((size.trim().to_string(), n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        hosts: HostFlags,
    }

    fn parse(args: &[&str]) -> Result<HostsConfig, String> {
        let cli = Cli::try_parse_from(std::iter::once("arr-emulator").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        cli.hosts.to_config()
    }

    #[test]
    fn flags_fill_the_config_and_name_what_they_reject() {
        let config = parse(&[
            "--hosts",
            "process",
            "--host-command",
            "/bin/host",
            "--host-arg=-f",
            "--host-arg",
            "{sessionId}",
            "--host-ports",
            "50000-50010",
            "--host-stop-grace",
            "2s",
            "--capacity",
            "Standard=3",
            "--warm",
            "Premium=1",
        ])
        .unwrap();
        assert_eq!(config.provider, ProviderKind::Process);
        assert_eq!(config.process.args, ["-f", "{sessionId}"]);
        assert_eq!(
            config.ports,
            PortRange {
                low: 50000,
                high: 50010
            }
        );
        assert_eq!(config.stop_grace, Duration::from_secs(2));
        assert_eq!(
            (config.size("Standard").capacity, config.size("Premium").warm),
            (Some(3), 1)
        );
        let err = parse(&["--capacity", "Tiny=2"]).unwrap_err();
        assert!(err.contains("--capacity") && err.contains("Tiny"), "{err}");
        let err = parse(&["--warm", "Standard=x"]).unwrap_err();
        assert!(err.contains("--warm") && err.contains("whole number"), "{err}");
        let err = parse(&["--hosts", "kubernetes"]).unwrap_err();
        assert!(err.contains("kubernetes"), "{err}");
        let err = parse(&["--hosts", "docker"]).unwrap().validate().unwrap_err();
        assert!(err.contains("--host-image"), "{err}");
    }
}
