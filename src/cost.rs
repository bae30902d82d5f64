//! What sessions cost: the service bills a session for the time it is reserved, from create to stop or
//! expiry (not the time a device is connected), by the minute, at a price per VM size. No price is built
//! in (prices differ by agreement, region and year, and the list prices were retired): the caller gives a
//! [`PriceTable`]. Minutes need no prices.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::session::{Session, SessionSize, SessionStatus};

/// Prices per hour for each VM size, in one currency. Sizes are matched in any case.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PriceTable {
    /// A label for the amounts (`USD`, `EUR`); only shown.
    pub currency: String,
    /// Price of one hour of a session of each size (`Standard`, `Premium`).
    pub per_hour: BTreeMap<String, f64>,
}

impl PriceTable {
    /// A table with these hourly prices.
    pub fn new(currency: impl Into<String>, per_hour: impl IntoIterator<Item = (SessionSize, f64)>) -> PriceTable {
        PriceTable {
            currency: currency.into(),
            per_hour: per_hour
                .into_iter()
                .map(|(size, price)| (size.as_str().to_owned(), price))
                .collect(),
        }
    }

    /// Reads `{"currency": "USD", "perHour": {"Standard": 3.0, "Premium": 12.0}}`; the error names the key.
    pub fn from_json(text: &str) -> Result<PriceTable> {
        let mut map = crate::json_fields::object(text, "prices")?;
        let mut fields = crate::json_fields::Fields::new(&mut map, "prices.");
        let currency = fields.optional_string("currency")?.unwrap_or_default();
        let per_hour = fields
            .take_raw("perHour")
            .ok_or_else(|| Error::invalid_argument("prices.perHour", "is required"))?;
        fields.reject_unknown()?;
        let Value::Object(per_hour) = per_hour else {
            return Err(Error::invalid_argument(
                "prices.perHour",
                "must be an object of size: price",
            ));
        };
        let mut table = PriceTable {
            currency,
            per_hour: BTreeMap::new(),
        };
        for (size, price) in per_hour {
            let price = price.as_f64().filter(|p| p.is_finite() && *p >= 0.0).ok_or_else(|| {
                Error::invalid_argument(&format!("prices.perHour.{size}"), "must be a number of at least 0")
            })?;
            table
                .per_hour
                .insert(SessionSize::from(size.as_str()).as_str().to_owned(), price);
        }
        if table.per_hour.is_empty() {
            return Err(Error::invalid_argument("prices.perHour", "names no size"));
        }
        Ok(table)
    }

    /// The price of one minute of `size`, when the table has it.
    pub fn per_minute(&self, size: &SessionSize) -> Option<f64> {
        self.per_hour.get(size.as_str()).map(|hour| hour / 60.0)
    }

    /// What `minutes` of `size` cost, when the table has the size.
    pub fn cost(&self, size: &SessionSize, minutes: u32) -> Option<f64> {
        self.per_minute(size).map(|price| price * f64::from(minutes))
    }
}

/// Minutes billed for `session` up to `now`, whole minutes rounded up (inferred: the service's rounding
/// is not documented).
///
/// A live session is billed from its `creationTime`: the larger of that span by the local clock and the
/// service's `elapsedTimeMinutes` (which counts from Ready, so a local clock running behind cannot make
/// the figure smaller than the service's own count). An ended session is billed what the service last
/// counted: its lease for Expired, its `elapsedTimeMinutes` otherwise (the stop time is not reported, so
/// the start-up minutes before Ready are not included: a lower bound).
pub fn billed_minutes(session: &Session, now: SystemTime) -> u32 {
    let elapsed = session.elapsed_time_minutes.unwrap_or(0);
    match session.status {
        SessionStatus::Expired => session.max_lease_time_minutes.unwrap_or(elapsed).max(elapsed),
        SessionStatus::Stopped | SessionStatus::Error => elapsed,
        _ => {
            let since_creation = session
                .creation_time()
                .and_then(|created| now.duration_since(created).ok())
                .map_or(0, |span| span.as_secs().div_ceil(60).min(u64::from(u32::MAX)) as u32);
            since_creation.max(elapsed)
        }
    }
}

