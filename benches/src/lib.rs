//! `arr-bench`: the benchmark harness of arr-session (issue #7).
//!
//! One run starts one emulator (start delay 0, no rate limit) and measures, as calls per second over
//! several rounds (median and spread), each relative to a floor measured in the same run:
//! the floor (hyper directly), the Rust core, the C ABI, the Python package (sequential and asyncio with
//! 64 in flight), and Microsoft's official Python SDK (over the emulator's HTTPS); then a 1,000-session
//! lifecycle (requests per kind, peak RSS, threads), library sizes and dynamic dependencies, and the
//! time from process start to the first successful call. It prints a table and writes a JSON file.

pub mod abi;
pub mod attribution;
pub mod bare;
pub mod callgrind;
pub mod calls;
pub mod http1;
pub mod inprocess;
pub mod native;
pub mod proc;
pub mod python;
pub mod report;
pub mod scale;
pub mod size_attribution;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use arr_emulator::{Emulator, EmulatorConfig};
use arr_session::{Client, CreateSessionOptions, SessionSize};

use report::{Figure, Machine, Report, Settings, Target};

/// What a run does and how much.
#[derive(Clone, Debug)]
pub struct Plan {
    pub smoke: bool,
    pub rounds: usize,
    pub calls: usize,
    pub warmup: usize,
    pub sdk_calls: usize,
    pub python_concurrency: usize,
    pub scale_sessions: usize,
    pub scale_poll: Duration,
    pub scale_start_delay: Duration,
    pub startup_runs: usize,
    /// The workspace root (`/work/main`).
    pub workspace: PathBuf,
    pub target_dir: PathBuf,
    /// Where the library and the emulator binary are (`target/release` or `target/debug`).
    pub artifacts: PathBuf,
    pub release: bool,
    /// Run `cargo build -p arr-session-ffi -p arr-emulator` first (same profile as `artifacts`).
    pub build: bool,
    /// Also build the attribution variants: the cdylib at opt-level 3 (`target/bench-opt3`) and
    /// `arr-bench-client` with symbols for callgrind (`target/bench-symbols`).
    pub build_variants: bool,
    /// Count instructions per call under callgrind (minutes of CPU; off in smoke mode).
    pub callgrind: bool,
    /// N1 and N2 of the callgrind runs of the Rust and C cases.
    pub callgrind_calls: (usize, usize),
    /// N1 and N2 of the callgrind runs of the Python case.
    pub callgrind_python_calls: (usize, usize),
    /// Create the SDK venv and pip-install the SDK when it is not there yet.
    pub install_sdk: bool,
    /// The `arr-bench-client` executable.
    pub client_exe: PathBuf,
    /// Where the JSON goes.
    pub out: PathBuf,
}

impl Plan {
    /// The full run: 5 rounds of 2,000 calls per case, 1,000 sessions, release artefacts.
    pub fn full(client_exe: PathBuf) -> Plan {
        let workspace = workspace();
        let target_dir = target_dir(&workspace);
        Plan {
            smoke: false,
            rounds: 5,
            calls: 2000,
            warmup: 200,
            sdk_calls: 300,
            python_concurrency: 64,
            scale_sessions: 1000,
            scale_poll: Duration::from_millis(250),
            scale_start_delay: Duration::from_secs(2),
            startup_runs: 5,
            artifacts: target_dir.join("release"),
            out: target_dir.join("bench/results.json"),
            release: true,
            build: true,
            build_variants: true,
            callgrind: true,
            callgrind_calls: (200, 1200),
            callgrind_python_calls: (50, 250),
            install_sdk: true,
            client_exe,
            workspace,
            target_dir,
        }
    }

