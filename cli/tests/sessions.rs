//! Every session command against the emulator, in both wire versions.

mod common;

use common::{assert_session_shape, create, Emu, API_VERSIONS};
use serde_json::Value;

#[test]
fn create_get_list_extend_update_stop_in_both_api_versions() {
    for version in API_VERSIONS {
        let emu = Emu::start();
        // v1 chooses ids itself, so only 2021-01-01 gets --id.
        let id = if version == "v1" {
            create(&mut emu.arr_v(version), &["--size", "premium", "--lease", "1h30m"])
        } else {
            let id = create(
                &mut emu.arr_v(version),
                &["--id", "cli-life_1", "--size", "premium", "--lease", "1h30m"],
            );
            assert_eq!(id, "cli-life_1");
            id
        };
        let snapshot = emu
            .sessions()
            .into_iter()
            .find(|s| s.id == id)
            .expect("created in the emulator");
        assert_eq!(
            (snapshot.size.as_str(), snapshot.max_lease_time_minutes),
            ("Premium", 90),
            "{version}"
        );

        let got = emu
            .arr_v(version)
            .args(["-o", "json", "session", "get", &id])
            .run()
            .ok()
            .json();
        assert_session_shape(&got);
        assert_eq!(got["id"], id.as_str());
        assert_eq!(got["size"], "Premium");

        let ready = emu
            .arr_v(version)
            .args(["-o", "json", "session", "get", &id, "--wait"])
            .run()
            .ok()
            .json();
        assert_session_shape(&ready);
        assert_eq!(ready["status"], "Ready", "{version}");
        assert!(ready["hostname"].is_string(), "{ready}");

        let list = emu
            .arr_v(version)
            .args(["-o", "json", "session", "list"])
            .run()
            .ok()
            .json();
        let list = list.as_array().expect("list prints an array");
        list.iter().for_each(assert_session_shape);
        assert!(list.iter().any(|s| s["id"] == id.as_str()), "{version}: {list:?}");

        let extended = emu
            .arr_v(version)
            .args(["-o", "json", "session", "extend", &id, "--by", "30m"])
            .run();
        assert_eq!(extended.ok().json()["maxLeaseTimeMinutes"], 120, "{version}");
        // update is absolute, like the script's -UpdateSession.
        let updated = emu
            .arr_v(version)
            .args(["-o", "json", "session", "update", &id, "--lease", "03:00:00"])
            .run();
        assert_eq!(updated.ok().json()["maxLeaseTimeMinutes"], 180, "{version}");
        assert_eq!(
            emu.sessions()
                .into_iter()
                .find(|s| s.id == id)
                .unwrap()
                .max_lease_time_minutes,
            180
        );

        let stopped = emu
            .arr_v(version)
            .args(["-o", "json", "session", "stop", &id])
            .run()
            .ok()
            .json();
        assert_eq!(stopped, serde_json::json!({ "id": id, "stopped": true }));
        assert_eq!(emu.status_of(&id), "Stopped", "{version}");
        let after = emu
            .arr_v(version)
            .args(["-o", "json", "session", "get", &id])
            .run()
            .ok()
            .json();
        assert_eq!(after["status"], "Stopped", "{version}");
    }
}

#[test]
fn bare_session_command_creates_and_waits_like_the_script() {
    for version in API_VERSIONS {
        let emu = Emu::start();
        let run = emu.arr_v(version).args(["session"]).run();
        run.ok();
        assert!(run.stdout.contains("Ready"), "{version}: {}", run.stdout);
        assert!(run.stderr.contains("waiting until it is Ready"), "{}", run.stderr);
        let sessions = emu.sessions();
        assert_eq!(sessions.len(), 1);
        assert_eq!(
            (sessions[0].size.as_str(), sessions[0].max_lease_time_minutes),
            ("Standard", 240)
        );
        assert_eq!(sessions[0].status, "Ready");

        // The script's overrides work on the default flow too.
        let run = emu
            .arr_v(version)
            .args(["-o", "json", "session", "--size", "premium", "--lease", "45"])
            .run();
        let value = run.ok().json();
        assert_session_shape(&value);
        assert_eq!(
            (value["status"].as_str(), value["size"].as_str()),
            (Some("Ready"), Some("Premium"))
        );
        assert_eq!(value["maxLeaseTimeMinutes"], 45);
    }
}

#[test]
fn create_with_wait_returns_the_ready_session() {
    for version in API_VERSIONS {
        let emu = Emu::start();
        let value = emu
            .arr_v(version)
            .args(["-o", "json", "session", "create", "--wait"])
            .run()
            .ok()
            .json();
        assert_session_shape(&value);
        assert_eq!(value["status"], "Ready", "{version}");
        assert_eq!(emu.status_of(value["id"].as_str().unwrap()), "Ready");
    }
}

#[test]
fn wait_takes_several_ids_and_lists_once_per_poll() {
    for version in API_VERSIONS {
        let emu = Emu::start();
        let ids: Vec<String> = (0..3).map(|_| create(&mut emu.arr_v(version), &[])).collect();
        let gets_before =
            emu.emulator().request_count("sessions.get") + emu.emulator().request_count("v1.sessions.properties");
        let run = emu
            .arr_v(version)
            .args(["-o", "json", "session", "wait"])
            .args(&ids)
            .run();
        let value = run.ok().json();
        let list = value.as_array().unwrap();
        assert_eq!(list.len(), 3, "{version}");
        for (session, id) in list.iter().zip(&ids) {
            assert_session_shape(session);
            assert_eq!(
                (session["id"].as_str(), session["status"].as_str()),
                (Some(id.as_str()), Some("Ready"))
            );
        }
        let gets_after =
            emu.emulator().request_count("sessions.get") + emu.emulator().request_count("v1.sessions.properties");
        assert_eq!(
            gets_before, gets_after,
            "{version}: waiting for listed sessions needs no GETs"
        );
    }
}

