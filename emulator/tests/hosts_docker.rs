//! The `docker` and `swarm` host providers against a real engine with the sample host image. Run by
//! scripts/hosts-test.sh, which starts dockerd, builds `arr-sample-host:local`, makes a one-node swarm
//! and sets ARR_DOCKER_TESTS=1; without it these tests say so and pass without running.

mod common;
mod hosts_support;

use std::process::Command;
use std::time::{Duration, Instant};

use arr_emulator::{EmulatorConfig, HostsConfig, ProviderKind, HOST_ERROR_CODE};
use common::*;
use hosts_support::*;

const BODY: &str = r#"{"size":"Standard","maxLeaseTimeMinutes":30}"#;

fn enabled() -> bool {
    let on = std::env::var("ARR_DOCKER_TESTS").is_ok_and(|v| v == "1");
    if !on {
        eprintln!("not run: needs a Docker engine and the sample image (bash scripts/hosts-test.sh runs these)");
    }
    on
}

fn image() -> String {
    std::env::var("ARR_SAMPLE_IMAGE").unwrap_or_else(|_| "arr-sample-host:local".to_string())
}

/// This test's hosts in the engine, by its own `arr.instance` label; all removed on drop.
struct Engine {
    instance: String,
    swarm: bool,
}

impl Engine {
    fn new(provider: ProviderKind) -> Engine {
        Engine {
            instance: format!("arrtest-{:016x}", fastrand::u64(..)),
            swarm: provider == ProviderKind::Swarm,
        }
    }

