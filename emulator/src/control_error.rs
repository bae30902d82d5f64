//! Why a control-hook action (on a session or a conversion) could not be carried out.

/// Why a control-hook action on a session or a conversion could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// No session with this id (in this account, when one was given).
    NotFound(String),
    /// Several accounts have a session with this id; name the account.
    Ambiguous(String),
    /// The session already reached a terminal status (Stopped, Expired or Error).
    Ended { id: String, status: String },
    /// A request the hook cannot carry out (unknown field, bad value).
    Invalid(String),
    /// No conversion with this id (in this account, when one was given).
    ConversionNotFound(String),
    /// The conversion already reached a terminal status (Succeeded, Failed or Cancelled).
    ConversionEnded { id: String, status: String },
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ControlError::NotFound(id) => write!(f, "no session '{id}'"),
            ControlError::Ambiguous(id) => write!(
                f,
                "several accounts have a session '{id}'; add ?account=<id> to the hook's URL"
            ),
            ControlError::Ended { id, status } => write!(f, "session '{id}' has already ended ({status})"),
            ControlError::Invalid(m) => f.write_str(m),
            ControlError::ConversionNotFound(id) => write!(f, "no conversion '{id}'"),
            ControlError::ConversionEnded { id, status } => {
                write!(f, "conversion '{id}' has already ended ({status})")
            }
        }
    }
}

impl std::error::Error for ControlError {}
