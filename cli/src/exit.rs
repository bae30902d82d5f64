//! Exit codes and how failures are reported on stderr.

use std::process::ExitCode;

use arr_session::{Error, ErrorKind};

use crate::args::OutputFormat;

/// The documented exit codes (see `arr --help`). Never renumbered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    /// A session ended in Error, Expired or Stopped, or a conversion ended Failed or Cancelled, while we
    /// waited for it.
    Ended = 1,
    /// Usage error or invalid argument (clap uses 2 as well).
    Usage = 2,
    /// Unauthorized or forbidden.
    Auth = 3,
    NotFound = 4,
    /// The network failed or a request or wait timed out.
    Network = 5,
    Conflict = 6,
    /// Service error, throttling, an unreadable answer, or anything else.
    Other = 7,
}

impl Exit {
    pub fn for_error(error: &Error) -> Exit {
        match error.kind() {
            ErrorKind::SessionEnded => Exit::Ended,
            ErrorKind::InvalidArgument => Exit::Usage,
            ErrorKind::Unauthorized | ErrorKind::Forbidden => Exit::Auth,
            ErrorKind::NotFound => Exit::NotFound,
            ErrorKind::Network | ErrorKind::Timeout => Exit::Network,
            ErrorKind::Conflict => Exit::Conflict,
            _ => Exit::Other,
        }
    }

    /// The first failure: `self` unless it is `Ok`.
    pub fn or(self, next: Exit) -> Exit {
        if self == Exit::Ok {
            next
        } else {
            self
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// Prints `error: <message>` with `code:`/`http-status:`/`ms-cv:` lines, and in JSON mode also the error
/// object every JSON of the library uses (`{"status","httpStatus","code","message","msCv",...}`). Error
/// texts come from the service's error body and our own messages, never from credentials.
pub fn report(error: &Error, output: OutputFormat) {
    eprintln!("error: {}", error.message());
    if let Some(code) = error.code() {
        eprintln!("code: {code}");
    }
    if let Some(status) = error.http_status() {
        eprintln!("http-status: {status}");
    }
    if let Some(ms_cv) = error.ms_cv() {
        eprintln!("ms-cv: {ms_cv}");
    }
    if output == OutputFormat::Json {
        eprintln!("{}", error_json(error));
    }
}

/// The error object (the C ABI's last-error shape).
pub fn error_json(error: &Error) -> serde_json::Value {
    serde_json::to_value(error).expect("an error serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_documented_codes() {
        let cases = [
            (ErrorKind::SessionEnded, 1),
            (ErrorKind::InvalidArgument, 2),
            (ErrorKind::Unauthorized, 3),
            (ErrorKind::Forbidden, 3),
            (ErrorKind::NotFound, 4),
            (ErrorKind::Network, 5),
            (ErrorKind::Timeout, 5),
            (ErrorKind::Conflict, 6),
            (ErrorKind::Throttled, 7),
            (ErrorKind::Service, 7),
            (ErrorKind::Decode, 7),
        ];
        for (kind, code) in cases {
            assert_eq!(Exit::for_error(&Error::new(kind, "x")) as u8, code, "{kind}");
        }
    }

    #[test]
    fn error_json_has_the_abi_fields() {
        let value = error_json(&Error::new(ErrorKind::NotFound, "no such session"));
        assert_eq!(value["status"], "ARR_STATUS_NOT_FOUND");
        assert_eq!(value["message"], "no such session");
        assert!(value["httpStatus"].is_null() && value["code"].is_null() && value["msCv"].is_null());
    }
}
