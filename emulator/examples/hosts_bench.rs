//! Benchmark of the host providers (issue #31): create-to-Ready, cold and from a warm pool, and
//! stop-to-gone for 1, 10 and 100 concurrent sessions, and the service's memory with 100 live hosts.
//! Figures are reported beside a floor measured in the same run: the simulated provider's create-to-Ready
//! (the API and polling alone, no host). Not a test: it asserts nothing about time.
//!
//! ```sh
//! bash scripts/hosts-test.sh            # once: dockerd, the sample image arr-sample-host:local
//! cargo run --release -p arr-emulator --example hosts_bench -- docker   # or: process, swarm
//! ```
//! `process` needs `cargo build --release -p arr-sample-host` (or ARR_SAMPLE_HOST=path).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use arr_emulator::{Emulator, EmulatorConfig, HostsConfig, ProviderKind, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use serde_json::Value;

const API: &str = "api-version=2021-01-01";

struct Api {
    base: String,
    client: reqwest::Client,
    token: String,
}

/// Sends a request and reads its JSON answer.
async fn json(request: reqwest::RequestBuilder) -> Value {
    let bytes = request.send().await.unwrap().bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

impl Api {
    async fn new(emulator: &Emulator) -> Api {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let base = emulator.base_url();
        let token = json(
            client
                .get(format!("{base}/Accounts/{DEV_ACCOUNT_ID}/token"))
                .bearer_auth(format!("{DEV_ACCOUNT_ID}:{DEV_ACCOUNT_KEY}")),
        )
        .await;
        Api {
            base,
            client,
            token: token["AccessToken"].as_str().unwrap().to_string(),
        }
    }

    fn url(&self, id: &str, tail: &str) -> String {
        format!("{}/accounts/{DEV_ACCOUNT_ID}/sessions/{id}{tail}?{API}", self.base)
    }

    /// Creates a session and polls it every 10 ms until Ready: the time from the create's request.
    async fn create_to_ready(&self, id: String) -> Duration {
        let started = Instant::now();
        let resp = self
            .client
            .put(self.url(&id, ""))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(r#"{"size":"Standard","maxLeaseTimeMinutes":60}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        loop {
            let body = json(self.client.get(self.url(&id, "")).bearer_auth(&self.token)).await;
            match body["status"].as_str() {
                Some("Ready") => return started.elapsed(),
                Some("Starting") => tokio::time::sleep(Duration::from_millis(10)).await,
                _ => panic!("session {id} did not become Ready: {body}"),
            }
        }
    }

    async fn stop(&self, id: &str) {
        let resp = self
            .client
            .post(self.url(id, "/:stop"))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 204);
    }

    async fn warm_ready(&self) -> usize {
        let doc = json(self.client.get(format!("{}/_emulator/overview", self.base))).await;
        doc["hosts"]["warm"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["ready"] == true)
            .count()
    }
}

fn config(provider: ProviderKind, instance: &str, warm: usize, dir: &std::path::Path) -> EmulatorConfig {
    let mut hosts = HostsConfig {
        provider,
        state_dir: Some(dir.to_path_buf()),
        stop_grace: Duration::from_secs(10),
        start_timeout: Duration::from_secs(120),
        instance: Some(instance.to_string()),
        ..HostsConfig::default()
    };
    hosts.docker.image = Some(std::env::var("ARR_SAMPLE_IMAGE").unwrap_or_else(|_| "arr-sample-host:local".into()));
    hosts.docker.publish_address = "127.0.0.1".into();
    hosts.docker.labels.insert("arr.test".into(), "1".into());
    hosts.process.command = Some(
        std::env::var_os("ARR_SAMPLE_HOST")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("target/release/arr-sample-host")),
    );
    hosts.size_mut("Standard").unwrap().warm = warm;
    EmulatorConfig {
        start_delay: Duration::ZERO,
        hosts,
        ..EmulatorConfig::default()
    }
}

