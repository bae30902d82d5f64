//! The floor: a minimal keep-alive HTTP/1.1 client on hyper, with no retry, no token cache and no JSON
//! decoding of responses. Also used for the emulator's control surface and the STS exchange at set-up.

use std::collections::BTreeMap;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, HOST};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// One kept-alive connection to a plain-http loopback base URL (`http://127.0.0.1:PORT`).
pub struct Http1 {
    sender: SendRequest<Empty<Bytes>>,
    host: String,
}

impl Http1 {
    pub async fn connect(base_url: &str) -> Result<Http1, String> {
        let host = base_url
            .strip_prefix("http://")
            .ok_or_else(|| format!("the floor speaks plain http only, not {base_url}"))?
            .trim_end_matches('/')
            .to_string();
        let stream = TcpStream::connect(&host)
            .await
            .map_err(|e| format!("connect {host}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(connection);
        Ok(Http1 { sender, host })
    }

    /// `GET path` with an optional `Authorization` value; the status and the raw body.
    pub async fn get(&mut self, path: &str, authorization: Option<&str>) -> Result<(u16, Bytes), String> {
        self.sender.ready().await.map_err(|e| format!("connection: {e}"))?;
        let mut request = hyper::Request::get(path).header(HOST, &self.host);
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        let request = request.body(Empty::new()).map_err(|e| e.to_string())?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("GET {path} body: {e}"))?
            .to_bytes();
        Ok((status, body))
    }

    /// `GET path`, failing unless the answer is 200.
    pub async fn get_ok(&mut self, path: &str, authorization: Option<&str>) -> Result<Bytes, String> {
        match self.get(path, authorization).await? {
            (200, body) => Ok(body),
            (status, body) => Err(format!(
                "GET {path}: HTTP {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            )),
        }
    }

    /// Exchanges the account key at the emulator's STS (set-up only; the floor never refreshes).
    pub async fn sts_token(&mut self, account_id: &str, account_key: &str) -> Result<String, String> {
        let body = self
            .get_ok(
                &format!("/Accounts/{account_id}/token"),
                Some(&format!("Bearer {account_id}:{account_key}")),
            )
            .await?;
        let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| format!("STS answer: {e}"))?;
        value["AccessToken"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| "STS answer without AccessToken".to_string())
    }

    /// Requests per route from the emulator's control surface (`GET /_emulator/counts`, itself not counted).
    pub async fn counts(&mut self) -> Result<BTreeMap<String, u64>, String> {
        let body = self.get_ok("/_emulator/counts", None).await?;
        serde_json::from_slice(&body).map_err(|e| format!("counts: {e}"))
    }
}

/// The path of `GET session` in api-version 2021-01-01.
pub fn session_path(account_id: &str, session_id: &str) -> String {
    format!("/accounts/{account_id}/sessions/{session_id}?api-version=2021-01-01")
}
