//! The Python cases: the `arr_session` package (sequential, and asyncio with 64 calls in flight), and
//! Microsoft's `azure-mixedreality-remoterendering` SDK in a venv the harness creates. Each runs as a
//! `python3` subprocess with a script from `benches/python`, which prints one JSON line.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use arr_emulator::{DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};

use crate::report::Figure;
use crate::Plan;

/// The official SDK's last release (all of them are betas; the package is deprecated but installable).
const SDK_REQUIREMENT: &str = "azure-mixedreality-remoterendering==1.0.0b3";
/// Its generated models import `six` without declaring it (older msrest pulled it in).
const SDK_UNDECLARED_DEPENDENCY: &str = "six";

/// What the package cases run against.
pub struct Target<'a> {
    pub base: &'a str,
    pub session_id: &'a str,
    /// PEM file to trust when `base` is https.
    pub ca: Option<&'a Path>,
}

/// Runs the `arr_session` package script in `mode` ("seq" or "async"); a figure or a skip reason.
pub fn package_case(plan: &Plan, case: &str, mode: &str, target: &Target, calls: usize) -> Figure {
    let (args, env) = match package_invocation(plan, mode, target, plan.rounds, plan.warmup) {
        Ok(found) => found,
        Err(reason) => return Figure::skipped(case, "calls/s", reason),
    };
    let mut command = Command::new("python3");
    command.args(args).args(["--calls", &calls.to_string()]).envs(env);
    rounds_from(case, command)
}

/// Arguments and environment variables of a script run.
pub type Invocation = (Vec<OsString>, Vec<(String, OsString)>);

/// The arguments (without `--calls`) and environment of `python3 bench_arr.py MODE ...`, or why the
/// package cannot be run.
pub fn package_invocation(
    plan: &Plan,
    mode: &str,
    target: &Target,
    rounds: usize,
    warmup: usize,
) -> Result<Invocation, String> {
    let python_dir = plan.workspace.join("bindings/python");
    if !python_dir.join("arr_session/__init__.py").exists() {
        return Err("bindings/python/arr_session does not exist".into());
    }
    let library = plan.artifacts.join("libarr_session.so");
    if !library.exists() {
        return Err(format!("{} is not built", library.display()));
    }
    let mut args: Vec<OsString> = vec![plan.workspace.join("benches/python/bench_arr.py").into(), mode.into()];
    for (flag, value) in [
        ("--base", target.base.to_string()),
        ("--session", target.session_id.to_string()),
        ("--account-id", DEV_ACCOUNT_ID.to_string()),
        ("--account-key", DEV_ACCOUNT_KEY.to_string()),
        ("--rounds", rounds.to_string()),
        ("--warmup", warmup.to_string()),
        ("--concurrency", plan.python_concurrency.to_string()),
    ] {
        args.push(flag.into());
        args.push(value.into());
    }
    if let Some(ca) = target.ca {
        args.push("--ca".into());
        args.push(ca.into());
    }
    let env = vec![
        ("PYTHONPATH".to_string(), python_dir.into_os_string()),
        ("ARR_SESSION_LIBRARY".to_string(), library.into_os_string()),
        ("PYTHONDONTWRITEBYTECODE".to_string(), "1".into()),
    ];
    Ok((args, env))
}

/// Runs the official SDK's script with the venv's Python against the HTTPS emulator.
pub fn sdk_case(plan: &Plan, base: &str, ca: &Path, token: &str, session_id: &str) -> Figure {
    let case = "python.official_sdk";
    let python = match sdk_python(plan) {
        Ok(p) => p,
        Err(reason) => return Figure::skipped(case, "calls/s", reason),
    };
    let mut command = Command::new(python);
    command
        .arg(plan.workspace.join("benches/python/bench_sdk.py"))
        .args(["--base", base, "--token", token, "--session", session_id])
        .args(["--account-id", DEV_ACCOUNT_ID])
        .args(["--rounds", &plan.rounds.to_string()])
        .args(["--calls", &plan.sdk_calls.to_string()])
        .args(["--warmup", &plan.warmup.min(50).to_string()])
        .arg("--ca")
        .arg(ca)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("PYTHONPATH");
    rounds_from(case, command).with_note(format!("{SDK_REQUIREMENT}, https, static AccessToken, sequential"))
}

/// The venv's Python with the SDK importable: reused when present; created and filled with pip when
/// `plan.install_sdk` allows it.
fn sdk_python(plan: &Plan) -> Result<PathBuf, String> {
    let venv = plan.target_dir.join("bench-venv");
    let python = venv.join("bin/python");
    let importable = |python: &Path| {
        Command::new(python)
            .args(["-c", "import azure.mixedreality.remoterendering"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if python.exists() && importable(&python) {
        return Ok(python);
    }
    if !plan.install_sdk {
        return Err(format!(
            "the SDK venv ({}) is not set up; a full run creates it",
            venv.display()
        ));
    }
    if !python.exists() {
        run_quiet(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv",
        )?;
    }
    run_quiet(
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .args([SDK_REQUIREMENT, SDK_UNDECLARED_DEPENDENCY]),
        "pip install",
    )?;
    if importable(&python) {
        Ok(python)
    } else {
        Err("the SDK was installed but does not import".into())
    }
}

fn run_quiet(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{what}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed: {}", tail(&output.stderr)))
    }
}

/// Parses the script's last stdout line: `{"rounds": [...]}` or `{"skipped": "..."}`.
fn rounds_from(case: &str, mut command: Command) -> Figure {
    let output = match command.output() {
        Ok(o) => o,
        Err(e) => return Figure::skipped(case, "calls/s", format!("cannot run {:?}: {e}", command.get_program())),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().rev().find(|l| l.trim_start().starts_with('{'));
    let value: serde_json::Value = match last.map(serde_json::from_str) {
        Some(Ok(v)) => v,
        _ => {
            return Figure::skipped(
                case,
                "calls/s",
                format!("the script failed ({}): {}", output.status, tail(&output.stderr)),
            )
        }
    };
    if let Some(reason) = value["skipped"].as_str() {
        return Figure::skipped(case, "calls/s", reason);
    }
    let rounds: Vec<f64> = value["rounds"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_f64()).collect())
        .unwrap_or_default();
    if rounds.is_empty() {
        return Figure::skipped(case, "calls/s", format!("no rounds in the script's answer: {value}"));
    }
    Figure::from_rounds(case, "calls/s", rounds)
}

/// The last line of a process's stderr, shortened, for skip reasons.
pub fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    line.chars().take(300).collect()
}
