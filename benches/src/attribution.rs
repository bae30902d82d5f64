//! Attribution: where a call's cost (and start-up's) goes, layer by layer.
//!
//! - start-up split: in fresh processes, `Client::new` (trust stores, TLS config) apart from the first
//!   call, and the bare reqwest client's construction alone;
//! - instructions per call under callgrind for the floor, bare reqwest, the core, the C ABI (default and
//!   opt-level 3 library), Python, and the instructions of constructing a client once;
//! - the per-layer table: what each layer adds in µs (timings of this run) and in instructions.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use arr_session::{Client, CreateSessionOptions, SessionSize};
use serde_json::{json, Value};

use crate::callgrind::{self, Kind, N};
use crate::inprocess::core_config;
use crate::proc::EmulatorProcess;
use crate::python::{self, tail};
use crate::report::{AttributionRow, Figure};
use crate::{native, Plan};

/// Start-up phases, each the median of `plan.startup_runs` fresh processes (ms).
pub fn startup_split(plan: &Plan, base: &str, session_id: &str, floor_ms: Option<f64>) -> Vec<Figure> {
    let runs = |kind: &str| -> Result<Vec<Value>, String> {
        (0..plan.startup_runs)
            .map(|_| {
                let output = Command::new(&plan.client_exe)
                    .args(["startup-split", kind, base, session_id])
                    .output()
                    .map_err(|e| format!("spawn {}: {e}", plan.client_exe.display()))?;
                if !output.status.success() {
                    return Err(format!("startup-split {kind} failed: {}", tail(&output.stderr)));
                }
                let text = String::from_utf8_lossy(&output.stdout);
                serde_json::from_str(text.lines().last().unwrap_or("")).map_err(|e| format!("startup-split: {e}"))
            })
            .collect()
    };
    let field = |values: &[Value], key: &str| values.iter().filter_map(|v| v[key].as_f64()).collect::<Vec<_>>();
    let mut figures = Vec::new();
    match runs("core") {
        Ok(values) => {
            figures.push(
                Figure::from_rounds("startup.client_new", "ms", field(&values, "newMs"))
                    .relative_to(floor_ms)
                    .with_note("Client::new alone in a fresh process (config, endpoints, reqwest + rustls roots); x startup.floor"),
            );
            figures.push(
                Figure::from_rounds("startup.core_first_call", "ms", field(&values, "firstCallMs"))
                    .relative_to(floor_ms)
                    .with_note("the first get_session after Client::new: connect + STS exchange + GET"),
            );
            figures.push(
                Figure::from_rounds("startup.core_second_call", "ms", field(&values, "secondCallMs"))
                    .with_note("the second get_session of that process (kept-alive connection, cached token)"),
            );
        }
        Err(reason) => {
            for case in [
                "startup.client_new",
                "startup.core_first_call",
                "startup.core_second_call",
            ] {
                figures.push(Figure::skipped(case, "ms", reason.clone()));
            }
        }
    }
    match runs("core-https") {
        Ok(values) => {
            figures.push(
                Figure::from_rounds("startup.https_client_new_first", "ms", field(&values, "firstCallMs"))
                    .relative_to(floor_ms)
                    .with_note("the first Client::new for an https endpoint in a fresh process: reads the trust roots (OS store)"),
            );
            figures.push(
                Figure::from_rounds("startup.https_client_new_second", "ms", field(&values, "secondCallMs"))
                    .relative_to(floor_ms)
                    .with_note("a second https client in that process: the roots are shared, not read again"),
            );
        }
        Err(reason) => {
            for case in ["startup.https_client_new_first", "startup.https_client_new_second"] {
                figures.push(Figure::skipped(case, "ms", reason.clone()));
            }
        }
    }
    figures.push(match runs("reqwest") {
        Ok(values) => Figure::from_rounds("startup.reqwest_client_new", "ms", field(&values, "newMs"))
            .relative_to(floor_ms)
            .with_note("the bare reqwest client's construction alone (as Transport::new configures it)"),
        Err(reason) => Figure::skipped("startup.reqwest_client_new", "ms", reason),
    });
    figures
}

/// What the callgrind section measures: (figure case, `calls` kind, library, note).
const CALL_KINDS: &[(&str, &str, Lib, &str)] = &[
    (
        "instr.floor",
        "floor",
        Lib::None,
        "hyper http1, fixed token, no decoding",
    ),
    (
        "instr.reqwest",
        "reqwest",
        Lib::None,
        "bare reqwest configured like the core",
    ),
    ("instr.core", "core", Lib::None, "Client::get_session"),
    (
        "instr.abi",
        "abi",
        Lib::Default,
        "arr_client_get_session, default library (opt-level z); all threads",
    ),
    (
        "instr.abi_opt3",
        "abi",
        Lib::Opt3,
        "arr_client_get_session, library built at opt-level 3; all threads",
    ),
    (
        "instr.client_new",
        "new-core",
        Lib::None,
        "one Client::new in a fresh process (I(1) - I(0)), not per call",
    ),
    (
        "instr.reqwest_client_new",
        "new-reqwest",
        Lib::None,
        "one bare reqwest client build in a fresh process (I(1) - I(0))",
    ),
];

