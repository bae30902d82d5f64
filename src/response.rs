//! What every call returns: its value, with the answer's HTTP status and MS-CV.

/// A value together with what the service said about the answer that carried it.
#[derive(Clone, Debug, PartialEq)]
pub struct Response<T> {
    pub(crate) value: T,
    pub(crate) ms_cv: Option<String>,
    pub(crate) http_status: u16,
}

impl<T> Response<T> {
    /// The value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The value, taken out.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The `MS-CV` of the (last) response: quote it when reporting a problem.
    pub fn ms_cv(&self) -> Option<&str> {
        self.ms_cv.as_deref()
    }

    /// The HTTP status of the (last) response.
    pub fn http_status(&self) -> u16 {
        self.http_status
    }
}

impl<T> Response<T> {
    /// A value decoded from `answer`'s body, with its status and MS-CV (which a decode error carries too).
    pub(crate) fn decoded(
        answer: &crate::transport::Response,
        decoded: crate::error::Result<T>,
    ) -> crate::error::Result<Self> {
        let value = decoded.map_err(|e| e.with_http_status(answer.status).with_ms_cv(answer.ms_cv.clone()))?;
        Ok(Response {
            value,
            ms_cv: answer.ms_cv.clone(),
            http_status: answer.status,
        })
    }
}
