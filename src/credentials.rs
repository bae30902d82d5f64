//! How a client proves who it is: the credential kinds, the token-provider trait for credentials the
//! library cannot mint itself, and the checks every key or token passes before it goes into a header.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Supplies tokens on demand, for credentials the library cannot mint itself.
pub trait TokenProvider: Send + Sync {
    /// Returns a fresh token. Called when the cached one is missing, near expiry, or was refused.
    fn token(&self) -> Pin<Box<dyn Future<Output = Result<Secret>> + Send + '_>>;
}

/// How the client proves who it is. Exactly one per client.
#[non_exhaustive]
#[derive(Clone)]
pub enum Credential {
    /// The account key, exchanged at the Mixed Reality STS for an access token (cached, refreshed).
    AccountKey(Secret),
    /// A Mixed Reality access token used as is (never refreshed: a 401 is returned to the caller).
    AccessToken(Secret),
    /// A callback that returns Mixed Reality access tokens (e.g. minted by the app's backend).
    AccessTokenProvider(Arc<dyn TokenProvider>),
    /// A callback that returns Microsoft Entra ID (AAD) tokens, exchanged at the STS.
    AadTokenProvider(Arc<dyn TokenProvider>),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credential::AccountKey(_) => "AccountKey(<redacted>)",
            Credential::AccessToken(_) => "AccessToken(<redacted>)",
            Credential::AccessTokenProvider(_) => "AccessTokenProvider",
            Credential::AadTokenProvider(_) => "AadTokenProvider",
        })
    }
}

/// A key or token trimmed of surrounding whitespace, refused (naming `key`, never showing the value) when
/// empty or when it holds anything but visible ASCII, which is all a key, a JWT or a bearer header holds.
pub(crate) fn checked_credential(value: &str, key: &str) -> Result<Secret> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid_argument(key, "must not be empty"));
    }
    if let Some(position) = value.bytes().position(|b| !b.is_ascii_graphic()) {
        return Err(Error::invalid_argument(
            key,
            format_args!(
                "contains a character that cannot be sent in an HTTP header (at position {position}); \
                 only visible ASCII is allowed"
            ),
        ));
    }
    Ok(Secret::new(value))
}
