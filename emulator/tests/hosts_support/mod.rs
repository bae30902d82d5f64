//! Helpers for the host-provider tests: the sample host, waiting for a status, greeting a host, and
//! guards that leave no host behind when a test fails.
#![allow(dead_code)]

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;
use arr_emulator::Emulator;

/// The sample host binary (`cargo build -p arr-sample-host`; scripts/hosts-test.sh builds it first).
pub fn sample_host() -> PathBuf {
    if let Some(path) = std::env::var_os("ARR_SAMPLE_HOST") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join("debug/arr-sample-host");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p arr-sample-host` first (or set ARR_SAMPLE_HOST)",
        path.display()
    );
    path
}

/// GETs a session until `done` accepts it (bounded by `within`); panics naming the last body.
pub async fn wait_for(
    emu: &Emulator,
    client: &reqwest::Client,
    token: &str,
    id: &str,
    within: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let resp = client
            .get(session_url(emu, id))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let body = json_of(resp).await;
        if done(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "session {id} did not get there within {within:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn status_is(want: &'static str) -> impl Fn(&Value) -> bool {
    move |body| body["status"] == want
}

/// Connects to the session's `hostname:handshakePort` and reads the host's greeting line.
pub fn greeting(session: &Value) -> String {
    let host = session["hostname"].as_str().expect("hostname");
    let port = session["handshakePort"].as_u64().expect("handshakePort");
    let mut stream = TcpStream::connect((host, port as u16)).expect("the host accepts a device");
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while stream.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    String::from_utf8_lossy(&line).into_owned()
}

/// Whether something accepts connections on this loopback port.
pub fn port_open(port: u64) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port as u16).into(), Duration::from_millis(300)).is_ok()
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "arr-hosts-test-{tag}-{}-{:08x}",
            std::process::id(),
            fastrand::u32(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Pids recorded in a process provider's pid files.
pub fn pids_in(dir: &Path) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "pid"))
        .filter_map(|e| {
            let v: Value = serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok()?;
            v["pid"].as_i64().map(|p| p as i32)
        })
        .collect()
}

/// Whether a process runs (and is not a zombie waiting to be reaped).
pub fn process_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .next()
                .unwrap_or("X");
            state != "Z" && state != "X"
        }
        Err(_) => false,
    }
}

/// Kills the process group of every pid file in `dir` on drop: a failing test leaves no host behind.
pub struct ProcessHostsGuard(pub PathBuf);

impl Drop for ProcessHostsGuard {
    fn drop(&mut self) {
        for pid in pids_in(&self.0) {
            if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            }
        }
    }
}

/// The dashboard's overview document.
pub async fn overview(emu: &Emulator, client: &reqwest::Client) -> Value {
    json_of(
        client
            .get(format!("{}/_emulator/overview", emu.base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Waits until the warm pool holds `n` ready hosts of `size`.
pub async fn wait_warm(emu: &Emulator, client: &reqwest::Client, size: &str, n: usize, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let doc = overview(emu, client).await;
        let ready = doc["hosts"]["warm"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["size"] == size && w["ready"] == true)
            .count();
        if ready >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "warm pool of {size} not at {n} ready hosts within {within:?}: {}",
            doc["hosts"]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A running `arr-emulator` binary (for `kill -9`): its base URL and the child process.
pub struct ServiceProcess {
    pub child: std::process::Child,
    pub base_url: String,
}

impl ServiceProcess {
    /// Starts the binary with these arguments and reads its base URL (first stdout line).
    pub fn start(args: &[String]) -> ServiceProcess {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_arr-emulator"))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("arr-emulator runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("http"), "no base URL from arr-emulator: {line:?}");
        ServiceProcess {
            child,
            base_url: line.trim().to_string(),
        }
    }

    /// `kill -9`: no shutdown, nothing cleaned up by the service itself.
    pub fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServiceProcess {
    /// SIGTERM (the service removes what it must), at most 15 s, then SIGKILL.
    fn drop(&mut self) {
        if let Some(pid) = rustix::process::Pid::from_raw(self.child.id() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Raw HTTP against a service binary: a token, then session calls.
pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
    pub token: String,
}

impl Api {
    pub async fn new(base: &str) -> Api {
        let client = client();
        let resp = client
            .get(format!("{base}/Accounts/{}/token", arr_emulator::DEV_ACCOUNT_ID))
            .bearer_auth(format!(
                "{}:{}",
                arr_emulator::DEV_ACCOUNT_ID,
                arr_emulator::DEV_ACCOUNT_KEY
            ))
            .send()
            .await
            .unwrap();
        let token = json_of(resp).await["AccessToken"].as_str().unwrap().to_string();
        Api {
            base: base.to_string(),
            client,
            token,
        }
    }

    fn url(&self, id: &str, tail: &str) -> String {
        format!(
            "{}/accounts/{}/sessions/{id}{tail}?{API}",
            self.base,
            arr_emulator::DEV_ACCOUNT_ID
        )
    }

    pub async fn create(&self, id: &str, body: &str) {
        let resp = self
            .client
            .put(self.url(id, ""))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    }

    pub async fn get(&self, id: &str) -> Value {
        json_of(
            self.client
                .get(self.url(id, ""))
                .bearer_auth(&self.token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn stop(&self, id: &str) {
        let resp = self
            .client
            .post(self.url(id, "/:stop"))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 204);
    }

    pub async fn wait_status(&self, id: &str, want: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let body = self.get(id).await;
            if body["status"] == want {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "session {id} not {want} within {within:?}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn overview(&self) -> Value {
        json_of(
            self.client
                .get(format!("{}/_emulator/overview", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}

/// Polls `count` until it returns `want` (bounded); panics naming what it saw.
pub async fn wait_count(what: &str, want: usize, within: Duration, count: impl Fn() -> usize) {
    let deadline = Instant::now() + within;
    loop {
        let n = count();
        if n == want {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {n}, not {want}, after {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Issue #31's "nothing orphaned": a service with a state file and a warm pool is killed with -9
/// while two sessions live (one of them ends while it is down); after a restart the hosts are exactly
/// the live session's plus the warm pool, and after its stop, the warm pool alone. `hosts_config` is
/// the TOML for the provider (with `warm = 1` for Standard); `count` counts this test's hosts.
pub async fn kill_9_and_restart_leaves_no_orphan(dir: &TempDir, hosts_config: &str, count: impl Fn() -> usize) {
    let config_path = dir.0.join("hosts.toml");
    std::fs::write(&config_path, hosts_config).unwrap();
    let args: Vec<String> = [
        "--listen",
        "127.0.0.1:0",
        "--start-delay",
        "0",
        "--time-scale",
        "60",
        "--quiet",
        "--state-file",
        dir.0.join("state.json").to_str().unwrap(),
        "--hosts-config",
        config_path.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let service = ServiceProcess::start(&args);
    let api = Api::new(&service.base_url).await;
    api.create("kept", r#"{"size":"Standard","maxLeaseTimeMinutes":600}"#)
        .await;
    api.create("ends", r#"{"size":"Standard","maxLeaseTimeMinutes":2}"#)
        .await;
    let kept = api.wait_status("kept", "Ready", Duration::from_secs(60)).await;
    api.wait_status("ends", "Ready", Duration::from_secs(60)).await;
    // Two sessions and the refilled warm host.
    wait_count("hosts before kill -9", 3, Duration::from_secs(60), &count).await;
    service.kill_9();
    tokio::time::sleep(Duration::from_secs(3)).await; // "ends" expires meanwhile (2 lease minutes = 2 s)
    assert_eq!(count(), 3, "kill -9 leaves the hosts running");
    let service = ServiceProcess::start(&args);
    let api = Api::new(&service.base_url).await;
    api.wait_status("ends", "Expired", Duration::from_secs(5)).await;
    // The expired session's host and the old warm host go; a new warm host comes: kept + warm.
    wait_count("hosts after the restart", 2, Duration::from_secs(60), &count).await;
    let doc = api.overview().await;
    let warm = doc["hosts"]["warm"].as_array().unwrap().len();
    assert_eq!(warm, 1, "{}", doc["hosts"]);
    let again = api.wait_status("kept", "Ready", Duration::from_secs(5)).await;
    assert_eq!(again["handshakePort"], kept["handshakePort"]);
    assert!(greeting(&again).starts_with("ARR-SAMPLE-HOST"));
    api.stop("kept").await;
    wait_count("hosts after the last stop", 1, Duration::from_secs(60), &count).await;
    drop(service);
}

/// PATCHes a session's lease to `minutes` and checks the answer carries it (the "extend" step).
pub async fn extend(emu: &Emulator, client: &reqwest::Client, token: &str, id: &str, minutes: u32) {
    let patched = client
        .patch(session_url(emu, id))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(format!(r#"{{"maxLeaseTimeMinutes":{minutes}}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(patched).await["maxLeaseTimeMinutes"], minutes);
}

/// With a pool of one warm host of `size` and a capacity of one: a create is Ready in < 1 s on the warm
/// host, the next create of that size fails with CapacityExceeded, and the pool refills. Returns the time
/// the warm create took to Ready.
pub async fn warm_then_over_capacity(
    emu: &Emulator,
    client: &reqwest::Client,
    token: &str,
    size: &str,
    refill_within: Duration,
) -> Duration {
    let body = format!(r#"{{"size":"{size}","maxLeaseTimeMinutes":30}}"#);
    wait_warm(emu, client, size, 1, refill_within).await;
    let created = Instant::now();
    create(emu, client, token, "warm", &body).await;
    let ready = wait_for(emu, client, token, "warm", Duration::from_secs(1), status_is("Ready")).await;
    let to_ready = created.elapsed();
    assert!(to_ready < Duration::from_secs(1), "a warm create took {to_ready:?}");
    // A warm host started before its session: the contract gives it an empty ARR_SESSION_ID.
    assert_eq!(greeting(&ready), format!("ARR-SAMPLE-HOST session= size={size}"));
    // Capacity 1: the next one fails into Error, as the service did for lack of capacity.
    create(emu, client, token, "over", &body).await;
    let over = wait_for(emu, client, token, "over", Duration::from_secs(5), status_is("Error")).await;
    assert_eq!(over["error"]["code"], arr_emulator::CAPACITY_CODE);
    wait_warm(emu, client, size, 1, refill_within).await;
    to_ready
}
