//! The `process` provider: one local process per session, started from the operator's argv (never a
//! shell line), in its own process group, with a pid file and a log file per host in the state
//! directory. The pid files are how a restarted service finds (adopts or removes) hosts it did not start.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rustix::process::{kill_process_group, Pid, Signal};
use serde::{Deserialize, Serialize};

use super::owner;
use super::provider::{last_lines, BoxFuture, HostProvider, HostSpec, ObservedHost};
use super::settings::ProcessSettings;

/// What a pid file records about its host.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PidFile {
    pid: i32,
    /// The process's start time (clock ticks since boot, /proc/PID/stat field 22), so a recycled pid is
    /// never mistaken for the host.
    start_ticks: u64,
}

pub(crate) struct ProcessProvider {
    settings: ProcessSettings,
    dir: PathBuf,
    /// Kill hosts when the service goes away (no state file to adopt them from later).
    kill_on_drop: bool,
    /// Hosts this instance started (their exit status is known); adopted hosts are watched through /proc.
    children: Mutex<HashMap<String, tokio::process::Child>>,
}

impl ProcessProvider {
    pub(crate) fn new(settings: ProcessSettings, dir: PathBuf, kill_on_drop: bool) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(ProcessProvider {
            settings,
            dir,
            kill_on_drop,
            children: Mutex::new(HashMap::new()),
        })
    }

    fn pid_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.pid"))
    }

    fn log_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.log"))
    }

    fn spawn(&self, spec: &HostSpec) -> Result<(), String> {
        let program = self.settings.command.as_ref().ok_or("no host command is configured")?;
        let session_id = spec.session_id.clone().unwrap_or_default();
        let fill = |arg: &str| {
            arg.replace("{sessionId}", &session_id)
                .replace("{size}", &spec.size)
                .replace("{handshakePort}", &spec.handshake_port.to_string())
                .replace("{inspectorPort}", &spec.inspector_port.to_string())
        };
        let log = std::fs::File::create(self.log_path(&spec.key)).map_err(|e| format!("log file: {e}"))?;
        let log_err = log.try_clone().map_err(|e| format!("log file: {e}"))?;
        let mut command = tokio::process::Command::new(program);
        command
            .args(self.settings.args.iter().map(|a| fill(a)))
            // The service's environment may hold secrets: a host sees PATH, the contract and what the
            // operator configured, nothing else.
            .env_clear()
            .env(
                "PATH",
                std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
            )
            .envs(&self.settings.env)
            .env("ARR_SESSION_ID", &session_id)
            .env("ARR_SESSION_SIZE", &spec.size)
            .env("ARR_HANDSHAKE_PORT", spec.handshake_port.to_string())
            .env("ARR_INSPECTOR_PORT", spec.inspector_port.to_string())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            // Its own group, so a stop reaches whatever the host started, and a Ctrl-C meant for the
            // service does not reach the host.
            .process_group(0)
            .kill_on_drop(self.kill_on_drop);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        let pid = child.id().ok_or("the host exited at once")? as i32;
        let record = PidFile {
            pid,
            start_ticks: owner::start_ticks(pid).unwrap_or(0),
        };
        let json = serde_json::to_vec(&record).expect("serialisable");
        std::fs::write(self.pid_path(&spec.key), json).map_err(|e| format!("pid file: {e}"))?;
        self.children.lock().unwrap().insert(spec.key.clone(), child);
        Ok(())
    }

    fn read_pid_file(&self, key: &str) -> Option<PidFile> {
        serde_json::from_slice(&std::fs::read(self.pid_path(key)).ok()?).ok()
    }

    /// The host's exit status in words when it has ended; None while it runs.
    fn ended(&self, key: &str) -> Option<String> {
        if let Some(child) = self.children.lock().unwrap().get_mut(key) {
            return match child.try_wait() {
                Ok(Some(status)) => Some(status.to_string()),
                Ok(None) => None,
                Err(e) => Some(format!("unknown status ({e})")),
            };
        }
        match self.read_pid_file(key) {
            Some(p) if owner::alive(p.pid, p.start_ticks) => None,
            Some(_) => Some("exit status unknown (it ended while the service was not running)".to_string()),
            None => Some("no pid file".to_string()),
        }
    }

    fn tail(&self, key: &str) -> Vec<String> {
        let Ok(bytes) = std::fs::read(self.log_path(key)) else {
            return Vec::new();
        };
        let from = bytes.len().saturating_sub(8192);
        last_lines(&String::from_utf8_lossy(&bytes[from..]), 5)
    }

    async fn stop(&self, key: &str, grace: Duration) {
        let Some(record) = self.read_pid_file(key) else {
            return;
        };
        let Some(group) = Pid::from_raw(record.pid) else {
            return;
        };
        if self.ended(key).is_none() {
            let _ = kill_process_group(group, Signal::TERM);
            let deadline = Instant::now() + grace;
            while self.ended(key).is_none() && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
        // Whatever is left of the group (the host itself after its grace, or what it started).
        let _ = kill_process_group(group, Signal::KILL);
        let child = self.children.lock().unwrap().remove(key);
        if let Some(mut child) = child {
            let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
        }
    }
}

impl HostProvider for ProcessProvider {
    fn name(&self) -> &'static str {
        "process"
    }

    fn start<'a>(&'a self, spec: &'a HostSpec) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move { self.spawn(spec) })
    }

    fn observe(&self) -> BoxFuture<'_, Result<Vec<ObservedHost>, String>> {
        Box::pin(async move {
            let entries = std::fs::read_dir(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
            let mut hosts = Vec::new();
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(key) = name.to_str().and_then(|n| n.strip_suffix(".pid")) else {
                    continue;
                };
                hosts.push(ObservedHost {
                    key: key.to_string(),
                    ended: self.ended(key),
                    last_log: self.tail(key),
                });
            }
            Ok(hosts)
        })
    }

    fn remove<'a>(&'a self, key: &'a str, grace: Duration) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.stop(key, grace).await;
            for path in [self.pid_path(key), self.log_path(key)] {
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(format!("{}: {e}", path.display())),
                }
            }
            Ok(())
        })
    }
}

/// The state directory for pid and log files when the operator gave none: next to the state file, else
/// a temporary directory named after this process (`arr-emulator-hosts-<owner>`), which a later service
/// removes, with the hosts its pid files name, once that process is gone.
pub(crate) fn default_dir(state_file: Option<&Path>) -> (PathBuf, bool) {
    match state_file {
        Some(path) => {
            let mut dir = path.as_os_str().to_owned();
            dir.push(".hosts");
            (PathBuf::from(dir), false)
        }
        None => {
            let owner = owner::this_process().replace('/', "_");
            (std::env::temp_dir().join(format!("{TEMP_PREFIX}{owner}")), true)
        }
    }
}

const TEMP_PREFIX: &str = "arr-emulator-hosts-";

/// Kills the hosts of temporary directories whose service died without removing them (`kill -9`), and
/// removes those directories.
pub(crate) fn reap_dead_owners() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(owner) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else {
            continue;
        };
        if !owner::is_dead(&owner.replace('_', "/")) {
            continue;
        }
        let dir = entry.path();
        for pid_file in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let record = std::fs::read(pid_file.path()).ok();
            let record = record.and_then(|bytes| serde_json::from_slice::<PidFile>(&bytes).ok());
            if let Some(record) = record.filter(|r| owner::alive(r.pid, r.start_ticks)) {
                if let Some(group) = Pid::from_raw(record.pid) {
                    tracing::info!("killing host process {} of a service that is gone", record.pid);
                    let _ = kill_process_group(group, Signal::KILL);
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
