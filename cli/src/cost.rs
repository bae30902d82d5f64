//! `arr session list --cost`: each session's billed minutes (from create, as the service bills) and,
//! with a price table, its cost so far, with the totals.

use std::fmt::Write as _;
use std::time::SystemTime;

use arr_session::{cost_summary, CostSummary, PriceTable, Session};

use crate::args::OutputFormat;

/// Prints the sessions with their bill so far.
pub fn print(sessions: &[Session], prices: Option<&PriceTable>, format: OutputFormat) {
    let summary = cost_summary(sessions, prices, SystemTime::now());
    match format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string(&summary).expect("a cost summary serialises")
        ),
        OutputFormat::Table => print!("{}", table(&summary)),
    }
}

fn money(amount: Option<f64>, currency: Option<&str>) -> String {
    match amount {
        Some(amount) => format!("{amount:.2} {}", currency.unwrap_or_default())
            .trim_end()
            .to_owned(),
        None => "-".to_owned(),
    }
}

fn table(summary: &CostSummary) -> String {
    let currency = summary.currency.as_deref();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<38} {:<9} {:<9} {:>8} {:>12}",
        "ID", "STATUS", "SIZE", "MINUTES", "COST"
    );
    for s in &summary.sessions {
        let _ = writeln!(
            out,
            "{:<38} {:<9} {:<9} {:>8} {:>12}",
            s.id,
            s.status.as_str(),
            s.size.as_str(),
            s.billed_minutes,
            money(s.cost, currency)
        );
    }
    let _ = writeln!(
        out,
        "{:<38} {:<9} {:<9} {:>8} {:>12}",
        "TOTAL",
        "",
        "",
        summary.total_minutes,
        money(summary.total_cost, currency)
    );
    if summary.currency.is_none() {
        out.push_str("(no prices: give --prices FILE or ARR_PRICES for the cost; see docs/needs.md)\n");
    }
    out
}
