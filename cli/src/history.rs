//! `arr history [--failed] [--session ID]`: the call history file (`--history` / `ARR_HISTORY`), one
//! line per call, for a support case (the MS-CV is what Microsoft support asks for).

use std::path::Path;

use arr_session::{read_call_history, Error, Result};

use crate::args::OutputFormat;
use crate::exit::Exit;

/// Prints the calls of the history at `path` (none named: an error saying how to turn it on).
pub fn show(path: Option<&Path>, failed: bool, session: Option<&str>, format: OutputFormat) -> Result<Exit> {
    let path = path.ok_or_else(|| {
        Error::invalid_argument(
            "--history",
            "no history file: give --history FILE (or set ARR_HISTORY) here and on the commands to record",
        )
    })?;
    let records: Vec<_> = read_call_history(path)?
        .into_iter()
        .filter(|r| !failed || r.failed())
        .filter(|r| session.is_none_or(|id| r.is_about(id)))
        .collect();
    for r in &records {
        match format {
            OutputFormat::Json => println!("{}", serde_json::to_string(r).expect("a record serialises")),
            OutputFormat::Table => println!(
                "{}  {:<6} {:<60} {:>3}  {:>6} ms  ms-cv={}",
                r.time,
                r.method,
                r.path,
                r.status.map_or_else(|| "---".to_owned(), |s| s.to_string()),
                r.duration_ms,
                r.ms_cv.as_deref().unwrap_or("-")
            ),
        }
    }
    if records.is_empty() && format == OutputFormat::Table {
        println!("No calls recorded in {}.", path.display());
    }
    Ok(Exit::Ok)
}
