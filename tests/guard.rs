//! The session guard: owned sessions are stopped together, on request or when the client closes.

mod common;

use std::time::Duration;

use arr_emulator::{FaultKind, ScriptedFault};
use arr_session::{ApiVersion, Client, ErrorKind};
use common::*;

fn live(emulator: &arr_emulator::Emulator) -> Vec<String> {
    let mut ids: Vec<String> = emulator
        .sessions()
        .into_iter()
        .filter(|s| s.status == "Starting" || s.status == "Ready")
        .map(|s| s.id)
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn owned_sessions_are_stopped_together_and_unowned_ones_are_left_alone() {
    let emulator = start(quick()).await;
    for api in [ApiVersion::V2021_01_01, ApiVersion::V1] {
        let client = client_for(&emulator, api);
        let a = client
            .create_session(&standard(10))
            .await
            .unwrap()
            .into_value()
            .id
            .clone();
        let b = client
            .create_session(&standard(10))
            .await
            .unwrap()
            .into_value()
            .id
            .clone();
        let mut keep = standard(10);
        keep.owned = false;
        let kept = client.create_session(&keep).await.unwrap().into_value().id.clone();
        client.stop_session(&a).await.unwrap().into_value();
        assert_eq!(
            client.owned_sessions(),
            vec![b.clone()],
            "a stopped session is no longer owned"
        );

        let outcomes = client.stop_owned_sessions(Duration::from_secs(10)).await;
        assert_eq!(outcomes.len(), 1);
        assert!(outcomes[0].1.is_ok());
        assert!(client.owned_sessions().is_empty());
        assert_eq!(
            live(&emulator),
            vec![kept.clone()],
            "only the unowned session still runs"
        );
        client.stop_session(&kept).await.unwrap().into_value();
    }
}

#[tokio::test]
async fn close_stops_owned_sessions_only_when_configured() {
    let emulator = start(quick()).await;
    let plain = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = plain
        .create_session(&standard(10))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();
    assert!(plain.close().await.is_empty());
    assert_eq!(
        live(&emulator),
        vec![id.clone()],
        "closing without the option leaves sessions running"
    );
    // A closed client takes no more calls; another one cleans up.
    assert_eq!(
        plain.stop_session(&id).await.unwrap_err().kind(),
        arr_session::ErrorKind::Closed
    );
    client_for(&emulator, ApiVersion::V2021_01_01)
        .stop_session(&id)
        .await
        .unwrap()
        .into_value();

    let mut config = config_for(&emulator, ApiVersion::V2021_01_01);
    config.stop_owned_sessions_on_close = true;
    let guarded = Client::new(config).unwrap();
    for _ in 0..3 {
        guarded.create_session(&standard(10)).await.unwrap().into_value();
    }
    let outcomes = guarded.close().await;
    assert_eq!(outcomes.len(), 3);
    assert!(outcomes.iter().all(|(_, o)| o.is_ok()));
    assert!(
        live(&emulator).is_empty(),
        "an app that closes its client does not keep paying"
    );
}

#[tokio::test]
async fn stopping_is_bounded_in_time_and_what_did_not_stop_stays_owned() {
    let emulator = start(quick()).await;
    let client = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = client
        .create_session(&standard(10))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();
    emulator.inject(ScriptedFault {
        route: Some("sessions.stop".into()),
        kind: FaultKind::Delay { millis: 5000 },
        times: 1,
    });
    let outcomes = client.stop_owned_sessions(Duration::from_millis(300)).await;
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].1.as_ref().unwrap_err().kind(), ErrorKind::Timeout);
    assert_eq!(client.owned_sessions(), vec![id.clone()]);
    // A later attempt finishes the job.
    assert!(client.stop_owned_sessions(Duration::from_secs(10)).await[0].1.is_ok());
}

#[tokio::test]
async fn adopted_and_vanished_sessions() {
    let emulator = start(quick()).await;
    let first = client_for(&emulator, ApiVersion::V2021_01_01);
    let id = first
        .create_session(&standard(10))
        .await
        .unwrap()
        .into_value()
        .id
        .clone();
    first.disown_session(&id);

    let second = client_for(&emulator, ApiVersion::V2021_01_01);
    second.own_session(&id).unwrap();
    second.own_session("never-existed").unwrap();
    assert!(second.own_session("bad id").is_err());
    let outcomes = second.stop_owned_sessions(Duration::from_secs(10)).await;
    assert_eq!(outcomes.len(), 2);
    assert!(
        outcomes.iter().all(|(_, o)| o.is_ok()),
        "a session the service no longer knows counts as stopped"
    );
    assert!(live(&emulator).is_empty());
    assert!(second.owned_sessions().is_empty());
}
