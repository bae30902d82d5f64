//! The emulator's own web page at `/_emulator/`: live tables of sessions and conversions, the levers of
//! the control hooks as buttons, and the request log. A static page (HTML, CSS and a little JavaScript,
//! all compiled into the binary; nothing from elsewhere) that polls `GET /_emulator/overview` and calls
//! the same hooks a test harness calls. It never receives a secret: see [`overview`].

mod overview;

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};

pub(crate) use overview::overview;

use crate::respond::Resp;

const INDEX_HTML: &str = include_str!("index.html");
const SCRIPT: &str = include_str!("dashboard.js");
const STYLE: &str = include_str!("dashboard.css");

/// The page's files by name (`""` is the page itself); None for any other name.
pub(crate) fn asset(name: &str) -> Option<Resp> {
    let (body, content_type) = match name {
        "" => (INDEX_HTML, "text/html; charset=utf-8"),
        "dashboard.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        "dashboard.css" => (STYLE, "text/css; charset=utf-8"),
        _ => return None,
    };
    let mut resp = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("valid response");
    let h = resp.headers_mut();
    // Only the emulator's own files run; the page cannot be framed by another site.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Some(resp)
}
