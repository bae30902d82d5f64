//! The `proxy` setting against a real HTTP proxy on loopback (Debian's `tinyproxy`, run in the
//! foreground by each test with its own config, port and log file).
//!
//! Each test starts its own emulator and its own proxy, then reads the proxy's log to see which
//! requests went through it, and the emulator's counts to see that each request arrived exactly once.
//! Tests that need proxy environment variables (`"system"`, and `"none"` with the variables set) run the
//! client in a child process - this test binary re-executed with only [`CHILD_TEST`] selected - because
//! the environment is shared by every test thread of a process.
//!
//! tinyproxy must be installed (`apt-get install tinyproxy`); without it these tests fail, they do not skip.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arr_emulator::{Emulator, EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use arr_session::{ApiVersion, Client, ClientConfig};
use common::*;

// ---------------------------------------------------------------------------------------------------
// tinyproxy

/// A tinyproxy process listening on 127.0.0.1, killed on drop.
struct Tinyproxy {
    child: Child,
    port: u16,
    dir: PathBuf,
    log: PathBuf,
}

/// Where tinyproxy is, or a failure that says how to get it.
fn tinyproxy_binary() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"].map(PathBuf::from));
    dirs.into_iter()
        .map(|dir| dir.join("tinyproxy"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "tinyproxy is not installed, and the proxy tests need a real HTTP proxy on loopback: \
                 install it with `apt-get install tinyproxy` (Debian/Ubuntu)"
            )
        })
}

