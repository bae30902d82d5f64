//! `arr session keep` (and `create --keep`): the core's lease keeper, one printed line per event.
//!
//! Every decision (when to renew, to what, when to warn) is the core's `SessionKeeper`; this only turns
//! its events into lines and its end into an exit code.

use std::collections::BTreeSet;

use arr_session::{Client, Error, ErrorKind, KeepEvent, KeepEventKind, KeepOptions, Result, SessionStatus};

use crate::args::{KeepFlags, OutputFormat};
use crate::exit::{self, Exit};
use crate::settings::Settings;

/// The keeper's options: the flags given, the core's defaults for the rest.
pub fn options(flags: &KeepFlags) -> KeepOptions {
    let defaults = KeepOptions::default();
    let mut options = KeepOptions::new(flags.by.unwrap_or(defaults.extend_by))
        .renew_below(flags.below.unwrap_or(defaults.renew_below))
        .max_total(flags.cap.unwrap_or(defaults.max_total))
        .poll_interval(flags.poll.unwrap_or(defaults.poll_interval));
    if let Some(warn) = &flags.warn {
        options = options.warn_at(warn.0.clone());
    }
    if let Some(budget) = &flags.resolved_budget {
        options = options.budget((**budget).clone());
    }
    options
}

/// Keeps the sessions `ids` alive until each has reached the cap (with --until-end: ended), ended or failed,
/// or Ctrl-C. The exit code is the worst of theirs (see [`ended`] and the failed cause's code).
pub async fn keep(ids: &[String], flags: &KeepFlags, settings: &Settings, client: &Client) -> Result<Exit> {
    let options = options(flags);
    // Installed before the keeper starts and before the note below, so a Ctrl-C after the note is ours.
    let mut interrupt =
        Interrupt::install().map_err(|e| Error::new(ErrorKind::Service, format!("cannot handle Ctrl-C: {e}")))?;
    let mut keeper = client.keep_sessions(ids, options.clone())?;
    let named = format!(
        "{} {}",
        if ids.len() == 1 { "session" } else { "sessions" },
        ids.join(", ")
    );
    if settings.output == OutputFormat::Table {
        eprintln!(
            "Keeping {named}: +{} min when less than {} min is left, up to {} min in total{}; \
             Ctrl-C stops keeping.",
            options.extend_by,
            options.renew_below,
            options.max_total,
            if flags.until_end {
                ", then watching until it ends"
            } else {
                ""
            }
        );
    }
    let mut left: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let mut cap_reached = BTreeSet::new();
    let mut exit = Exit::Ok;
    loop {
        let event = tokio::select! {
            event = keeper.next_event() => event,
            () = interrupt.recv() => {
                keeper.cancel();
                eprintln!("Interrupted: stopped keeping {named}; leases are left as they are.");
                // What ended before the interruption still decides the exit code.
                return Ok(exit);
            }
        };
        let Some(event) = event else {
            if left.is_empty() {
                return Ok(exit);
            }
            return Err(Error::new(
                ErrorKind::Service,
                format!("the keeper stopped before these sessions ended: {left:?}"),
            ));
        };
        let id = event.session_id.as_str();
        // A session at its cap is no longer kept (unless --until-end): what the keeper still says about it
        // while others are kept is not this command's business.
        if !flags.until_end && cap_reached.contains(id) {
            continue;
        }
        print(&event, settings.output, ids.len() > 1, options.max_total);
        match &event.kind {
            // A budget is a cap of its own: no renewal goes past it.
            KeepEventKind::CapReached { .. } | KeepEventKind::BudgetReached { .. } => {
                cap_reached.insert(id.to_owned());
                // Nothing is left to do for it: no renewal may go beyond the cap, and waiting hours for the
                // lease to run out would look like a hang. The session runs on until its lease ends.
                if !flags.until_end {
                    left.remove(id);
                }
            }
            KeepEventKind::Ended { status, session_error } => {
                left.remove(id);
                let reached = cap_reached.contains(id);
                exit = exit.or(ended(
                    id,
                    status,
                    session_error.as_ref(),
                    reached,
                    options.max_total,
                    settings,
                ));
            }
            // The keeper gave up on this session: its cause is reported like any failed command's, with its
            // exit code (4 for an unknown session, 3 for refused credentials, ...).
            KeepEventKind::Failed { error } => {
                left.remove(id);
                exit::report(error, settings.output);
                exit = exit.or(Exit::for_error(error));
            }
            _ => {}
        }
        // Every session has ended, failed or (without --until-end) reached its cap: a capped session is
        // still the keeper's, so it would not end by itself.
        if left.is_empty() {
            keeper.cancel();
            return Ok(exit);
        }
    }
}

/// Stopped, or Expired at the cap, is how a kept session is meant to end (0); Error, or Expired short
/// of the cap, means it was not kept (1, like a wait that saw it end). A session that reached the cap ends
/// the keep there with 0 before it can end, unless --until-end.
fn ended(
    id: &str,
    status: &SessionStatus,
    error: Option<&arr_session::ServiceError>,
    cap_reached: bool,
    cap: u32,
    settings: &Settings,
) -> Exit {
    let message = match status {
        SessionStatus::Stopped => return Exit::Ok,
        SessionStatus::Expired if cap_reached => return Exit::Ok,
        SessionStatus::Expired => format!("session {id} expired before its lease reached the cap ({cap} min)"),
        _ => match error {
            Some(e) => format!("session {id} ended {status}: {}: {}", e.code, e.message),
            None => format!("session {id} ended {status}"),
        },
    };
    exit::report(&Error::new(ErrorKind::SessionEnded, message), settings.output);
    Exit::Ended
}

