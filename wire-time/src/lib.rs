//! The time formats of the ARR wire, written once for the client (`arr-session`) and the local service
//! (`arr-emulator`), so that what one writes the other reads by the same rules.
//!
//! - [`timespan`]: .NET `TimeSpan` strings, as the legacy v1 API uses them for leases and elapsed time.
//! - [`timestamp`]: RFC 3339 timestamps as the service writes `creationTime`, and the SAS times and HTTP
//!   dates Azure Storage reads.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod timespan;
pub mod timestamp;