/// This run's hosts in the engine: containers or services by their `arr.instance` label, or the process
/// provider's pid files.
fn hosts_alive(provider: ProviderKind, instance: &str, dir: &std::path::Path) -> usize {
    let filter = format!("label=arr.instance={instance}");
    let args: Vec<&str> = match provider {
        ProviderKind::Process => {
            return std::fs::read_dir(dir)
                .map(|d| {
                    d.flatten()
                        .filter(|e| e.path().extension().is_some_and(|x| x == "pid"))
                        .count()
                })
                .unwrap_or(0)
        }
        ProviderKind::Swarm => vec!["service", "ls", "-q", "--filter", &filter],
        _ => vec!["ps", "-aq", "--filter", &filter],
    };
    let out = std::process::Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI");
    String::from_utf8_lossy(&out.stdout).split_whitespace().count()
}

/// Resident memory of this process (the service runs in it; the benchmark's own client is small).
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn summary(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

async fn create_many(api: &Api, prefix: &str, n: usize) -> (Vec<String>, Vec<Duration>) {
    let ids: Vec<String> = (0..n).map(|i| format!("{prefix}-{i}")).collect();
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids.clone() {
        let api = Api {
            base: api.base.clone(),
            client: api.client.clone(),
            token: api.token.clone(),
        };
        tasks.spawn(async move { api.create_to_ready(id).await });
    }
    let mut times = Vec::with_capacity(n);
    while let Some(t) = tasks.join_next().await {
        times.push(t.unwrap());
    }
    (ids, times)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let provider: ProviderKind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "docker".into())
        .parse()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("arr-hosts-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // The floor: the simulated provider (no host), same API, same polling.
    let floor_emu = Emulator::start(EmulatorConfig {
        start_delay: Duration::ZERO,
        ..Default::default()
    })
    .await
    .unwrap();
    let floor_api = Api::new(&floor_emu).await;
    let (_, mut floor) = create_many(&floor_api, "floor", 10).await;
    let (floor_median, _) = summary(&mut floor);
    floor_emu.shutdown().await;
    println!(
        "provider {}: floor (simulated create-to-Ready, median of 10): {}",
        provider.as_str(),
        ms(floor_median)
    );
    let ratio = |d: Duration| d.as_secs_f64() / floor_median.as_secs_f64().max(1e-6);

    let instance = format!("arrbench-{:x}", fastrand::u64(..));
    let rss_before = rss_mib();
    let emu = Emulator::start(config(provider, &instance, 0, &dir)).await.unwrap();
    let api = Api::new(&emu).await;
    for n in [1usize, 10, 100] {
        let (ids, mut times) = create_many(&api, &format!("cold{n}"), n).await;
        let (median, max) = summary(&mut times);
        println!(
            "cold create-to-Ready, {n:>3} concurrent: median {} max {} (median {:.0}x the floor)",
            ms(median),
            ms(max),
            ratio(median)
        );
        if n == 100 {
            println!(
                "memory with 100 live hosts: {:.1} MiB resident (before the service: {rss_before:.1} MiB)",
                rss_mib()
            );
        }
        let stopped = Instant::now();
        let mut stops = tokio::task::JoinSet::new();
        for id in ids {
            let api = Api {
                base: api.base.clone(),
                client: api.client.clone(),
                token: api.token.clone(),
            };
            stops.spawn(async move { api.stop(&id).await });
        }
        while stops.join_next().await.is_some() {}
        while hosts_alive(provider, &instance, &dir) > 0 {
            assert!(
                stopped.elapsed() < Duration::from_secs(300),
                "hosts still there 300 s after the stops"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!(
            "stop-to-gone, {n:>3} concurrent: {} until the last host is gone",
            ms(stopped.elapsed())
        );
    }
    emu.shutdown().await;

    // Warm: a pool of 10 Standard hosts, then 1 and 10 creates.
    let instance = format!("arrbench-{:x}", fastrand::u64(..));
    let emu = Emulator::start(config(provider, &instance, 10, &dir)).await.unwrap();
    let api = Api::new(&emu).await;
    for n in [1usize, 10] {
        let deadline = Instant::now() + Duration::from_secs(300);
        while api.warm_ready().await < 10 {
            assert!(Instant::now() < deadline, "the warm pool did not fill");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (_, mut times) = create_many(&api, &format!("warm{n}"), n).await;
        let (median, max) = summary(&mut times);
        println!(
            "warm create-to-Ready, {n:>3} concurrent: median {} max {} ({:.1}x the floor)",
            ms(median),
            ms(max),
            ratio(median)
        );
    }
    emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
