//! `arr session keep` and `session create --keep` against the emulator on fast emulated time
//! (`time_scale` 60: an emulated minute lasts one real second). A 3-minute lease kept with
//! `--by 2m --below 2m --cap 5m --until-end` is extended 3 -> 5, reaches the cap, warns and expires within
//! seconds. Without `--until-end` the keep ends at the cap.
//! Only generous "did not hang" bounds (the harness's 60 s), no timing assertions.

mod common;

use std::time::Duration;

use arr_emulator::{EmulatorConfig, FaultKind, ScriptedFault};
use common::{create, Emu, Run, API_VERSIONS};
use serde_json::Value;

/// `--until-end`: past the cap, the keep watches the session to its end (warnings, then Expired).
const FAST: [&str; 9] = [
    "--by",
    "2m",
    "--below",
    "2m",
    "--cap",
    "5m",
    "--poll",
    "100ms",
    "--until-end",
];

/// Sessions Ready in 200 ms; an emulated minute lasts a second.
fn fast_emulator() -> Emu {
    Emu::with(EmulatorConfig {
        start_delay: Duration::from_millis(200),
        time_scale: 60.0,
        ..EmulatorConfig::default()
    })
}

/// Sessions Ready in 200 ms; real time, so nothing ends on its own during a test.
fn slow_emulator() -> Emu {
    Emu::start()
}

/// The session's status and lease in minutes, as the emulator holds them.
fn status_and_lease(emu: &Emu, id: &str) -> (String, u32) {
    let session = emu.sessions().into_iter().find(|s| s.id == id).unwrap();
    (session.status, session.max_lease_time_minutes)
}

/// The table lines after any session table: those with a keep label.
fn event_lines(run: &Run) -> Vec<String> {
    const LABELS: [&str; 7] = [
        "extended ",
        "expiring ",
        "cap ",
        "ended ",
        "throttled ",
        "retrying ",
        "failed ",
    ];
    run.stdout
        .lines()
        .filter(|l| LABELS.iter().any(|label| l.starts_with(label)))
        .map(str::to_owned)
        .collect()
}

/// Extended 3 -> 5, then the cap, at least one warning (10 min fires at once once capped), then
/// Expired last; nothing else, and no retrying or throttling against a healthy emulator.
fn assert_capped_keep_lines(run: &Run) {
    let lines = event_lines(run);
    let text = &run.stdout;
    assert_eq!(
        lines.first().map(String::as_str),
        Some("extended  3 -> 5 min"),
        "{text}"
    );
    assert_eq!(
        lines.get(1).map(String::as_str),
        Some("cap       5 min reached"),
        "{text}"
    );
    assert_eq!(lines.last().map(String::as_str), Some("ended     Expired"), "{text}");
    let middle = &lines[2..lines.len() - 1];
    assert!(!middle.is_empty(), "no warning: {text}");
    for line in middle {
        let rest = line
            .strip_prefix("expiring  ")
            .unwrap_or_else(|| panic!("{line:?} in {text}"));
        assert!(rest.ends_with(" min left"), "{line:?}");
    }
}

/// The JSON events in order: extended {from 3, to 5}, capReached {lease 5}, expiringSoon..., ended Expired.
fn assert_capped_keep_json(events: &[Value], id: &str) {
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(events.iter().all(|e| e["sessionId"] == id), "{events:?}");
    assert_eq!(kinds.first(), Some(&"extended"), "{kinds:?}");
    assert_eq!(
        (events[0]["from"].as_u64(), events[0]["to"].as_u64()),
        (Some(3), Some(5))
    );
    assert_eq!(kinds.get(1), Some(&"capReached"), "{kinds:?}");
    assert_eq!(events[1]["lease"], 5);
    let last = events.last().unwrap();
    assert_eq!(
        (last["kind"].as_str(), last["status"].as_str()),
        (Some("ended"), Some("Expired"))
    );
    let middle = &events[2..events.len() - 1];
    assert!(!middle.is_empty(), "no warning: {kinds:?}");
    for event in middle {
        assert_eq!(event["kind"], "expiringSoon", "{event}");
        assert!(event["remaining"].as_u64().is_some_and(|m| m <= 10), "{event}");
    }
}

fn json_lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}\n{}", run.stdout)))
        .collect()
}

#[test]
fn keep_extends_to_the_cap_warns_and_exits_0_when_it_expires_there() {
    for version in API_VERSIONS {
        let emu = fast_emulator();
        let id = create(&mut emu.arr_v(version), &["--lease", "3m"]);
        let run = emu.arr_v(version).args(["session", "keep", &id]).args(FAST).run();
        run.ok();
        assert_capped_keep_lines(&run);
        assert!(run.stderr.contains(&format!("Keeping session {id}")), "{}", run.stderr);
        assert_eq!(
            status_and_lease(&emu, &id),
            ("Expired".to_owned(), 5),
            "{version}: never beyond the cap"
        );
    }
}

