//! The lease keeper against the emulator, on emulated time (its clock hooks move minutes in
//! milliseconds): attached late, capped, two keepers, a 429 storm, warnings, cancellation.

mod common;

use std::time::Duration;

use arr_emulator::{Emulator, EmulatorConfig, FaultKind};
use arr_session::{ApiVersion, Client, KeepEvent, KeepEventKind, KeepOptions, SessionKeeper, SessionStatus};
use common::*;

const POLL: Duration = Duration::from_millis(50);

async fn ready_session(emulator: &Emulator, client: &Client, lease: u32) -> String {
    let id = client.create_session(&standard(lease)).await.unwrap().into_value().id;
    client.wait_until_ready(&id, &Default::default()).await.expect("Ready");
    let _ = emulator;
    id
}

fn lease_of(emulator: &Emulator, id: &str) -> u32 {
    emulator
        .sessions()
        .into_iter()
        .find(|s| s.id == id)
        .map(|s| s.max_lease_time_minutes)
        .unwrap()
}

/// The next event, within a generous bound (a keeper that hangs fails the test instead of stalling it).
async fn next(keeper: &mut SessionKeeper) -> Option<KeepEvent> {
    tokio::time::timeout(Duration::from_secs(20), keeper.next_event())
        .await
        .expect("the keeper reported in time")
}

/// Events until one matches `wanted`; the ones before it are returned too.
async fn until(keeper: &mut SessionKeeper, wanted: impl Fn(&KeepEventKind) -> bool) -> Vec<KeepEventKind> {
    let mut seen = Vec::new();
    while let Some(event) = next(keeper).await {
        let done = wanted(&event.kind);
        seen.push(event.kind);
        if done {
            return seen;
        }
    }
    panic!("the keeper stopped before the awaited event; saw {seen:?}");
}

#[tokio::test]
async fn a_keeper_attached_late_computes_from_the_services_numbers() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = ready_session(&emulator, &client, 60).await;
    // The app restarts 50 minutes into a 60-minute lease: 10 minutes are left, whatever its clock says.
    emulator.advance_clock(50.0).unwrap();
    let options = KeepOptions::new(30).renew_below(15).poll_interval(POLL);
    let mut keeper = client.keep_session(&id, options).unwrap();
    let first = next(&mut keeper).await.unwrap();
    assert_eq!(first.session_id, id);
    assert_eq!(first.kind, KeepEventKind::Extended { from: 60, to: 90 });
    assert_eq!(lease_of(&emulator, &id), 90);
    keeper.cancel();
    client.stop_session(&id).await.unwrap();
}

#[tokio::test]
async fn the_lease_never_exceeds_the_cap_and_the_session_ends_there() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = ready_session(&emulator, &client, 60).await;
    let options = KeepOptions::new(30)
        .renew_below(10)
        .max_total(100)
        .warn_at(vec![5])
        .poll_interval(POLL);
    let mut keeper = client.keep_session(&id, options).unwrap();
    let mut seen = Vec::new();
    // Walk the emulated clock forward a few minutes at a time until the session ends.
    for _ in 0..60 {
        emulator.advance_clock(3.0).unwrap();
        assert!(lease_of(&emulator, &id) <= 100, "never beyond the cap");
        tokio::time::sleep(Duration::from_millis(120)).await;
        while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(10), keeper.next_event()).await {
            seen.push(event.kind);
        }
        if seen.iter().any(|k| matches!(k, KeepEventKind::Ended { .. })) {
            break;
        }
    }
    assert!(seen.contains(&KeepEventKind::Extended { from: 60, to: 90 }), "{seen:?}");
    assert!(
        seen.contains(&KeepEventKind::Extended { from: 90, to: 100 }),
        "{seen:?}"
    );
    assert!(seen.contains(&KeepEventKind::CapReached { lease: 100 }), "{seen:?}");
    assert!(
        seen.iter().any(|k| matches!(
            k,
            KeepEventKind::Ended {
                status: SessionStatus::Expired,
                ..
            }
        )),
        "ends at the cap: {seen:?}"
    );
    assert_eq!(lease_of(&emulator, &id), 100);
    assert!(next(&mut keeper).await.is_none(), "the keeper stops with the session");
}

