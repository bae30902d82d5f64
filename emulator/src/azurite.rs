//! A real Azure Blob Storage for tests: [`Azurite`] runs the `azurite-blob` server of the npm package
//! `azurite` on a free loopback port, in memory, with telemetry off, and kills it when dropped.
//!
//! Install it once (the workspace's test script does this):
//!
//! ```sh
//! npm install --prefix target/azurite azurite@3.37.0
//! ```
//!
//! The binary is looked up as `$ARR_AZURITE_BLOB`, then `target/azurite/node_modules/.bin/azurite-blob`
//! of this workspace, then `azurite-blob` on `PATH`. When none exists, [`Azurite::start`] fails with an
//! error naming that npm command: tests that need storage fail loudly rather than skip.
//!
//! ```no_run
//! use arr_emulator::azurite::Azurite;
//! let azurite = Azurite::start()?;
//! azurite.create_container("input")?;
//! azurite.put_blob("input", "box.fbx", b"model bytes")?;
//! let linked = azurite.connection_string(); // for EmulatorConfig::storage / --storage
//! let read_list = azurite.container_sas("input", "rl"); // for storageContainerReadListSas
//! # let _ = (linked, read_list);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The helper's own requests (containers, blobs) are signed with the well-known key ([`ACCOUNT_KEY`]) by
//! the same Shared Key code the emulator uses. It speaks plain HTTP/1.1 to loopback only.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::blob::{encode_path, http_date, StorageAccount, STORAGE_VERSION};
pub use crate::blob::{ACCOUNT_KEY, ACCOUNT_NAME};
/// The npm command that installs the Azurite this helper expects (run from the workspace root).
pub const NPM_INSTALL: &str = "npm install --prefix target/azurite azurite@3.37.0";

/// A running `azurite-blob` process (in-memory, loopback, `--disableTelemetry`). Dropping it kills the
/// process and removes its working directory.
pub struct Azurite {
    child: Child,
    port: u16,
    dir: PathBuf,
    account: StorageAccount,
}

