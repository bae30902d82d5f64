//! Waiting for one session and for many.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arr_emulator::EmulatorConfig;
use arr_session::{ApiVersion, CancellationToken as CancelToken, Client, ErrorKind, WaitOptions};
use common::*;

#[tokio::test]
async fn progress_is_reported_while_starting() {
    let emulator = start(EmulatorConfig {
        start_delay: Duration::from_millis(400),
        ..EmulatorConfig::default()
    })
    .await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = client
        .create_session(&standard(10))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let options = WaitOptions::default()
        .on_progress(move |s: &arr_session::Session| log.lock().unwrap().push(s.status.to_string()));
    client.wait_until_ready(&id, &options).await.unwrap().into_value();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.first().map(String::as_str), Some("Starting"));
    assert_eq!(seen.last().map(String::as_str), Some("Ready"));
}

#[tokio::test]
async fn a_one_minute_lease_at_time_scale_60_expires_in_about_a_second() {
    let emulator = start(EmulatorConfig {
        start_delay: Duration::ZERO,
        time_scale: 60.0,
        ..EmulatorConfig::default()
    })
    .await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = client
        .create_session(&standard(1))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();
    let started = Instant::now();
    loop {
        let s = client.get_session(&id).await.unwrap().into_value();
        if s.status.as_str() == "Expired" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still {} after 10 s",
            s.status
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let err = client.wait_until_ready(&id, &WaitOptions::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionEnded, "{err}");
    assert_eq!(err.session().unwrap().status.as_str(), "Expired");
}

#[tokio::test]
async fn a_stopped_session_ends_the_wait_with_its_state() {
    let emulator = start(EmulatorConfig {
        start_delay: Duration::from_secs(30),
        ..EmulatorConfig::default()
    })
    .await;
    let client = client_for(&emulator, ApiVersion::V1);
    let id = client
        .create_session(&standard(10))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();
    let waiter = {
        let client = client.clone();
        let id = id.clone();
        tokio::spawn(async move { client.wait_until_ready(&id, &WaitOptions::default()).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    client.stop_session(&id).await.unwrap().into_value();
    let err = waiter.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionEnded);
    assert_eq!(err.session().unwrap().status.as_str(), "Stopped");
}

#[tokio::test]
async fn timeout_and_cancel_stop_waiting_but_not_the_session() {
    let emulator = start(EmulatorConfig {
        start_delay: Duration::from_secs(60),
        ..EmulatorConfig::default()
    })
    .await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = client
        .create_session(&standard(10))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();

    let err = client
        .wait_until_ready(&id, &WaitOptions::with_timeout(Duration::from_millis(300)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(
        err.session().unwrap().status.as_str(),
        "Starting",
        "the last state seen comes with the timeout"
    );

    let cancel = CancelToken::new();
    let options = WaitOptions::default().cancel(cancel.clone());
    let waiter = {
        let client = client.clone();
        let id = id.clone();
        tokio::spawn(async move { client.wait_until_ready(&id, &options).await })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    cancel.cancel();
    assert_eq!(waiter.await.unwrap().unwrap_err().kind(), ErrorKind::Cancelled);
    assert_eq!(
        emulator.sessions()[0].status,
        "Starting",
        "waiting ended, the session did not"
    );
}

#[tokio::test]
async fn throttling_while_waiting_does_not_end_the_wait() {
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.retry.max_retries = 0;
    let client = Client::new(config).unwrap();
    let id = client
        .create_session(&standard(10))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();
    emulator.inject(arr_emulator::ScriptedFault {
        route: Some("sessions.get".into()),
        kind: arr_emulator::FaultKind::Status {
            status: 429,
            retry_after: Some(0),
        },
        times: 3,
    });
    let ready = client
        .wait_until_ready(&id, &WaitOptions::with_timeout(Duration::from_secs(10)))
        .await
        .unwrap()
        .into_value();
    assert!(ready.status.is_ready());
}

#[tokio::test]
async fn waiting_for_200_sessions_costs_one_list_per_poll() {
    let emulator = start(EmulatorConfig {
        start_delay: Duration::from_millis(1500),
        page_size: 1000, // one listing = one request, so the count below is the number of polls
        ..EmulatorConfig::default()
    })
    .await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let mut ids = Vec::new();
    for i in 0..200 {
        ids.push(
            client
                .create_session(&standard(10).with_id(format!("batch-{i}")))
                .await
                .unwrap()
                .into_value()
                .id
                .clone(),
        );
    }
    // Two that will not become Ready: one stopped, one that never existed.
    client.stop_session(&ids[7]).await.unwrap().into_value();
    ids.push("never-created".to_owned());

    let interval = Duration::from_millis(200);
    let gets_before = emulator.request_count("sessions.get");
    let started = Instant::now();
    let options = WaitOptions::with_timeout(Duration::from_secs(30)).poll_interval(interval);
    let results = client.wait_for_sessions(&ids, &options).await.unwrap();
    let polls_possible = started.elapsed().as_secs_f64() / interval.as_secs_f64() + 1.0;

    assert_eq!(results.len(), 201);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 199);
    assert_eq!(results[7].as_ref().unwrap_err().kind(), ErrorKind::SessionEnded);
    assert_eq!(results[200].as_ref().unwrap_err().kind(), ErrorKind::NotFound);
    let lists = emulator.request_count("sessions.list") as f64;
    assert!(
        lists >= 2.0 && lists <= polls_possible,
        "{lists} list requests for at most {polls_possible:.1} polls"
    );
    assert_eq!(
        emulator.request_count("sessions.get") - gets_before,
        2,
        "a GET only for the two that left the list"
    );
}

#[tokio::test]
async fn waiting_for_many_reports_timeouts_per_session() {
    let emulator = start(EmulatorConfig {
        start_delay: Duration::from_secs(60),
        ..EmulatorConfig::default()
    })
    .await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = client
        .create_session(&standard(10))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();
    let results = client
        .wait_for_sessions(
            &[id, "bad id!".to_owned()],
            &WaitOptions::with_timeout(Duration::from_millis(300)),
        )
        .await
        .unwrap();
    assert_eq!(results[0].as_ref().unwrap_err().kind(), ErrorKind::Timeout);
    assert_eq!(results[1].as_ref().unwrap_err().kind(), ErrorKind::InvalidArgument);
}
