//! `arr` for what users asked for around sessions (issue #35): `session list --cost`, `session create
//! --fallback`, `doctor`, `history`, `session reap`, and the polling defaults in the help.

mod common;

use std::time::Duration;

use arr_emulator::{EmulatorConfig, FaultKind, ScriptedFault};
use common::Emu;
use serde_json::Value;

const PRICES: &str = r#"{"currency":"USD","perHour":{"Standard":3.0,"Premium":12.0}}"#;

fn create_ready(emu: &Emu, size: &str) -> String {
    let run = emu
        .arr()
        .args([
            "-o", "json", "session", "create", "--wait", "--lease", "4h", "--size", size,
        ])
        .run();
    run.ok();
    let session: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    session["id"].as_str().unwrap().to_owned()
}

#[test]
fn session_list_cost_shows_billed_minutes_cost_and_a_total() {
    let emu = Emu::start();
    let id = create_ready(&emu, "standard");
    emu.emulator().advance_clock(60.0).unwrap();
    let prices = emu.write("prices.json", PRICES);
    let run = emu
        .arr()
        .args(["session", "list", "--cost", "--prices"])
        .arg_path(&prices)
        .run();
    run.ok();
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(line.contains("Standard") && line.contains(" 6"), "{line}");
    assert!(line.contains("3.0") && line.contains("USD"), "{line}");
    assert!(run.stdout.lines().any(|l| l.starts_with("TOTAL")), "{}", run.stdout);
    // JSON, prices from ARR_PRICES.
    let run = emu
        .arr()
        .env("ARR_PRICES", prices.to_str().unwrap())
        .args(["-o", "json", "session", "list", "--cost"])
        .run();
    run.ok();
    let summary: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let minutes = summary["totalMinutes"].as_u64().unwrap();
    assert!((60..=62).contains(&minutes), "{summary}");
    assert_eq!(summary["totalCost"].as_f64().unwrap(), minutes as f64 * 3.0 / 60.0);
    // A bad price table names its key.
    let bad = emu.write("bad.json", r#"{"perHour":{"Standard":"3"}}"#);
    let run = emu
        .arr()
        .args(["session", "list", "--cost", "--prices"])
        .arg_path(&bad)
        .run();
    run.code(2);
    assert!(run.stderr.contains("prices.perHour.Standard"), "{}", run.stderr);
}

#[test]
fn create_with_fallback_moves_to_the_next_size_and_says_so() {
    let emu = Emu::start();
    emu.emulator().inject(ScriptedFault {
        route: Some("sessions.create".into()),
        kind: FaultKind::SessionError {
            code: Some("CapacityExceeded".into()),
            message: Some("No VM".into()),
        },
        times: 1,
    });
    let run = emu
        .arr()
        .args(["session", "create", "--wait", "--lease", "30m", "--fallback", "premium"])
        .run();
    run.ok();
    assert!(
        run.stderr.contains("capacity: session") && run.stderr.contains("CapacityExceeded"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("trying Premium"), "{}", run.stderr);
    let live: Vec<_> = emu
        .sessions()
        .into_iter()
        .filter(|s| s.status == "Ready" || s.status == "Starting")
        .collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].size, "Premium");
    // Without --wait, fallback cannot apply.
    let run = emu.arr().args(["session", "create", "--fallback", "premium"]).run();
    run.code(2);
    assert!(run.stderr.contains("--fallback"), "{}", run.stderr);
}

#[test]
fn doctor_reports_ok_and_exits_by_the_worst_result() {
    let emu = Emu::start();
    let run = emu.arr().env("NO_PROXY", "*").args(["doctor"]).run();
    run.ok();
    for name in ["settings", "proxy", "dns", "tcp", "https", "clock", "sts"] {
        assert!(
            run.stdout.lines().any(|l| l.starts_with("ok") && l.contains(name)),
            "{}",
            run.stdout
        );
    }
    // A skewed service clock is a failure (exit 9), with its fix; JSON names each check.
    let control = format!("{}/_emulator/clock/date", emu.url);
    let answer = emu_post(&control, r#"{"offsetSeconds": -900}"#);
    assert_eq!(answer, 204);
    let run = emu.arr().args(["-o", "json", "doctor"]).run();
    run.code(9);
    let report: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let clock = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "clock")
        .unwrap();
    assert_eq!(clock["result"], "failure");
    assert!(clock["message"].as_str().unwrap().contains("ahead of"), "{clock}");
    assert!(clock["fix"].is_string());
}

