//! The reconcile loop: compares what the store says should run with what the engine reports, and mends
//! the difference. Starting, watching, stopping, expiry, adoption after a restart and orphan removal
//! are all this one comparison, repeated every tick and whenever the store changes.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::provider::{HostProvider, HostSpec, ObservedHost};
use super::record::HostState;
use super::warm::WarmHost;
use super::Hosts;
use crate::session::Status;
use crate::shared::Shared;
use crate::store::Hosted;
use crate::timefmt::unix_nanos_now;

/// Between passes when nothing changes (a change in the store wakes the loop at once).
const TICK: Duration = Duration::from_millis(200);
/// Longest wait for the engine to list its hosts or remove one (beyond its grace period).
const ENGINE_WAIT: Duration = Duration::from_secs(30);
/// Starts asked of the engine at once: a burst of creates (100 at a time in the Python suite) is served
/// faster in order than all at once.
const START_SLOTS: usize = 8;
/// Starts retried on new ports when the engine says a port is taken (the session's ports are not shown
/// before Ready, so they may still change).
const PORT_RETRIES: u32 = 3;
/// After a warm host fails to start, its size's pool is not refilled for this long.
const WARM_BACKOFF: Duration = Duration::from_secs(5);
/// This many failed probes in a row (`liveness_interval` apart) make a Ready session's host an Error.
const LIVENESS_MISSES: u32 = 3;

/// Keys of hosts with a start or removal under way: the loop leaves them alone until it is over.
type Busy = Arc<Mutex<HashSet<String>>>;

struct Loop {
    shared: Arc<Shared>,
    provider: Arc<dyn HostProvider>,
    busy: Busy,
    /// Bounds the starts under way (START_SLOTS).
    start_slots: Arc<tokio::sync::Semaphore>,
    /// Per Ready host: when it was last probed, and how many probes in a row it did not answer.
    liveness: Mutex<HashMap<String, (std::time::Instant, u32)>>,
}

/// A session whose host is to be probed this pass.
struct Probe {
    account_id: String,
    id: String,
    key: String,
    starting: bool,
    handshake_port: u16,
    inspector_port: u16,
    start_deadline_ns: u64,
}

pub(crate) async fn run(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let Some(provider) = shared.hosts.provider.clone() else {
        return;
    };
    // Adoption: the ports of live sessions' hosts are taken (they were before the restart).
    for s in shared.store.hosted() {
        if s.status.is_active() {
            shared
                .hosts
                .ports
                .hold(&s.host.key, [s.handshake_port, s.inspector_port]);
        }
    }
    let state = Loop {
        shared: shared.clone(),
        provider,
        busy: Arc::default(),
        start_slots: Arc::new(tokio::sync::Semaphore::new(START_SLOTS)),
        liveness: Mutex::default(),
    };
    loop {
        state.pass().await;
        tokio::select! {
            _ = shared.hosts.wake.notified() => {}
            _ = tokio::time::sleep(TICK) => {}
            _ = shutdown.changed() => break,
        }
    }
}

impl Loop {
    fn hosts(&self) -> &Hosts {
        &self.shared.hosts
    }

    fn is_busy(&self, key: &str) -> bool {
        self.busy.lock().unwrap().contains(key)
    }

    async fn pass(&self) {
        // Anything busy when the pass began may have changed in the engine after it was observed.
        let busy_at_start = self.busy.lock().unwrap().clone();
        let observed = match tokio::time::timeout(ENGINE_WAIT, self.provider.observe()).await {
            Ok(Ok(list)) => list,
            Ok(Err(e)) => return self.engine_down(&format!("the {} engine failed: {e}", self.provider.name())),
            Err(_) => {
                return self.engine_down(&format!(
                    "the {} engine did not list its hosts within {} s",
                    self.provider.name(),
                    ENGINE_WAIT.as_secs()
                ))
            }
        };
        let observed: HashMap<String, ObservedHost> = observed.into_iter().map(|h| (h.key.clone(), h)).collect();
        // Read after observing, so a warm host claimed meanwhile is found in a session.
        let warm = self.hosts().warm.snapshot();
        let sessions = self.shared.store.hosted();
        let skip = |key: &str| busy_at_start.contains(key) || self.is_busy(key);
        let mut owned = HashSet::new();
        let mut probes = Vec::new();
        for s in &sessions {
            owned.insert(s.host.key.clone());
            if !skip(&s.host.key) {
                probes.extend(self.mend(s, observed.get(&s.host.key)));
            }
        }
        self.probe_all(probes).await;
        let warm_keys: HashSet<&str> = warm.iter().map(|w| w.key.as_str()).collect();
        for host in observed.values() {
            if !owned.contains(&host.key) && !warm_keys.contains(host.key.as_str()) && !skip(&host.key) {
                tracing::info!("removing host {}: no live session owns it", host.key);
                self.remove(host.key.clone(), None);
            }
        }
        for w in &warm {
            if !skip(&w.key) {
                self.watch_warm(w, observed.get(&w.key)).await;
            }
        }
        self.fill_warm_pools();
    }

