//! Artefacts and processes: building the library and the emulator, sizes and dynamic dependencies, the
//! statically linked C programs, and start-up time (process start to first successful call).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::python::tail;
use crate::report::Figure;
use crate::Plan;

/// Dynamic dependencies a C host may be asked to have (the libc split differs between systems).
pub const ALLOWED_NEEDED: &[&str] = &["libc", "libm", "libgcc_s", "libpthread", "libdl", "ld-linux"];
/// The target: the stripped cdylib at most 3.0 MiB.
pub const CDYLIB_LIMIT: u64 = 3 * 1024 * 1024;

/// `cargo build [--release] -p arr-session-ffi -p arr-emulator`: the cdylib, the staticlib and the emulator binary.
pub fn build(plan: &Plan) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&plan.workspace)
        .args(["build", "--quiet", "-p", "arr-session-ffi", "-p", "arr-emulator"]);
    if plan.release {
        command.arg("--release");
    }
    let output = command.output().map_err(|e| format!("cargo build: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo build failed: {}", tail(&output.stderr)));
    }
    // `cargo run -p arr-bench` builds only the harness; the processes it starts need the client too.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&plan.workspace)
        .args(["build", "--quiet", "-p", "arr-bench", "--bin", "arr-bench-client"]);
    if plan.release {
        command.arg("--release");
    }
    let output = command.output().map_err(|e| format!("cargo build: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("cargo build arr-bench-client failed: {}", tail(&output.stderr)))
    }
}

/// The shipped library built a second time at `opt-level = 3` (the workspace's release profile has "z"),
/// into `target/bench-opt3` so that the default build is untouched; returns the cdylib's path.
pub fn build_opt3(plan: &Plan) -> Result<PathBuf, String> {
    let dir = opt3_dir(plan);
    cargo_release(
        plan,
        &["-p", "arr-session-ffi"],
        &dir,
        &[("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3")],
    )?;
    Ok(opt3_library(plan))
}

pub fn opt3_dir(plan: &Plan) -> PathBuf {
    plan.target_dir.join("bench-opt3")
}

pub fn opt3_library(plan: &Plan) -> PathBuf {
    opt3_dir(plan).join("release/libarr_session.so")
}

/// `arr-bench-client` built with the release profile but with its symbol table kept (the profile strips
/// it), into `target/bench-symbols`: the code is the same as the shipped build's (same opt-level, LTO,
/// codegen units), so instruction counts are too, and callgrind can name the functions.
pub fn build_symbols(plan: &Plan) -> Result<PathBuf, String> {
    let dir = plan.target_dir.join("bench-symbols");
    cargo_release(
        plan,
        &["-p", "arr-bench", "--bin", "arr-bench-client"],
        &dir,
        &[("CARGO_PROFILE_RELEASE_STRIP", "debuginfo")],
    )?;
    Ok(dir.join("release/arr-bench-client"))
}

fn cargo_release(plan: &Plan, packages: &[&str], target_dir: &Path, env: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&plan.workspace)
        .args(["build", "--quiet", "--release"])
        .args(packages)
        .arg("--target-dir")
        .arg(target_dir)
        .envs(env.iter().copied())
        .output()
        .map_err(|e| format!("cargo build: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo build {} failed: {}",
            packages.join(" "),
            tail(&output.stderr)
        ))
    }
}

/// The size figures and the details (NEEDED entries, paths) for the JSON.
pub struct Sizes {
    pub figures: Vec<Figure>,
    pub needed: Vec<String>,
    pub details: serde_json::Value,
    /// The statically linked start-up probe, when it could be built.
    pub probe: Option<PathBuf>,
}

