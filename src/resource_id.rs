//! The service's rule for the ids a client chooses (sessions and conversions): 1 to 256 of
//! `A-Z a-z 0-9 - _`.

use crate::error::{Error, Result};

/// Checks a session id the way the service does: 1 to 256 of `A-Z a-z 0-9 - _`.
pub fn validate_session_id(id: &str) -> Result<()> {
    validate_resource_id(id, "sessionId")
}

/// Checks a conversion id: the same rule as session ids.
pub fn validate_conversion_id(id: &str) -> Result<()> {
    validate_resource_id(id, "conversionId")
}

/// The service's id rule, naming `field` in the error.
pub(crate) fn validate_resource_id(id: &str, field: &str) -> Result<()> {
    if id.is_empty() || id.len() > 256 {
        return Err(Error::invalid_argument(field, "must be 1 to 256 characters long"));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(Error::invalid_argument(
            field,
            format_args!("may contain only letters, digits, '-' and '_' (found {bad:?})"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_follow_the_service_rule() {
        assert!(validate_session_id("contoso-session_1").is_ok());
        assert!(validate_session_id(&"a".repeat(256)).is_ok());
        assert!(validate_session_id(&"a".repeat(257)).is_err());
        assert!(validate_session_id("").is_err());
        assert!(validate_session_id("a/b")
            .unwrap_err()
            .message()
            .starts_with("sessionId"));
        assert!(validate_session_id("é").is_err());
    }
}