/// One line on stdout: `kind      details` (prefixed with the session's id when keeping several), or the
/// core's event JSON. `cap` is the `--cap` in minutes, which the cap line names beside the lease.
pub fn print(event: &KeepEvent, format: OutputFormat, with_id: bool, cap: u32) {
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string(event).expect("a keep event serialises")),
        OutputFormat::Table if with_id => println!("{}  {}", event.session_id, line(&event.kind, cap)),
        OutputFormat::Table => println!("{}", line(&event.kind, cap)),
    }
}

fn line(kind: &KeepEventKind, cap: u32) -> String {
    let (label, text) = match kind {
        KeepEventKind::Extended { from, to } => ("extended", format!("{from} -> {to} min")),
        KeepEventKind::ExpiringSoon { remaining } => ("expiring", format!("{remaining} min left")),
        // The lease may already be beyond the cap (a 4 h 30 min lease kept with --cap 4h): say both.
        KeepEventKind::CapReached { lease } if *lease == cap => ("cap", format!("{cap} min reached")),
        KeepEventKind::CapReached { lease } => ("cap", format!("{cap} min reached (lease {lease} min)")),
        KeepEventKind::BudgetReached {
            lease,
            budget_minutes,
            billed_minutes,
        } => (
            "budget",
            format!("{budget_minutes} billed min allowed: no renewal past lease {lease} min ({billed_minutes} min billed so far)"),
        ),
        KeepEventKind::Ended { status, session_error } => (
            "ended",
            match session_error {
                Some(e) => format!("{status} ({}: {})", e.code, e.message),
                None => status.to_string(),
            },
        ),
        KeepEventKind::Throttled { error } => (
            "throttled",
            match error.retry_after() {
                Some(after) => format!("retry after {} s", after.as_secs_f64()),
                None => "retry at the next poll".to_owned(),
            },
        ),
        KeepEventKind::Retrying { error } => ("retrying", error.to_string()),
        KeepEventKind::Failed { error } => ("failed", error.to_string()),
        other => ("event", format!("{other:?}")),
    };
    format!("{label:<9} {text}")
}

/// Ctrl-C, registered at once (not at the first poll) so nothing between install and wait is lost.
struct Interrupt {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
    #[cfg(windows)]
    signal: tokio::signal::windows::CtrlC,
}

impl Interrupt {
    fn install() -> std::io::Result<Interrupt> {
        #[cfg(unix)]
        let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        #[cfg(windows)]
        let signal = tokio::signal::windows::ctrl_c()?;
        Ok(Interrupt { signal })
    }

    /// Resolves at the next Ctrl-C (never, if the signal stream closes).
    async fn recv(&mut self) {
        if self.signal.recv().await.is_none() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arr_session::ServiceError;

    fn line_at_cap_240(kind: &KeepEventKind) -> String {
        line(kind, 240)
    }

    #[test]
    fn the_cap_line_names_the_cap_and_a_lease_beyond_it() {
        assert_eq!(
            line(&KeepEventKind::CapReached { lease: 270 }, 240),
            "cap       240 min reached (lease 270 min)"
        );
    }

    #[test]
    fn lines_have_a_padded_label() {
        assert_eq!(
            line_at_cap_240(&KeepEventKind::Extended { from: 60, to: 90 }),
            "extended  60 -> 90 min"
        );
        assert_eq!(
            line_at_cap_240(&KeepEventKind::ExpiringSoon { remaining: 9 }),
            "expiring  9 min left"
        );
        assert_eq!(
            line_at_cap_240(&KeepEventKind::CapReached { lease: 240 }),
            "cap       240 min reached"
        );
        assert_eq!(
            line_at_cap_240(&KeepEventKind::Ended {
                status: SessionStatus::Expired,
                session_error: None
            }),
            "ended     Expired"
        );
        assert_eq!(
            line_at_cap_240(&KeepEventKind::Throttled {
                error: Error::new(ErrorKind::Throttled, "slow down")
            }),
            "throttled retry at the next poll"
        );
        assert_eq!(
            line_at_cap_240(&KeepEventKind::Retrying {
                error: Error::new(ErrorKind::Network, "boom")
            }),
            "retrying  boom"
        );
        let error = ServiceError {
            code: "InternalError".into(),
            message: "VM lost".into(),
            ..ServiceError::default()
        };
        assert_eq!(
            line_at_cap_240(&KeepEventKind::Ended {
                status: SessionStatus::Error,
                session_error: Some(error)
            }),
            "ended     Error (InternalError: VM lost)"
        );
    }

    #[test]
    fn unset_flags_take_the_cores_defaults() {
        assert_eq!(options(&KeepFlags::default()), KeepOptions::default());
        let flags = KeepFlags {
            by: Some(2),
            below: Some(3),
            cap: Some(5),
            warn: Some(crate::durations::WarnAt(vec![])),
            poll: Some(std::time::Duration::from_millis(100)),
            until_end: true,
            ..KeepFlags::default()
        };
        let options = options(&flags);
        assert_eq!(
            (
                options.extend_by,
                options.renew_below,
                options.max_total,
                options.warn_at.len()
            ),
            (2, 3, 5, 0)
        );
    }
}
