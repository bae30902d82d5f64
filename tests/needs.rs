//! What users asked for around sessions (issue #35), against the emulator: cost and budgets, capacity
//! fallback, the doctor, the call history, reaping, and the polling defaults.

mod common;

use std::net::TcpListener;
use std::time::{Duration, SystemTime};

use arr_emulator::{EmulatorConfig, FaultKind};
use arr_session::{
    cost_summary, diagnose, read_call_history, ApiVersion, CallHistoryOptions, CapacityFallback, CheckResult, Client,
    DoctorOptions, ErrorKind, FallbackEvent, KeepBudget, KeepEventKind, KeepOptions, PriceTable, ReapOptions, Session,
    SessionSize, WaitOptions, PREMIUM_POLL_INTERVAL, STANDARD_POLL_INTERVAL,
};
use common::{client_for, config_for, fault, quick, standard, start, unique_id};

fn prices() -> PriceTable {
    PriceTable::from_json(r#"{"currency":"USD","perHour":{"Standard":3.0,"Premium":12.0}}"#).unwrap()
}

fn wait() -> WaitOptions {
    WaitOptions::with_timeout(Duration::from_secs(30)).poll_interval(Duration::from_millis(50))
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("arr-needs-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// 1. Cost.

#[tokio::test]
async fn sessions_are_billed_from_creation_and_priced_per_size() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = client.create_session(&standard(240)).await.unwrap().into_value().id;
    client.wait_until_ready(&id, &wait()).await.unwrap();
    emulator.advance_clock(30.0).unwrap();
    let listed = client.list_sessions().await.unwrap().into_value();
    let summary = cost_summary(&listed, Some(&prices()), SystemTime::now());
    let mine = summary.sessions.iter().find(|s| s.id == id).unwrap();
    assert!((30..=32).contains(&mine.billed_minutes), "{mine:?}");
    assert_eq!(mine.cost, Some(f64::from(mine.billed_minutes) * 3.0 / 60.0));
    assert_eq!(summary.total_minutes, u64::from(mine.billed_minutes));
    assert_eq!(summary.currency.as_deref(), Some("USD"));
    // Without prices: minutes, no cost.
    let unpriced = cost_summary(&listed, None, SystemTime::now());
    assert_eq!((unpriced.total_cost, unpriced.sessions[0].cost), (None, None));
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_keeper_with_a_budget_stops_extending_at_it_with_an_event() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = client.create_session(&standard(20)).await.unwrap().into_value().id;
    client.wait_until_ready(&id, &wait()).await.unwrap();
    // Renew at every look by 30 minutes: without a budget the lease would climb to the cap.
    let options = KeepOptions::new(30)
        .renew_below(1440)
        .poll_interval(Duration::from_millis(50))
        .budget(KeepBudget::Minutes(45));
    let mut keeper = client.keep_session(&id, options).unwrap();
    let mut extended_to = Vec::new();
    let reached = loop {
        let event = tokio::time::timeout(Duration::from_secs(20), keeper.next_event())
            .await
            .expect("an event in time")
            .expect("the keeper runs");
        match event.kind {
            KeepEventKind::Extended { to, .. } => extended_to.push(to),
            KeepEventKind::BudgetReached {
                lease,
                budget_minutes,
                billed_minutes,
            } => break (lease, budget_minutes, billed_minutes),
            KeepEventKind::ExpiringSoon { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    };
    // The lease plus the minutes billed before Ready stays within the budget.
    let (lease, budget, billed) = reached;
    assert_eq!(budget, 45);
    assert!((43..=45).contains(&lease), "{reached:?}");
    assert!(billed <= 2, "{reached:?}");
    assert_eq!(extended_to, vec![lease]);
    // No renewal past it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let now = client.get_session(&id).await.unwrap().into_value();
    assert_eq!(now.max_lease_time_minutes, Some(lease));
    keeper.cancel();
    emulator.shutdown().await;
}

#[test]
fn a_money_budget_is_read_from_json_and_needs_prices() {
    let options =
        KeepOptions::from_json(r#"{"budgetAmount":1.5,"prices":{"currency":"USD","perHour":{"Standard":3.0}}}"#)
            .unwrap();
    let Some(KeepBudget::Money { amount, prices }) = &options.budget else {
        panic!("{options:?}")
    };
    assert_eq!((*amount, prices.per_hour["Standard"]), (1.5, 3.0));
    let session: Session =
        serde_json::from_str(r#"{"id":"s","status":"Ready","size":"Standard","maxLeaseTimeMinutes":60}"#).unwrap();
    assert_eq!(options.budget.as_ref().unwrap().minutes_for(&session), Some(30));
    let error = KeepOptions::from_json(r#"{"budgetAmount":1.5}"#).unwrap_err();
    assert_eq!(error.argument(), Some("prices"));
    let error = KeepOptions::from_json(r#"{"budgetMinutes":0}"#).unwrap_err();
    assert_eq!(error.argument(), Some("budgetMinutes"));
}

// 2. Capacity fallback.

fn capacity_fault() -> FaultKind {
    FaultKind::SessionError {
        code: Some("CapacityExceeded".into()),
        message: Some("No VM".into()),
    }
}

fn recorder() -> (CapacityFallback, std::sync::Arc<std::sync::Mutex<Vec<FallbackEvent>>>) {
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = events.clone();
    let fallback =
        CapacityFallback::sizes([SessionSize::Premium]).on_event(move |e| sink.lock().unwrap().push(e.clone()));
    (fallback, events)
}

#[tokio::test]
async fn a_session_without_capacity_falls_back_to_the_next_size_and_is_not_left_running() {
    let emulator = start(quick()).await;
    emulator.inject(fault("sessions.create", capacity_fault(), 1));
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let (fallback, events) = recorder();
    let id = unique_id("fb");
    let ready = client
        .create_and_wait_with_fallback(&standard(30).with_id(&id), &wait(), &fallback)
        .await
        .unwrap()
        .into_value();
    assert_eq!(
        (ready.size.clone(), ready.id.as_str()),
        (SessionSize::Premium, format!("{id}-2").as_str())
    );
    let events = events.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].failed_session_id, id);
    assert_eq!(events[0].failed_size, SessionSize::Standard);
    assert_eq!(events[0].code, "CapacityExceeded");
    assert_eq!(events[0].next_size, Some(SessionSize::Premium));
    let live: Vec<_> = emulator
        .sessions()
        .into_iter()
        .filter(|s| s.status == "Ready" || s.status == "Starting")
        .map(|s| s.id)
        .collect();
    assert_eq!(live, vec![ready.id.clone()]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_full_endpoint_falls_back_to_the_next_endpoint() {
    let full = start(EmulatorConfig {
        max_active_sessions: Some(1),
        ..quick()
    })
    .await;
    let spare = start(quick()).await;
    let client = client_for(&full, ApiVersion::V2021_01_01);
    let blocker = client.create_session(&standard(30)).await.unwrap().into_value().id;
    let (fallback, events) = recorder();
    let fallback = fallback.endpoints([client_for(&spare, ApiVersion::V2021_01_01)]);
    let ready = client
        .create_and_wait_with_fallback(&standard(30), &wait(), &fallback)
        .await
        .unwrap()
        .into_value();
    assert!(spare.sessions().iter().any(|s| s.id == ready.id && s.status == "Ready"));
    // Standard, then Premium, failed at the full endpoint; both reported, neither left running.
    let events = events.lock().unwrap().clone();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        events[1].next_endpoint.as_deref(),
        Some(format!("{}/", spare.base_url()).as_str())
    );
    let live: Vec<_> = full
        .sessions()
        .into_iter()
        .filter(|s| s.status == "Ready" || s.status == "Starting")
        .map(|s| s.id)
        .collect();
    assert_eq!(live, vec![blocker]);
    full.shutdown().await;
    spare.shutdown().await;
}

#[tokio::test]
async fn other_failures_do_not_fall_back() {
    let emulator = start(quick()).await;
    emulator.inject(fault(
        "sessions.create",
        FaultKind::SessionError {
            code: None,
            message: None,
        },
        1,
    ));
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let (fallback, events) = recorder();
    let error = client
        .create_and_wait_with_fallback(&standard(30), &wait(), &fallback)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::SessionEnded);
    assert!(events.lock().unwrap().is_empty());
    assert_eq!(emulator.sessions().len(), 1);
    emulator.shutdown().await;
}

// 3. Doctor.

fn check<'a>(report: &'a arr_session::DoctorReport, name: &str) -> &'a arr_session::Check {
    report
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no {name} check in {report:?}"))
}

#[tokio::test]
async fn the_doctor_finds_nothing_wrong_with_a_working_emulator_and_a_skewed_clock_when_there_is_one() {
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.proxy = arr_session::ProxySetting::None;
    let report = diagnose(&config, &DoctorOptions::default()).await;
    assert_eq!(report.worst(), CheckResult::Ok, "{report:#?}");
    for name in ["settings", "proxy", "dns", "tcp", "https", "clock", "sts"] {
        check(&report, name);
    }
    // The emulator answers with a Date ten minutes ahead.
    let control = format!("{}/_emulator/clock/date", emulator.base_url());
    let answer = reqwest::Client::new()
        .post(&control)
        .body(r#"{"offsetSeconds": 600}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    let report = diagnose(&config, &DoctorOptions::default()).await;
    let clock = check(&report, "clock");
    assert_eq!(clock.result, CheckResult::Failure, "{clock:?}");
    assert!(clock.message.contains("behind"), "{clock:?}");
    assert!(clock.fix.as_deref().unwrap().contains("synchronise"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_doctor_reports_a_stopped_port_and_a_wrong_domain_with_fixes() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.proxy = arr_session::ProxySetting::None;
    config.endpoint = format!("http://127.0.0.1:{port}");
    let report = diagnose(&config, &DoctorOptions::default()).await;
    assert_eq!(check(&report, "tcp").result, CheckResult::Failure, "{report:#?}");
    assert_eq!(check(&report, "https").result, CheckResult::Failure);
    assert!(check(&report, "tcp").fix.is_some());
    // The account domain with sts. and a port, and a swapped endpoint (the STS itself is the emulator's,
    // so nothing leaves this machine).
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.proxy = arr_session::ProxySetting::None;
    config.account_domain = Some("sts.westus2.mixedreality.azure.com:443".into());
    let report = diagnose(&config, &DoctorOptions::default()).await;
    let settings: Vec<_> = report.checks.iter().filter(|c| c.name == "settings").collect();
    assert_eq!(settings.len(), 2, "{settings:?}");
    assert!(settings
        .iter()
        .all(|c| c.result == CheckResult::Failure && c.fix.is_some()));
    assert_eq!(report.worst(), CheckResult::Failure);
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_doctor_tries_a_ready_sessions_ports() {
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.proxy = arr_session::ProxySetting::None;
    let client = Client::new(config.clone()).unwrap();
    let id = client.create_session(&standard(30)).await.unwrap().into_value().id;
    client.wait_until_ready(&id, &wait()).await.unwrap();
    // Until the hosts provider lands, the emulator's session host is not on this machine: the port
    // check itself is shown with a listening socket and a closed one on loopback.
    let listening = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let session: Session = serde_json::from_value(serde_json::json!({
        "id": id, "status": "Ready", "size": "Standard", "hostname": "127.0.0.1",
        "handshakePort": listening.local_addr().unwrap().port(), "arrInspectorPort": closed_port,
    }))
    .unwrap();
    let report = arr_session::session_port_checks(&session, &DoctorOptions::default()).await;
    assert_eq!(check(&report, "handshakePort").result, CheckResult::Ok, "{report:#?}");
    let inspector = check(&report, "inspectorPort");
    assert_eq!(inspector.result, CheckResult::Failure);
    assert!(inspector.fix.as_deref().unwrap().contains("49152-65534"));
    // A session that is not Ready is a warning, not a failure.
    client.stop_session(&id).await.unwrap();
    let report = diagnose(&config, &DoctorOptions::default().session(&id)).await;
    assert_eq!(check(&report, "session").result, CheckResult::Warning, "{report:#?}");
    emulator.shutdown().await;
}

// 4. Call history.

#[tokio::test]
async fn every_call_is_recorded_with_its_ms_cv_and_no_query() {
    let emulator = start(quick()).await;
    let dir = scratch("history");
    let path = dir.join("calls.jsonl");
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.call_history = Some(CallHistoryOptions::new(&path));
    let client = Client::new(config).unwrap();
    let id = client.create_session(&standard(30)).await.unwrap().into_value().id;
    client.get_session(&id).await.unwrap();
    assert_eq!(
        client.get_session("no-such-session").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let records = read_call_history(&path).unwrap();
    assert!(records.iter().any(|r| r.route == "sts.token"), "{records:?}");
    let about: Vec<_> = records.iter().filter(|r| r.is_about(&id)).collect();
    assert_eq!(about.len(), 2, "{records:?}");
    assert!(about.iter().all(|r| r.ms_cv.is_some() && !r.failed()), "{about:?}");
    let failed: Vec<_> = records.iter().filter(|r| r.failed()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (failed[0].status, failed[0].session_id.as_deref()),
        (Some(404), Some("no-such-session"))
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains('?') && !text.contains("api-version"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
    emulator.shutdown().await;
}

#[test]
fn a_bad_history_setting_names_its_field() {
    let config = r#"{"endpoint":"westus2","accountId":"30ea64bd-100f-4bf0-adc9-29fa45d4880c","accountDomain":"westus2","accountKey":"k","callHistory":{"path":"h.jsonl","maxBytes":10}}"#;
    let error = arr_session::ClientConfig::from_json(config).unwrap_err();
    assert_eq!(error.argument(), Some("callHistory.maxBytes"));
}

// 5. Reaping.

#[tokio::test]
async fn reaping_stops_what_ran_too_long_and_says_what_it_saved() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let standard_id = client.create_session(&standard(240)).await.unwrap().into_value().id;
    let premium = arr_session::CreateSessionOptions::new(SessionSize::Premium, 240);
    let premium_id = client.create_session(&premium).await.unwrap().into_value().id;
    client
        .wait_for_sessions([&standard_id, &premium_id], &wait())
        .await
        .unwrap();
    emulator.advance_clock(150.0).unwrap();
    let young = client.create_session(&standard(240)).await.unwrap().into_value().id;

    let dry = ReapOptions::new(Duration::from_secs(2 * 3600))
        .dry_run(true)
        .prices(prices());
    let report = client.reap_sessions(&dry).await.unwrap();
    let chosen: Vec<&str> = report.sessions.iter().map(|s| s.session.id.as_str()).collect();
    assert_eq!(chosen.len(), 2, "{chosen:?}");
    assert!(!chosen.contains(&young.as_str()));
    assert!(report.sessions.iter().all(|s| !s.stopped));
    assert!(emulator.sessions().iter().all(|s| s.status != "Stopped"));

    let premium_only = ReapOptions::new(Duration::from_secs(2 * 3600))
        .size(SessionSize::Premium)
        .prices(prices());
    let report = client.reap_sessions(&premium_only).await.unwrap();
    assert_eq!(report.sessions.len(), 1);
    let reaped = &report.sessions[0];
    assert_eq!(
        (reaped.session.id.as_str(), reaped.stopped),
        (premium_id.as_str(), true)
    );
    assert!((88..=90).contains(&reaped.saved_minutes), "{reaped:?}");
    assert_eq!(reaped.saved_cost, Some(f64::from(reaped.saved_minutes) * 12.0 / 60.0));
    assert_eq!(report.saved_minutes, u64::from(reaped.saved_minutes));
    assert_eq!(
        emulator.sessions().iter().find(|s| s.id == premium_id).unwrap().status,
        "Stopped"
    );
    assert_eq!(
        emulator.sessions().iter().find(|s| s.id == standard_id).unwrap().status,
        "Ready"
    );
    let error = client
        .reap_sessions(&ReapOptions::new(Duration::ZERO))
        .await
        .unwrap_err();
    assert_eq!(error.argument(), Some("olderThan"));
    emulator.shutdown().await;
}

// 6. Polling.

#[test]
fn polling_defaults_match_what_the_sdks_settled_on() {
    assert_eq!(STANDARD_POLL_INTERVAL, Duration::from_secs(2));
    assert_eq!(PREMIUM_POLL_INTERVAL, Duration::from_secs(10));
    // The keeper looks once a minute: a lease is counted in minutes.
    assert_eq!(KeepOptions::default().poll_interval, Duration::from_secs(60));
}

#[tokio::test]
async fn the_doctor_names_an_untrusted_certificate_and_how_to_trust_it() {
    let emulator = start(EmulatorConfig { tls: true, ..quick() }).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.proxy = arr_session::ProxySetting::None;
    config.extra_root_ca_pem = None;
    let report = diagnose(&config, &DoctorOptions::default()).await;
    let https = check(&report, "https");
    assert_eq!(https.result, CheckResult::Failure, "{report:#?}");
    assert!(https.fix.as_deref().unwrap().contains("extraRootCaPem"), "{https:?}");
    assert_eq!(check(&report, "tcp").result, CheckResult::Ok);
    assert_eq!(check(&report, "sts").result, CheckResult::Failure);
    emulator.shutdown().await;
}
