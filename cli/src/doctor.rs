//! `arr doctor [--session ID]`: the core's checks (settings mistakes, proxy, DNS, TCP, HTTPS, clock, STS,
//! a Ready session's ports), one line each with its fix; exit code by the worst result.

use std::process::ExitCode;

use arr_session::{diagnose, CheckResult, ClientConfig, DoctorOptions, DoctorReport};

use crate::args::OutputFormat;

/// Exit code when the worst check is a warning.
pub const EXIT_WARNING: u8 = 8;
/// Exit code when a check failed.
pub const EXIT_FAILURE: u8 = 9;

/// Runs the checks and prints them.
pub async fn run(config: &ClientConfig, session: Option<String>, format: OutputFormat) -> ExitCode {
    let mut options = DoctorOptions::default();
    options.session_id = session;
    let report = diagnose(config, &options).await;
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string(&report).expect("a report serialises")),
        OutputFormat::Table => print!("{}", table(&report)),
    }
    ExitCode::from(match report.worst() {
        CheckResult::Ok => 0,
        CheckResult::Warning => EXIT_WARNING,
        CheckResult::Failure => EXIT_FAILURE,
    })
}

fn table(report: &DoctorReport) -> String {
    let mut out = String::new();
    for check in &report.checks {
        let mark = match check.result {
            CheckResult::Ok => "ok     ",
            CheckResult::Warning => "warning",
            CheckResult::Failure => "FAILURE",
        };
        out.push_str(&format!("{mark} {:<14} {}\n", check.name, check.message));
        if let Some(fix) = &check.fix {
            out.push_str(&format!("        {:<14} fix: {fix}\n", ""));
        }
    }
    out
}