#[tokio::test]
async fn two_keepers_on_one_session_never_double_the_lease() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let other = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = ready_session(&emulator, &client, 60).await;
    emulator.advance_clock(55.0).unwrap();
    let options = KeepOptions::new(30).renew_below(10).poll_interval(POLL);
    let gets_before = emulator.request_count("sessions.get");
    let mut first = client.keep_session(&id, options.clone()).unwrap();
    let mut second = other.keep_session(&id, options).unwrap();
    for _ in 0..200 {
        if lease_of(&emulator, &id) != 60 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Whichever renewed first, the other computed the same absolute total from the same lease (or saw it
    // done); many more polls of both change nothing, and only the keeper that changed it says so.
    tokio::time::sleep(POLL * 8).await;
    assert!(
        emulator.request_count("sessions.get") - gets_before >= 8,
        "both keepers kept polling"
    );
    let mut extended = 0;
    for keeper in [&mut first, &mut second] {
        while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(20), keeper.next_event()).await {
            extended += usize::from(matches!(event.kind, KeepEventKind::Extended { .. }));
        }
    }
    assert_eq!(extended, 1, "one Extended event for one renewal");
    assert_eq!(lease_of(&emulator, &id), 90, "one renewal, not two");
    client.stop_session(&id).await.unwrap();
}

#[tokio::test]
async fn a_429_storm_shorter_than_the_margin_loses_nothing() {
    let emulator = start(EmulatorConfig { ..quick() }).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.retry.max_retries = 0;
    let client = Client::new(config).unwrap();
    let id = ready_session(&emulator, &client, 60).await;
    emulator.advance_clock(52.0).unwrap();
    emulator.inject(fault(
        "sessions.get",
        FaultKind::Status {
            status: 429,
            retry_after: Some(1),
        },
        3,
    ));
    let options = KeepOptions::new(30).renew_below(10).poll_interval(POLL);
    let mut keeper = client.keep_session(&id, options).unwrap();
    let seen = until(&mut keeper, |k| matches!(k, KeepEventKind::Extended { .. })).await;
    let throttled = seen
        .iter()
        .filter(
            |k| matches!(k, KeepEventKind::Throttled { error } if error.retry_after() == Some(Duration::from_secs(1))),
        )
        .count();
    assert_eq!(throttled, 3, "{seen:?}");
    assert_eq!(seen.last(), Some(&KeepEventKind::Extended { from: 60, to: 90 }));
    assert_eq!(lease_of(&emulator, &id), 90);
    keeper.cancel();
    client.stop_session(&id).await.unwrap();
}

#[tokio::test]
async fn a_single_session_keeper_waits_as_long_as_retry_after_asks() {
    let emulator = start(quick()).await;
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.retry.max_retries = 0;
    let client = Client::new(config).unwrap();
    let id = ready_session(&emulator, &client, 60).await;
    emulator.inject(fault(
        "sessions.get",
        FaultKind::Status {
            status: 429,
            retry_after: Some(2),
        },
        1,
    ));
    let gets_before = emulator.request_count("sessions.get");
    let mut keeper = client
        .keep_session(&id, KeepOptions::new(30).poll_interval(POLL))
        .unwrap();
    let first = next(&mut keeper).await.unwrap();
    match first.kind {
        KeepEventKind::Throttled { error } => assert_eq!(error.retry_after(), Some(Duration::from_secs(2))),
        other => panic!("a throttled event first, not {other:?}"),
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        emulator.request_count("sessions.get") - gets_before,
        1,
        "no look before the 2 s the service asked for (the poll interval is 50 ms)"
    );
    keeper.cancel();
    client.stop_session(&id).await.unwrap();
}