    /// A few calls per case, debug artefacts, no pip: proves every case still runs.
    pub fn smoke(client_exe: PathBuf) -> Plan {
        let full = Plan::full(client_exe);
        Plan {
            smoke: true,
            rounds: 2,
            calls: 20,
            warmup: 5,
            sdk_calls: 5,
            scale_sessions: 20,
            scale_poll: Duration::from_millis(100),
            scale_start_delay: Duration::from_millis(300),
            startup_runs: 1,
            artifacts: full.target_dir.join("debug"),
            out: full.target_dir.join("bench/results-smoke.json"),
            release: false,
            build_variants: false,
            callgrind: false,
            install_sdk: false,
            ..full
        }
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

fn target_dir(workspace: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
}

/// Every case the report has (as a figure with a number or a skip reason).
pub const CASES: &[&str] = &[
    "floor",
    "reqwest",
    "core",
    "core.blocking_handoff",
    "core.spawn_handoff",
    "abi",
    "abi.opt3",
    "python.sequential",
    "python.asyncio64",
    "python.sequential_https",
    "python.official_sdk",
    "startup.floor",
    "startup.core",
    "startup.c_static",
    "startup.client_new",
    "startup.core_first_call",
    "startup.core_second_call",
    "startup.https_client_new_first",
    "startup.https_client_new_second",
    "startup.reqwest_client_new",
    "size.cdylib_stripped",
    "size.cdylib_stripped_opt3",
    "size.c_static_example",
    "scale.wall",
    "instr.floor",
    "instr.reqwest",
    "instr.core",
    "instr.abi",
    "instr.abi_opt3",
    "instr.python",
    "instr.client_new",
    "instr.reqwest_client_new",
];

/// Runs everything `plan` asks for, writes the JSON to `plan.out`, and returns the report.
pub fn run(plan: &Plan, progress: &dyn Fn(&str)) -> Result<Report, String> {
    let load_at_start = report::load_average();
    let mut notes = serde_json::Map::new();
    if plan.build {
        progress("building arr-session-ffi (cdylib, staticlib) and arr-emulator");
        if let Err(e) = native::build(plan) {
            notes.insert("build".into(), e.into());
        }
    }
    let mut callgrind_exe = (plan.client_exe.clone(), false);
    if plan.build_variants {
        progress("building the attribution variants: the cdylib at opt-level 3, arr-bench-client with symbols");
        if let Err(e) = native::build_opt3(plan) {
            notes.insert("buildOpt3".into(), e.into());
        }
        match native::build_symbols(plan) {
            Ok(exe) => callgrind_exe = (exe, true),
            Err(e) => {
                notes.insert("buildSymbols".into(), e.into());
            }
        }
    }
    let bench_dir = plan.target_dir.join("bench");
    std::fs::create_dir_all(&bench_dir).map_err(|e| format!("{}: {e}", bench_dir.display()))?;
    let cert_path = bench_dir.join("emulator-cert.pem");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    progress("starting the emulators (plain http, and https for the official SDK)");
    let (plain, tls) = rt
        .block_on(async {
            let plain = Emulator::start(EmulatorConfig {
                start_delay: Duration::ZERO,
                rate_limit: None,
                page_size: 1000,
                ..Default::default()
            })
            .await?;
            let tls = Emulator::start(EmulatorConfig {
                start_delay: Duration::ZERO,
                rate_limit: None,
                tls: true,
                tls_cert_out: Some(cert_path.clone()),
                ..Default::default()
            })
            .await?;
            Ok::<_, std::io::Error>((plain, tls))
        })
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let base = plain.base_url();
    let tls_base = tls.base_url();
    let (session_id, tls_session_id, tls_token) = rt.block_on(async {
        let options = CreateSessionOptions::new(SessionSize::Standard, 60);
        let client = Client::new(inprocess::core_config(&base)).map_err(|e| e.to_string())?;
        let id = client
            .create_session(&options)
            .await
            .map_err(|e| e.to_string())?
            .into_value()
            .id;
        let mut config = inprocess::core_config(&tls_base);
        config.extra_root_ca_pem = tls.cert_pem();
        let client = Client::new(config).map_err(|e| e.to_string())?;
        let tls_id = client
            .create_session(&options)
            .await
            .map_err(|e| e.to_string())?
            .into_value()
            .id;
        let token = client.access_token().await.map_err(|e| e.to_string())?;
        Ok::<_, String>((id, tls_id, token.expose().to_string()))
    })?;

    let mut figures = Vec::new();
    progress("floor, bare reqwest, core and C ABI (default and opt-level 3 library)");
    figures.extend(inprocess::measure(
        plan,
        &base,
        &session_id,
        &native::opt3_library(plan),
    )?);
    let floor = figures[0].median;

    progress("Python package: sequential, asyncio (64 in flight), sequential over https");
    let target = python::Target {
        base: &base,
        session_id: &session_id,
        ca: None,
    };
    figures.push(
        python::package_case(plan, "python.sequential", "seq", &target, plan.calls)
            .relative_to(floor)
            .with_note("arr_session.RemoteRenderingClient.get_rendering_session"),
    );
    let mut concurrent =
        python::package_case(plan, "python.asyncio64", "async", &target, plan.calls).relative_to(floor);
    concurrent.extra_us_per_call = None; // 64 in flight: a ratio, but no per-call cost
    figures.push(concurrent.with_note(format!(
        "arr_session.aio, asyncio.gather with a semaphore of {}",
        plan.python_concurrency
    )));
    let tls_target = python::Target {
        base: &tls_base,
        session_id: &tls_session_id,
        ca: Some(&cert_path),
    };
    figures.push(
        python::package_case(plan, "python.sequential_https", "seq", &tls_target, plan.calls)
            .relative_to(floor)
            .with_note("as python.sequential, over the https emulator the SDK uses"),
    );
    progress("official SDK (azure-mixedreality-remoterendering)");
    figures.push(python::sdk_case(plan, &tls_base, &cert_path, &tls_token, &tls_session_id).relative_to(floor));

    progress("sizes and the statically linked C programs");
    let sizes = native::sizes(plan);

    progress("start-up: process start to first successful call");
    figures.extend(startup(plan, &base, &session_id, sizes.probe.as_deref()));
    progress("start-up split: Client::new apart from the first call");
    let startup_floor = figures
        .iter()
        .find(|f| f.case == "startup.floor")
        .and_then(|f| f.median);
    figures.extend(attribution::startup_split(plan, &base, &session_id, startup_floor));
    figures.extend(sizes.figures.iter().cloned());

    progress("scale: one client, many sessions");
    let scale = scale::run(plan, floor);
    figures.extend(scale.figures);

    drop(plain);
    drop(tls);
    drop(rt);

    progress(if plan.callgrind {
        "instructions per call under callgrind (a few minutes)"
    } else {
        "instructions per call: callgrind skipped in smoke mode; the calls modes run natively"
    });
    // Smoke mode checks the calls modes natively, against an emulator in a process of its own too.
    let smoke_emulator = if plan.callgrind {
        None
    } else {
        proc::EmulatorProcess::start(&plan.artifacts.join("arr-emulator"), &["--start-delay", "0"]).ok()
    };
    let smoke_session = match &smoke_emulator {
        Some(e) => attribution::create_session(&e.base).unwrap_or_default(),
        None => String::new(),
    };
    let (instruction_figures, instructions) = attribution::instructions(
        plan,
        &callgrind_exe.0,
        callgrind_exe.1,
        (smoke_emulator.as_ref().map_or("", |e| e.base.as_str()), &smoke_session),
    );
    drop(smoke_emulator);
    figures.extend(instruction_figures);
    let layers = attribution::layers(&figures);

    let mut targets = Vec::new();
    let ratio = |case: &str| figures.iter().find(|f| f.case == case).and_then(|f| f.ratio_to_floor);
    targets.push(at_least("core >= 0.90 x floor calls/s", 0.90, ratio("core")));
    targets.push(at_least("abi >= 0.85 x floor calls/s", 0.85, ratio("abi")));
    targets.push(at_least(
        "python sequential >= 0.60 x floor calls/s",
        0.60,
        ratio("python.sequential"),
    ));
    let median = |case: &str| figures.iter().find(|f| f.case == case).and_then(|f| f.median);
    let python_vs_sdk = match (median("python.sequential_https"), median("python.official_sdk")) {
        (Some(p), Some(s)) if s > 0.0 => Some(p / s),
        _ => None,
    };
    targets.push(at_least(
        "python package >= 6 x official SDK calls/s (both sequential, https)",
        6.0,
        python_vs_sdk,
    ));
    let startup_ratio = figures
        .iter()
        .find(|f| f.case == "startup.core")
        .and_then(|f| f.ratio_to_floor);
    targets.push(Target {
        name: "start-up to first call (Rust core) <= 2.0 x the floor's".into(),
        wanted: "<= 2.00".into(),
        actual: startup_ratio
            .map(|v| format!("{v:.2}"))
            .unwrap_or_else(|| "not measured".into()),
        met: startup_ratio.map(|v| v <= 2.0),
    });
    targets.extend(scale.targets);
    let cdylib = median("size.cdylib_stripped");
    targets.push(Target {
        name: "stripped cdylib <= 3.0 MiB".into(),
        wanted: "<= 3.00 MiB".into(),
        actual: cdylib
            .map(|v| format!("{v:.2} MiB"))
            .unwrap_or_else(|| "not measured".into()),
        met: cdylib.map(|v| v * 1024.0 * 1024.0 <= native::CDYLIB_LIMIT as f64),
    });
    targets.push(Target {
        name: "cdylib NEEDED only libc, libm, libgcc_s (libpthread, libdl)".into(),
        wanted: native::ALLOWED_NEEDED.join(" "),
        actual: sizes.needed.join(" "),
        met: cdylib.map(|_| native::needed_allowed(&sizes.needed)),
    });

    let mut size_details = sizes.details;
    if let serde_json::Value::Object(map) = &mut size_details {
        map.extend(notes);
    }
    let report = Report {
        date: date(),
        mode: if plan.smoke { "smoke" } else { "full" }.into(),
        machine: Machine::detect(),
        load_average: [load_at_start, report::load_average()],
        settings: Settings {
            rounds: plan.rounds,
            calls_per_round: plan.calls,
            warmup_calls: plan.warmup,
            sdk_calls_per_round: plan.sdk_calls,
            python_concurrency: plan.python_concurrency,
            scale_sessions: plan.scale_sessions,
            scale_poll_interval_ms: plan.scale_poll.as_millis() as u64,
            scale_start_delay_ms: plan.scale_start_delay.as_millis() as u64,
        },
        figures,
        targets,
        scale: scale.details,
        size: size_details,
        attribution: layers,
        instructions,
    };
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    if let Some(dir) = plan.out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(&plan.out, json + "\n").map_err(|e| format!("{}: {e}", plan.out.display()))?;
    Ok(report)
}

/// Start-up figures (ms from spawn to the first successful call), relative to the floor's.
fn startup(plan: &Plan, base: &str, session_id: &str, probe: Option<&Path>) -> Vec<Figure> {
    let rust_probe = |kind: &str| {
        let mut command = Command::new(&plan.client_exe);
        command.args(["first-call", kind, base, session_id]);
        native::time_to_first_call(command, plan.startup_runs)
    };
    let figure = |case: &str, result: Result<Vec<f64>, String>| match result {
        Ok(times) => Figure::from_rounds(case, "ms", times),
        Err(reason) => Figure::skipped(case, "ms", reason),
    };
    let floor = figure("startup.floor", rust_probe("floor"))
        .with_note("arr-bench-client: hyper connect + STS + GET, lower is better");
    let floor_ms = floor.median;
    let core = figure("startup.core", rust_probe("core"))
        .relative_to(floor_ms)
        .with_note("arr-bench-client: Client::new + get_session (STS included)");
    let c_static = match probe {
        Some(exe) => {
            let mut command = Command::new(exe);
            command.args([&inprocess::abi_config_json(base), session_id]);
            figure(
                "startup.c_static",
                native::time_to_first_call(command, plan.startup_runs),
            )
        }
        None => Figure::skipped("startup.c_static", "ms", "the C probe could not be built (see size)"),
    }
    .relative_to(floor_ms)
    .with_note("benches/c/first_call.c linked with libarr_session.a");
    vec![floor, core, c_static]
}

fn at_least(name: &str, wanted: f64, actual: Option<f64>) -> Target {
    Target {
        name: name.into(),
        wanted: format!(">= {wanted:.2}"),
        actual: actual
            .map(|v| format!("{v:.2}"))
            .unwrap_or_else(|| "not measured".into()),
        met: actual.map(|v| v >= wanted),
    }
}

fn date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