/// Minutes still to be billed if a live session runs to the end of its lease (0 for an ended one).
pub fn remaining_billable_minutes(session: &Session) -> u32 {
    if session.status.is_terminal() {
        return 0;
    }
    session.remaining_lease().map_or(0, |left| (left.as_secs() / 60) as u32)
}

/// One session's bill so far.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionCost {
    /// The session.
    pub id: String,
    /// Its size.
    pub size: SessionSize,
    /// Its state.
    pub status: SessionStatus,
    /// Minutes billed so far (see [`billed_minutes`]).
    pub billed_minutes: u32,
    /// Their cost; `None` without a price for the size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
}

/// The bill of several sessions, with totals.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CostSummary {
    /// Each session's bill.
    pub sessions: Vec<SessionCost>,
    /// All their minutes.
    pub total_minutes: u64,
    /// All their cost; `None` without prices, or when a session's size has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_cost: Option<f64>,
    /// The prices' currency label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// The bill of `sessions` up to `now`, priced by `prices` when given.
pub fn cost_summary(sessions: &[Session], prices: Option<&PriceTable>, now: SystemTime) -> CostSummary {
    let costs: Vec<SessionCost> = sessions
        .iter()
        .map(|session| {
            let minutes = billed_minutes(session, now);
            SessionCost {
                id: session.id.clone(),
                size: session.size.clone(),
                status: session.status.clone(),
                billed_minutes: minutes,
                cost: prices.and_then(|p| p.cost(&session.size, minutes)),
            }
        })
        .collect();
    let total_cost = match prices {
        Some(_) => costs.iter().map(|c| c.cost).sum::<Option<f64>>(),
        None => None,
    };
    CostSummary {
        total_minutes: costs.iter().map(|c| u64::from(c.billed_minutes)).sum(),
        total_cost,
        currency: prices.map(|p| p.currency.clone()),
        sessions: costs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ready(created_minutes_ago: u64, elapsed: u32, now: SystemTime) -> Session {
        let created = now - Duration::from_secs(created_minutes_ago * 60 + 30);
        Session {
            status: SessionStatus::Ready,
            elapsed_time_minutes: Some(elapsed),
            creation_time: Some(arr_wire_time::timestamp::format_service_time(created)),
            ..Session::starting("s".into(), SessionSize::Standard, 120)
        }
    }

    #[test]
    fn a_live_session_is_billed_from_creation_rounded_up_and_never_below_the_services_count() {
        let now = SystemTime::now();
        assert_eq!(billed_minutes(&ready(10, 7, now), now), 11);
        assert_eq!(billed_minutes(&ready(0, 30, now), now), 30, "local clock behind");
        let mut expired = ready(500, 120, now);
        expired.status = SessionStatus::Expired;
        assert_eq!(billed_minutes(&expired, now), 120);
        assert_eq!(remaining_billable_minutes(&ready(10, 7, now)), 113);
    }

    #[test]
    fn prices_are_read_per_size_and_the_total_needs_every_size_priced() {
        let table = PriceTable::from_json(r#"{"currency":"USD","perHour":{"standard":3.0,"Premium":12}}"#).unwrap();
        assert_eq!(table.cost(&SessionSize::Standard, 60), Some(3.0));
        let now = SystemTime::now();
        let mut premium = ready(29, 20, now);
        premium.size = SessionSize::Premium;
        let summary = cost_summary(&[ready(59, 50, now), premium], Some(&table), now);
        assert_eq!(summary.total_minutes, 90);
        assert_eq!(summary.total_cost, Some(3.0 + 6.0));
        let mut tiny = ready(1, 0, now);
        tiny.size = SessionSize::Other("Tiny".into());
        assert_eq!(cost_summary(&[tiny], Some(&table), now).total_cost, None);
        for (text, field) in [
            (r#"{"perHour":{"Standard":-1}}"#, "prices.perHour.Standard"),
            (r#"{"perHour":{}}"#, "prices.perHour"),
            (r#"{"currency":"USD"}"#, "prices.perHour"),
            (r#"{"perHour":{"Standard":1},"x":1}"#, "prices.x"),
        ] {
            let error = PriceTable::from_json(text).unwrap_err();
            assert!(error.message().starts_with(field), "{text}: {}", error.message());
        }
    }
}