#[tokio::test]
async fn each_warning_fires_once_in_order() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = ready_session(&emulator, &client, 30).await;
    // Capped at the current lease: nothing will be renewed, so the end is coming.
    let options = KeepOptions::new(30)
        .max_total(30)
        .warn_at(vec![2, 10, 5])
        .poll_interval(POLL);
    let mut keeper = client.keep_session(&id, options).unwrap();
    let mut warnings = Vec::new();
    for _ in 0..40 {
        emulator.advance_clock(1.0).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(10), keeper.next_event()).await {
            match event.kind {
                KeepEventKind::ExpiringSoon { remaining } => warnings.push(remaining),
                KeepEventKind::Ended { .. } => break,
                _ => {}
            }
        }
        if lease_of(&emulator, &id) == 30 && warnings.len() == 3 {
            break;
        }
    }
    assert_eq!(warnings.len(), 3, "once each: {warnings:?}");
    assert!(
        warnings[0] <= 10 && warnings[1] <= 5 && warnings[2] <= 2,
        "in order: {warnings:?}"
    );
    assert!(warnings.windows(2).all(|w| w[0] > w[1]), "{warnings:?}");
    keeper.cancel();
}

#[tokio::test]
async fn cancelling_leaves_the_lease_as_it_is() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = ready_session(&emulator, &client, 60).await;
    let options = KeepOptions::new(30).renew_below(10).poll_interval(POLL);
    let mut keeper = client.keep_session(&id, options).unwrap();
    tokio::time::sleep(POLL * 3).await;
    keeper.cancel();
    assert!(next(&mut keeper).await.is_none(), "no event after cancel");
    emulator.advance_clock(55.0).unwrap();
    tokio::time::sleep(POLL * 4).await;
    assert_eq!(lease_of(&emulator, &id), 60, "nothing renewed after cancel");
    client.stop_session(&id).await.unwrap();
}

#[tokio::test]
async fn many_sessions_cost_one_list_per_poll() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(ready_session(&emulator, &client, 60).await);
    }
    let gets_before = emulator.request_count("sessions.get");
    let options = KeepOptions::new(30)
        .renew_below(10)
        .poll_interval(Duration::from_millis(200));
    let keeper = client.keep_sessions(&ids, options).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    drop(keeper);
    let lists = emulator.request_count("sessions.list");
    assert!((3..=8).contains(&lists), "about one list per poll: {lists}");
    assert_eq!(
        emulator.request_count("sessions.get"),
        gets_before,
        "no GET while all are listed"
    );
    for id in ids {
        client.stop_session(&id).await.unwrap();
    }
}

#[tokio::test]
async fn closing_the_client_stops_the_keeper() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = ready_session(&emulator, &client, 60).await;
    let mut keeper = client
        .keep_session(&id, KeepOptions::new(30).poll_interval(POLL))
        .unwrap();
    client.close().await;
    assert!(next(&mut keeper).await.is_none());
    client_for(&emulator, ApiVersion::V2021_01_01)
        .stop_session(&id)
        .await
        .unwrap();
}

#[tokio::test]
async fn refused_credentials_fail_every_kept_session_and_end_the_keeper() {
    // One session is watched with a GET, several with a list: either way a refusal that will not pass
    // (a wrong account key) is each session's Failed event, and the keeper stops.
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let ids = vec![
        ready_session(&emulator, &client, 60).await,
        ready_session(&emulator, &client, 60).await,
    ];
    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.credential = arr_session::Credential::AccountKey("bm90LXRoZS1rZXk=".into());
    let refused = Client::new(config).unwrap();
    for kept in [&ids[..1], &ids[..]] {
        let mut keeper = refused
            .keep_sessions(kept, KeepOptions::new(30).poll_interval(POLL))
            .unwrap();
        let mut failed = Vec::new();
        while let Some(event) = next(&mut keeper).await {
            match event.kind {
                KeepEventKind::Failed { error } => {
                    assert_eq!(error.kind(), arr_session::ErrorKind::Unauthorized, "{error}");
                    failed.push(event.session_id);
                }
                other => panic!("only Failed events are due, saw {other:?}"),
            }
        }
        failed.sort();
        let mut expected = kept.to_vec();
        expected.sort();
        assert_eq!(failed, expected, "one Failed event per kept session, then the end");
    }
    for id in ids {
        client.stop_session(&id).await.unwrap();
    }
}
