//! Replays every request of the seed documents (`/work/shared/reference/seeds/`) byte for byte over a raw
//! socket and checks the documented answers: status codes, headers and fields.
//!
//! * 001/002 ("Use the session management REST API", legacy v1): the STS token GET exactly as the
//!   PowerShell example sends it (lower-case `accounts`, `-ContentType "application/json"` on a GET, no
//!   api-version), then v1 create (single-quoted JSON with an unknown `models` field), update, list,
//!   properties and delete.
//! * 000 ("Create Session", 2021-01-01): the example PUT, then the same PUT again (200, "same settings")
//!   and with other settings (409), plus the documented 400 and 401 shapes.
//!
//! Requests carry the headers Windows PowerShell 5.1's `Invoke-WebRequest` sends; only `Host` and the
//! ids/tokens the flow hands from one step to the next are filled in.

mod common;

use std::time::Duration;

use arr_emulator::{Emulator, EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PS_USER_AGENT: &str = "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.17763.1007";

struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

fn host(emu: &Emulator) -> String {
    emu.base_url().trim_start_matches("http://").to_string()
}

/// Sends `request` verbatim and reads one response (framed by Content-Length; 204/304 have no body).
async fn send_raw(emu: &Emulator, request: String) -> Raw {
    let mut stream = TcpStream::connect(host(emu)).await.expect("connect");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // An interim `100 Continue` (the request carries `Expect: 100-continue`) is skipped.
    let (status, headers, header_end) = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8(buf[..pos].to_vec()).unwrap();
            let mut lines = head.split("\r\n");
            let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
            if (100..200).contains(&status) {
                buf.drain(..pos + 4);
                continue;
            }
            let headers: Vec<(String, String)> = lines
                .map(|l| {
                    let (n, v) = l.split_once(':').unwrap();
                    (n.trim().to_string(), v.trim().to_string())
                })
                .collect();
            break (status, headers, pos);
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("response within 10 s")
            .unwrap();
        assert!(n > 0, "connection closed before the headers ended");
        buf.extend_from_slice(&chunk[..n]);
    };
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let mut body = buf[header_end + 4..].to_vec();
    while body.len() < len {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("body within 10 s")
            .unwrap();
        assert!(n > 0, "connection closed inside the body");
        body.extend_from_slice(&chunk[..n]);
    }
    Raw { status, headers, body }
}

