//! Instructions per call from `valgrind --tool=callgrind`, which is stable on a noisy shared machine
//! where timings are not. Each kind of call runs in a process of its own (`arr-bench-client calls`, or
//! the Python script) twice, with N1 and N2 calls; (I2 - I1) / (N2 - N1) is one call's instruction count
//! (all threads of the process), free of start-up. The emulator runs in another process, not under
//! callgrind. For the core, `callgrind_annotate` of both runs is diffed function by function, so the
//! per-call cost is attributed to the functions and crates it is spent in.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::python::tail;
use crate::report::Figure;

/// One kind measured: what runs (program, arguments, environment), and with which N.
pub struct Kind {
    pub case: &'static str,
    pub program: PathBuf,
    /// An argument equal to [`N`] is replaced by the number of calls.
    pub args: Vec<OsString>,
    pub env: Vec<(String, OsString)>,
    pub n: (usize, usize),
}

/// The placeholder for the number of calls in [`Kind::args`].
pub const N: &str = "{N}";

/// A finished measurement of one kind.
pub struct Measured {
    pub per_call: f64,
    pub totals: (u64, u64),
    pub files: (PathBuf, PathBuf),
}

/// Whether valgrind can be run at all.
pub fn available() -> Result<(), String> {
    let output = Command::new("valgrind")
        .arg("--version")
        .output()
        .map_err(|e| format!("valgrind is not installed: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err("valgrind --version failed".into())
    }
}

/// Runs `kind` under callgrind with both N; the output files go to `dir`.
pub fn measure(kind: &Kind, dir: &Path) -> Result<Measured, String> {
    let mut totals = [0u64; 2];
    let mut files = [PathBuf::new(), PathBuf::new()];
    for (i, n) in [kind.n.0, kind.n.1].into_iter().enumerate() {
        let file = dir.join(format!("callgrind.{}.{n}.out", kind.case));
        let mut command = Command::new("valgrind");
        command
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", file.display()))
            .arg(&kind.program)
            .args(
                kind.args
                    .iter()
                    .map(|a| if a == N { n.to_string().into() } else { a.clone() }),
            );
        command.envs(kind.env.iter().map(|(k, v)| (k, v)));
        let output = command.output().map_err(|e| format!("valgrind: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "{} under callgrind (N={n}) failed ({}): {}",
                kind.case,
                output.status,
                tail(&output.stderr)
            ));
        }
        totals[i] = total(&file)?;
        files[i] = file;
    }
    let calls = kind.n.1.abs_diff(kind.n.0).max(1) as f64;
    Ok(Measured {
        per_call: (totals[1] as f64 - totals[0] as f64) / calls,
        totals: (totals[0], totals[1]),
        files: (files[0].clone(), files[1].clone()),
    })
}

/// The `totals:` (or `summary:`) line of a callgrind output file: instructions of all threads.
fn total(file: &Path) -> Result<u64, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix("totals:").or_else(|| l.strip_prefix("summary:")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("{}: no totals line", file.display()))
}

/// A figure for `kind` (instructions per call), or the reason it is missing.
pub fn figure(case: &str, note: &str, result: &Result<Measured, String>) -> Figure {
    match result {
        Ok(m) => Figure::single(case, "instr/call", m.per_call).with_note(note.to_string()),
        Err(reason) => Figure::skipped(case, "instr/call", reason.clone()),
    }
}

/// `function -> (self cost, object)` of a callgrind output file, from `callgrind_annotate`.
fn functions(file: &Path, inclusive: bool) -> Result<BTreeMap<String, (u64, String)>, String> {
    let output = Command::new("callgrind_annotate")
        .args(["--threshold=100", "--auto=no", "--show-percs=no"])
        .arg(format!("--inclusive={}", if inclusive { "yes" } else { "no" }))
        .arg(file)
        .output()
        .map_err(|e| format!("callgrind_annotate: {e}"))?;
    if !output.status.success() {
        return Err(format!("callgrind_annotate failed: {}", tail(&output.stderr)));
    }
    let mut map: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let line = line.trim();
        let Some((count, rest)) = line.split_once(char::is_whitespace) else {
            continue;
        };
        let Ok(count) = count.replace(',', "").parse::<u64>() else {
            continue;
        };
        let rest = rest.trim();
        if rest.starts_with("PROGRAM TOTALS") || rest.starts_with("events annotated") {
            continue;
        }
        // `file:function [object]`; the file is `???` without debug info.
        let (location, object) = match rest.rsplit_once(" [") {
            Some((l, o)) if o.ends_with(']') => (l, o.trim_end_matches(']')),
            _ => (rest, ""),
        };
        let function = match location.split_once(':') {
            Some((_, f)) if !f.is_empty() => f,
            _ => location,
        };
        let entry = map.entry(function.to_string()).or_insert((0, object.to_string()));
        entry.0 += count;
        if entry.1.is_empty() {
            entry.1 = object.to_string();
        }
    }
    Ok(map)
}

