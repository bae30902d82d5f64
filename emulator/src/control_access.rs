//! Who may use the control surface (`/_emulator/`: the hooks and the dashboard). It has no credentials, so
//! by default it answers only clients on this machine, and never a web page of another origin:
//!
//! * the client's address must be loopback, unless `--allow-remote-control` says otherwise (listening on
//!   `0.0.0.0` so that a device can reach the rendering API does not hand the levers to the network);
//! * the `Host` header, when present, must name loopback (`localhost`, `*.localhost`, `127.0.0.0/8`,
//!   `::1`), unless `--allow-remote-control`: a page whose domain was re-pointed at 127.0.0.1 (DNS
//!   rebinding) is refused;
//! * a browser request with an `Origin` header must come from the emulator's own origin (same `Host`):
//!   another site open in the same browser cannot press the buttons (its POSTs need no preflight).
//!
//! Harnesses (curl, reqwest, urllib, HttpClient) send no `Origin` and pass.

use std::net::{IpAddr, SocketAddr};

use axum::http::{header, HeaderMap, StatusCode};

use crate::respond::{error_v1, Resp};

/// The 403 for a request the control surface must not answer; None when it may.
pub(crate) fn refusal(peer: Option<SocketAddr>, headers: &HeaderMap, allow_remote: bool) -> Option<Resp> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !allow_remote {
        if !peer.is_some_and(|p| is_loopback(p.ip())) {
            return Some(forbidden(
                "the control surface (/_emulator/) answers clients on this machine only; start arr-emulator with \
                 --allow-remote-control to reach it from elsewhere",
            ));
        }
        if host.is_some_and(|h| !names_loopback(h)) {
            return Some(forbidden(
                "the control surface (/_emulator/) answers requests addressed to a loopback name only (localhost, \
                 127.0.0.1, [::1]); start arr-emulator with --allow-remote-control to use another name",
            ));
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let same = match (origin.to_str().ok().and_then(origin_authority), host) {
            (Some(authority), Some(host)) => authority.eq_ignore_ascii_case(host),
            _ => false,
        };
        if !same {
            return Some(forbidden(
                "cross-origin requests to the control surface (/_emulator/) are refused",
            ));
        }
    }
    None
}

fn forbidden(message: &str) -> Resp {
    error_v1(StatusCode::FORBIDDEN, message)
}

fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// Whether a `Host` header value (`name[:port]`, `[v6][:port]`) names this machine's loopback.
fn names_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || name.parse::<IpAddr>().is_ok_and(is_loopback)
}

/// `http://host:port` -> `host:port` (what the `Host` header of the same origin says).
fn origin_authority(origin: &str) -> Option<&str> {
    let (_, rest) = origin.split_once("://")?;
    Some(rest.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        h
    }

    fn peer(text: &str) -> Option<SocketAddr> {
        Some(text.parse().unwrap())
    }

    fn allowed(peer_addr: Option<SocketAddr>, h: &HeaderMap, allow_remote: bool) -> bool {
        refusal(peer_addr, h, allow_remote).is_none()
    }

    #[test]
    fn only_loopback_clients_by_default() {
        let host = headers(&[(header::HOST, "127.0.0.1:8440")]);
        assert!(allowed(peer("127.0.0.1:5000"), &host, false));
        assert!(allowed(peer("127.3.4.5:5000"), &host, false));
        assert!(allowed(peer("[::1]:5000"), &host, false));
        assert!(allowed(peer("[::ffff:127.0.0.1]:5000"), &host, false));
        assert!(!allowed(peer("192.168.1.20:5000"), &host, false));
        assert!(!allowed(peer("[::ffff:10.0.0.1]:5000"), &host, false));
        assert!(!allowed(peer("[fe80::1]:5000"), &host, false));
        assert!(!allowed(None, &host, false));
        // On purpose: --allow-remote-control.
        assert!(allowed(peer("192.168.1.20:5000"), &host, true));
        let refused = refusal(peer("10.1.2.3:9"), &host, false).unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }

    #[test]
    fn host_must_name_loopback_by_default() {
        let local = peer("127.0.0.1:5000");
        for ok in [
            "127.0.0.1:8440",
            "localhost:8440",
            "LOCALHOST",
            "app.localhost:1",
            "[::1]:8440",
            "127.0.0.1",
        ] {
            assert!(allowed(local, &headers(&[(header::HOST, ok)]), false), "{ok}");
        }
        for bad in [
            "evil.example:8440",
            "192.168.1.20:8440",
            "[fe80::1]:8440",
            "localhost.evil.example",
        ] {
            assert!(!allowed(local, &headers(&[(header::HOST, bad)]), false), "{bad}");
            assert!(allowed(local, &headers(&[(header::HOST, bad)]), true), "{bad}");
        }
        assert!(allowed(local, &HeaderMap::new(), false), "HTTP/1.0 without Host");
    }

    #[test]
    fn browsers_only_from_the_emulators_own_origin() {
        let local = peer("127.0.0.1:5000");
        let same = headers(&[
            (header::HOST, "127.0.0.1:8440"),
            (header::ORIGIN, "http://127.0.0.1:8440"),
        ]);
        assert!(allowed(local, &same, false));
        for origin in [
            "http://evil.example",
            "http://127.0.0.1:9999",
            "null",
            "http://localhost:8440",
        ] {
            let h = headers(&[(header::HOST, "127.0.0.1:8440"), (header::ORIGIN, origin)]);
            assert!(!allowed(local, &h, false), "{origin}");
            assert!(!allowed(local, &h, true), "{origin}");
        }
    }
}
