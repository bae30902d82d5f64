//! Reaping forgotten sessions: stop every live session that has been billed for longer than a limit. A
//! forgotten stop bills the whole lease, up to 24 hours; this is the one call that ends that.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::client::Client;
use crate::cost::{billed_minutes, remaining_billable_minutes, PriceTable};
use crate::error::{Error, Result};
use crate::session::{Session, SessionSize};

/// Which sessions to reap.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReapOptions {
    /// Sessions billed for longer than this (from creation, see [`crate::billed_minutes`]) are reaped.
    pub older_than: Duration,
    /// Only sessions of this size.
    pub size: Option<SessionSize>,
    /// Say what would be stopped, stop nothing.
    pub dry_run: bool,
    /// Prices, for the cost saved.
    pub prices: Option<PriceTable>,
}

impl ReapOptions {
    /// Reap sessions billed for longer than `older_than`.
    pub fn new(older_than: Duration) -> ReapOptions {
        ReapOptions {
            older_than,
            ..ReapOptions::default()
        }
    }

    /// Only sessions of `size`.
    pub fn size(mut self, size: SessionSize) -> ReapOptions {
        self.size = Some(size);
        self
    }

    /// Stop nothing; report what would be stopped.
    pub fn dry_run(mut self, dry_run: bool) -> ReapOptions {
        self.dry_run = dry_run;
        self
    }

    /// Prices for the cost saved.
    pub fn prices(mut self, prices: PriceTable) -> ReapOptions {
        self.prices = Some(prices);
        self
    }

    /// Reads the JSON form the C ABI and the bindings pass: `{"olderThanMinutes": 120, "size"?: "Premium",
    /// "dryRun"?: false, "prices"?: {...}}` (prices as [`PriceTable::from_json`]); the error names the key.
    pub fn from_json(text: &str) -> Result<ReapOptions> {
        let mut map = crate::json_fields::object(text, "reapOptions")?;
        let mut fields = crate::json_fields::Fields::new(&mut map, "");
        let minutes = fields
            .optional_u64("olderThanMinutes", 1, 100 * 24 * 60)?
            .ok_or_else(|| Error::invalid_argument("olderThanMinutes", "is required"))?;
        let mut options = ReapOptions::new(Duration::from_secs(minutes * 60));
        if let Some(size) = fields.optional_string("size")? {
            options.size = Some(SessionSize::parse_requested(&size)?);
        }
        options.dry_run = fields.optional_bool("dryRun")?.unwrap_or(false);
        if let Some(prices) = fields.take_raw("prices") {
            options.prices = Some(PriceTable::from_json(&prices.to_string())?);
        }
        fields.reject_unknown()?;
        Ok(options)
    }
}

/// One session the reaper chose.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReapedSession {
    /// The session as listed before the stop.
    pub session: Session,
    /// Minutes billed so far.
    pub billed_minutes: u32,
    /// Lease minutes that will not be billed now that it is stopped.
    pub saved_minutes: u32,
    /// Their cost, when priced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_cost: Option<f64>,
    /// Whether it was stopped (false for a dry run or a failed stop).
    pub stopped: bool,
    /// Why the stop failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
}

/// What a reap did.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReapReport {
    /// Whether nothing was stopped on purpose.
    pub dry_run: bool,
    /// The sessions chosen, in the list's order.
    pub sessions: Vec<ReapedSession>,
    /// Minutes saved by the stops that succeeded (or would, for a dry run).
    pub saved_minutes: u64,
    /// Their cost, when every one is priced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_cost: Option<f64>,
}

impl ReapReport {
    /// The first failed stop, if any.
    pub fn first_error(&self) -> Option<&Error> {
        self.sessions.iter().find_map(|s| s.error.as_ref())
    }
}

impl Client {
    /// Stops every Starting or Ready session billed for longer than `options.older_than` (of
    /// `options.size` only, when set), or with `dry_run` only says which. One list, then one stop per
    /// session; a failed stop is reported in its entry and does not stop the others.
    pub async fn reap_sessions(&self, options: &ReapOptions) -> Result<ReapReport> {
        if options.older_than.is_zero() {
            return Err(Error::invalid_argument("olderThan", "must be greater than 0"));
        }
        let limit_minutes = options.older_than.as_secs().div_ceil(60);
        let now = SystemTime::now();
        let listed = self.list_sessions().await?.into_value();
        let mut report = ReapReport {
            dry_run: options.dry_run,
            sessions: Vec::new(),
            saved_minutes: 0,
            saved_cost: options.prices.as_ref().map(|_| 0.0),
        };
        for session in listed {
            let billed = billed_minutes(&session, now);
            let chosen = !session.status.is_terminal()
                && u64::from(billed) > limit_minutes
                && options.size.as_ref().is_none_or(|size| *size == session.size);
            if !chosen {
                continue;
            }
            let saved = remaining_billable_minutes(&session);
            let saved_cost = options.prices.as_ref().and_then(|p| p.cost(&session.size, saved));
            let (stopped, error) = if options.dry_run {
                (false, None)
            } else {
                match self.stop_session(&session.id).await {
                    Ok(_) => (true, None),
                    Err(e) => (false, Some(e)),
                }
            };
            if error.is_none() {
                report.saved_minutes += u64::from(saved);
                report.saved_cost = match (report.saved_cost, saved_cost) {
                    (Some(total), Some(cost)) => Some(total + cost),
                    _ => None,
                };
            }
            report.sessions.push(ReapedSession {
                session,
                billed_minutes: billed,
                saved_minutes: saved,
                saved_cost,
                stopped,
                error,
            });
        }
        Ok(report)
    }
}
