//! `arr session reap --older-than 2h [--dry-run] [--size S]`: stops forgotten sessions (a forgotten stop
//! bills the whole lease) and says what it stopped and what that saved.

use std::time::Duration;

use arr_session::{Client, PriceTable, ReapOptions, ReapReport, Result, SessionSize};

use crate::args::OutputFormat;
use crate::exit::{self, Exit};

/// Reaps and prints the report; a failed stop gives its exit code, after every other was tried.
pub async fn reap(
    older_than: Duration,
    dry_run: bool,
    size: Option<SessionSize>,
    prices: Option<PriceTable>,
    format: OutputFormat,
    client: &Client,
) -> Result<Exit> {
    let mut options = ReapOptions::new(older_than).dry_run(dry_run);
    options.size = size;
    options.prices = prices;
    let report = client.reap_sessions(&options).await?;
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string(&report).expect("a reap report serialises")),
        OutputFormat::Table => print!("{}", table(&report, options.prices.as_ref())),
    }
    Ok(match report.first_error() {
        Some(error) => {
            exit::report(error, OutputFormat::Table);
            Exit::for_error(error)
        }
        None => Exit::Ok,
    })
}

fn table(report: &ReapReport, prices: Option<&PriceTable>) -> String {
    let verb = if report.dry_run { "would stop" } else { "stopped" };
    if report.sessions.is_empty() {
        return "No session to reap.\n".to_owned();
    }
    let currency = prices.map(|p| p.currency.as_str()).unwrap_or_default();
    let mut out = String::new();
    for s in &report.sessions {
        let outcome = match (&s.error, s.stopped) {
            (Some(e), _) => format!("stop failed: {}", e.message()),
            (None, _) => verb.to_owned(),
        };
        let saved = match s.saved_cost {
            Some(cost) => format!("{} min ({cost:.2} {currency})", s.saved_minutes),
            None => format!("{} min", s.saved_minutes),
        };
        out.push_str(&format!(
            "{outcome} {} ({}, {}, billed {} min); saves {saved}\n",
            s.session.id, s.session.size, s.session.status, s.billed_minutes
        ));
    }
    let total = match report.saved_cost {
        Some(cost) => format!("{} min, {cost:.2} {currency}", report.saved_minutes),
        None => format!("{} min", report.saved_minutes),
    };
    let n = report.sessions.len();
    let (done, saved) = if report.dry_run {
        ("Would stop", "would save")
    } else {
        ("Reaped", "saved")
    };
    out.push_str(&format!(
        "{done} {n} session{}; {saved} {}\n",
        if n == 1 { "" } else { "s" },
        total.trim_end()
    ));
    out
}