#[test]
fn lease_formats_reach_the_service_as_minutes() {
    let emu = Emu::start();
    for (lease, minutes) in [
        ("45", 45),
        ("90m", 90),
        ("1h30m", 90),
        ("2h", 120),
        ("01:15:00", 75),
        ("0:5:0", 5),
    ] {
        let id = create(&mut emu.arr(), &["--lease", lease]);
        let snapshot = emu.sessions().into_iter().find(|s| s.id == id).unwrap();
        assert_eq!(snapshot.max_lease_time_minutes, minutes, "--lease {lease}");
    }
}

#[test]
fn table_output_is_readable() {
    let emu = Emu::start();
    let run = emu
        .arr()
        .args(["session", "create", "--id", "table-1", "--lease", "30m", "--wait"])
        .run();
    run.ok();
    for line in [
        "id        ",
        "status    ",
        "Ready",
        "size      ",
        "Standard",
        "lease     ",
        "30 min",
        "hostname  ",
    ] {
        assert!(run.stdout.contains(line), "missing {line:?} in\n{}", run.stdout);
    }
    let list = emu.arr().args(["session", "list"]).run();
    let lines: Vec<&str> = list.ok().stdout.lines().collect();
    assert!(
        lines[0].starts_with("ID ") && lines[0].contains("STATUS") && lines[0].contains("HOSTNAME"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("table-1 ") && lines[1].contains("Ready"),
        "{lines:?}"
    );

    let stop = emu.arr().args(["session", "stop", "table-1"]).run();
    assert_eq!(stop.ok().stdout.trim(), "Stopped session table-1.");
    let empty = emu.arr().args(["session", "list"]).run();
    assert_eq!(empty.ok().stdout.trim(), "No Starting or Ready sessions.");
    let empty_json = emu.arr().args(["-o", "json", "session", "list"]).run();
    assert_eq!(empty_json.ok().json(), Value::Array(vec![]));
}

#[test]
fn token_is_printed_on_request_and_usable_as_a_credential() {
    let emu = Emu::start();
    let bare = emu.arr().args(["token"]).run();
    let token = bare.ok().stdout.trim().to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    let json = emu.arr().args(["-o", "json", "token"]).run().ok().json();
    assert!(
        json["accessToken"].as_str().is_some_and(|t| t.split('.').count() == 3),
        "{json}"
    );
    assert_eq!(json.as_object().unwrap().len(), 1);

    // The token works without the key, from a flag and from ARR_ACCESS_TOKEN, in both versions.
    for version in API_VERSIONS {
        let run = emu
            .bare()
            .args([
                "--endpoint",
                &emu.url,
                "--account-id",
                common::ACCOUNT_ID,
                "--access-token",
                &token,
            ])
            .args(["--api-version", version, "session", "list"])
            .run();
        run.ok();
        assert!(!run.all_output().contains(&token));
        let run = emu
            .bare()
            .env("ARR_ENDPOINT", &emu.url)
            .env("ARR_ACCOUNT_ID", common::ACCOUNT_ID)
            .env("ARR_ACCESS_TOKEN", &token)
            .env("ARR_API_VERSION", version)
            .args(["session", "list"])
            .run();
        run.ok();
        assert!(!run.all_output().contains(&token));
    }
}

#[test]
fn spinner_shows_status_and_time_on_a_terminal_only() {
    let emu = Emu::with(arr_emulator::EmulatorConfig {
        start_delay: std::time::Duration::from_secs(1),
        ..arr_emulator::EmulatorConfig::default()
    });
    // Not a terminal: no spinner, no control characters for logs to trip over.
    let run = emu.arr().args(["session", "create", "--wait"]).run();
    run.ok();
    assert!(
        !run.stderr.contains('\x1b') && !run.stderr.contains('\r'),
        "{:?}",
        run.stderr
    );

    let args = ["--poll-interval", "50ms", "session", "create", "--wait"];
    let Some((code, screen)) = common::on_terminal(&emu, &args, "") else {
        eprintln!("skipped: util-linux `script` is not available to provide a terminal");
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains(": Starting (0s)"), "{screen:?}");
    assert!(screen.contains("\x1b[2K"), "the spinner line is erased: {screen:?}");
}

#[test]
fn an_account_domain_given_as_the_emulators_url_is_its_sts() {
    let emu = Emu::start();
    let run = emu
        .bare()
        .args([
            "--endpoint",
            &emu.url,
            "--account-domain",
            &emu.url,
            "--account-id",
            "11111111-1111-1111-1111-111111111111",
            "--account-key",
            "YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==",
            "-o",
            "json",
            "session",
            "list",
        ])
        .run();
    run.ok();
}

#[test]
fn update_to_the_current_lease_succeeds_a_smaller_one_exits_2_and_the_help_says_so() {
    let emu = Emu::start();
    // No --lease: the 4 hours every new session gets, which `update --help` names.
    let id = create(&mut emu.arr(), &[]);
    let same = emu
        .arr()
        .args(["-o", "json", "session", "update", &id, "--lease", "4h"])
        .run();
    assert_eq!(same.ok().json()["maxLeaseTimeMinutes"], 240);
    emu.arr()
        .args(["session", "update", &id, "--lease", "2h"])
        .run()
        .code(2);
    let help = emu.bare().args(["session", "update", "--help"]).run();
    help.ok();
    let text = help.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!text.contains("must be larger"), "{text}");
    assert!(text.contains("at least the current lease"), "{text}");
    assert!(text.contains("4 hours"), "{text}");
}
