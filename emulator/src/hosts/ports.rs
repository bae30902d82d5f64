//! Handshake and inspector ports for hosts, from the configured range, never two hosts on one port.

use std::collections::HashMap;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Mutex;

use super::settings::PortRange;

pub(crate) struct PortPool {
    range: PortRange,
    /// Port -> the key of the host holding it.
    taken: Mutex<HashMap<u16, String>>,
}

impl PortPool {
    pub(crate) fn new(range: PortRange) -> Self {
        PortPool {
            range,
            taken: Mutex::new(HashMap::new()),
        }
    }

    /// Two free ports for host `key` (None when the range has no two left). A port counts as free when
    /// no host holds it and this machine can listen on it now.
    pub(crate) fn take_pair(&self, key: &str) -> Option<(u16, u16)> {
        let mut taken = self.taken.lock().unwrap();
        let span = u32::from(self.range.high - self.range.low) + 1;
        let start = fastrand::u32(..span);
        let mut found = Vec::with_capacity(2);
        for i in 0..span {
            let port = self.range.low + ((start + i) % span) as u16;
            if !taken.contains_key(&port) && TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok() {
                found.push(port);
                if found.len() == 2 {
                    break;
                }
            }
        }
        let [a, b] = found[..] else { return None };
        taken.insert(a, key.to_string());
        taken.insert(b, key.to_string());
        Some((a, b))
    }

    /// Marks ports as held by `key` (a host adopted after a restart).
    pub(crate) fn hold(&self, key: &str, ports: [u16; 2]) {
        let mut taken = self.taken.lock().unwrap();
        for p in ports {
            taken.insert(p, key.to_string());
        }
    }

    /// Frees every port host `key` held.
    pub(crate) fn release(&self, key: &str) {
        self.taken.lock().unwrap().retain(|_, k| k != key);
    }
}
