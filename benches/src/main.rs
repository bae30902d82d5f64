//! `arr-bench`: `cargo run --release -p arr-bench` runs every case and writes target/bench/results.json;
//! `--smoke` runs a few calls per case (what the test suite does).

use std::path::PathBuf;
use std::process::ExitCode;

use arr_bench::{run, Plan};

const USAGE: &str =
    "usage: arr-bench [--smoke] [--rounds N] [--calls N] [--sessions N] [--no-build] [--no-sdk] [--no-callgrind] [--out PATH]";

fn main() -> ExitCode {
    let client_exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("arr-bench-client")))
        .unwrap_or_else(|| PathBuf::from("arr-bench-client"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut plan = if args.iter().any(|a| a == "--smoke") {
        let mut plan = Plan::smoke(client_exe);
        // The smoke plan reads the artefacts of the profile the harness itself was built with.
        if !cfg!(debug_assertions) {
            plan.artifacts = plan.target_dir.join("release");
            plan.release = true;
        }
        plan
    } else {
        Plan::full(client_exe)
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut number = |what: &str| -> Option<usize> {
            let value = it.next().and_then(|v| v.parse().ok());
            if value.is_none() {
                eprintln!("arr-bench: {what} needs a number\n{USAGE}");
            }
            value
        };
        match arg.as_str() {
            "--smoke" => {}
            "--rounds" => match number("--rounds") {
                Some(n) if n > 0 => plan.rounds = n,
                _ => return ExitCode::from(2),
            },
            "--calls" => match number("--calls") {
                Some(n) if n > 0 => plan.calls = n,
                _ => return ExitCode::from(2),
            },
            "--sessions" => match number("--sessions") {
                Some(n) if n > 0 => plan.scale_sessions = n,
                _ => return ExitCode::from(2),
            },
            "--no-build" => {
                plan.build = false;
                plan.build_variants = false;
            }
            "--no-callgrind" => plan.callgrind = false,
            "--no-sdk" => plan.install_sdk = false,
            "--out" => match it.next() {
                Some(path) => plan.out = PathBuf::from(path),
                None => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("arr-bench: unknown argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match run(&plan, &|step| eprintln!("arr-bench: {step}")) {
        Ok(report) => {
            println!(
                "arr-bench ({}), {}, {} CPUs, {}, kernel {}, load average {} -> {}",
                report.mode,
                report.date,
                report.machine.cpus,
                report.machine.cpu_model,
                report.machine.kernel,
                report.load_average[0],
                report.load_average[1]
            );
            let busy: f64 = report.load_average[0]
                .split_whitespace()
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0);
            if busy > report.machine.cpus as f64 / 2.0 {
                println!("warning: the machine was busy when the run started (load average {busy}); ratios are skewed");
            }
            print!("{}", report.table());
            println!("JSON: {}", plan.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("arr-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
