//! Azure Blob Storage, as much of it as conversions need: connection strings, Shared Key request
//! signing, service SAS tokens, and a few REST calls (get a blob, check a container, put a block blob).
//!
//! Written from the documented rules ("Authorize with Shared Key", "Create a service SAS" in the Azure
//! Storage REST reference) rather than with an SDK crate: the emulator needs five requests, and the
//! Azure SDK for Rust would bring its own HTTP stack and runtime assumptions for them.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::hmac;

/// The storage REST version the emulator speaks (`x-ms-version`) and signs SAS tokens with.
pub(crate) const STORAGE_VERSION: &str = "2021-08-06";

/// Azurite's (and the old Storage Emulator's) well-known account name (`UseDevelopmentStorage=true`).
pub const ACCOUNT_NAME: &str = "devstoreaccount1";
/// Azurite's well-known account key (published in the Azurite documentation; not a secret).
pub const ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// A storage account given by a connection string (`--storage`).
#[derive(Clone, Debug)]
pub struct StorageAccount {
    /// `AccountName`.
    pub name: String,
    /// `AccountKey`, decoded.
    pub key: Vec<u8>,
    /// The blob endpoint without a trailing slash, e.g. `http://127.0.0.1:10000/devstoreaccount1` or
    /// `https://acct.blob.core.windows.net`.
    pub blob_endpoint: String,
}

impl StorageAccount {
    /// Parses an Azure Storage connection string: `AccountName`, `AccountKey` and either `BlobEndpoint`
    /// or `DefaultEndpointsProtocol` + `EndpointSuffix` (default `core.windows.net`);
    /// `UseDevelopmentStorage=true` is Azurite on its default port.
    pub fn from_connection_string(text: &str) -> Result<StorageAccount, String> {
        let mut name = None;
        let mut key = None;
        let mut endpoint = None;
        let mut protocol = "https".to_string();
        let mut suffix = "core.windows.net".to_string();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| {
                format!(
                    "connection string part '{}' has no '='",
                    part.split('=').next().unwrap_or("")
                )
            })?;
            match k.to_ascii_lowercase().as_str() {
                "accountname" => name = Some(v.to_string()),
                "accountkey" => key = Some(v.to_string()),
                "blobendpoint" => endpoint = Some(v.trim_end_matches('/').to_string()),
                "defaultendpointsprotocol" => protocol = v.to_ascii_lowercase(),
                "endpointsuffix" => suffix = v.to_string(),
                "usedevelopmentstorage" if v.eq_ignore_ascii_case("true") => {
                    name = Some(ACCOUNT_NAME.to_string());
                    key = Some(ACCOUNT_KEY.to_string());
                    endpoint.get_or_insert_with(|| "http://127.0.0.1:10000/devstoreaccount1".to_string());
                }
                _ => {}
            }
        }
        let name = name.ok_or("the storage connection string has no AccountName")?;
        let key = key
            .ok_or("the storage connection string has no AccountKey (SAS-only connection strings are not supported)")?;
        let key = STANDARD
            .decode(key.trim())
            .map_err(|e| format!("the storage AccountKey is not base64: {e}"))?;
        let blob_endpoint = endpoint.unwrap_or_else(|| format!("{protocol}://{name}.blob.{suffix}"));
        if !(blob_endpoint.starts_with("http://") || blob_endpoint.starts_with("https://")) {
            return Err(format!("the blob endpoint '{blob_endpoint}' is not an http(s) URL"));
        }
        Ok(StorageAccount {
            name,
            key,
            blob_endpoint,
        })
    }

    /// The container name when `container_uri` is a container of this account (its URL starts with the
    /// blob endpoint, compared case-insensitively, and names exactly one more path segment).
    pub fn container_of(&self, container_uri: &str) -> Option<String> {
        let uri = container_uri.trim_end_matches('/');
        let prefix = format!("{}/", self.blob_endpoint);
        if uri.len() <= prefix.len() || !uri[..prefix.len()].eq_ignore_ascii_case(&prefix) {
            return None;
        }
        let rest = &uri[prefix.len()..];
        (!rest.contains('/') && !rest.contains('?')).then(|| rest.to_string())
    }

    /// `Authorization: SharedKey account:signature` for a request. `path` is the URL path as sent
    /// (percent-encoded), `query` the decoded `(name, value)` pairs, `x_ms_headers` every `x-ms-*`
    /// header sent, `content_length` the body length (0 for none).
    pub fn shared_key(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        x_ms_headers: &[(&str, &str)],
        content_length: usize,
        content_type: &str,
    ) -> String {
        let mut headers: Vec<(String, String)> = x_ms_headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        headers.sort();
        let length = if content_length == 0 {
            String::new()
        } else {
            content_length.to_string()
        };
        // VERB, Content-Encoding, Content-Language, Content-Length, Content-MD5, Content-Type, Date,
        // If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since, Range.
        let mut to_sign = format!("{method}\n\n\n{length}\n\n{content_type}\n\n\n\n\n\n\n");
        for (k, v) in &headers {
            to_sign.push_str(&format!("{k}:{v}\n"));
        }
        // Canonicalized resource: /account + the path (for path-style endpoints such as Azurite's the
        // path itself starts with the account again), then the query parameters sorted by name.
        to_sign.push_str(&format!("/{}{}", self.name, if path.is_empty() { "/" } else { path }));
        let mut params: Vec<(String, &str)> = query.iter().map(|(k, v)| (k.to_ascii_lowercase(), *v)).collect();
        params.sort();
        for (k, v) in params {
            to_sign.push_str(&format!("\n{k}:{v}"));
        }
        format!("SharedKey {}:{}", self.name, sign(&self.key, &to_sign))
    }

    /// A service SAS for a whole container (`sr=c`) with these permissions (`r`, `w`, `l`, `c`, `d`, ...,
    /// in the documented order `racwdl`), valid from an hour ago until `valid_for` from now. Returned as
    /// a query string starting with `?`, the form ARR's `storageContainer…Sas` fields take.
    pub fn container_sas(&self, container: &str, permissions: &str, valid_for: Duration) -> String {
        let now = SystemTime::now();
        let start = iso_seconds(now - Duration::from_secs(3600));
        let expiry = iso_seconds(now + valid_for);
        let resource = format!("/blob/{}/{container}", self.name);
        // Version 2020-12-06 and later: sp, st, se, canonicalized resource, si, sip, spr, sv, sr,
        // snapshot time, encryption scope, rscc, rscd, rsce, rscl, rsct.
        let to_sign = [
            permissions,
            &start,
            &expiry,
            &resource,
            "",
            "",
            "",
            STORAGE_VERSION,
            "c",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
        .join("\n");
        let sig = sign(&self.key, &to_sign);
        format!(
            "?sv={STORAGE_VERSION}&sr=c&st={}&se={}&sp={permissions}&sig={}",
            encode_query(&start),
            encode_query(&expiry),
            encode_query(&sig)
        )
    }
}

