//! Exit codes, error reports (text and JSON) and secrets, against the emulator.

mod common;

use std::time::Duration;

use arr_emulator::{EmulatorConfig, FaultKind, ScriptedFault};
use common::{assert_session_shape, create, Emu, ACCOUNT_ID, ACCOUNT_KEY, API_VERSIONS};

#[test]
fn not_found_exits_4_with_code_message_and_ms_cv() {
    for version in API_VERSIONS {
        let emu = Emu::start();
        for command in [
            vec!["session", "get", "no-such-session"],
            vec!["session", "get", "no-such-session", "--wait"],
            vec!["session", "extend", "no-such-session", "--by", "10"],
            vec!["session", "update", "no-such-session", "--lease", "10"],
            vec!["session", "wait", "no-such-session"],
        ] {
            let run = emu.arr_v(version).args(["--output", "json"]).args(&command).run();
            run.code(4);
            assert!(run.stderr.contains("error: "), "{}", run.stderr);
            let error = run.error_json();
            assert_eq!(
                error["status"], "ARR_STATUS_NOT_FOUND",
                "{version} {command:?}: {error}"
            );
            assert_eq!(error["httpStatus"], 404);
            assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
            let ms_cv = error["msCv"].as_str().expect("the emulator sends an MS-CV");
            assert!(run.stderr.contains(&format!("ms-cv: {ms_cv}")), "{}", run.stderr);
        }
    }
}

#[test]
fn bad_credentials_exit_3_without_printing_them() {
    let emu = Emu::start();
    let wrong_key = "d3Jvbmcta2V5LXRoYXQtbXVzdC1uZXZlci1iZS1wcmludGVk";
    for version in API_VERSIONS {
        let run = emu
            .bare()
            .args([
                "--endpoint",
                &emu.url,
                "--sts-endpoint",
                &emu.url,
                "--account-id",
                ACCOUNT_ID,
            ])
            .args([
                "--account-key",
                wrong_key,
                "--api-version",
                version,
                "-o",
                "json",
                "session",
                "list",
            ])
            .run();
        run.code(3);
        assert_eq!(run.error_json()["status"], "ARR_STATUS_UNAUTHORIZED");
        assert!(!run.all_output().contains(wrong_key));

        let other_account = "22222222-2222-2222-2222-222222222222";
        let run = emu
            .bare()
            .args([
                "--endpoint",
                &emu.url,
                "--sts-endpoint",
                &emu.url,
                "--account-id",
                other_account,
            ])
            .args([
                "--account-key",
                ACCOUNT_KEY,
                "--api-version",
                version,
                "session",
                "create",
            ])
            .run();
        run.code(3);
        assert!(!run.all_output().contains(ACCOUNT_KEY));
    }
    // A given token is printed back by `arr token` (that is what it is for), but refused elsewhere.
    let echoed = emu
        .bare()
        .args([
            "--endpoint",
            &emu.url,
            "--account-id",
            ACCOUNT_ID,
            "--access-token",
            "not-a-valid-token",
            "token",
        ])
        .run();
    assert_eq!(echoed.ok().stdout.trim(), "not-a-valid-token");
    let refused = emu
        .bare()
        .args([
            "--endpoint",
            &emu.url,
            "--account-id",
            ACCOUNT_ID,
            "--access-token",
            "not-a-valid-token",
        ])
        .args(["session", "list"])
        .run();
    refused.code(3);
    assert!(!refused.all_output().contains("not-a-valid-token"));
}

