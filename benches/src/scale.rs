//! The 1,000-session lifecycle: the `arr-emulator` binary and one core client, each in a process of its
//! own, so that the client's peak RSS and threads are its own.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::proc::status_field;
use crate::python::tail;
use crate::report::{Figure, Target};
use crate::Plan;

/// Worker threads of the client's runtime.
const WORKERS: usize = 2;
/// The target for the 1,000-session run.
const RSS_LIMIT_MIB: f64 = 16.0;

pub struct Scale {
    pub figures: Vec<Figure>,
    pub targets: Vec<Target>,
    pub details: Value,
}

pub fn run(plan: &Plan, floor: Option<f64>) -> Scale {
    match measure(plan) {
        Ok(details) => summarize(plan, floor, details),
        Err(reason) => Scale {
            figures: vec![Figure::skipped("scale.wall", "s", reason.clone())],
            targets: Vec::new(),
            details: serde_json::json!({ "skipped": reason }),
        },
    }
}

fn measure(plan: &Plan) -> Result<Value, String> {
    let exe = plan.artifacts.join("arr-emulator");
    if !exe.exists() {
        return Err(format!("{} is not built", exe.display()));
    }
    let mut emulator = Command::new(&exe)
        .arg("--start-delay")
        .arg(format!("{}ms", plan.scale_start_delay.as_millis()))
        .arg("--page-size")
        .arg(plan.scale_sessions.max(1000).to_string())
        .args(["--quiet", "--exit-on-stdin-eof"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", exe.display()))?;
    let result = drive(plan, &mut emulator);
    // Closing stdin ends the emulator; give it a few seconds, then end it ourselves.
    drop(emulator.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(5);
    while matches!(emulator.try_wait(), Ok(None)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if matches!(emulator.try_wait(), Ok(None)) {
        let _ = emulator.kill();
        let _ = emulator.wait();
    }
    result
}

fn drive(plan: &Plan, emulator: &mut Child) -> Result<Value, String> {
    let stdout = emulator.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let base = rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| "the emulator printed no base URL within 30 s".to_string())?
        .trim()
        .to_string();
    if !base.starts_with("http://127.0.0.1:") {
        return Err(format!("unexpected emulator base URL {base:?}"));
    }
    let output = Command::new(&plan.client_exe)
        .arg("scale")
        .arg(&base)
        .arg(plan.scale_sessions.to_string())
        .arg(plan.scale_poll.as_millis().to_string())
        .arg(WORKERS.to_string())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("spawn {}: {e}", plan.client_exe.display()))?;
    if !output.status.success() {
        return Err(format!("the scale client failed: {}", tail(&output.stderr)));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut details: Value = serde_json::from_str(text.lines().last().unwrap_or(""))
        .map_err(|e| format!("the scale client's answer: {e}"))?;
    details["emulatorVmHwmKib"] = serde_json::json!(status_field(&emulator.id().to_string(), "VmHWM"));
    details["emulatorStartDelayMs"] = serde_json::json!(plan.scale_start_delay.as_millis() as u64);
    Ok(details)
}

fn summarize(plan: &Plan, floor: Option<f64>, d: Value) -> Scale {
    let n = |v: &Value| v.as_f64().unwrap_or(0.0);
    let sessions = n(&d["sessions"]);
    let route = |phase: &str, route: &str| n(&d["requests"][phase][route]);
    let lists = route("wait", "sessions.list");
    let gets = route("wait", "sessions.get");
    let lists_allowed = n(&d["listsAllowed"]);
    let gets_allowed = n(&d["getsAllowed"]);
    let rss = n(&d["vmHwmKib"]) / 1024.0;
    let threads = n(&d["threadsPeak"]);
    let threads_allowed = n(&d["threadsAllowed"]);
    let ready = n(&d["ready"]);
    let creates = route("create", "sessions.create");
    let stops = route("stop", "sessions.stop");
    let (total, kinds) = match d["requests"]["total"].as_object() {
        Some(map) => (
            map.values().map(n).sum::<f64>(),
            map.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        None => (0.0, String::new()),
    };
    // 64 calls in flight against a sequential floor: a ratio, but no per-call cost.
    let concurrent = |mut f: Figure| {
        f.extra_us_per_call = None;
        f
    };
    let figures = vec![
        Figure::single("scale.wall", "s", n(&d["wallSeconds"])).with_note(format!(
            "{sessions} sessions: create ({:.2} s), wait ({:.2} s, start delay {} ms, poll {} ms), stop ({:.2} s); {ready} Ready",
            n(&d["createSeconds"]),
            n(&d["waitSeconds"]),
            plan.scale_start_delay.as_millis(),
            plan.scale_poll.as_millis(),
            n(&d["stopSeconds"]),
        )),
        concurrent(Figure::single("scale.create", "calls/s", creates / n(&d["createSeconds"]).max(1e-9)).relative_to(floor))
            .with_note(format!("{creates} PUTs, 64 in flight, 1 STS exchange in total: {}", route("total", "sts.token"))),
        concurrent(Figure::single("scale.stop", "calls/s", stops / n(&d["stopSeconds"]).max(1e-9)).relative_to(floor))
            .with_note(format!("{stops} :stop POSTs, 64 in flight")),
        Figure::single("scale.requests", "requests", total).with_note(format!("per kind: {kinds}")),
        Figure::single("scale.wait.list_requests", "requests", lists)
            .with_note(format!("allowed: one per poll interval = {lists_allowed}")),
        Figure::single("scale.wait.get_requests", "requests", gets)
            .with_note(format!("allowed: one per session that left the list = {gets_allowed}")),
        Figure::single("scale.client_peak_rss", "MiB", rss).with_note(format!(
            "VmHWM of the client process, after Client::new / creates / wait / stops: {:.1} / {:.1} / {:.1} / \
             {:.1} MiB; the emulator's own: {:.1} MiB",
            n(&d["vmHwmKibAfter"]["clientNew"]) / 1024.0,
            n(&d["vmHwmKibAfter"]["create"]) / 1024.0,
            n(&d["vmHwmKibAfter"]["wait"]) / 1024.0,
            n(&d["vmHwmKibAfter"]["stop"]) / 1024.0,
            n(&d["emulatorVmHwmKib"]) / 1024.0
        )),
        Figure::single("scale.client_threads_peak", "threads", threads).with_note(format!(
            "allowed: main + {} workers + {} blocking = {threads_allowed}",
            d["workers"], d["maxBlockingThreads"]
        )),
    ];
    let targets = vec![
        Target {
            name: "scale: waiting costs <= 1 list per poll + 1 get per session that left the list".into(),
            wanted: format!("lists <= {lists_allowed}, gets <= {gets_allowed}"),
            actual: format!("lists {lists}, gets {gets}, {ready}/{sessions} Ready"),
            met: Some(lists <= lists_allowed && gets <= gets_allowed && ready == sessions),
        },
        Target {
            name: "scale: client peak RSS".into(),
            wanted: format!("<= {RSS_LIMIT_MIB} MiB"),
            actual: format!("{rss:.1} MiB"),
            met: Some(rss > 0.0 && rss <= RSS_LIMIT_MIB),
        },
        Target {
            name: "scale: threads <= configured".into(),
            wanted: format!("<= {threads_allowed}"),
            actual: format!("{threads}"),
            met: Some(threads > 0.0 && threads <= threads_allowed),
        },
    ];
    Scale {
        figures,
        targets,
        details: d,
    }
}
