//! `arr session stop --all`: the fastest way to end forgotten, billable sessions.

mod common;

use std::time::Duration;

use arr_emulator::EmulatorConfig;
use common::{create, on_terminal, Emu, ACCOUNT_KEY, API_VERSIONS};

/// Small list pages, so that stop --all must follow @nextLink to find every session.
fn paged_emulator() -> Emu {
    Emu::with(EmulatorConfig {
        start_delay: Duration::from_millis(200),
        page_size: 2,
        ..EmulatorConfig::default()
    })
}

#[test]
fn stop_all_with_yes_stops_every_starting_and_ready_session() {
    for version in API_VERSIONS {
        let emu = paged_emulator();
        let ready = create(&mut emu.arr_v(version), &[]);
        emu.arr_v(version).args(["session", "get", &ready, "--wait"]).run().ok();
        let starting: Vec<String> = (0..4).map(|_| create(&mut emu.arr_v(version), &[])).collect();
        let already_stopped = create(&mut emu.arr_v(version), &[]);
        emu.arr_v(version)
            .args(["session", "stop", &already_stopped])
            .run()
            .ok();

        let run = emu
            .arr_v(version)
            .args(["-o", "json", "session", "stop", "--all", "--yes"])
            .run();
        let results = run.ok().json();
        let results = results.as_array().unwrap();
        assert_eq!(results.len(), 5, "{version}: {results:?}");
        for result in results {
            assert_eq!(result["stopped"], true);
            assert!(result["id"] == ready.as_str() || starting.iter().any(|id| result["id"] == id.as_str()));
        }
        assert!(
            emu.sessions().iter().all(|s| s.status == "Stopped"),
            "{version}: {:?}",
            emu.sessions()
        );

        // Nothing left: nothing to ask, nothing to do.
        let run = emu
            .arr_v(version)
            .args(["-o", "json", "session", "stop", "--all"])
            .run();
        assert_eq!(run.ok().json(), serde_json::json!([]));
        let run = emu.arr_v(version).args(["session", "stop", "--all"]).run();
        assert!(run.ok().stdout.contains("No Starting or Ready sessions"));
    }
}

#[test]
fn stop_all_table_output_reports_each_session() {
    let emu = paged_emulator();
    let ids: Vec<String> = (0..3)
        .map(|i| create(&mut emu.arr(), &["--id", &format!("table-stop-{i}")]))
        .collect();
    let run = emu.arr().args(["session", "stop", "--all", "--yes"]).run();
    run.ok();
    for id in &ids {
        assert!(run.stdout.contains(&format!("Stopped session {id}.")), "{}", run.stdout);
    }
}

#[test]
fn stop_all_without_yes_refuses_when_nobody_can_answer() {
    let emu = Emu::start();
    let ids: Vec<String> = (0..2).map(|_| create(&mut emu.arr(), &[])).collect();
    // Piped "y" is not a confirmation: a script must say --yes.
    let run = emu.arr().args(["session", "stop", "--all"]).run_with_stdin(Some("y\n"));
    run.code(2);
    assert!(
        run.stderr.contains("--yes") && run.stderr.contains("2 sessions"),
        "{}",
        run.stderr
    );
    let run = emu.arr().args(["session", "stop", "--all"]).run();
    run.code(2);
    for id in &ids {
        assert_ne!(
            emu.status_of(id),
            "Stopped",
            "nothing may be stopped without confirmation"
        );
    }
}

#[test]
fn stop_all_asks_on_a_terminal() {
    let emu = Emu::start();
    let ids: Vec<String> = (0..2).map(|_| create(&mut emu.arr(), &[])).collect();
    let Some((code, screen)) = on_terminal(&emu, &["session", "stop", "--all"], "n\n") else {
        eprintln!("skipped: util-linux `script` is not available to provide a terminal");
        return;
    };
    assert!(screen.contains("Stop 2 sessions? [y/N]"), "{screen}");
    assert_eq!(code, 2, "declining is not success: {screen}");
    assert!(
        ids.iter().all(|id| emu.status_of(id) != "Stopped"),
        "declined, yet stopped"
    );

    let (code, screen) = on_terminal(&emu, &["session", "stop", "--all"], "y\n").unwrap();
    assert_eq!(code, 0, "{screen}");
    assert!(ids.iter().all(|id| emu.status_of(id) == "Stopped"), "{screen}");
    assert!(!screen.contains(ACCOUNT_KEY));
}
