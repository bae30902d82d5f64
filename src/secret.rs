//! A string that must never be printed: account keys and access tokens.
//!
//! Kept by hand rather than the `secrecy` crate: 40 lines do what we need (redacted `Debug`/`Display`,
//! one `expose`), where `secrecy`'s zeroizing box would not cover the copies reqwest makes of headers anyway.

use std::fmt;

/// Holds a credential. `Debug` and `Display` print `<redacted>`; the value is reachable only through
/// [`Secret::expose`], which is called where the value goes onto the wire and nowhere else.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a key or token.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// A key or token as it goes into a header: surrounding whitespace trimmed (one read from a file
    /// keeps its newline), refused (naming `key`, never showing the value) when empty or when it holds
    /// anything but visible ASCII.
    pub fn checked(value: &str, key: &str) -> crate::Result<Secret> {
        crate::credentials::checked_credential(value, key)
    }

    /// The secret value. Call only to put it on the wire or to hand it to the caller who asked for it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Read from configuration and from the C ABI's JSON (a SAS, a key); never written back out: there is
/// no `Serialize`.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_owned())
    }
}