/// A request as `Invoke-WebRequest` writes it. `content_type` is sent whenever `-ContentType` was given
/// (also on a GET without body, as the STS example does).
fn ps_request(
    emu: &Emulator,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    auth: &str,
    body: Option<&str>,
) -> String {
    let mut r = format!("{method} {path} HTTP/1.1\r\nUser-Agent: {PS_USER_AGENT}\r\n");
    if let Some(ct) = content_type {
        r.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    r.push_str(&format!("Authorization: {auth}\r\nHost: {}\r\n", host(emu)));
    match body {
        Some(b) => r.push_str(&format!("Content-Length: {}\r\nExpect: 100-continue\r\n", b.len())),
        None if method != "GET" => r.push_str("Content-Length: 0\r\n"),
        None => {}
    }
    r.push_str("Connection: Keep-Alive\r\n\r\n");
    if let Some(b) = body {
        r.push_str(b);
    }
    r
}

/// The response's header names, lower-cased and sorted.
fn header_names(raw: &Raw) -> Vec<String> {
    let mut names: Vec<String> = raw.headers.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
    names.sort();
    names
}

fn assert_ms_cv(raw: &Raw) {
    let cv = raw.header("ms-cv").expect("MS-CV on every response");
    assert_eq!(cv.len(), 24, "{cv}");
    assert!(cv.ends_with(".0"), "{cv}");
}

fn assert_json_content_type(raw: &Raw) {
    assert_eq!(raw.header("content-type"), Some("application/json; charset=utf-8"));
}

#[tokio::test]
async fn seed_001_002_v1_powershell_flow_replays() {
    let emu = Emulator::start(EmulatorConfig {
        start_delay: Duration::ZERO,
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let account = DEV_ACCOUNT_ID;

    // $webResponse = Invoke-WebRequest -Uri "https://sts.mixedreality.azure.com/accounts/$accountId/token"
    //   -Method Get -ContentType "application/json" -Headers @{ Authorization = "Bearer ${accountId}:$accountKey" }
    let raw = send_raw(
        &emu,
        ps_request(
            &emu,
            "GET",
            &format!("/accounts/{account}/token"),
            Some("application/json"),
            &format!("Bearer {account}:{DEV_ACCOUNT_KEY}"),
            None,
        ),
    )
    .await;
    assert_eq!(raw.status, 200);
    assert_ms_cv(&raw);
    assert_json_content_type(&raw);
    assert_eq!(raw.header("cache-control"), Some("no-store, no-cache"));
    assert_eq!(raw.header("pragma"), Some("no-cache"));
    assert_eq!(raw.header("x-content-type-options"), Some("nosniff"));
    // protocol.md §8.1, STS 200: exactly these (besides Date).
    assert_eq!(
        header_names(&raw),
        [
            "cache-control",
            "content-length",
            "content-type",
            "date",
            "ms-cv",
            "pragma",
            "x-content-type-options"
        ]
    );
    let token = raw.json()["AccessToken"].as_str().expect("AccessToken").to_string();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    let bearer = format!("Bearer {token}");

    // Invoke-WebRequest -Uri "$endPoint/v1/accounts/$accountId/sessions/create" -Method Post
    //   -ContentType "application/json" -Body "{ 'maxLeaseTime': '4:0:0', 'models': [], 'size': 'standard' }"
    let raw = send_raw(
        &emu,
        ps_request(
            &emu,
            "POST",
            &format!("/v1/accounts/{account}/sessions/create"),
            Some("application/json"),
            &bearer,
            Some("{ 'maxLeaseTime': '4:0:0', 'models': [], 'size': 'standard' }"),
        ),
    )
    .await;
    assert_eq!(raw.status, 202, "{}", String::from_utf8_lossy(&raw.body));
    assert_ms_cv(&raw);
    assert_json_content_type(&raw);
    // Seed: Content-Length: 52 = {"sessionId":"<36-character GUID>"}
    assert_eq!(raw.header("content-length"), Some("52"));
    assert_eq!(raw.body.len(), 52);
    let body = raw.json();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    let session_id = body["sessionId"].as_str().unwrap().to_string();
    assert!(uuid_like(&session_id), "{session_id}");
    // Seed: "Location: accounts/11111111-1111-1111-11..." (truncated in the document).
    let location = raw.header("location").expect("Location");
    assert!(location.starts_with(&format!("accounts/{account}")), "{location}");
    assert!(location.contains(&session_id));
    assert_eq!(
        header_names(&raw),
        ["content-length", "content-type", "date", "location", "ms-cv"]
    );

    // Invoke-WebRequest -Uri "$endPoint/v1/accounts/$accountId/sessions/$sessionId" -Method Patch
    //   -ContentType "application/json" -Body "{ 'maxLeaseTime': '5:0:0' }"
    let raw = send_raw(
        &emu,
        ps_request(
            &emu,
            "PATCH",
            &format!("/v1/accounts/{account}/sessions/{session_id}"),
            Some("application/json"),
            &bearer,
            Some("{ 'maxLeaseTime': '5:0:0' }"),
        ),
    )
    .await;
    assert_eq!(raw.status, 200, "{}", String::from_utf8_lossy(&raw.body));
    assert_ms_cv(&raw);
    assert_eq!(raw.header("content-length"), Some("0"));
    assert!(raw.body.is_empty());
    // Seed RawContent: exactly MS-CV, Content-Length and Date.
    assert_eq!(header_names(&raw), ["content-length", "date", "ms-cv"]);

    // Invoke-WebRequest -Uri "$endPoint/v1/accounts/$accountId/sessions" -Method Get
    let raw = send_raw(
        &emu,
        ps_request(
            &emu,
            "GET",
            &format!("/v1/accounts/{account}/sessions"),
            None,
            &bearer,
            None,
        ),
    )
    .await;
    assert_eq!(raw.status, 200);
    assert_ms_cv(&raw);
    assert_json_content_type(&raw);
    let list = raw.json();
    let sessions = list["sessions"].as_array().expect("{\"sessions\":[...]}");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["sessionId"], session_id.as_str());

    // Invoke-WebRequest -Uri "$endPoint/v1/accounts/$accountId/sessions/$sessionId/properties" -Method Get
    let raw = send_raw(
        &emu,
        ps_request(
            &emu,
            "GET",
            &format!("/v1/accounts/{account}/sessions/{session_id}/properties"),
            None,
            &bearer,
            None,
        ),
    )
    .await;
    assert_eq!(raw.status, 200);
    assert_ms_cv(&raw);
    assert_json_content_type(&raw);
    let props = raw.json();
    // Seed: {"message":null,"sessionElapsedTime":"00:00:01","sessionHostname":"...","sessionId":"...",
    //        "sessionMaxLeaseTime":"04:00:00","sessionStatus":"Ready"} (here after the update to 5:0:0)
    assert_eq!(props["message"], Value::Null);
    assert!(props.as_object().unwrap().contains_key("message"));
    assert!(timespan_like(props["sessionElapsedTime"].as_str().unwrap()));
    assert!(props["sessionHostname"]
        .as_str()
        .unwrap()
        .contains(".mixedreality.azure.com"));
    assert_eq!(props["sessionId"], session_id.as_str());
    assert_eq!(props["sessionMaxLeaseTime"], "05:00:00");
    assert_eq!(props["sessionStatus"], "Ready");

    // Invoke-WebRequest -Uri "$endPoint/v1/accounts/$accountId/sessions/$sessionId" -Method Delete
    let raw = send_raw(
        &emu,
        ps_request(
            &emu,
            "DELETE",
            &format!("/v1/accounts/{account}/sessions/{session_id}"),
            None,
            &bearer,
            None,
        ),
    )
    .await;
    assert_eq!(raw.status, 204);
    assert_ms_cv(&raw);
    assert!(raw.body.is_empty());
    // Seed RawContent: exactly MS-CV and Date.
    assert_eq!(header_names(&raw), ["date", "ms-cv"]);
    assert_eq!(emu.sessions()[0].status, "Stopped");
}

#[tokio::test]
async fn seed_000_create_session_replays_three_ways() {
    // The account of the seed example, with a key of our choosing.
    const ACCOUNT: &str = "30ea64bd-100f-4bf0-adc9-29fa45d4880c";
    const SESSION: &str = "contoso-session-c2b8ac1d-9494-4852-a59c-8c28813adc28";
    let emu = Emulator::start(EmulatorConfig {
        accounts: vec![(ACCOUNT.to_string(), "c2VlZC1rZXk=".to_string())],
        start_delay: Duration::from_secs(600),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let raw = send_raw(
        &emu,
        ps_request(
            &emu,
            "GET",
            &format!("/Accounts/{ACCOUNT}/token?api-version=2019-02-28-preview"),
            None,
            &format!("Bearer {ACCOUNT}:c2VlZC1rZXk="),
            None,
        ),
    )
    .await;
    assert_eq!(raw.status, 200);
    let bearer = format!("Bearer {}", raw.json()["AccessToken"].as_str().unwrap());
    let path = format!("/accounts/{ACCOUNT}/sessions/{SESSION}?api-version=2021-01-01");
    // The example request body, as printed in the seed.
    let body = "{\n\"maxLeaseTimeMinutes\": 60,\n\"size\": \"Standard\"\n}";
    let put = |body: &str| ps_request(&emu, "PUT", &path, Some("application/json"), &bearer, Some(body));

    // 201 Created, MS-CV, session_properties.
    let raw = send_raw(&emu, put(body)).await;
    assert_eq!(raw.status, 201, "{}", String::from_utf8_lossy(&raw.body));
    assert_2021_headers(&raw);
    // protocol.md §8.1, PUT 201: no Cache-Control.
    assert_eq!(
        header_names(&raw),
        [
            "api-supported-versions",
            "content-length",
            "content-type",
            "date",
            "ms-cv",
            "x-content-type-options"
        ]
    );
    let created = raw.json();
    assert_seed_session(&created);

    // 200 OK: "there was already a session with the same settings present" (a retried create).
    let raw = send_raw(&emu, put(body)).await;
    assert_eq!(raw.status, 200);
    assert_2021_headers(&raw);
    let again = raw.json();
    assert_seed_session(&again);
    assert_eq!(again["creationTime"], created["creationTime"]);

    // 409 Conflict with the example's error body, for the same id with other settings.
    let raw = send_raw(&emu, put("{\n\"maxLeaseTimeMinutes\": 61,\n\"size\": \"Standard\"\n}")).await;
    assert_eq!(raw.status, 409);
    assert_2021_headers(&raw);
    assert_eq!(
        raw.json(),
        serde_json::json!({"error": {"code": "Conflict", "message": "A resource already exists under the given ID."}})
    );

    // 400 with an error_response (code BadRequest) for a malformed request.
    let raw = send_raw(&emu, put("{\n\"maxLeaseTimeMinutes\": -4,\n\"size\": \"Standard\"\n}")).await;
    assert_eq!(raw.status, 400);
    assert_2021_headers(&raw);
    assert_eq!(raw.json()["error"]["code"], "BadRequest");

    // 401 with `WWW-Authenticate: Bearer error="invalid_token"` and MS-CV, no body.
    let raw = send_raw(
        &emu,
        ps_request(
            &emu,
            "PUT",
            &path,
            Some("application/json"),
            "Bearer not-a-token",
            Some(body),
        ),
    )
    .await;
    assert_eq!(raw.status, 401);
    assert_ms_cv(&raw);
    assert_eq!(raw.header("www-authenticate"), Some("Bearer error=\"invalid_token\""));
    assert!(raw.body.is_empty());
    assert_eq!(emu.sessions().len(), 1);
}

fn assert_2021_headers(raw: &Raw) {
    assert_ms_cv(raw);
    assert_json_content_type(raw);
    assert_eq!(
        raw.header("api-supported-versions"),
        Some("2021-01-01-preview, 2021-01-01, 2021-08-01-preview")
    );
    assert_eq!(raw.header("x-content-type-options"), Some("nosniff"));
}

/// The seed's 201/200 body: id, creationTime, maxLeaseTimeMinutes 60, size Standard, status Starting,
/// error null (the current service omits a null `error`).
fn assert_seed_session(v: &Value) {
    assert_eq!(v["id"], "contoso-session-c2b8ac1d-9494-4852-a59c-8c28813adc28");
    assert!(v["creationTime"].as_str().is_some_and(|t| t.len() >= 20));
    assert_eq!(v["maxLeaseTimeMinutes"], 60);
    assert_eq!(v["size"], "Standard");
    assert_eq!(v["status"], "Starting");
    assert_eq!(v["error"], Value::Null);
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn timespan_like(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
}