impl Azurite {
    /// Starts Azurite's blob service on a free port of 127.0.0.1 and waits until it accepts connections
    /// (about 3 s; up to 90 s before giving up).
    pub fn start() -> io::Result<Azurite> {
        let binary = find_binary()?;
        let mut last_error = None;
        // A port picked free can be taken before Azurite binds it; try a few.
        for attempt in 0..3 {
            match Self::start_on(&binary, attempt) {
                Ok(a) => return Ok(a),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.expect("at least one attempt"))
    }

    fn start_on(binary: &Path, attempt: u32) -> io::Result<Azurite> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port();
        let dir = std::env::temp_dir().join(format!("arr-azurite-{}-{port}-{attempt}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let log = std::fs::File::create(dir.join("azurite.log"))?;
        let child = Command::new(binary)
            .args(["--blobHost", "127.0.0.1", "--blobPort"])
            .arg(port.to_string())
            .args([
                "--inMemoryPersistence",
                "--disableTelemetry",
                "--skipApiVersionCheck",
                "--loose",
                "--silent",
            ])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot run {}: {e}", binary.display())))?;
        let mut azurite = Azurite {
            child,
            port,
            dir,
            account: StorageAccount {
                name: ACCOUNT_NAME.to_string(),
                key: base64::Engine::decode(&base64::engine::general_purpose::STANDARD, ACCOUNT_KEY)
                    .expect("the well-known key is base64"),
                blob_endpoint: format!("http://127.0.0.1:{port}/{ACCOUNT_NAME}"),
            },
        };
        // Node needs ~3 s to start Azurite; many tests starting one at once on a small machine take longer.
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Some(status) = azurite.child.try_wait()? {
                let log = std::fs::read_to_string(azurite.dir.join("azurite.log")).unwrap_or_default();
                return Err(io::Error::other(format!(
                    "azurite-blob exited ({status}) before listening on port {port}: {log}"
                )));
            }
            if TcpStream::connect_timeout(
                &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
                Duration::from_millis(200),
            )
            .is_ok()
            {
                return Ok(azurite);
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("azurite-blob did not listen on port {port} within 90 s"),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The blob service's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT/devstoreaccount1` (no trailing slash).
    pub fn blob_endpoint(&self) -> String {
        self.account.blob_endpoint.clone()
    }

    /// A connection string for this instance (the value for `--storage` / `EmulatorConfig::storage`).
    pub fn connection_string(&self) -> String {
        format!(
            "DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};BlobEndpoint={};",
            self.account.blob_endpoint
        )
    }

    /// `http://127.0.0.1:PORT/devstoreaccount1/<name>`: what ARR calls a `storageContainerUri`.
    pub fn container_url(&self, name: &str) -> String {
        format!("{}/{name}", self.account.blob_endpoint)
    }

    /// Creates a container (an existing one is fine).
    pub fn create_container(&self, name: &str) -> io::Result<()> {
        let (status, body) = self.request("PUT", &format!("/{name}"), &[("restype", "container")], &[], None)?;
        match status {
            201 | 409 => Ok(()),
            _ => Err(unexpected("create container", status, &body)),
        }
    }

    /// Uploads a block blob (the name may contain `/`).
    pub fn put_blob(&self, container: &str, name: &str, bytes: &[u8]) -> io::Result<()> {
        let path = format!("/{container}/{}", encode_path(name));
        let (status, body) = self.request("PUT", &path, &[], &[("x-ms-blob-type", "BlockBlob")], Some(bytes))?;
        match status {
            201 => Ok(()),
            _ => Err(unexpected("put blob", status, &body)),
        }
    }

    /// Downloads a blob; `None` when it (or its container) does not exist.
    pub fn get_blob(&self, container: &str, name: &str) -> io::Result<Option<Vec<u8>>> {
        let path = format!("/{container}/{}", encode_path(name));
        let (status, body) = self.request("GET", &path, &[], &[], None)?;
        match status {
            200 => Ok(Some(body)),
            404 => Ok(None),
            _ => Err(unexpected("get blob", status, &body)),
        }
    }

    /// Names of the blobs in a container that start with `prefix`, in the service's (lexical) order.
    pub fn list_blobs(&self, container: &str, prefix: &str) -> io::Result<Vec<String>> {
        let path = format!("/{container}");
        let query = [("comp", "list"), ("prefix", prefix), ("restype", "container")];
        let (status, body) = self.request("GET", &path, &query, &[], None)?;
        if status != 200 {
            return Err(unexpected("list blobs", status, &body));
        }
        let text = String::from_utf8_lossy(&body);
        Ok(text
            .split("<Name>")
            .skip(1)
            .filter_map(|s| s.split_once("</Name>").map(|(n, _)| xml_unescape(n)))
            .collect())
    }

    /// A container SAS (`?sv=…&sr=c&…&sp=<permissions>&sig=…`) signed with the well-known key, valid for a
    /// day: `"rl"` for `storageContainerReadListSas`, `"w"` (or `"rwl"`, `"racwdl"`) for
    /// `storageContainerWriteSas`, `"r"` for a read-only one a conversion cannot write through.
    pub fn container_sas(&self, container: &str, permissions: &str) -> String {
        self.account
            .container_sas(container, permissions, Duration::from_secs(24 * 3600))
    }

    /// One Shared-Key-signed request to the blob service. `path` is below the account (`/container/blob`).
    fn request(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        extra_headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> io::Result<(u16, Vec<u8>)> {
        let full_path = format!("/{ACCOUNT_NAME}{path}");
        let date = http_date(SystemTime::now());
        let mut x_ms: Vec<(&str, &str)> = vec![("x-ms-date", &date), ("x-ms-version", STORAGE_VERSION)];
        x_ms.extend_from_slice(extra_headers);
        let body = body.unwrap_or_default();
        let content_type = if body.is_empty() {
            ""
        } else {
            "application/octet-stream"
        };
        let auth = self
            .account
            .shared_key(method, &full_path, query, &x_ms, body.len(), content_type);
        let query_string: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::blob::encode_query(v)))
            .collect();
        let target = if query.is_empty() {
            full_path
        } else {
            format!("{full_path}?{}", query_string.join("&"))
        };
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nAuthorization: {auth}\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        if !content_type.is_empty() {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        for (k, v) in &x_ms {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        stream.set_write_timeout(Some(Duration::from_secs(20)))?;
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        parse_response(&raw)
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn find_binary() -> io::Result<PathBuf> {
    if let Some(path) = std::env::var_os("ARR_AZURITE_BLOB") {
        return Ok(PathBuf::from(path));
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let local = workspace.join("target/azurite/node_modules/.bin/azurite-blob");
    if local.exists() {
        return Ok(local);
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join("azurite-blob");
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "azurite-blob not found (looked at $ARR_AZURITE_BLOB, {}, PATH); install it from the workspace root with: {NPM_INSTALL}",
            local.display()
        ),
    ))
}

fn unexpected(what: &str, status: u16, body: &[u8]) -> io::Error {
    io::Error::other(format!(
        "Azurite {what}: HTTP {status}: {}",
        String::from_utf8_lossy(body)
    ))
}

fn xml_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Status and body of a complete HTTP/1.1 response (Content-Length, chunked, or read to close).
fn parse_response(raw: &[u8]) -> io::Result<(u16, Vec<u8>)> {
    let bad = |m: &str| io::Error::new(io::ErrorKind::InvalidData, format!("Azurite answered {m}"));
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("without a complete header"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = &raw[split + 4..];
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("without a status line"))?;
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            let v = v.trim();
            if k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked") {
                chunked = true;
            } else if k.eq_ignore_ascii_case("content-length") {
                length = v.parse::<usize>().ok();
            }
        }
    }
    if chunked {
        let mut out = Vec::new();
        let mut rest = body;
        loop {
            let eol = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or_else(|| bad("a broken chunk"))?;
            let size_text = String::from_utf8_lossy(&rest[..eol]);
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad("a broken chunk size"))?;
            rest = &rest[eol + 2..];
            if size == 0 {
                return Ok((status, out));
            }
            if rest.len() < size {
                return Err(bad("a truncated chunk"));
            }
            out.extend_from_slice(&rest[..size]);
            rest = rest.get(size + 2..).unwrap_or_default();
        }
    }
    Ok((
        status,
        match length {
            Some(n) => body[..n.min(body.len())].to_vec(),
            None => body.to_vec(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses() {
        let (s, b) = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc").unwrap();
        assert_eq!((s, b.as_slice()), (200, &b"abc"[..]));
        let (s, b) =
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
                .unwrap();
        assert_eq!((s, b.as_slice()), (200, &b"abcde"[..]));
        assert!(parse_response(b"garbage").is_err());
        assert_eq!(xml_unescape("a&amp;b&lt;"), "a&b<");
    }
}