    /// One session against its host; a session whose host is to be probed is returned (all probes of a
    /// pass run at once).
    fn mend(&self, s: &Hosted, seen: Option<&ObservedHost>) -> Option<Probe> {
        let store = &self.shared.store;
        let key = &s.host.key;
        if !s.status.is_active() {
            match seen {
                Some(host) => {
                    let last_log = host.last_log.clone();
                    store.update_host(&s.account_id, &s.id, |h| {
                        h.state = HostState::Stopping;
                        h.last_log = last_log;
                    });
                    self.remove(key.clone(), Some((s.account_id.clone(), s.id.clone())));
                }
                None if s.host.state != HostState::Removed => {
                    self.hosts().ports.release(key);
                    store.update_host(&s.account_id, &s.id, |h| h.state = HostState::Removed);
                }
                None => {}
            }
            return None;
        }
        let Some(host) = seen else {
            if s.host.launched {
                let message = format!(
                    "The session's host is gone: the {} engine no longer has it.",
                    self.provider.name()
                );
                store.host_failed(&s.account_id, &s.id, &message);
            } else {
                self.launch(s);
            }
            return None;
        };
        if let Some(status) = &host.ended {
            let line = host
                .last_log
                .last()
                .map(String::as_str)
                .unwrap_or("(it logged nothing)");
            let message = format!("The session's host ended ({status}). Its last log line: {line}");
            let last_log = host.last_log.clone();
            store.update_host(&s.account_id, &s.id, |h| h.last_log = last_log);
            store.host_failed(&s.account_id, &s.id, &message);
            return None;
        }
        if host.last_log != s.host.last_log {
            let last_log = host.last_log.clone();
            store.update_host(&s.account_id, &s.id, |h| h.last_log = last_log);
        }
        let starting = s.status == Status::Starting;
        let due = starting
            || self
                .liveness
                .lock()
                .unwrap()
                .get(key)
                .is_none_or(|(at, _)| at.elapsed() >= self.hosts().config.liveness_interval);
        due.then(|| Probe {
            account_id: s.account_id.clone(),
            id: s.id.clone(),
            key: key.clone(),
            starting,
            handshake_port: s.handshake_port,
            inspector_port: s.inspector_port,
            start_deadline_ns: s.host.start_deadline_ns,
        })
    }

    /// Probes hosts concurrently: a Starting session whose host answers is Ready (one past its start
    /// deadline is an Error); a Ready session whose host stopped answering several probes in a row is
    /// an Error.
    async fn probe_all(&self, probes: Vec<Probe>) {
        let probe_inspector = self.hosts().config.probe_inspector;
        let mut running = tokio::task::JoinSet::new();
        for probe in probes {
            running.spawn(async move {
                let answers = answers(probe.handshake_port, probe.inspector_port, probe_inspector).await;
                (probe, answers)
            });
        }
        let store = &self.shared.store;
        while let Some(Ok((probe, answers))) = running.join_next().await {
            if probe.starting {
                if answers {
                    store.host_ready(&probe.account_id, &probe.id);
                    self.liveness
                        .lock()
                        .unwrap()
                        .insert(probe.key, (std::time::Instant::now(), 0));
                } else if unix_nanos_now() > probe.start_deadline_ns {
                    let message = format!(
                        "The session's host did not answer on its handshake port {} within {} s of its start.",
                        probe.handshake_port,
                        self.hosts().config.start_timeout.as_secs_f64()
                    );
                    store.host_failed(&probe.account_id, &probe.id, &message);
                }
                continue;
            }
            let misses = {
                let mut liveness = self.liveness.lock().unwrap();
                let entry = liveness
                    .entry(probe.key.clone())
                    .or_insert((std::time::Instant::now(), 0));
                *entry = (std::time::Instant::now(), if answers { 0 } else { entry.1 + 1 });
                entry.1
            };
            if misses >= LIVENESS_MISSES {
                let message = format!(
                    "The session's host stopped answering on its handshake port {} ({misses} probes {} s apart).",
                    probe.handshake_port,
                    self.hosts().config.liveness_interval.as_secs_f64()
                );
                store.host_failed(&probe.account_id, &probe.id, &message);
                self.liveness.lock().unwrap().remove(&probe.key);
            }
        }
    }