#[derive(Clone, Copy)]
enum Lib {
    None,
    Default,
    Opt3,
}

/// Every instruction figure's case, for the list of cases.
pub const INSTRUCTION_CASES: &[&str] = &[
    "instr.floor",
    "instr.reqwest",
    "instr.core",
    "instr.abi",
    "instr.abi_opt3",
    "instr.python",
    "instr.client_new",
    "instr.reqwest_client_new",
];

/// The callgrind section: figures (instructions per call) and details. `exe` is the `arr-bench-client`
/// to run under callgrind (with symbols when `symbols`). In smoke mode callgrind is skipped (minutes of
/// CPU); the `calls` modes are run natively with N = 2 against `smoke_base` instead, so they cannot rot.
pub fn instructions(plan: &Plan, exe: &Path, symbols: bool, smoke_base: (&str, &str)) -> (Vec<Figure>, Value) {
    let libraries = |lib: Lib| match lib {
        Lib::None => None,
        Lib::Default => Some(plan.artifacts.join("libarr_session.so")),
        Lib::Opt3 => Some(native::opt3_library(plan)),
    };
    if !plan.callgrind {
        let (base, session) = smoke_base;
        let mut checked = Vec::new();
        let mut failed = Vec::new();
        for (case, kind, lib, _) in CALL_KINDS {
            let library = libraries(*lib);
            if library.as_ref().is_some_and(|l| !l.exists()) {
                continue;
            }
            let mut command = Command::new(exe);
            command.args(["calls", *kind, base, session, "2"]);
            if let Some(library) = &library {
                command.arg(library);
            }
            match command.output() {
                Ok(o) if o.status.success() => checked.push(*case),
                Ok(o) => failed.push(format!("{case}: {}", tail(&o.stderr))),
                Err(e) => failed.push(format!("{case}: {e}")),
            }
        }
        let reason = if failed.is_empty() {
            format!(
                "callgrind is skipped in smoke mode (minutes of CPU); the calls modes ran natively: {}",
                checked.join(", ")
            )
        } else {
            format!(
                "callgrind is skipped in smoke mode; natively failed: {}",
                failed.join("; ")
            )
        };
        let figures = INSTRUCTION_CASES
            .iter()
            .map(|case| Figure::skipped(case, "instr/call", reason.clone()))
            .collect();
        return (
            figures,
            json!({ "skipped": reason, "checkedNatively": checked, "failed": failed }),
        );
    }
    if let Err(reason) = callgrind::available() {
        let figures = INSTRUCTION_CASES
            .iter()
            .map(|case| Figure::skipped(case, "instr/call", reason.clone()))
            .collect();
        return (figures, json!({ "skipped": reason }));
    }
    match measure_all(plan, exe, symbols, &libraries) {
        Ok(result) => result,
        Err(reason) => {
            let figures = INSTRUCTION_CASES
                .iter()
                .map(|case| Figure::skipped(case, "instr/call", reason.clone()))
                .collect();
            (figures, json!({ "skipped": reason }))
        }
    }
}

fn measure_all(
    plan: &Plan,
    exe: &Path,
    symbols: bool,
    libraries: &dyn Fn(Lib) -> Option<PathBuf>,
) -> Result<(Vec<Figure>, Value), String> {
    let emulator = EmulatorProcess::start(
        &plan.artifacts.join("arr-emulator"),
        &["--start-delay", "0", "--page-size", "1000"],
    )?;
    let base = emulator.base.clone();
    let session = create_session(&base)?;
    let dir = plan.target_dir.join("bench/callgrind");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;

    let mut figures = Vec::new();
    let mut kinds = serde_json::Map::new();
    let mut core_attribution = Value::Null;
    let mut client_new_attribution = Value::Null;
    let record = |kinds: &mut serde_json::Map<String, Value>,
                  case: &str,
                  n: (usize, usize),
                  m: &Result<callgrind::Measured, String>| {
        kinds.insert(
            case.to_string(),
            match m {
                Ok(m) => json!({
                    "n": [n.0, n.1],
                    "instructions": [m.totals.0, m.totals.1],
                    "perCall": m.per_call.round(),
                }),
                Err(reason) => json!({ "skipped": reason }),
            },
        );
    };
    for (case, kind, lib, note) in CALL_KINDS {
        let n = if kind.starts_with("new-") {
            (0, 1)
        } else {
            plan.callgrind_calls
        };
        let library = libraries(*lib);
        let measured = match &library {
            Some(l) if !l.exists() => Err(format!("{} is not built (full runs build it)", l.display())),
            _ => {
                let mut args: Vec<OsString> = ["calls", *kind, base.as_str(), session.as_str(), N]
                    .into_iter()
                    .map(OsString::from)
                    .collect();
                if let Some(l) = &library {
                    args.push(l.into());
                }
                callgrind::measure(
                    &Kind {
                        case,
                        program: exe.to_path_buf(),
                        args,
                        env: Vec::new(),
                        n,
                    },
                    &dir,
                )
            }
        };
        if let Ok(m) = &measured {
            let attributed = || callgrind::attribute(m, n, 10).unwrap_or_else(|e| json!({ "skipped": e }));
            match *case {
                "instr.core" => core_attribution = attributed(),
                "instr.client_new" => client_new_attribution = attributed(),
                _ => {}
            }
        }
        record(&mut kinds, case, n, &measured);
        figures.push(callgrind::figure(case, note, &measured));
    }

    // Python: the package's sequential script, fewer calls (CPython under callgrind is slow).
    let target = python::Target {
        base: &base,
        session_id: &session,
        ca: None,
    };
    let n = plan.callgrind_python_calls;
    let measured = python::package_invocation(plan, "seq", &target, 1, 1).and_then(|(mut args, env)| {
        args.extend(["--calls".into(), N.into()]);
        callgrind::measure(
            &Kind {
                case: "instr.python",
                program: real_python()?,
                args,
                env,
                n,
            },
            &dir,
        )
    });
    record(&mut kinds, "instr.python", n, &measured);
    figures.push(callgrind::figure(
        "instr.python",
        "arr_session.RemoteRenderingClient.get_rendering_session (CPython + the default library); all threads",
        &measured,
    ));
    drop(emulator);
    Ok((
        figures,
        json!({
            "exe": exe,
            "symbols": symbols,
            "method": "valgrind --tool=callgrind, each kind in its own process with N1 and N2 calls; per call = (I2 - I1) / (N2 - N1), all threads; the emulator in another process",
            "kinds": kinds,
            "core": { "attribution": core_attribution },
            "clientNew": { "attribution": client_new_attribution },
        }),
    ))
}