#[test]
fn usage_errors_exit_2_and_name_the_flag() {
    let emu = Emu::start();
    for (args, needle) in [
        (vec!["session", "create", "--lease", "0"], "--lease"),
        (vec!["session", "create", "--lease", "1441"], "--lease"),
        (vec!["session", "create", "--lease", "soon"], "--lease"),
        (vec!["session", "create", "--lease", "1:70:00"], "--lease"),
        (vec!["session", "update", "some-id", "--lease", "0"], "--lease"),
        (vec!["session", "update", "some-id"], "--lease"),
        (vec!["session", "extend", "some-id", "--by", "0"], "--by"),
        (vec!["session", "extend", "some-id", "--by", "25h"], "--by"),
        (vec!["session", "create", "--size", "huge"], "--size"),
        (vec!["--api-version", "2020-01-01", "session", "list"], "--api-version"),
        (vec!["--output", "yaml", "session", "list"], "--output"),
        (vec!["--timeout", "later", "session", "list"], "--timeout"),
        (vec!["session", "stop"], "<ID>"),
        (vec!["session", "stop", "x", "--all"], "--all"),
        (vec!["session", "stop", "x", "--yes"], "--yes"),
        (vec!["session", "wait"], "<ID>"),
        (vec!["session", "frobnicate"], "frobnicate"),
        (vec!["session", "get", "bad/id"], "sessionId"),
        (vec!["session", "create", "--id", "bad id"], "sessionId"),
    ] {
        let run = emu.arr().args(&args).run();
        run.code(2);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
    // v1 chooses ids itself.
    let run = emu.arr_v("v1").args(["session", "create", "--id", "mine"]).run();
    run.code(2);
    assert!(run.stderr.contains("v1"), "{}", run.stderr);
    // Nothing configured at all.
    let run = emu.bare().args(["session", "list"]).run();
    run.code(2);
    assert!(
        run.stderr.contains("ARR_ENDPOINT") && run.stderr.contains("--endpoint"),
        "{}",
        run.stderr
    );
    // No arguments: help on stderr, usage exit code.
    assert_eq!(emu.bare().run().code, 2);
    assert!(emu.sessions().is_empty(), "no usage error may reach the service");
}

#[test]
fn help_documents_exit_codes_and_the_emulator() {
    let emu = Emu::start();
    let run = emu.bare().args(["--help"]).run();
    run.ok();
    for needle in [
        "Exit codes",
        "1  a session ended",
        "3  authentication",
        "5  network",
        "arr-emulator",
        "ARR_CONFIG",
    ] {
        assert!(run.stdout.contains(needle), "missing {needle:?} in help");
    }
    assert!(emu.bare().args(["--version"]).run().ok().stdout.starts_with("arr "));
}

#[test]
fn unreachable_endpoint_exits_5() {
    let emu = Emu::start();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let run = emu
        .bare()
        .args([
            "--endpoint",
            &closed,
            "--sts-endpoint",
            &closed,
            "--account-id",
            ACCOUNT_ID,
        ])
        .args(["--account-key", ACCOUNT_KEY, "-o", "json", "session", "list"])
        .run();
    run.code(5);
    assert_eq!(run.error_json()["status"], "ARR_STATUS_NETWORK");
    assert!(!run.all_output().contains(ACCOUNT_KEY));
}

#[test]
fn wait_timeout_exits_5_and_shows_the_last_state() {
    let emu = Emu::with(EmulatorConfig {
        start_delay: Duration::from_secs(30),
        ..EmulatorConfig::default()
    });
    for version in API_VERSIONS {
        let id = create(&mut emu.arr_v(version), &[]);
        let run = emu
            .arr_v(version)
            .args(["-o", "json", "--timeout", "300ms", "session", "get", &id, "--wait"])
            .run();
        run.code(5);
        assert_eq!(run.error_json()["status"], "ARR_STATUS_TIMEOUT");
        let last = run.json();
        assert_session_shape(&last);
        assert_eq!(last["status"], "Starting", "{version}");
        assert_eq!(
            emu.status_of(&id),
            "Starting",
            "a timed-out wait leaves the session running"
        );
    }
}

#[test]
fn ended_sessions_exit_1() {
    // One emulated minute lasts 0.1 s, so a 1-minute lease expires almost at once.
    let emu = Emu::with(EmulatorConfig {
        start_delay: Duration::from_millis(100),
        time_scale: 600.0,
        ..EmulatorConfig::default()
    });
    for version in API_VERSIONS {
        let stopped = create(&mut emu.arr_v(version), &[]);
        emu.arr_v(version).args(["session", "stop", &stopped]).run().ok();
        let run = emu
            .arr_v(version)
            .args(["-o", "json", "session", "get", &stopped, "--wait"])
            .run();
        run.code(1);
        assert_eq!(run.json()["status"], "Stopped");
        assert_eq!(run.error_json()["status"], "ARR_STATUS_SESSION_ENDED");

        let expiring = create(&mut emu.arr_v(version), &["--lease", "1"]);
        let started = std::time::Instant::now();
        while emu.status_of(&expiring) != "Expired" {
            assert!(started.elapsed() < Duration::from_secs(20), "session never expired");
            std::thread::sleep(Duration::from_millis(50));
        }
        let run = emu.arr_v(version).args(["session", "wait", &expiring, &stopped]).run();
        run.code(1);
        assert!(
            run.stderr.contains("Expired") && run.stderr.contains("Stopped"),
            "{}",
            run.stderr
        );
        // Reading an ended session without waiting is not a failure.
        emu.arr_v(version).args(["session", "get", &expiring]).run().ok();
    }
}

#[test]
fn conflicting_create_exits_6() {
    let emu = Emu::start();
    create(&mut emu.arr(), &["--id", "same-id", "--lease", "60"]);
    // The same settings again is an idempotent retry, not a conflict.
    create(&mut emu.arr(), &["--id", "same-id", "--lease", "60"]);
    let run = emu
        .arr()
        .args(["-o", "json", "session", "create", "--id", "same-id", "--lease", "90"])
        .run();
    run.code(6);
    let error = run.error_json();
    assert_eq!(
        (error["status"].as_str(), error["httpStatus"].as_u64()),
        (Some("ARR_STATUS_CONFLICT"), Some(409))
    );
    assert!(run.stderr.contains("code: "), "{}", run.stderr);
}

#[test]
fn service_errors_exit_7() {
    let emu = Emu::start();
    let id = create(&mut emu.arr(), &[]);
    emu.emulator().inject(ScriptedFault {
        route: Some("sessions.get".into()),
        kind: FaultKind::Status {
            status: 501,
            retry_after: None,
        },
        times: 1,
    });
    let run = emu.arr().args(["-o", "json", "session", "get", &id]).run();
    run.code(7);
    let error = run.error_json();
    assert_eq!(
        (error["status"].as_str(), error["httpStatus"].as_u64()),
        (Some("ARR_STATUS_SERVICE_ERROR"), Some(501))
    );
}

#[test]
fn secrets_never_appear_in_any_output() {
    let emu = Emu::start();
    let token = emu.arr().args(["token"]).run().ok().stdout.trim().to_owned();
    let id = create(&mut emu.arr(), &["--id", "secret-check"]);
    let commands: Vec<Vec<&str>> = vec![
        vec!["session", "get", &id, "--wait"],
        vec!["session", "list"],
        vec!["session", "extend", &id, "--by", "5"],
        vec!["session", "update", &id, "--lease", "1"],
        vec!["session", "get", "missing"],
        vec!["session", "wait", &id, "missing"],
        vec!["session", "stop", &id],
        vec!["session", "create", "--lease", "0"],
        vec!["session", "stop", "--all"],
    ];
    for output in ["table", "json"] {
        for command in &commands {
            let run = emu.arr().args(["--output", output]).args(command).run();
            let text = run.all_output();
            assert!(!text.contains(ACCOUNT_KEY), "key printed by {command:?}");
            assert!(!text.contains(&token), "token printed by {command:?}");
        }
    }
}