    /// Starts the host of a new session.
    fn launch(&self, s: &Hosted) {
        let spec = HostSpec {
            key: s.host.key.clone(),
            session_id: Some(s.id.clone()),
            account_id: Some(s.account_id.clone()),
            size: s.size.clone(),
            handshake_port: s.handshake_port,
            inspector_port: s.inspector_port,
        };
        self.shared
            .store
            .update_host(&s.account_id, &s.id, |h| h.launched = true);
        self.busy.lock().unwrap().insert(spec.key.clone());
        let (shared, provider, busy) = (self.shared.clone(), self.provider.clone(), self.busy.clone());
        let (account, id, retries) = (s.account_id.clone(), s.id.clone(), s.host.port_retries);
        // The bound is the start timeout, from when a slot is free (not the engine's time for others).
        let (slots, bound) = (self.start_slots.clone(), self.hosts().config.start_timeout);
        tokio::spawn(async move {
            let _slot = slots.acquire_owned().await;
            let result = match tokio::time::timeout(bound, provider.start(&spec)).await {
                Ok(result) => result,
                Err(_) => Err(format!("the engine did not accept it within {} s", bound.as_secs_f64())),
            };
            if let Err(e) = result {
                if port_taken(&e) && retries < PORT_RETRIES && retry_on_new_ports(&shared, &account, &id, &spec.key) {
                    tracing::info!("session {id}: a port of its host was taken ({e}); retrying on other ports");
                } else {
                    let message = format!(
                        "The {} provider could not start the session's host: {e}",
                        provider.name()
                    );
                    shared.store.host_failed(&account, &id, &message);
                }
            }
            busy.lock().unwrap().remove(&spec.key);
            shared.hosts.wake();
        });
    }

    /// Stops and removes a host in the background; `owner` is the session whose record says so after.
    fn remove(&self, key: String, owner: Option<(String, String)>) {
        self.liveness.lock().unwrap().remove(&key);
        self.busy.lock().unwrap().insert(key.clone());
        let (shared, provider, busy) = (self.shared.clone(), self.provider.clone(), self.busy.clone());
        let grace = self.hosts().config.stop_grace;
        tokio::spawn(async move {
            let bound = grace + ENGINE_WAIT;
            match tokio::time::timeout(bound, provider.remove(&key, grace)).await {
                Ok(Ok(())) => {
                    shared.hosts.ports.release(&key);
                    if let Some((account, id)) = &owner {
                        shared.store.update_host(account, id, |h| h.state = HostState::Removed);
                    }
                }
                Ok(Err(e)) => tracing::warn!("could not remove host {key}: {e} (retrying)"),
                Err(_) => tracing::warn!("removing host {key} took over {} s (retrying)", bound.as_secs()),
            }
            busy.lock().unwrap().remove(&key);
            shared.hosts.wake();
        });
    }

    async fn watch_warm(&self, w: &WarmHost, seen: Option<&ObservedHost>) {
        match seen {
            None => {
                self.hosts().warm.drop_host(&w.key);
                self.hosts().ports.release(&w.key);
            }
            Some(host) if host.ended.is_some() => {
                tracing::warn!(
                    "warm {} host {} ended ({}); replacing it",
                    w.size,
                    w.key,
                    host.ended.as_deref().unwrap_or("")
                );
                if self.hosts().warm.drop_host(&w.key) {
                    self.remove(w.key.clone(), None);
                }
            }
            Some(_) if !w.ready => {
                let probe_inspector = self.hosts().config.probe_inspector;
                if answers(w.handshake_port, w.inspector_port, probe_inspector).await {
                    self.hosts().warm.set_ready(&w.key);
                }
            }
            Some(_) => {}
        }
    }