#[test]
fn doctor_names_a_wrong_domain_and_a_stopped_port() {
    let emu = Emu::start();
    let run = emu
        .arr()
        .args(["doctor", "--account-domain", "sts.westus2.mixedreality.azure.com"])
        .run();
    run.code(9);
    assert!(run.stdout.contains("starts with sts."), "{}", run.stdout);
    assert!(run.stdout.contains("fix: drop the leading sts."), "{}", run.stdout);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let run = emu
        .arr()
        .args(["doctor", "--endpoint", &format!("http://127.0.0.1:{port}")])
        .run();
    run.code(9);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("FAILURE") && l.contains("tcp")),
        "{}",
        run.stdout
    );
}

#[test]
fn history_records_calls_and_filters_failed_ones_and_by_session() {
    let emu = Emu::start();
    let history = emu.dir.join("calls.jsonl");
    let history = history.to_str().unwrap();
    let run = emu
        .arr()
        .args([
            "--history",
            history,
            "-o",
            "json",
            "session",
            "create",
            "--lease",
            "30m",
        ])
        .run();
    run.ok();
    let id = serde_json::from_str::<Value>(run.stdout.trim()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    emu.arr()
        .env("ARR_HISTORY", history)
        .args(["session", "get", "nope"])
        .run()
        .code(4);
    let run = emu.bare().args(["history", "--history", history]).run();
    run.ok();
    assert!(run.stdout.lines().count() >= 3, "{}", run.stdout);
    assert!(run.stdout.contains("ms-cv="), "{}", run.stdout);
    let run = emu
        .bare()
        .env("ARR_HISTORY", history)
        .args(["history", "--failed"])
        .run();
    run.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert!(
        lines[0].contains("/sessions/nope") && lines[0].contains(" 404"),
        "{}",
        lines[0]
    );
    let run = emu
        .bare()
        .args(["-o", "json", "history", "--history", history, "--session", &id])
        .run();
    run.ok();
    let records: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 1, "{}", run.stdout);
    assert_eq!(records[0]["sessionId"], id.as_str());
    assert!(records[0]["msCv"].is_string());
    // No file named: say how to turn it on.
    let run = emu.bare().args(["history"]).run();
    run.code(2);
    assert!(run.stderr.contains("--history"), "{}", run.stderr);
}

