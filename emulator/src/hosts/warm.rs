//! Warm pools: per size, hosts started ahead of their sessions, so a create gets one that already
//! answers. The reconcile loop fills and watches the pool; a create claims from it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub(crate) struct WarmHost {
    pub key: String,
    pub size: String,
    pub handshake_port: u16,
    pub inspector_port: u16,
    /// Answers on its handshake port: may be handed to a session.
    pub ready: bool,
}

#[derive(Default)]
pub(crate) struct WarmPool {
    hosts: Mutex<Vec<WarmHost>>,
    /// Sizes whose refill waits after a failed start (an engine that fails every start is not asked
    /// again every tick).
    backoff: Mutex<HashMap<String, Instant>>,
}

impl WarmPool {
    pub(crate) fn back_off(&self, size: &str, wait: Duration) {
        self.backoff
            .lock()
            .unwrap()
            .insert(size.to_string(), Instant::now() + wait);
    }

    pub(crate) fn backing_off(&self, size: &str) -> bool {
        self.backoff
            .lock()
            .unwrap()
            .get(size)
            .is_some_and(|until| Instant::now() < *until)
    }

    /// Takes a ready host of this size out of the pool.
    pub(crate) fn claim(&self, size: &str) -> Option<WarmHost> {
        let mut hosts = self.hosts.lock().unwrap();
        let at = hosts.iter().position(|h| h.size == size && h.ready)?;
        Some(hosts.remove(at))
    }

    pub(crate) fn add(&self, host: WarmHost) {
        self.hosts.lock().unwrap().push(host);
    }

    pub(crate) fn snapshot(&self) -> Vec<WarmHost> {
        self.hosts.lock().unwrap().clone()
    }

    pub(crate) fn count(&self, size: &str) -> usize {
        self.hosts.lock().unwrap().iter().filter(|h| h.size == size).count()
    }

    pub(crate) fn set_ready(&self, key: &str) {
        if let Some(h) = self.hosts.lock().unwrap().iter_mut().find(|h| h.key == key) {
            h.ready = true;
        }
    }

    /// Drops a host from the pool (it died or is being removed); false when it was not there (claimed).
    pub(crate) fn drop_host(&self, key: &str) -> bool {
        let mut hosts = self.hosts.lock().unwrap();
        let before = hosts.len();
        hosts.retain(|h| h.key != key);
        hosts.len() != before
    }
}