fn scratch_dir() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "arr-proxy-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A port that was free a moment ago (tinyproxy cannot be told to pick one itself).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Tinyproxy {
    fn start() -> Tinyproxy {
        let binary = tinyproxy_binary();
        // The port is free when chosen but may be taken before tinyproxy binds it; then tinyproxy exits
        // and we try another one.
        let mut failures = Vec::new();
        for _ in 0..5 {
            let port = free_port();
            let dir = scratch_dir();
            let log = dir.join("tinyproxy.log");
            let config = dir.join("tinyproxy.conf");
            std::fs::write(
                &config,
                format!(
                    "Port {port}\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 600\nMaxClients 100\n\
                     LogFile \"{}\"\nLogLevel Info\n",
                    log.display()
                ),
            )
            .unwrap();
            let stderr = std::fs::File::create(dir.join("stderr.txt")).unwrap();
            let child = Command::new(&binary)
                .arg("-d")
                .arg("-c")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(stderr)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
            let mut proxy = Tinyproxy { child, port, dir, log };
            match proxy.wait_until_listening() {
                Ok(()) => return proxy,
                Err(why) => failures.push(why),
            }
        }
        panic!("tinyproxy did not start:\n{}", failures.join("\n---\n"));
    }

    /// Ready once it logs its main loop (it has bound the port by then) and accepts a connection.
    fn wait_until_listening(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Err(format!(
                    "tinyproxy on port {} exited ({status}); log:\n{}\nstderr:\n{}",
                    self.port,
                    self.log_text(),
                    std::fs::read_to_string(self.dir.join("stderr.txt")).unwrap_or_default()
                ));
            }
            if self.log_text().contains("Starting main loop") && TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "tinyproxy on port {} not listening after 30 s; log:\n{}",
                    self.port,
                    self.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Every request tinyproxy received, as `METHOD TARGET` (`GET http://127.0.0.1:1234/path?query`,
    /// `CONNECT 127.0.0.1:1234`), in order. tinyproxy writes the line when it has read the request,
    /// before forwarding it, so a request the client got an answer for is already here.
    fn requests(&self) -> Vec<String> {
        self.log_text()
            .lines()
            .filter_map(|line| line.split_once("]: Request (file descriptor ")?.1.split_once("): "))
            .map(|(_, request)| match request.rsplit_once(' ') {
                Some((method_and_target, version)) if version.starts_with("HTTP/") => method_and_target.to_owned(),
                _ => request.to_owned(),
            })
            .collect()
    }

    /// Sends one request to the emulator's (uncounted) health hook through the proxy by hand, so a test
    /// that expects nothing to go through the proxy also shows the proxy was up and logging. Returns the
    /// request as [`Tinyproxy::requests`] will show it.
    fn send_marker_to(&self, emulator: &Emulator) -> String {
        let target = format!("{}/_emulator/health", emulator.base_url());
        assert!(target.starts_with("http://"), "the marker is plain http: {target}");
        let host = target
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let status_line = answer.lines().next().unwrap_or_default();
        assert!(
            status_line.starts_with("HTTP/1.") && status_line.contains(" 200"),
            "the marker request through tinyproxy failed: {answer}"
        );
        format!("GET {target}")
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------------------------------
// The flow and what it must leave behind

/// The client's configuration in its JSON form, so the `proxy` key is read the way the C ABI and the
/// bindings read it. `proxy: None` leaves the key out (the default, `system`).
fn config_json(emulator: &Emulator, api: ApiVersion, proxy: Option<&str>) -> String {
    let mut config = serde_json::json!({
        "endpoint": emulator.base_url(),
        "stsEndpoint": emulator.base_url(),
        "accountId": DEV_ACCOUNT_ID,
        "accountKey": DEV_ACCOUNT_KEY,
        "apiVersion": if api == ApiVersion::V1 { "v1" } else { "2021-01-01" },
        "pollIntervalMs": 50,
        "requestTimeoutMs": 10_000,
        "retry": {"maxRetries": 3, "baseDelayMs": 10, "maxDelayMs": 2000},
    });
    if let Some(proxy) = proxy {
        config["proxy"] = proxy.into();
    }
    if let Some(pem) = emulator.cert_pem() {
        config["extraRootCaPem"] = pem.into();
    }
    config.to_string()
}

/// STS token exchange, create, get, stop. Returns the session id.
async fn flow(config: ClientConfig) -> String {
    let client = Client::new(config).expect("valid config");
    let options = if client.api_version() == ApiVersion::V1 {
        standard(30)
    } else {
        standard(30).with_id(unique_id("proxy"))
    };
    let created = client.create_session(&options).await.expect("create").into_value();
    assert_eq!(created.status.as_str(), "Starting");
    let got = client.get_session(&created.id).await.expect("get").into_value();
    assert_eq!(got.id, created.id);
    client.stop_session(&created.id).await.expect("stop").into_value();
    created.id.clone()
}

/// The emulator saw the flow once: one STS request and one create, get and stop.
fn assert_counts_of_one_flow(emulator: &Emulator, api: ApiVersion) {
    let routes: &[&str] = match api {
        ApiVersion::V1 => &[
            "sts.token",
            "v1.sessions.create",
            "v1.sessions.properties",
            "v1.sessions.stop",
        ],
        _ => &["sessions.create", "sessions.get", "sessions.stop", "sts.token"],
    };
    let expected: BTreeMap<String, u64> = routes.iter().map(|r| (r.to_string(), 1)).collect();
    assert_eq!(
        emulator.request_counts(),
        expected,
        "each request reached the emulator exactly once"
    );
}

/// tinyproxy forwarded exactly the flow's four plain-http requests to the emulator, in order.
fn assert_flow_went_through(proxy: &Tinyproxy, emulator: &Emulator, api: ApiVersion, session: &str) {
    let base = emulator.base_url();
    assert!(base.starts_with("http://"), "{base}");
    let requests = proxy.requests();
    let sessions = if api == ApiVersion::V1 {
        format!("{base}/v1/accounts/{DEV_ACCOUNT_ID}/sessions/")
    } else {
        format!("{base}/accounts/{DEV_ACCOUNT_ID}/sessions/")
    };
    let methods = if api == ApiVersion::V1 {
        ["POST", "GET", "DELETE"]
    } else {
        ["PUT", "GET", "POST"]
    };
    assert_eq!(
        requests.len(),
        4,
        "the STS request and three session requests: {requests:#?}"
    );
    assert!(
        requests[0].starts_with(&format!("GET {base}/Accounts/{DEV_ACCOUNT_ID}/token")),
        "the STS token exchange went through the proxy: {requests:#?}"
    );
    for (request, method) in requests[1..].iter().zip(methods) {
        assert!(
            request.starts_with(&format!("{method} {sessions}")),
            "{method} of the sessions API went through the proxy: {requests:#?}"
        );
    }
    // The create of 2021-01-01 names the session; v1's names it in the answer, which get and stop use.
    let named = if api == ApiVersion::V1 {
        &requests[2..]
    } else {
        &requests[1..]
    };
    for request in named {
        assert!(request.contains(session), "{session} in {request}");
    }
    assert_counts_of_one_flow(emulator, api);
}

/// Nothing but the marker went through tinyproxy, and the flow reached the emulator directly.
fn assert_flow_went_direct(proxy: &Tinyproxy, emulator: &Emulator, api: ApiVersion) {
    let marker = proxy.send_marker_to(emulator);
    assert_eq!(
        proxy.requests(),
        vec![marker],
        "only the test's own marker request went through the proxy"
    );
    assert_counts_of_one_flow(emulator, api);
}

/// tinyproxy tunnelled the flow to the TLS emulator with CONNECT and saw no request in the clear.
fn assert_flow_tunnelled(proxy: &Tinyproxy, emulator: &Emulator) {
    let authority = emulator.base_url().trim_start_matches("https://").to_owned();
    let requests = proxy.requests();
    assert!(!requests.is_empty(), "the flow went through the proxy");
    for request in &requests {
        assert_eq!(
            request,
            &format!("CONNECT {authority}"),
            "https goes through the proxy only as a CONNECT tunnel: {requests:#?}"
        );
    }
    assert_counts_of_one_flow(emulator, ApiVersion::V2021_01_01);
}

// ---------------------------------------------------------------------------------------------------
// The child process: one flow with the environment the parent chose

/// The test that runs in the child process. Ignored in a normal run; the parent selects it by name.
const CHILD_TEST: &str = "child_process_runs_one_flow_with_the_environment_it_was_given";
const CHILD_CONFIG_VAR: &str = "ARR_PROXY_TEST_CHILD_CONFIG";
/// Every variable reqwest reads for proxies (CGI's REQUEST_METHOD switches HTTP_PROXY off).
const PROXY_VARS: [&str; 9] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

#[test]
#[ignore = "runs only as the child process of the proxy tests, which set its environment"]
fn child_process_runs_one_flow_with_the_environment_it_was_given() {
    let Ok(json) = std::env::var(CHILD_CONFIG_VAR) else {
        eprintln!("{CHILD_CONFIG_VAR} is not set: this test only runs as the child of the proxy tests");
        return;
    };
    let config = ClientConfig::from_json(&json).expect("the parent's config");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let id = runtime.block_on(flow(config));
    println!("child flow done: session {id}");
}

/// Runs [`CHILD_TEST`] in a child process with the given config, a clean proxy environment and then
/// `env`. Panics unless the child's flow succeeded. Returns the session id the child used.
fn run_child(config_json: &str, env: &[(&str, &str)]) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args([CHILD_TEST, "--exact", "--ignored", "--nocapture", "--test-threads=1"]);
    for var in PROXY_VARS {
        command.env_remove(var);
    }
    command.env(CHILD_CONFIG_VAR, config_json);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.stdin(Stdio::null()).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the child process with {env:?} failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    stdout
        .lines()
        .find_map(|line| Some(line.split_once("child flow done: session ")?.1))
        .unwrap_or_else(|| panic!("the child ran no flow:\n{stdout}"))
        .trim()
        .to_owned()
}

fn tls() -> EmulatorConfig {
    EmulatorConfig { tls: true, ..quick() }
}

// ---------------------------------------------------------------------------------------------------
// proxy: a URL (in-process: no environment involved)

async fn through_proxy_url(api: ApiVersion) {
    let proxy = Tinyproxy::start();
    let emulator = start(quick()).await;
    let config = ClientConfig::from_json(&config_json(&emulator, api, Some(&proxy.url()))).unwrap();
    let session = flow(config).await;
    assert_flow_went_through(&proxy, &emulator, api, &session);
}

#[tokio::test]
async fn a_proxy_url_carries_the_sts_exchange_and_every_session_request_2021() {
    through_proxy_url(ApiVersion::V2021_01_01).await;
}

#[tokio::test]
async fn a_proxy_url_carries_the_sts_exchange_and_every_session_request_v1() {
    through_proxy_url(ApiVersion::V1).await;
}

#[tokio::test]
async fn a_proxy_url_tunnels_https_with_connect() {
    let proxy = Tinyproxy::start();
    let emulator = start(tls()).await;
    assert!(emulator.base_url().starts_with("https://"));
    let config = ClientConfig::from_json(&config_json(&emulator, ApiVersion::V2021_01_01, Some(&proxy.url()))).unwrap();
    flow(config).await;
    assert_flow_tunnelled(&proxy, &emulator);
}

#[tokio::test]
async fn a_proxy_url_that_is_down_fails_instead_of_going_direct() {
    let emulator = start(quick()).await;
    let down = format!("http://127.0.0.1:{}", free_port());
    let mut config = ClientConfig::from_json(&config_json(&emulator, ApiVersion::V2021_01_01, Some(&down))).unwrap();
    config.retry.max_retries = 0;
    let client = Client::new(config).unwrap();
    let error = client
        .create_session(&standard(30).with_id(unique_id("down")))
        .await
        .expect_err("no proxy listening there");
    assert!(
        emulator.request_counts().is_empty(),
        "nothing reached the emulator directly: {:?} ({error})",
        emulator.request_counts()
    );
}

// ---------------------------------------------------------------------------------------------------
// proxy: "none" (child process: the proxy variables are set and must be ignored)

#[tokio::test]
async fn none_ignores_every_proxy_variable() {
    let proxy = Tinyproxy::start();
    let emulator = start(quick()).await;
    let url = proxy.url();
    let env: Vec<(&str, &str)> = [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .into_iter()
    .map(|var| (var, url.as_str()))
    .collect();
    run_child(&config_json(&emulator, ApiVersion::V2021_01_01, Some("none")), &env);
    assert_flow_went_direct(&proxy, &emulator, ApiVersion::V2021_01_01);
}

#[tokio::test]
async fn none_ignores_every_proxy_variable_for_https() {
    let proxy = Tinyproxy::start();
    let emulator = start(tls()).await;
    let url = proxy.url();
    let env: Vec<(&str, &str)> = [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .into_iter()
    .map(|var| (var, url.as_str()))
    .collect();
    run_child(&config_json(&emulator, ApiVersion::V2021_01_01, Some("none")), &env);
    assert!(proxy.requests().is_empty(), "{:#?}", proxy.requests());
    assert_counts_of_one_flow(&emulator, ApiVersion::V2021_01_01);
}

// ---------------------------------------------------------------------------------------------------
// proxy: "system" (child process)

#[tokio::test]
async fn system_uses_http_proxy_for_http() {
    let proxy = Tinyproxy::start();
    let emulator = start(quick()).await;
    let session = run_child(
        &config_json(&emulator, ApiVersion::V2021_01_01, Some("system")),
        &[("HTTP_PROXY", &proxy.url())],
    );
    assert_flow_went_through(&proxy, &emulator, ApiVersion::V2021_01_01, &session);
}

#[tokio::test]
async fn system_uses_lower_case_http_proxy_and_is_the_default() {
    let proxy = Tinyproxy::start();
    let emulator = start(quick()).await;
    let session = run_child(
        &config_json(&emulator, ApiVersion::V2021_01_01, None),
        &[("http_proxy", &proxy.url())],
    );
    assert_flow_went_through(&proxy, &emulator, ApiVersion::V2021_01_01, &session);
}

#[tokio::test]
async fn system_goes_direct_for_hosts_in_no_proxy() {
    let proxy = Tinyproxy::start();
    let emulator = start(quick()).await;
    let url = proxy.url();
    run_child(
        &config_json(&emulator, ApiVersion::V2021_01_01, Some("system")),
        &[("HTTP_PROXY", &url), ("http_proxy", &url), ("NO_PROXY", "127.0.0.1")],
    );
    assert_flow_went_direct(&proxy, &emulator, ApiVersion::V2021_01_01);
}

#[tokio::test]
async fn system_goes_direct_for_hosts_in_lower_case_no_proxy() {
    let proxy = Tinyproxy::start();
    let emulator = start(quick()).await;
    let url = proxy.url();
    run_child(
        &config_json(&emulator, ApiVersion::V2021_01_01, Some("system")),
        &[("HTTP_PROXY", &url), ("no_proxy", "localhost,127.0.0.1")],
    );
    assert_flow_went_direct(&proxy, &emulator, ApiVersion::V2021_01_01);
}

#[tokio::test]
async fn system_does_not_use_https_proxy_for_plain_http() {
    let proxy = Tinyproxy::start();
    let emulator = start(quick()).await;
    let url = proxy.url();
    run_child(
        &config_json(&emulator, ApiVersion::V2021_01_01, Some("system")),
        &[("HTTPS_PROXY", &url), ("https_proxy", &url)],
    );
    assert_flow_went_direct(&proxy, &emulator, ApiVersion::V2021_01_01);
}

#[tokio::test]
async fn system_tunnels_https_through_https_proxy() {
    let proxy = Tinyproxy::start();
    let emulator = start(tls()).await;
    run_child(
        &config_json(&emulator, ApiVersion::V2021_01_01, Some("system")),
        &[("HTTPS_PROXY", &proxy.url())],
    );
    assert_flow_tunnelled(&proxy, &emulator);
}

#[tokio::test]
async fn system_does_not_use_http_proxy_for_https() {
    let proxy = Tinyproxy::start();
    let emulator = start(tls()).await;
    let url = proxy.url();
    run_child(
        &config_json(&emulator, ApiVersion::V2021_01_01, Some("system")),
        &[("HTTP_PROXY", &url), ("http_proxy", &url)],
    );
    assert!(proxy.requests().is_empty(), "{:#?}", proxy.requests());
    assert_counts_of_one_flow(&emulator, ApiVersion::V2021_01_01);
}

#[tokio::test]
async fn system_without_proxy_variables_goes_direct() {
    let proxy = Tinyproxy::start();
    let emulator = start(quick()).await;
    run_child(&config_json(&emulator, ApiVersion::V2021_01_01, Some("system")), &[]);
    assert_flow_went_direct(&proxy, &emulator, ApiVersion::V2021_01_01);
}