#[test]
fn session_reap_stops_old_sessions_and_prints_the_savings() {
    let emu = Emu::with(EmulatorConfig {
        start_delay: Duration::from_millis(200),
        ..EmulatorConfig::default()
    });
    let old_standard = create_ready(&emu, "standard");
    let old_premium = create_ready(&emu, "premium");
    emu.emulator().advance_clock(150.0).unwrap();
    let young = create_ready(&emu, "standard");
    let prices = emu.write("prices.json", PRICES);

    let run = emu
        .arr()
        .args(["session", "reap", "--older-than", "2h", "--dry-run"])
        .run();
    run.ok();
    assert!(
        run.stdout.contains(&format!("would stop {old_standard}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Would stop 2 sessions; would save"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(&young), "{}", run.stdout);
    assert_eq!(emu.status_of(&old_standard), "Ready");

    let run = emu
        .arr()
        .args(["session", "reap", "--older-than", "2h", "--size", "premium", "--prices"])
        .arg_path(&prices)
        .run();
    run.ok();
    assert!(run.stdout.contains(&format!("stopped {old_premium}")), "{}", run.stdout);
    assert!(run.stdout.contains("Reaped 1 session; saved"), "{}", run.stdout);
    assert!(run.stdout.contains("USD"), "{}", run.stdout);
    assert_eq!(emu.status_of(&old_premium), "Stopped");
    assert_eq!(emu.status_of(&old_standard), "Ready");
    assert_eq!(emu.status_of(&young), "Ready");

    let run = emu
        .arr()
        .args(["-o", "json", "session", "reap", "--older-than", "2h"])
        .run();
    run.ok();
    let report: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(report["sessions"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["sessions"][0]["session"]["id"], old_standard.as_str());
    assert_eq!(report["sessions"][0]["stopped"], true);
}

#[test]
fn the_help_documents_the_polling_defaults() {
    let run = Emu::start().bare().args(["--help"]).run();
    run.ok();
    assert!(
        run.stdout.contains("default 2s for Standard, 10s for Premium"),
        "{}",
        run.stdout
    );
    let run = Emu::start().bare().args(["session", "keep", "--help"]).run();
    assert!(run.stdout.contains("[default: 60s]"), "{}", run.stdout);
}

/// POSTs `body` to a loopback URL and returns the status (a minimal HTTP/1.1 client: the test crate has
/// no HTTP client of its own).
fn emu_post(url: &str, body: &str) -> u16 {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn session_keep_stops_renewing_at_a_budget() {
    let emu = Emu::start();
    let run = emu
        .arr()
        .args(["-o", "json", "session", "create", "--wait", "--lease", "20m"])
        .run();
    run.ok();
    let id = serde_json::from_str::<Value>(run.stdout.trim()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = emu
        .arr()
        .args([
            "session", "keep", &id, "--by", "30m", "--below", "24h", "--poll", "50ms", "--budget", "45m",
        ])
        .run();
    run.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("extended  20 -> 4"), "{}", run.stdout);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("budget") && l.contains("45 billed min allowed")),
        "{}",
        run.stdout
    );
    // A money budget needs prices.
    let run = emu.arr().args(["session", "keep", &id, "--budget-cost", "2"]).run();
    run.code(2);
    assert!(run.stderr.contains("--budget-cost"), "{}", run.stderr);
}

#[test]
fn create_with_fallback_moves_to_the_next_endpoint_with_its_own_emulator_sts() {
    let full = Emu::with(EmulatorConfig {
        start_delay: Duration::from_millis(200),
        max_active_sessions: Some(1),
        ..EmulatorConfig::default()
    });
    let spare = Emu::start();
    full.arr().args(["session", "create", "--lease", "30m"]).run().ok();
    let run = full
        .arr()
        .args([
            "-o", "json", "session", "create", "--wait", "--lease", "30m", "--id", "moved",
        ])
        .args(["--fallback-endpoint", &spare.url])
        .run();
    run.ok();
    assert!(
        // With -o json each step is a JSON line on stderr.
        run.stderr.contains(&format!("\"nextEndpoint\":\"{}/\"", spare.url)),
        "{}",
        run.stderr
    );
    assert_eq!(spare.status_of("moved-2"), "Ready");
    assert_eq!(full.status_of("moved"), "Error");
}

#[test]
fn doctor_warns_about_a_session_that_is_not_ready() {
    let emu = Emu::start();
    let id = create_ready(&emu, "standard");
    emu.arr().args(["session", "stop", &id]).run().ok();
    // A session that is not Ready is a warning: exit 8.
    let run = emu.arr().args(["doctor", "--session", &id]).run();
    run.code(8);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("warning") && l.contains("session") && l.contains("Stopped")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("fix: wait until it is Ready"), "{}", run.stdout);
}

/// The sample render host (`sample-host/`), which `cargo test --workspace` builds for its own tests.
fn sample_host() -> std::path::PathBuf {
    if let Some(path) = std::env::var_os("ARR_SAMPLE_HOST") {
        return path.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join("debug/arr-sample-host");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p arr-sample-host` first (or set ARR_SAMPLE_HOST)",
        path.display()
    );
    path
}

#[test]
fn doctor_connects_to_the_ports_of_a_ready_session_whose_host_runs() {
    // The emulator's process provider runs the sample host per session, listening on the session's
    // handshake and inspector ports at its hostname (127.0.0.1): the doctor reaches both.
    let mut hosts = arr_emulator::HostsConfig {
        provider: arr_emulator::ProviderKind::Process,
        start_timeout: Duration::from_secs(20),
        stop_grace: Duration::from_secs(3),
        ..arr_emulator::HostsConfig::default()
    };
    hosts.process.command = Some(sample_host());
    hosts.process.args = vec!["--session-id".into(), "{sessionId}".into()];
    let emu = Emu::with(EmulatorConfig {
        start_delay: Duration::ZERO,
        hosts,
        ..EmulatorConfig::default()
    });
    let id = create_ready(&emu, "standard");
    let run = emu.arr().args(["doctor", "--session", &id]).run();
    let stopped = emu.arr().args(["session", "stop", &id]).run().code;
    run.ok();
    for port in ["handshakePort", "inspectorPort"] {
        assert!(
            run.stdout.lines().any(|l| l.starts_with("ok") && l.contains(port)),
            "{port}: {}",
            run.stdout
        );
    }
    assert_eq!(stopped, 0);
}