/// The interpreter itself: `python3` may be a wrapper script (pyenv's shim) that execs it, and callgrind
/// would measure the wrapper.
fn real_python() -> Result<PathBuf, String> {
    let output = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    let path = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if output.status.success() && !path.is_empty() {
        Ok(PathBuf::from(path))
    } else {
        Err(format!("python3 did not name its executable: {}", tail(&output.stderr)))
    }
}

/// Creates a session on the emulator at `base` (start delay 0) and returns its id.
pub fn create_session(base: &str) -> Result<String, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let client = Client::new(core_config(base)).map_err(|e| e.to_string())?;
        let options = CreateSessionOptions::new(SessionSize::Standard, 60);
        let id = client
            .create_session(&options)
            .await
            .map_err(|e| e.to_string())?
            .into_value()
            .id;
        // Start delay 0: Ready at once; give the emulator a moment anyway.
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok::<_, String>(id)
    })
}

/// The per-layer table from the figures of this run.
pub fn layers(figures: &[Figure]) -> Vec<AttributionRow> {
    let median = |case: &str| figures.iter().find(|f| f.case == case).and_then(|f| f.median);
    let instr = |case: &str| match case {
        "floor" => median("instr.floor"),
        "reqwest" => median("instr.reqwest"),
        "core" => median("instr.core"),
        "abi" => median("instr.abi"),
        "abi.opt3" => median("instr.abi_opt3"),
        "python.sequential" => median("instr.python"),
        _ => None,
    };
    let step = |layer: &str, from: &str, to: &str| {
        let us = match (median(from), median(to)) {
            (Some(a), Some(b)) if a > 0.0 && b > 0.0 => Some((1.0 / b - 1.0 / a) * 1e6),
            _ => None,
        };
        let instructions = match (instr(from), instr(to)) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        };
        AttributionRow {
            layer: layer.into(),
            from: from.into(),
            to: to.into(),
            extra_us_per_call: us,
            extra_instructions_per_call: instructions,
        }
    };
    let once = |layer: &str, ms_case: &str, instr_case: &str| AttributionRow {
        layer: layer.into(),
        from: "-".into(),
        to: ms_case.into(),
        extra_us_per_call: median(ms_case).map(|ms| ms * 1000.0),
        extra_instructions_per_call: median(instr_case),
    };
    vec![
        step("reqwest itself (per call)", "floor", "reqwest"),
        step(
            "core on top of reqwest: token cache, retry loop, MS-CV, logging, JSON decoding",
            "reqwest",
            "core",
        ),
        step("the whole core on top of the floor", "floor", "core"),
        step(
            "C ABI on top of the core: hand-off to the library's runtime, FFI, JSON encoding",
            "core",
            "abi",
        ),
        step(
            "opt-level 3 instead of z (C ABI; negative = cheaper)",
            "abi",
            "abi.opt3",
        ),
        step(
            "Python on top of the C ABI: ctypes, json.loads, the dataclass",
            "abi",
            "python.sequential",
        ),
        once(
            "Client::new, once (us = its time)",
            "startup.client_new",
            "instr.client_new",
        ),
        once(
            "bare reqwest client build, once (us = its time)",
            "startup.reqwest_client_new",
            "instr.reqwest_client_new",
        ),
    ]
}