    fn fill_warm_pools(&self) {
        let sizes: Vec<(String, usize)> = self
            .hosts()
            .config
            .sizes
            .iter()
            .map(|(name, p)| (name.clone(), p.warm))
            .collect();
        for (size, want) in sizes {
            if self.hosts().warm.backing_off(&size) {
                continue;
            }
            while self.hosts().warm.count(&size) < want {
                let key = super::new_host_key();
                let Some((handshake_port, inspector_port)) = self.hosts().ports.take_pair(&key) else {
                    tracing::warn!("no free ports in the host range for a warm {size} host");
                    self.hosts().warm.back_off(&size, WARM_BACKOFF);
                    break;
                };
                self.hosts().warm.add(WarmHost {
                    key: key.clone(),
                    size: size.clone(),
                    handshake_port,
                    inspector_port,
                    ready: false,
                });
                self.start_warm(HostSpec {
                    key,
                    session_id: None,
                    account_id: None,
                    size: size.clone(),
                    handshake_port,
                    inspector_port,
                });
            }
        }
    }

    fn start_warm(&self, spec: HostSpec) {
        self.busy.lock().unwrap().insert(spec.key.clone());
        let (shared, provider, busy) = (self.shared.clone(), self.provider.clone(), self.busy.clone());
        let (slots, bound) = (self.start_slots.clone(), self.hosts().config.start_timeout);
        tokio::spawn(async move {
            let _slot = slots.acquire_owned().await;
            let result = tokio::time::timeout(bound, provider.start(&spec)).await;
            if !matches!(result, Ok(Ok(()))) {
                let why = match result {
                    Ok(Err(e)) => e,
                    _ => "the engine did not accept it in time".to_string(),
                };
                tracing::warn!("could not start a warm {} host: {why}", spec.size);
                shared.hosts.warm.drop_host(&spec.key);
                let _ = provider.remove(&spec.key, Duration::ZERO).await;
                shared.hosts.ports.release(&spec.key);
                shared.hosts.warm.back_off(&spec.size, WARM_BACKOFF);
            }
            busy.lock().unwrap().remove(&spec.key);
            shared.hosts.wake();
        });
    }

    /// The engine cannot be reached: Starting sessions past their deadline fail with the reason (never
    /// a Starting that lasts forever).
    fn engine_down(&self, why: &str) {
        tracing::warn!("{why}");
        let now = unix_nanos_now();
        for s in self.shared.store.hosted() {
            if s.status == Status::Starting && now > s.host.start_deadline_ns {
                let message = format!("The session's host could not be started or watched: {why}");
                self.shared.store.host_failed(&s.account_id, &s.id, &message);
            }
        }
    }
}

/// Whether an engine's start error says a port was taken (docker: "port is already allocated", or the
/// port publisher's "address already in use").
fn port_taken(error: &str) -> bool {
    error.contains("address already in use") || error.contains("port is already allocated")
}

/// Gives a session's host two other ports and lets the next pass start it again; false when the range
/// has no two left.
fn retry_on_new_ports(shared: &Shared, account: &str, id: &str, key: &str) -> bool {
    shared.hosts.ports.release(key);
    let Some((handshake_port, inspector_port)) = shared.hosts.ports.take_pair(key) else {
        return false;
    };
    shared.store.move_host(account, id, handshake_port, inspector_port);
    true
}

/// Whether a host answers: a TCP connection to its handshake port is accepted and not closed at once (a
/// port publisher such as docker-proxy accepts for a container that does not listen yet, then closes),
/// and, when `probe_inspector`, its inspector port answers an HTTP GET with 2xx.
async fn answers(handshake_port: u16, inspector_port: u16, probe_inspector: bool) -> bool {
    if !handshake_answers(handshake_port).await {
        return false;
    }
    !probe_inspector || inspector_answers(inspector_port).await
}

async fn handshake_answers(port: u16) -> bool {
    let connect = TcpStream::connect(("127.0.0.1", port));
    let Ok(Ok(mut stream)) = tokio::time::timeout(Duration::from_millis(500), connect).await else {
        return false;
    };
    let mut first = [0u8; 1];
    match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut first)).await {
        Ok(Ok(0)) | Ok(Err(_)) => false,
        Ok(Ok(_)) | Err(_) => true,
    }
}

async fn inspector_answers(port: u16) -> bool {
    let probe = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        stream
            .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .ok()?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await.ok()?;
        Some(head.starts_with(b"HTTP/1.") && head[9] == b'2')
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(2), probe).await,
        Ok(Some(true))
    )
}
