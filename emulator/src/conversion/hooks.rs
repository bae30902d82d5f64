//! What the control hooks (`/_emulator/conversions...`) and [`Emulator`](crate::Emulator) do to conversions.

use super::record::{ConversionSnapshot, Outcome, STATUS_CANCELLED};
use crate::control_error::ControlError;
use crate::shared::Shared;

pub(crate) fn snapshots(shared: &Shared) -> Vec<ConversionSnapshot> {
    shared
        .store
        .with_conversions(|table, now| (table.to_vec().iter().map(|c| c.snapshot(now)).collect(), false))
}

/// Ends a NotStarted or Running conversion now: `Failed` with this error, or `Cancelled`.
pub(crate) fn force(
    shared: &Shared,
    id: &str,
    account: Option<&str>,
    outcome: Outcome,
) -> Result<ConversionSnapshot, ControlError> {
    shared.store.with_conversions(|table, now| {
        let key = match table.key_of(id, account) {
            Ok(k) => k,
            Err(e) => return (Err(e), false),
        };
        let c = table.map.get_mut(&key).expect("present");
        if c.is_terminal(now) {
            let status = c.state(now).0.to_string();
            return (
                Err(ControlError::ConversionEnded {
                    id: id.to_string(),
                    status,
                }),
                false,
            );
        }
        c.forced = Some(outcome);
        c.forced_at_ns = Some(now);
        (Ok(c.snapshot(now)), true)
    })
}

pub(crate) fn fail_outcome(code: &str, message: &str) -> Outcome {
    Outcome::failed(code, message)
}

pub(crate) fn cancel_outcome() -> Outcome {
    Outcome {
        status: STATUS_CANCELLED.into(),
        code: None,
        message: None,
    }
}
