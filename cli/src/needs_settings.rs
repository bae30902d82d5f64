//! Settings of the support features: the call history file (`--history` / `ARR_HISTORY`) and the price
//! table (`--prices` / `ARR_PRICES`), both read from the global flags or the environment.

use std::path::{Path, PathBuf};

use arr_session::{CallHistoryOptions, ClientConfig, Error, KeepBudget, PriceTable, Result};

use crate::args::{GlobalArgs, KeepFlags};
use crate::settings::Lookup;

/// The history file: `--history`, else `ARR_HISTORY`.
pub fn history_path(global: &GlobalArgs, env: Lookup<'_>) -> Option<PathBuf> {
    global
        .history
        .clone()
        .or_else(|| env("ARR_HISTORY").filter(|v| !v.trim().is_empty()).map(PathBuf::from))
}

/// Turns the history on in `config` when a file is named (relative to `cwd`).
pub fn enable_history(global: &GlobalArgs, env: Lookup<'_>, cwd: &Path, config: &mut ClientConfig) {
    if let Some(path) = history_path(global, env) {
        config.call_history = Some(CallHistoryOptions::new(cwd.join(path)));
    }
}

/// The price table: `--prices FILE`, else `ARR_PRICES` (a file); `None` when neither is set.
pub fn prices(global: &GlobalArgs, env: Lookup<'_>) -> Result<Option<PriceTable>> {
    let (path, name) = match (&global.prices, env("ARR_PRICES").filter(|v| !v.trim().is_empty())) {
        (Some(path), _) => (path.clone(), "--prices"),
        (None, Some(path)) => (PathBuf::from(path), "ARR_PRICES"),
        (None, None) => return Ok(None),
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::invalid_argument(name, format_args!("cannot read {}: {e}", path.display())))?;
    PriceTable::from_json(&text).map(Some)
}

/// The keeper's budget from `--budget` (billed minutes) or `--budget-cost` (an amount at `prices`).
pub fn keep_budget(flags: &KeepFlags, prices: Option<PriceTable>) -> Result<Option<KeepBudget>> {
    match (flags.budget, flags.budget_cost, prices) {
        (Some(minutes), _, _) => Ok(Some(KeepBudget::Minutes(minutes))),
        (None, Some(amount), Some(prices)) if amount.is_finite() && amount >= 0.0 => {
            Ok(Some(KeepBudget::Money { amount, prices }))
        }
        (None, Some(_), Some(_)) => Err(Error::invalid_argument(
            "--budget-cost",
            "must be an amount of at least 0",
        )),
        (None, Some(_), None) => Err(Error::invalid_argument(
            "--budget-cost",
            "needs a price table: --prices FILE or ARR_PRICES",
        )),
        (None, None, _) => Ok(None),
    }
}
