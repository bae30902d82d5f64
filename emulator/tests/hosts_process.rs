//! The `process` host provider with the sample host (`cargo build -p arr-sample-host` first): a real
//! process per session, reached over TCP on loopback, stopped, expired, crashed, limited, pre-warmed,
//! and adopted after a restart and after `kill -9` of the service.

mod common;
mod hosts_support;

use std::time::{Duration, Instant};

use arr_emulator::{EmulatorConfig, HostsConfig, ProviderKind, HOST_ERROR_CODE};
use common::*;
use hosts_support::*;

const BODY: &str = r#"{"size":"Standard","maxLeaseTimeMinutes":30}"#;

fn process_config(dir: &TempDir) -> EmulatorConfig {
    let mut hosts = HostsConfig {
        provider: ProviderKind::Process,
        stop_grace: Duration::from_secs(3),
        start_timeout: Duration::from_secs(20),
        state_dir: Some(dir.0.join("hosts")),
        ..HostsConfig::default()
    };
    hosts.process.command = Some(sample_host());
    hosts.process.args = vec!["--session-id".into(), "{sessionId}".into()];
    EmulatorConfig {
        start_delay: Duration::ZERO,
        hosts,
        ..EmulatorConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_a_process_reached_over_tcp_and_gone_after_stop() {
    let dir = TempDir::new("lifecycle");
    let _guard = ProcessHostsGuard(dir.0.join("hosts"));
    let emu = start(process_config(&dir)).await;
    let (client, token) = (client(), String::new());
    let token = if token.is_empty() {
        common::token(&emu, &client).await
    } else {
        token
    };
    let (status, body) = create(&emu, &client, &token, "lifecycle-1", BODY).await;
    assert_eq!((status, body.unwrap()["status"].clone()), (201, "Starting".into()));
    let ready = wait_for(
        &emu,
        &client,
        &token,
        "lifecycle-1",
        Duration::from_secs(20),
        status_is("Ready"),
    )
    .await;
    assert_eq!(ready["hostname"], "127.0.0.1");
    assert_eq!(greeting(&ready), "ARR-SAMPLE-HOST session=lifecycle-1 size=Standard");
    let inspector = client
        .get(format!("http://127.0.0.1:{}/", ready["arrInspectorPort"]))
        .send()
        .await
        .unwrap();
    assert_eq!(inspector.status(), 200);
    extend(&emu, &client, &token, "lifecycle-1", 45).await;
    let pids = pids_in(&dir.0.join("hosts"));
    assert_eq!(pids.len(), 1, "one host process");
    // Stop: the process is gone within the grace period (the sample host exits on SIGTERM at once).
    let stopped_at = Instant::now();
    let resp = client
        .post(stop_url(&emu, "lifecycle-1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    while process_alive(pids[0]) || !pids_in(&dir.0.join("hosts")).is_empty() {
        assert!(
            stopped_at.elapsed() < Duration::from_secs(3),
            "host still there after the grace period"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!port_open(ready["handshakePort"].as_u64().unwrap()));
    let doc = overview(&emu, &client).await;
    assert_eq!(doc["sessions"][0]["host"]["state"], "removed", "{}", doc["sessions"][0]);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_removes_the_host_and_a_crash_is_an_error_naming_the_exit_status() {
    let dir = TempDir::new("expiry");
    let _guard = ProcessHostsGuard(dir.0.join("hosts"));
    let mut config = process_config(&dir);
    config
        .hosts
        .process
        .env
        .insert("ARR_SAMPLE_CRASH_AFTER_MS".into(), "1500".into());
    let emu = start(config).await;
    let client = client();
    let token = token(&emu, &client).await;
    create(&emu, &client, &token, "expiring", BODY).await;
    create(&emu, &client, &token, "crashing", BODY).await;
    wait_for(
        &emu,
        &client,
        &token,
        "expiring",
        Duration::from_secs(20),
        status_is("Ready"),
    )
    .await;
    emu.expire_session("expiring").unwrap();
    let started = Instant::now();
    while !pids_in(&dir.0.join("hosts")).len().eq(&1) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "expired session's host not removed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let body = wait_for(
        &emu,
        &client,
        &token,
        "expiring",
        Duration::from_secs(1),
        status_is("Expired"),
    )
    .await;
    assert_eq!(body["status"], "Expired");
    // The other host crashes (exit status 3) after 1.5 s.
    let failed = wait_for(
        &emu,
        &client,
        &token,
        "crashing",
        Duration::from_secs(20),
        status_is("Error"),
    )
    .await;
    assert_eq!(failed["error"]["code"], HOST_ERROR_CODE);
    let message = failed["error"]["message"].as_str().unwrap();
    assert!(message.contains("exit status: 3"), "{message}");
    assert!(
        message.contains("simulated crash"),
        "names the last log line: {message}"
    );
    emu.shutdown().await;
    assert!(pids_in(&dir.0.join("hosts")).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_capacity_a_create_fails_like_the_service_and_a_warm_host_is_ready_at_once() {
    let dir = TempDir::new("capacity");
    let _guard = ProcessHostsGuard(dir.0.join("hosts"));
    let mut config = process_config(&dir);
    let standard = config.hosts.size_mut("Standard").unwrap();
    standard.capacity = Some(1);
    standard.warm = 1;
    let emu = start(config).await;
    let client = client();
    let token = token(&emu, &client).await;
    warm_then_over_capacity(&emu, &client, &token, "Standard", Duration::from_secs(20)).await;
    emu.shutdown().await;
    assert!(
        pids_in(&dir.0.join("hosts")).is_empty(),
        "shutdown without a state file removes every host"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_service_adopts_live_hosts_and_removes_ended_ones() {
    let dir = TempDir::new("adopt");
    let hosts_dir = dir.0.join("hosts");
    let _guard = ProcessHostsGuard(hosts_dir.clone());
    let mut config = process_config(&dir);
    config.state_file = Some(dir.0.join("state.json"));
    config.time_scale = 60.0; // a lease minute lasts one second
    let emu = start(config.clone()).await;
    let client = client();
    let token = token(&emu, &client).await;
    create(
        &emu,
        &client,
        &token,
        "keeps",
        r#"{"size":"Standard","maxLeaseTimeMinutes":600}"#,
    )
    .await;
    create(
        &emu,
        &client,
        &token,
        "ends",
        r#"{"size":"Standard","maxLeaseTimeMinutes":2}"#,
    )
    .await;
    let keeps = wait_for(
        &emu,
        &client,
        &token,
        "keeps",
        Duration::from_secs(20),
        status_is("Ready"),
    )
    .await;
    wait_for(
        &emu,
        &client,
        &token,
        "ends",
        Duration::from_secs(20),
        status_is("Ready"),
    )
    .await;
    assert_eq!(pids_in(&hosts_dir).len(), 2);
    emu.shutdown().await;
    // Down for longer than "ends" has left: its session expires meanwhile, its host still runs.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        pids_in(&hosts_dir).len(),
        2,
        "hosts outlive a service with a state file"
    );
    let emu = start(config).await;
    let token = common::token(&emu, &client).await;
    let started = Instant::now();
    while pids_in(&hosts_dir).len() != 1 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the ended session's host was not removed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let again = wait_for(
        &emu,
        &client,
        &token,
        "keeps",
        Duration::from_secs(5),
        status_is("Ready"),
    )
    .await;
    assert_eq!(again["handshakePort"], keeps["handshakePort"]);
    assert_eq!(greeting(&again), "ARR-SAMPLE-HOST session=keeps size=Standard");
    client
        .post(stop_url(&emu, "keeps"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let started = Instant::now();
    while !pids_in(&hosts_dir).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "adopted host not removed at stop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_service_and_a_restart_leave_no_orphan_process() {
    let dir = TempDir::new("kill9");
    let hosts_dir = dir.0.join("hosts");
    let _guard = ProcessHostsGuard(hosts_dir.clone());
    let config = format!(
        "provider = \"process\"\nstop_grace = \"3s\"\nstate_dir = {:?}\n[process]\ncommand = {:?}\n\
         args = [\"--session-id\", \"{{sessionId}}\"]\n[sizes.Standard]\nwarm = 1\n",
        hosts_dir.to_str().unwrap(),
        sample_host().to_str().unwrap()
    );
    let count = || pids_in(&hosts_dir).into_iter().filter(|p| process_alive(*p)).count();
    kill_9_and_restart_leaves_no_orphan(&dir, &config, count).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_stops_answering_is_an_error() {
    let dir = TempDir::new("hang");
    let _guard = ProcessHostsGuard(dir.0.join("hosts"));
    let mut config = process_config(&dir);
    config.hosts.liveness_interval = Duration::from_millis(200);
    config
        .hosts
        .process
        .env
        .insert("ARR_SAMPLE_HANG_AFTER_MS".into(), "1000".into());
    let emu = start(config).await;
    let client = client();
    let token = token(&emu, &client).await;
    create(&emu, &client, &token, "hangs", BODY).await;
    wait_for(
        &emu,
        &client,
        &token,
        "hangs",
        Duration::from_secs(20),
        status_is("Ready"),
    )
    .await;
    let failed = wait_for(
        &emu,
        &client,
        &token,
        "hangs",
        Duration::from_secs(20),
        status_is("Error"),
    )
    .await;
    assert_eq!(failed["error"]["code"], HOST_ERROR_CODE);
    let message = failed["error"]["message"].as_str().unwrap();
    assert!(message.contains("stopped answering"), "{message}");
    // Its process still ran: the Error removes it.
    wait_count("host processes", 0, Duration::from_secs(10), || {
        pids_in(&dir.0.join("hosts")).len()
    })
    .await;
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_of_a_service_without_state_file_killed_with_9_are_removed_by_the_next_service() {
    let dir = TempDir::new("reap");
    let config = format!(
        "provider = \"process\"\n[process]\ncommand = {:?}\n",
        sample_host().to_str().unwrap()
    );
    let config_path = dir.0.join("hosts.toml");
    std::fs::write(&config_path, config).unwrap();
    let args: Vec<String> = [
        "--listen",
        "127.0.0.1:0",
        "--start-delay",
        "0",
        "--quiet",
        "--hosts-config",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([config_path.to_str().unwrap().to_string()])
    .collect();
    let service = ServiceProcess::start(&args);
    let service_pid = service.child.id();
    let api = Api::new(&service.base_url).await;
    api.create("left-behind", BODY).await;
    api.wait_status("left-behind", "Ready", Duration::from_secs(20)).await;
    // Its temporary host directory is named after it: arr-emulator-hosts-<boot id>_<pid>_<start ticks>.
    let hosts_dir = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("arr-emulator-hosts-") && name.contains(&format!("_{service_pid}_"))
        })
        .expect("the service's host directory");
    let _guard = ProcessHostsGuard(hosts_dir.clone());
    let pids = pids_in(&hosts_dir);
    assert_eq!(pids.len(), 1);
    service.kill_9();
    assert!(process_alive(pids[0]), "kill -9 of the service leaves its host running");
    // The next service without a state file removes what the dead one left.
    let next = ServiceProcess::start(&args);
    wait_count("hosts of the dead service", 0, Duration::from_secs(10), || {
        usize::from(process_alive(pids[0]))
    })
    .await;
    assert!(!hosts_dir.exists());
    drop(next);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_start_lasts_at_least_the_start_delay_even_when_the_host_answers_first() {
    // --start-delay is the machine's allocation time: a host that answers sooner does not shorten it, so
    // clients (and their tests) see Starting for as long as they would with the simulated provider.
    let dir = TempDir::new("start-delay");
    let _guard = ProcessHostsGuard(dir.0.join("hosts"));
    let emu = start(EmulatorConfig {
        start_delay: Duration::from_secs(60),
        ..process_config(&dir)
    })
    .await;
    let client = client();
    let token = common::token(&emu, &client).await;
    let (status, _) = create(&emu, &client, &token, "delayed-1", BODY).await;
    assert_eq!(status, 201);
    // The host process is up and has been probed several times (every 200 ms) by now.
    let started = Instant::now();
    while pids_in(&dir.0.join("hosts")).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20), "no host process started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        get_session(&emu, &client, &token, "delayed-1").await["status"],
        "Starting"
    );
    emu.advance_clock(1.0).unwrap();
    wait_for(
        &emu,
        &client,
        &token,
        "delayed-1",
        Duration::from_secs(20),
        status_is("Ready"),
    )
    .await;
}