/// The crate (or library) a function belongs to: the first path segment of its (self type's) path;
/// C functions by their object (libc: malloc, memcpy, syscalls; the dynamic loader).
pub fn crate_of(function: &str, object: &str) -> String {
    let mut name = function.trim_start_matches(['<', '&', '*', '(']).trim_start();
    for prefix in ["mut ", "const ", "dyn ", "impl "] {
        name = name.strip_prefix(prefix).unwrap_or(name).trim_start_matches(['<', '&']);
    }
    if let Some((first, _)) = name.split_once("::") {
        if !first.is_empty() && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return first.to_string();
        }
    }
    let object = Path::new(object)
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_default();
    if object.starts_with("libc.so") || object.starts_with("libc-") {
        "libc".into()
    } else if object.starts_with("ld-linux") {
        "ld.so".into()
    } else if object.starts_with("libgcc_s") {
        "libgcc_s".into()
    } else if object.is_empty() {
        "unknown".into()
    } else if object.starts_with("vgpreload") || object.contains("valgrind") {
        "valgrind".into()
    } else {
        format!("other ({object})")
    }
}

/// The crates whose own functions the core's top list is about (the rest: std, libc, ...).
const OUR_STACK: &[&str] = &[
    "arr_session",
    "arr_wire_time",
    "reqwest",
    "hyper",
    "hyper_util",
    "http",
    "tokio",
    "serde_json",
    "serde",
];

/// Per-call attribution of a measured kind: self cost per crate, the largest self-cost functions of our
/// stack, and the largest inclusive functions, each as (I2 - I1) / (N2 - N1).
pub fn attribute(measured: &Measured, n: (usize, usize), top: usize) -> Result<Value, String> {
    let calls = n.1.abs_diff(n.0).max(1) as f64;
    let per_call = |inclusive: bool| -> Result<Vec<(String, String, f64)>, String> {
        let a = functions(&measured.files.0, inclusive)?;
        let b = functions(&measured.files.1, inclusive)?;
        let mut out: Vec<(String, String, f64)> = b
            .iter()
            .map(|(f, (cost, object))| {
                let before = a.get(f).map_or(0, |(c, _)| *c);
                (f.clone(), object.clone(), (*cost as f64 - before as f64) / calls)
            })
            .collect();
        out.sort_by(|x, y| y.2.total_cmp(&x.2));
        Ok(out)
    };
    let selfs = per_call(false)?;
    let mut by_crate: BTreeMap<String, f64> = BTreeMap::new();
    for (f, object, cost) in &selfs {
        *by_crate.entry(crate_of(f, object)).or_default() += cost;
    }
    let mut crates: Vec<(String, f64)> = by_crate.into_iter().filter(|(_, c)| c.abs() >= 1.0).collect();
    crates.sort_by(|x, y| y.1.total_cmp(&x.1));
    let top_self: Vec<Value> = selfs
        .iter()
        .filter(|(f, o, _)| OUR_STACK.contains(&crate_of(f, o).as_str()))
        .take(top)
        .map(|(f, o, c)| json!({ "function": f, "crate": crate_of(f, o), "selfPerCall": c.round() }))
        .collect();
    let top_all_self: Vec<Value> = selfs
        .iter()
        .take(top)
        .map(|(f, o, c)| json!({ "function": f, "crate": crate_of(f, o), "selfPerCall": c.round() }))
        .collect();
    let inclusive = per_call(true)?;
    let top_inclusive: Vec<Value> = inclusive
        .iter()
        .take(top + 5)
        .map(|(f, o, c)| json!({ "function": f, "crate": crate_of(f, o), "inclusivePerCall": c.round() }))
        .collect();
    Ok(json!({
        "selfPerCallByCrate": crates.iter().map(|(k, c)| json!({"crate": k, "perCall": c.round()})).collect::<Vec<_>>(),
        "topSelfOurStack": top_self,
        "topSelfAll": top_all_self,
        "topInclusive": top_inclusive,
    }))
}
