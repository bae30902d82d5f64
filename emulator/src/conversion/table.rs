//! All conversions of all accounts, keyed by (account, id).

use std::collections::HashMap;

use super::record::Conversion;
use crate::control_error::ControlError;

/// All conversions of all accounts (kept in the store, next to the sessions, for the shared clock and
/// the state file).
pub(crate) struct ConversionTable {
    pub(super) map: HashMap<(String, String), Conversion>,
    pub next_seq: u64,
}

impl ConversionTable {
    pub(crate) fn new(loaded: &[Conversion], next_seq: u64) -> ConversionTable {
        ConversionTable {
            map: loaded
                .iter()
                .map(|c| ((c.account_id.clone(), c.id.clone()), c.clone()))
                .collect(),
            next_seq: next_seq.max(loaded.iter().map(|c| c.seq + 1).max().unwrap_or(0)),
        }
    }

    pub(crate) fn to_vec(&self) -> Vec<Conversion> {
        let mut all: Vec<Conversion> = self.map.values().cloned().collect();
        all.sort_by_key(|c| c.seq);
        all
    }

    pub(super) fn key_of(&self, id: &str, account: Option<&str>) -> Result<(String, String), ControlError> {
        let mut keys = self
            .map
            .keys()
            .filter(|(a, c)| c == id && account.is_none_or(|want| want.eq_ignore_ascii_case(a)));
        match (keys.next(), keys.next()) {
            (Some(k), None) => Ok(k.clone()),
            (Some(_), Some(_)) => Err(ControlError::Ambiguous(id.to_string())),
            (None, _) => Err(ControlError::ConversionNotFound(id.to_string())),
        }
    }
}
