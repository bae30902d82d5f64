//! A keeper's budget: billed minutes, or money at a price table, that a kept session may not go past.
//! The keeper turns it into a cap on the lease (the budget's minutes less the minutes billed before the
//! session became Ready) and stops extending there, with a `budgetReached` event.

use std::time::SystemTime;

use crate::cost::{billed_minutes, PriceTable};
use crate::error::{Error, Result};
use crate::keeper::KeepOptions;
use crate::session::Session;

/// What a kept session may cost, each.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub enum KeepBudget {
    /// Billed minutes, from create.
    Minutes(u32),
    /// Money, at these prices (a size without a price gets no renewal at all).
    Money {
        /// The amount.
        amount: f64,
        /// The prices it is counted at.
        prices: PriceTable,
    },
}

impl KeepBudget {
    /// The billed minutes the budget buys for `session`'s size (`None`: the size has no price).
    pub fn minutes_for(&self, session: &Session) -> Option<u32> {
        match self {
            KeepBudget::Minutes(minutes) => Some(*minutes),
            KeepBudget::Money { amount, prices } => {
                let per_minute = prices.per_minute(&session.size)?;
                if per_minute <= 0.0 {
                    return Some(u32::MAX);
                }
                Some((amount / per_minute).floor().min(f64::from(u32::MAX)) as u32)
            }
        }
    }

    /// Reads the keeper options' `budgetMinutes`, or `budgetAmount` with `prices`.
    pub(crate) fn from_fields(
        minutes: Option<u64>,
        amount: Option<f64>,
        prices: Option<PriceTable>,
    ) -> Result<Option<KeepBudget>> {
        match (minutes, amount, prices) {
            (None, None, None) => Ok(None),
            (Some(minutes), None, None) => Ok(Some(KeepBudget::Minutes(minutes as u32))),
            (None, Some(amount), Some(prices)) => {
                if !(amount.is_finite() && amount >= 0.0) {
                    return Err(Error::invalid_argument(
                        "budgetAmount",
                        "must be a number of at least 0",
                    ));
                }
                Ok(Some(KeepBudget::Money { amount, prices }))
            }
            (None, Some(_), None) => Err(Error::invalid_argument("prices", "is required with budgetAmount")),
            (None, None, Some(_)) => Err(Error::invalid_argument("budgetAmount", "is required with prices")),
            _ => Err(Error::invalid_argument(
                "budgetMinutes/budgetAmount",
                "give one budget: minutes or an amount",
            )),
        }
    }
}

/// A budget that binds for one session now: the options to keep it with (their cap lowered to what
/// the budget allows), and the budget's minutes and what was billed so far.
pub(crate) struct BudgetCap {
    pub options: KeepOptions,
    pub budget_minutes: u32,
    pub billed_minutes: u32,
}

/// When `options` has a budget that allows a smaller lease than their cap: the lowered options.
pub(crate) fn capped(options: &KeepOptions, session: &Session) -> Option<BudgetCap> {
    let budget = options.budget.as_ref()?;
    let budget_minutes = budget.minutes_for(session).unwrap_or(0);
    let billed = billed_minutes(session, SystemTime::now());
    // Minutes billed before Ready, which the lease (counted from Ready) does not include.
    let startup = billed.saturating_sub(session.elapsed_time_minutes.unwrap_or(0));
    let lease_cap = budget_minutes.saturating_sub(startup);
    if lease_cap >= options.max_total {
        return None;
    }
    let mut lowered = options.clone();
    lowered.max_total = lease_cap;
    Some(BudgetCap {
        options: lowered,
        budget_minutes,
        billed_minutes: billed,
    })
}