pub fn sizes(plan: &Plan) -> Sizes {
    let out_dir = plan.target_dir.join("bench");
    let _ = std::fs::create_dir_all(&out_dir);
    let mut figures = Vec::new();
    let mut details = serde_json::Map::new();
    let mut needed = Vec::new();

    let cdylib = plan.artifacts.join("libarr_session.so");
    match stripped_size(&cdylib, &out_dir.join("libarr_session.stripped.so")) {
        Ok(size) => {
            needed = needed_libs(&cdylib).unwrap_or_default();
            details.insert("cdylib".into(), serde_json::json!(cdylib));
            details.insert("cdylibNeeded".into(), serde_json::json!(needed));
            figures.push(
                Figure::single("size.cdylib_stripped", "MiB", mib(size))
                    .with_note(format!("NEEDED: {}", needed.join(" "))),
            );
        }
        Err(reason) => figures.push(Figure::skipped("size.cdylib_stripped", "MiB", reason)),
    }

    // Where the size goes, per crate and per arr-session module: the largest owners.
    match crate::size_attribution::by_crate(&plan.artifacts.join("libarr_session.a")) {
        Ok(owners) => {
            let total: u64 = owners.iter().map(|(_, bytes)| bytes).sum();
            for (name, bytes) in owners.iter().take(20) {
                figures.push(
                    Figure::single(&format!("size.attribution.{name}"), "KiB", *bytes as f64 / 1024.0).with_note(
                        format!(
                            "{:.1} % of the static library's code and data symbols (before linking)",
                            100.0 * *bytes as f64 / total.max(1) as f64
                        ),
                    ),
                );
            }
        }
        Err(reason) => figures.push(Figure::skipped("size.attribution", "KiB", reason)),
    }

    let opt3 = opt3_library(plan);
    match stripped_size(&opt3, &out_dir.join("libarr_session.opt3.stripped.so")) {
        Ok(size) => figures.push(
            Figure::single("size.cdylib_stripped_opt3", "MiB", mib(size))
                .with_note(format!("the same cdylib at opt-level 3 ({})", opt3.display())),
        ),
        Err(reason) => figures.push(Figure::skipped(
            "size.cdylib_stripped_opt3",
            "MiB",
            format!("{reason} (full runs build it)"),
        )),
    }

    let mut probe = None;
    match link_static(
        plan,
        &plan.workspace.join("examples/c/lifecycle.c"),
        &out_dir.join("lifecycle-static"),
    ) {
        Ok(exe) => match stripped_size(&exe, &out_dir.join("lifecycle-static.stripped")) {
            Ok(size) => {
                let libs = needed_libs(&exe).unwrap_or_default();
                details.insert("cStaticNeeded".into(), serde_json::json!(libs));
                figures.push(
                    Figure::single("size.c_static_example", "MiB", mib(size)).with_note(format!(
                        "examples/c/lifecycle.c + libarr_session.a; NEEDED: {}",
                        libs.join(" ")
                    )),
                );
            }
            Err(reason) => figures.push(Figure::skipped("size.c_static_example", "MiB", reason)),
        },
        Err(reason) => figures.push(Figure::skipped("size.c_static_example", "MiB", reason)),
    }
    match link_static(
        plan,
        &plan.workspace.join("benches/c/first_call.c"),
        &out_dir.join("first-call-static"),
    ) {
        Ok(exe) => probe = Some(exe),
        Err(reason) => {
            details.insert("probe".into(), serde_json::json!(reason));
        }
    }
    Sizes {
        figures,
        needed,
        details: serde_json::Value::Object(details),
        probe,
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Copies `file` to `copy`, strips the copy (`strip --strip-all`) and returns its size.
fn stripped_size(file: &Path, copy: &Path) -> Result<u64, String> {
    if !file.exists() {
        return Err(format!("{} is not built", file.display()));
    }
    std::fs::copy(file, copy).map_err(|e| format!("copy {}: {e}", file.display()))?;
    let output = Command::new("strip")
        .arg("--strip-all")
        .arg(copy)
        .output()
        .map_err(|e| format!("strip: {e}"))?;
    if !output.status.success() {
        return Err(format!("strip failed: {}", tail(&output.stderr)));
    }
    std::fs::metadata(copy).map(|m| m.len()).map_err(|e| e.to_string())
}

/// The `NEEDED` entries of an ELF file (`readelf -d`).
pub fn needed_libs(file: &Path) -> Result<Vec<String>, String> {
    let output = Command::new("readelf")
        .arg("-d")
        .arg(file)
        .output()
        .map_err(|e| format!("readelf: {e}"))?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split_once('[')?.1.trim_end_matches(']').to_string()))
        .collect())
}

/// Whether every NEEDED entry is one a C host is allowed to be asked for.
pub fn needed_allowed(needed: &[String]) -> bool {
    needed.iter().all(|lib| {
        ALLOWED_NEEDED
            .iter()
            .any(|ok| lib.starts_with(&format!("{ok}.so")) || lib.starts_with(&format!("{ok}-")))
    })
}

/// `cc -O2 SOURCE libarr_session.a <native-static-libs>`: a C program linked statically to the library.
fn link_static(plan: &Plan, source: &Path, exe: &Path) -> Result<PathBuf, String> {
    let archive = plan.artifacts.join("libarr_session.a");
    if !archive.exists() {
        return Err(format!("{} is not built", archive.display()));
    }
    let libs = std::fs::read_to_string(plan.workspace.join("cmake/native-static-libs.txt"))
        .map_err(|e| format!("cmake/native-static-libs.txt: {e}"))?;
    let output = Command::new("cc")
        .args(["-O2", "-std=c99", "-o"])
        .arg(exe)
        .arg("-I")
        .arg(plan.workspace.join("include"))
        .arg(source)
        .arg(&archive)
        .args(libs.split_whitespace())
        .output()
        .map_err(|e| format!("cc: {e}"))?;
    if output.status.success() {
        Ok(exe.to_path_buf())
    } else {
        Err(format!("cc failed: {}", tail(&output.stderr)))
    }
}

/// Milliseconds from spawning `command` to its first stdout line `ok`, `runs` times.
pub fn time_to_first_call(mut command: Command, runs: usize) -> Result<Vec<f64>, String> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let mut child = command
            .spawn()
            .map_err(|e| format!("spawn {:?}: {e}", command.get_program()))?;
        let mut line = String::new();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        BufReader::new(stdout).read_line(&mut line).map_err(|e| e.to_string())?;
        let elapsed = start.elapsed();
        let output = child.wait_with_output().map_err(|e| e.to_string())?;
        if line.trim() != "ok" || !output.status.success() {
            return Err(format!(
                "first call failed ({}): {}",
                output.status,
                tail(&output.stderr)
            ));
        }
        times.push(elapsed.as_secs_f64() * 1000.0);
    }
    Ok(times)
}