fn sign(key: &[u8], text: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    STANDARD.encode(hmac::sign(&key, text.as_bytes()).as_ref())
}

/// Percent-encodes a query value (everything but unreserved characters).
pub(crate) fn encode_query(value: &str) -> String {
    encode(value, false)
}

/// Percent-encodes a blob name for a URL path (keeps `/`).
pub(crate) fn encode_path(value: &str) -> String {
    encode(value, true)
}

fn encode(value: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// SAS times (`2026-11-28T08:47:21Z`) and the `x-ms-date` form (`Sat, 28 Nov 2026 08:47:21 GMT`), written by
/// the rules the client shares.
pub(crate) use arr_wire_time::timestamp::{format_http_date as http_date, format_utc_seconds as iso_seconds};

/// The `sp` (permissions) of a SAS query string, if it has one.
pub(crate) fn sas_permissions(sas: &str) -> Option<String> {
    crate::respond::query_param(Some(sas.trim_start_matches('?')), "sp")
}

/// Appends a SAS (with or without its leading `?`) to a URL that has no query yet.
pub(crate) fn with_sas(url: &str, sas: &str) -> String {
    let sas = sas.trim_start_matches('?');
    if sas.is_empty() {
        url.to_string()
    } else {
        format!("{url}?{sas}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn dates() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_855_641); // 2026-11-28T08:47:21Z, a Saturday
        assert_eq!(iso_seconds(t), "2026-11-28T08:47:21Z");
        assert_eq!(http_date(t), "Sat, 28 Nov 2026 08:47:21 GMT");
        assert_eq!(iso_seconds(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn connection_strings() {
        let a = StorageAccount::from_connection_string(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1/;",
        )
        .unwrap();
        assert_eq!(a.blob_endpoint, "http://127.0.0.1:10000/devstoreaccount1");
        assert_eq!(a.key, b"key");
        assert_eq!(
            a.container_of("http://127.0.0.1:10000/devstoreaccount1/input")
                .as_deref(),
            Some("input")
        );
        assert_eq!(
            a.container_of("http://127.0.0.1:10000/devstoreaccount1/input/"),
            Some("input".into())
        );
        assert_eq!(a.container_of("http://127.0.0.1:10000/other/input"), None);
        assert_eq!(a.container_of("http://127.0.0.1:10000/devstoreaccount1/"), None);
        let b =
            StorageAccount::from_connection_string("AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net")
                .unwrap();
        assert_eq!(b.blob_endpoint, "https://acct.blob.core.windows.net");
        assert!(StorageAccount::from_connection_string("AccountName=x").is_err());
        assert!(StorageAccount::from_connection_string("AccountName=x;AccountKey=!!").is_err());
        let dev = StorageAccount::from_connection_string("UseDevelopmentStorage=true").unwrap();
        assert_eq!(dev.name, "devstoreaccount1");
    }

    #[test]
    fn encoding() {
        assert_eq!(encode_path("models/a b+c.fbx"), "models/a%20b%2Bc.fbx");
        assert_eq!(encode_query("a/b=c"), "a%2Fb%3Dc");
        assert_eq!(sas_permissions("?sv=1&sp=rl&sig=x").as_deref(), Some("rl"));
        assert_eq!(with_sas("http://h/c/b", "?sp=r"), "http://h/c/b?sp=r");
    }
}