#[test]
fn keep_in_json_prints_the_cores_events_one_per_line() {
    let emu = fast_emulator();
    let id = create(&mut emu.arr(), &["--lease", "3m"]);
    let run = emu.arr().args(["-o", "json", "session", "keep", &id]).args(FAST).run();
    run.ok();
    assert_capped_keep_json(&json_lines(&run), &id);
    // Scripts read stdout; the table mode's note stays out of JSON mode.
    assert!(!run.stderr.contains("Keeping session"), "{}", run.stderr);
}

#[test]
fn create_wait_keep_prints_the_ready_session_then_keeps_it() {
    let emu = fast_emulator();
    let run = emu
        .arr()
        .args([
            "session",
            "create",
            "--id",
            "kept-table",
            "--lease",
            "3m",
            "--wait",
            "--keep",
        ])
        .args(FAST)
        .run();
    run.ok();
    assert!(run.stdout.starts_with("id "), "{}", run.stdout);
    assert!(run.stdout.contains("status          Ready\n"), "{}", run.stdout);
    assert_capped_keep_lines(&run);
    assert_eq!(emu.status_of("kept-table"), "Expired");

    // --keep implies --wait; in JSON the session is the first document, the events follow.
    let run = emu
        .arr()
        .args([
            "-o",
            "json",
            "session",
            "create",
            "--id",
            "kept-json",
            "--lease",
            "3m",
            "--keep",
        ])
        .args(FAST)
        .run();
    run.ok();
    let documents = json_lines(&run);
    common::assert_session_shape(&documents[0]);
    assert_eq!(
        (documents[0]["id"].as_str(), documents[0]["status"].as_str()),
        (Some("kept-json"), Some("Ready"))
    );
    assert_capped_keep_json(&documents[1..], "kept-json");
}

#[test]
fn a_cap_at_the_lease_never_extends_and_warns_as_asked() {
    // No renewal possible (cap = lease): only the one warning asked for, then Expired.
    let emu = fast_emulator();
    let id = create(&mut emu.arr(), &["--lease", "2m"]);
    let run = emu
        .arr()
        .args([
            "-o",
            "json",
            "session",
            "keep",
            &id,
            "--cap",
            "2m",
            "--warn",
            "1m",
            "--poll",
            "100ms",
            "--until-end",
        ])
        .run();
    run.ok();
    let events = json_lines(&run);
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"capReached"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"ended"), "{kinds:?}");
    assert!(!kinds.contains(&"extended"), "{kinds:?}");
    assert!(kinds.iter().filter(|k| **k == "expiringSoon").count() <= 1, "{kinds:?}");
    for event in events.iter().filter(|e| e["kind"] == "expiringSoon") {
        assert!(event["remaining"].as_u64().is_some_and(|m| m <= 1), "{event}");
    }
}

#[test]
fn a_lease_at_the_cap_ends_the_keep_at_once_with_0_and_leaves_the_session_running() {
    // The default lease is 4 hours: `--cap 4h` has nothing to renew. Real time, so a keep that waited for
    // the end instead would hang until the harness's bound.
    let emu = slow_emulator();
    let id = create(&mut emu.arr(), &[]);
    emu.arr().args(["session", "get", &id, "--wait"]).run().ok();
    let run = emu
        .arr()
        .args(["session", "keep", &id, "--cap", "4h", "--poll", "100ms"])
        .run();
    run.ok();
    assert_eq!(event_lines(&run), ["cap       240 min reached"], "{}", run.stdout);
    assert_eq!(status_and_lease(&emu, &id), ("Ready".to_owned(), 240));

    // The same through create --wait --keep.
    let run = emu
        .arr()
        .args([
            "session", "create", "--wait", "--keep", "--cap", "4h", "--poll", "100ms",
        ])
        .run();
    run.ok();
    assert_eq!(event_lines(&run), ["cap       240 min reached"], "{}", run.stdout);
}

#[test]
fn a_lease_beyond_the_cap_is_reported_with_the_cap_and_the_lease() {
    let emu = slow_emulator();
    let id = create(&mut emu.arr(), &["--lease", "4h30m"]);
    let run = emu
        .arr()
        .args(["session", "keep", &id, "--cap", "4h", "--poll", "100ms"])
        .run();
    run.ok();
    assert_eq!(
        event_lines(&run),
        ["cap       240 min reached (lease 270 min)"],
        "{}",
        run.stdout
    );
    assert_eq!(status_and_lease(&emu, &id).1, 270, "a keep never shortens a lease");
}