    fn ids(&self, what: &str) -> Vec<String> {
        let filter = format!("label=arr.instance={}", self.instance);
        let args: &[&str] = match what {
            "service" => &["service", "ls", "-q", "--filter", &filter],
            _ => &["ps", "-aq", "--filter", &filter],
        };
        let out = Command::new("docker").args(args).output().expect("docker CLI");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    /// Hosts of this test: swarm services, or containers.
    fn hosts(&self) -> usize {
        self.ids(if self.swarm { "service" } else { "container" }).len()
    }

    /// Containers of this test (for swarm: the tasks' containers, labelled through the container spec).
    fn containers(&self) -> usize {
        self.ids("container").len()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let services = self.ids("service");
        if !services.is_empty() {
            let _ = Command::new("docker").args(["service", "rm"]).args(&services).output();
        }
        let containers = self.ids("container");
        if !containers.is_empty() {
            let _ = Command::new("docker").args(["rm", "-f"]).args(&containers).output();
        }
    }
}

fn hosts_config(provider: ProviderKind, engine: &Engine) -> HostsConfig {
    let mut hosts = HostsConfig {
        provider,
        stop_grace: Duration::from_secs(3),
        start_timeout: Duration::from_secs(60),
        instance: Some(engine.instance.clone()),
        ..HostsConfig::default()
    };
    hosts.docker.image = Some(image());
    hosts.docker.publish_address = "127.0.0.1".to_string();
    hosts.docker.labels.insert("arr.test".into(), "1".into());
    hosts
}

fn config(provider: ProviderKind, engine: &Engine) -> EmulatorConfig {
    EmulatorConfig {
        start_delay: Duration::ZERO,
        hosts: hosts_config(provider, engine),
        ..EmulatorConfig::default()
    }
}

async fn lifecycle(provider: ProviderKind) {
    let engine = Engine::new(provider);
    let emu = start(config(provider, &engine)).await;
    let client = client();
    let token = token(&emu, &client).await;
    create(&emu, &client, &token, "life", BODY).await;
    let ready = wait_for(
        &emu,
        &client,
        &token,
        "life",
        Duration::from_secs(60),
        status_is("Ready"),
    )
    .await;
    assert_eq!(greeting(&ready), "ARR-SAMPLE-HOST session=life size=Standard");
    assert_eq!(engine.hosts(), 1);
    extend(&emu, &client, &token, "life", 45).await;
    let stopped = Instant::now();
    client
        .post(stop_url(&emu, "life"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    while engine.hosts() + engine.containers() > 0 {
        assert!(
            stopped.elapsed() < Duration::from_secs(3),
            "host still there after the 3 s grace period"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("{}: stop to gone in {:?}", provider_name(provider), stopped.elapsed());
    emu.shutdown().await;
}

async fn crash_expiry_capacity_warm(provider: ProviderKind) {
    let engine = Engine::new(provider);
    let mut config = config(provider, &engine);
    config
        .hosts
        .docker
        .env
        .insert("ARR_SAMPLE_CRASH_AFTER_MS".into(), "2000".into());
    let emu = start(config).await;
    let client = client();
    let token = token(&emu, &client).await;
    // Crash: every host of this test exits with status 3 two seconds after it starts.
    create(&emu, &client, &token, "crash", BODY).await;
    let failed = wait_for(
        &emu,
        &client,
        &token,
        "crash",
        Duration::from_secs(60),
        status_is("Error"),
    )
    .await;
    assert_eq!(failed["error"]["code"], HOST_ERROR_CODE);
    let message = failed["error"]["message"].as_str().unwrap();
    assert!(message.contains("exit status: 3"), "{message}");
    emu.shutdown().await;
    drop(engine);

    // Expiry, capacity and the warm pool with hosts that do not crash.
    let engine = Engine::new(provider);
    let mut config = self::config(provider, &engine);
    let premium = config.hosts.size_mut("Premium").unwrap();
    premium.capacity = Some(1);
    premium.warm = 1;
    let emu = start(config).await;
    let token = common::token(&emu, &client).await;
    create(&emu, &client, &token, "expiring", BODY).await;
    wait_for(
        &emu,
        &client,
        &token,
        "expiring",
        Duration::from_secs(60),
        status_is("Ready"),
    )
    .await;
    wait_warm(&emu, &client, "Premium", 1, Duration::from_secs(60)).await;
    assert_eq!(engine.hosts(), 2);
    emu.expire_session("expiring").unwrap();
    wait_count("hosts after expiry", 1, Duration::from_secs(10), || engine.hosts()).await;
    let to_ready = warm_then_over_capacity(&emu, &client, &token, "Premium", Duration::from_secs(60)).await;
    eprintln!("{}: warm create to Ready in {to_ready:?}", provider_name(provider));
    emu.shutdown().await;
    wait_count("hosts after shutdown", 0, Duration::from_secs(10), || engine.hosts()).await;
}

async fn kill_9(provider: ProviderKind) {
    let engine = Engine::new(provider);
    let dir = TempDir::new("docker-kill9");
    let toml = format!(
        "provider = \"{}\"\nstop_grace = \"3s\"\ninstance = \"{}\"\n[docker]\nimage = \"{}\"\n\
         publish_address = \"127.0.0.1\"\nlabels = {{ \"arr.test\" = \"1\" }}\n[sizes.Standard]\nwarm = 1\n",
        provider_name(provider),
        engine.instance,
        image()
    );
    kill_9_and_restart_leaves_no_orphan(&dir, &toml, || engine.hosts()).await;
}

fn provider_name(provider: ProviderKind) -> &'static str {
    provider.as_str()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_a_session_is_a_container_reached_over_tcp_and_gone_after_stop() {
    if enabled() {
        lifecycle(ProviderKind::Docker).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_crash_expiry_capacity_and_warm_pool() {
    if enabled() {
        crash_expiry_capacity_warm(ProviderKind::Docker).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_kill_9_and_restart_leave_no_orphan_container() {
    if enabled() {
        kill_9(ProviderKind::Docker).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_a_session_is_a_service_reached_over_tcp_and_gone_after_stop() {
    if enabled() {
        lifecycle(ProviderKind::Swarm).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_crash_expiry_capacity_and_warm_pool() {
    if enabled() {
        crash_expiry_capacity_warm(ProviderKind::Swarm).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_kill_9_and_restart_leave_no_orphan_service() {
    if enabled() {
        kill_9(ProviderKind::Swarm).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_a_missing_image_is_an_error_naming_it_not_a_hung_starting() {
    if !enabled() {
        return;
    }
    let engine = Engine::new(ProviderKind::Docker);
    let mut config = config(ProviderKind::Docker, &engine);
    config.hosts.docker.image = Some("arr-no-such-image:missing".into());
    let emu = start(config).await;
    let client = client();
    let token = token(&emu, &client).await;
    create(&emu, &client, &token, "no-image", BODY).await;
    let failed = wait_for(
        &emu,
        &client,
        &token,
        "no-image",
        Duration::from_secs(60),
        status_is("Error"),
    )
    .await;
    assert_eq!(failed["error"]["code"], HOST_ERROR_CODE);
    let message = failed["error"]["message"].as_str().unwrap();
    assert!(message.contains("arr-no-such-image:missing"), "{message}");
    emu.shutdown().await;
    assert_eq!(engine.hosts(), 0);
}
