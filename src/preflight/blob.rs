//! The Blob Storage REST calls the checks need, over the client's transport (its proxy, TLS roots,
//! timeouts and retries): list a container under a prefix, and read a blob or its first bytes. Requests
//! are authorised with a SAS, which goes into the URL only as the request leaves (never into a log, an
//! error or `Debug`).

use std::collections::{BTreeMap, HashSet};

use bytes::Bytes;
use reqwest::Url;

use crate::config::ClientConfig;
use crate::error::{ErrorKind, Result};
use crate::secret::Secret;
use crate::transport::{Request, Transport};

use super::sas::STORAGE_VERSION;
use super::xml_element;

/// Blobs listed at most; past this the listing stops (and says so).
pub(crate) const MAX_LISTED: usize = 200_000;

/// Listing pages read at most: enough for [`MAX_LISTED`] blobs at 5,000 a page many times over, and a
/// bound for a service whose pages hold few blobs or whose markers lead nowhere.
const MAX_PAGES: usize = 1_000;

/// The blobs under a prefix: name → size in bytes.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub blobs: BTreeMap<String, u64>,
    /// The listing stopped early: more blobs than [`MAX_LISTED`], more pages than [`MAX_PAGES`], or a
    /// `NextMarker` seen before (a page pointing back at itself).
    pub truncated: bool,
}

/// One container, reached with one SAS (or none).
pub(crate) struct Container {
    transport: Transport,
    url: Url,
    sas: Option<Secret>,
}

impl Container {
    /// `field` names the container URI in errors. Plain `http` only for loopback hosts unless the client
    /// allows insecure HTTP, as for the rendering endpoint. `max_retries` caps the client's retry policy
    /// (a check before creating is not worth a long wait; reading results is).
    pub fn new(
        config: &ClientConfig,
        field: &str,
        container_uri: &str,
        sas: Option<Secret>,
        max_retries: u32,
    ) -> Result<Container> {
        let url = config.checked_url(field, container_uri)?;
        let may_need_tls = url.scheme() == "https" || config.proxy.may_need_tls();
        let mut config = config.clone();
        config.retry.max_retries = config.retry.max_retries.min(max_retries);
        Ok(Container {
            transport: Transport::new(&config, may_need_tls)?,
            url,
            sas,
        })
    }

    /// Every blob whose name starts with `prefix`, following `NextMarker` across pages.
    pub async fn list(&self, prefix: &str) -> Result<Listing> {
        let mut listing = Listing::default();
        let mut marker: Option<String> = None;
        let mut markers_seen = HashSet::new();
        for _ in 0..MAX_PAGES {
            let mut url = self.url.clone();
            {
                let mut query = url.query_pairs_mut();
                query
                    .append_pair("restype", "container")
                    .append_pair("comp", "list")
                    .append_pair("maxresults", "5000");
                if !prefix.is_empty() {
                    query.append_pair("prefix", prefix);
                }
                if let Some(marker) = &marker {
                    query.append_pair("marker", marker);
                }
            }
            let request = Request::get("storage.list", url)
                .header("x-ms-version", STORAGE_VERSION)
                .sas(self.sas.as_ref());
            let response = self.transport.send(request).await?;
            let text = String::from_utf8_lossy(&response.body);
            let (page, next) = parse_listing(&text);
            for (name, size) in page {
                if listing.blobs.len() >= MAX_LISTED {
                    listing.truncated = true;
                    return Ok(listing);
                }
                listing.blobs.insert(name, size);
            }
            match next {
                Some(next) if markers_seen.insert(next.clone()) => marker = Some(next),
                Some(_) => break,
                None => return Ok(listing),
            }
        }
        listing.truncated = true;
        Ok(listing)
    }

    /// The blob's content, or its first `limit` bytes; `None` when it does not exist.
    pub async fn read(&self, blob: &str, limit: Option<u64>) -> Result<Option<Bytes>> {
        self.read_range(blob, 0, limit).await
    }

    /// `length` bytes from `offset` (all from `offset` when `None`); `None` when the blob does not exist.
    pub async fn read_range(&self, blob: &str, offset: u64, length: Option<u64>) -> Result<Option<Bytes>> {
        let mut request = Request::get("storage.get", self.blob_url(blob))
            .header("x-ms-version", STORAGE_VERSION)
            .sas(self.sas.as_ref())
            .subject(blob);
        match length {
            Some(0) => return Ok(Some(Bytes::new())),
            Some(length) => request = request.header("x-ms-range", format!("bytes={offset}-{}", offset + length - 1)),
            None if offset > 0 => request = request.header("x-ms-range", format!("bytes={offset}-")),
            None => {}
        }
        match self.transport.send(request).await {
            Ok(response) => {
                let mut body = response.body;
                // A server that ignores the range sends everything; keep what was asked for.
                if let (200, Some(length)) = (response.status, length) {
                    let end = usize::try_from(offset + length).unwrap_or(usize::MAX).min(body.len());
                    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(end);
                    body = body.slice(start..end);
                }
                Ok(Some(body))
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            // Reading past the end of a blob (e.g. an empty one).
            Err(e) if e.http_status() == Some(416) => Ok(Some(Bytes::new())),
            Err(e) => Err(e),
        }
    }

    fn blob_url(&self, blob: &str) -> Url {
        let mut url = self.url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(blob.split('/'));
        }
        url
    }
}

/// One page of `List Blobs`: `(name, size)` of each `<Blob>`, and the `NextMarker` when there is more.
pub(crate) fn parse_listing(xml: &str) -> (Vec<(String, u64)>, Option<String>) {
    let mut blobs = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<Blob>") {
        let Some(end) = rest[start..].find("</Blob>") else {
            break;
        };
        let blob = &rest[start..start + end];
        if let Some(name) = xml_element(blob, "Name") {
            let size = xml_element(blob, "Content-Length")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            blobs.push((name, size));
        }
        rest = &rest[start + end..];
    }
    let next = xml_element(xml, "NextMarker").filter(|m| !m.is_empty());
    (blobs, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_listing_page() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://127.0.0.1:10000/devstoreaccount1" ContainerName="in"><Prefix>models/</Prefix><MaxResults>5000</MaxResults><Blobs><Blob><Name>models/a&amp;b.fbx</Name><Properties><Creation-Time>x</Creation-Time><Content-Length>12</Content-Length><Content-Type>application/octet-stream</Content-Type></Properties></Blob><Blob><Name>models/tex/wood.png</Name><Properties><Content-Length>0</Content-Length></Properties></Blob></Blobs><NextMarker>page2</NextMarker></EnumerationResults>"#;
        let (blobs, next) = parse_listing(xml);
        assert_eq!(
            blobs,
            vec![("models/a&b.fbx".to_owned(), 12), ("models/tex/wood.png".to_owned(), 0)]
        );
        assert_eq!(next.as_deref(), Some("page2"));
        let (blobs, next) = parse_listing("<EnumerationResults><Blobs /><NextMarker /></EnumerationResults>");
        assert!(blobs.is_empty() && next.is_none());
    }
}