#[test]
fn of_several_sessions_one_at_the_cap_leaves_the_others_kept() {
    // One at its cap, one short of it: the keep goes on for the second, and says nothing more of the first.
    let emu = slow_emulator();
    let capped = create(&mut emu.arr(), &["--lease", "2h"]);
    let kept = create(&mut emu.arr(), &["--lease", "1h"]);
    let mut live = emu
        .arr()
        .args(["session", "keep", &capped, &kept, "--cap", "2h", "--poll", "100ms"])
        .spawn();
    live.wait_for_stderr("Keeping sessions");
    emu.arr().args(["session", "stop", &kept]).run().ok();
    let run = live.finish();
    run.ok();
    // Both may come from one poll, in either order.
    let mut lines: Vec<&str> = run.stdout.lines().collect();
    lines.sort_unstable();
    let mut expected = [
        format!("{capped}  cap       120 min reached"),
        format!("{kept}  ended     Stopped"),
    ];
    expected.sort_unstable();
    assert_eq!(lines, expected, "{}", run.stdout);
    let status = emu.status_of(&capped);
    assert!(
        ["Starting", "Ready"].contains(&status.as_str()),
        "left running: {status}"
    );
}

#[test]
fn a_session_stopped_while_kept_ends_the_keep_with_0() {
    let emu = slow_emulator();
    let id = create(&mut emu.arr(), &["--lease", "2h"]);
    emu.arr().args(["session", "get", &id, "--wait"]).run().ok();
    let mut live = emu.arr().args(["session", "keep", &id, "--poll", "100ms"]).spawn();
    live.wait_for_stderr("Keeping session");
    emu.arr().args(["session", "stop", &id]).run().ok();
    let run = live.finish();
    run.ok();
    assert_eq!(event_lines(&run), ["ended     Stopped"], "{}", run.stdout);
}

#[test]
fn ctrl_c_stops_keeping_and_leaves_the_lease() {
    let emu = slow_emulator();
    let id = create(&mut emu.arr(), &["--lease", "2h"]);
    emu.arr().args(["session", "get", &id, "--wait"]).run().ok();
    let mut live = emu.arr().args(["session", "keep", &id, "--poll", "100ms"]).spawn();
    live.wait_for_stderr("Keeping session");
    let pid = live.pid().to_string();
    let kill = std::process::Command::new("sh")
        .args(["-c", &format!("kill -INT {pid}")])
        .status()
        .unwrap();
    assert!(kill.success());
    let run = live.finish();
    run.ok();
    assert!(
        run.stderr.contains("Interrupted: stopped keeping session"),
        "{}",
        run.stderr
    );
    assert!(event_lines(&run).is_empty(), "{}", run.stdout);
    assert_eq!(status_and_lease(&emu, &id), ("Ready".to_owned(), 120));
}

#[test]
fn a_session_that_expired_short_of_the_cap_or_failed_exits_1() {
    let emu = slow_emulator();
    let expired = create(&mut emu.arr(), &["--lease", "1h"]);
    emu.emulator().expire_session(&expired).unwrap();
    let run = emu.arr().args(["session", "keep", &expired, "--poll", "100ms"]).run();
    run.code(1);
    assert_eq!(event_lines(&run), ["ended     Expired"]);
    assert!(
        run.stderr
            .contains("expired before its lease reached the cap (1440 min)"),
        "{}",
        run.stderr
    );

    let failed = create(&mut emu.arr(), &["--lease", "1h"]);
    emu.emulator()
        .fail_session(&failed, "InternalError", "the VM was lost")
        .unwrap();
    let run = emu
        .arr()
        .args(["-o", "json", "session", "keep", &failed, "--poll", "100ms"])
        .run();
    run.code(1);
    let events = json_lines(&run);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        (events[0]["kind"].as_str(), events[0]["status"].as_str()),
        (Some("ended"), Some("Error"))
    );
    assert_eq!(events[0]["sessionError"]["code"], "InternalError");
    assert_eq!(run.error_json()["status"], "ARR_STATUS_SESSION_ENDED");
}

#[test]
fn ctrl_c_after_a_failure_keeps_the_failures_exit_code() {
    let emu = slow_emulator();
    let id = create(&mut emu.arr(), &["--lease", "2h"]);
    emu.arr().args(["session", "get", &id, "--wait"]).run().ok();
    let mut live = emu
        .arr()
        .args(["session", "keep", &id, "no-such-session", "--poll", "100ms"])
        .spawn();
    live.wait_for_stderr("error: ");
    let pid = live.pid().to_string();
    let kill = std::process::Command::new("sh")
        .args(["-c", &format!("kill -INT {pid}")])
        .status()
        .unwrap();
    assert!(kill.success());
    let run = live.finish();
    run.code(4);
    assert!(
        run.stderr.contains("Interrupted: stopped keeping sessions"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_keep_that_fails_exits_with_its_causes_code() {
    let emu = slow_emulator();
    let run = emu
        .arr()
        .args(["session", "keep", "no-such-session", "--poll", "100ms"])
        .run();
    run.code(4);
    let lines = event_lines(&run);
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert!(lines[0].starts_with("failed    "), "{lines:?}");
    assert!(run.stderr.contains("error: "), "{}", run.stderr);

    let run = emu
        .arr()
        .args(["-o", "json", "session", "keep", "no-such-session", "--poll", "100ms"])
        .run();
    run.code(4);
    assert_eq!(json_lines(&run)[0]["kind"], "failed");
    let error = run.error_json();
    assert_eq!(
        (error["status"].as_str(), error["httpStatus"].as_u64()),
        (Some("ARR_STATUS_NOT_FOUND"), Some(404))
    );

    // Refused credentials: the STS says no, the keeper stops, exit 3.
    let run = emu
        .bare()
        .args([
            "--endpoint",
            &emu.url,
            "--sts-endpoint",
            &emu.url,
            "--account-id",
            common::ACCOUNT_ID,
        ])
        .args([
            "--account-key",
            "d3Jvbmcta2V5",
            "session",
            "keep",
            "any-session",
            "--poll",
            "100ms",
        ])
        .run();
    run.code(3);
    assert!(event_lines(&run)[0].starts_with("failed    "), "{}", run.stdout);
}

#[test]
fn keep_flags_are_checked() {
    let emu = slow_emulator();
    for args in [
        &["session", "keep", "s1", "--warn", "0"][..],
        &["session", "keep", "s1", "--cap", "25h"],
        &["session", "keep", "s1", "--by", "0"],
        &["session", "keep", "s1", "--poll", "0"],
        &["session", "keep"],
        &["session", "create", "--by", "2m"],
        &["session", "create", "--wait", "--cap", "1h"],
        &["session", "create", "--wait", "--until-end"],
    ] {
        let run = emu.arr().args(args).run();
        run.code(2);
    }
    assert!(emu.sessions().is_empty(), "nothing created by a refused command");
    let help = emu.bare().args(["session", "keep", "--help"]).run();
    help.ok();
    for flag in ["--by", "--below", "--cap", "--warn", "--poll", "--until-end"] {
        assert!(help.stdout.contains(flag), "{flag}: {}", help.stdout);
    }
}

#[test]
fn throttling_and_passing_failures_are_printed_and_ridden_out() {
    let emu = slow_emulator();
    let id = create(&mut emu.arr(), &["--lease", "1h"]);
    emu.emulator().expire_session(&id).unwrap();
    // Enough for the client's own retries (1 try + 3) to give up once on each, so the keeper sees them.
    for (status, retry_after) in [(429, Some(1)), (503, None)] {
        emu.emulator().inject(ScriptedFault {
            route: Some("sessions.get".into()),
            kind: FaultKind::Status { status, retry_after },
            times: 4,
        });
    }
    let run = emu.arr().args(["session", "keep", &id, "--poll", "100ms"]).run();
    run.code(1);
    let lines = event_lines(&run);
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert_eq!(lines[0], "throttled retry after 1 s");
    assert!(
        lines[1].starts_with("retrying  ") && lines[1].contains("503"),
        "{lines:?}"
    );
    assert_eq!(lines[2], "ended     Expired");
}

#[test]
fn three_sessions_are_kept_with_one_list_request_per_poll() {
    let emu = slow_emulator();
    let ids: Vec<String> = (0..3).map(|_| create(&mut emu.arr(), &["--lease", "2h"])).collect();
    let mut waiting = emu.arr();
    waiting.args(["session", "wait"]).args(&ids).run().ok();
    let (lists, gets) = (
        emu.emulator().request_count("sessions.list"),
        emu.emulator().request_count("sessions.get"),
    );
    let mut live = emu
        .arr()
        .args(["session", "keep"])
        .args(&ids)
        .args(["--poll", "200ms"])
        .spawn();
    live.wait_for_stderr("Keeping sessions");
    std::thread::sleep(Duration::from_millis(1100));
    for id in &ids {
        emu.arr().args(["session", "stop", id]).run().ok();
    }
    let run = live.finish();
    run.ok();
    let lists = emu.emulator().request_count("sessions.list") - lists;
    let gets = emu.emulator().request_count("sessions.get") - gets;
    assert!((3..=10).contains(&lists), "about one list per poll: {lists}");
    // A stopped session leaves the list: one GET each learns how it ended.
    assert!(gets <= 3, "no GET while all are listed: {gets}");
    let ended: Vec<&str> = run.stdout.lines().filter(|l| l.contains("ended     Stopped")).collect();
    assert_eq!(ended.len(), 3, "{}", run.stdout);
    for id in &ids {
        assert!(
            ended.iter().any(|l| l.starts_with(id.as_str())),
            "lines name their session: {}",
            run.stdout
        );
    }
}
