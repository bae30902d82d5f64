//! Where a storage request addressed to an account's public host name goes.
//!
//! The service reached a storage account at `https://<account>.blob.<suffix>`. Offline there is no such host,
//! so the emulator sends a request for `<account>.blob.<anything>` to the blob endpoint configured for that
//! account (inferred: the service had no such setting; it is how an emulator keeps clients' URLs as they
//! are). The linked account (`--storage`) is routed by its `AccountName`; others, reached with a SAS, with
//! `--storage-route NAME=BLOB_ENDPOINT`. A URL of no routed account is sent as written.

use std::borrow::Cow;

/// Account name (lower case) to blob endpoint (no trailing slash), e.g.
/// `arrteststorage` -> `http://127.0.0.1:10000/arrteststorage`.
#[derive(Clone, Debug, Default)]
pub struct StorageRoutes {
    routes: Vec<(String, String)>,
}

impl StorageRoutes {
    /// Routes from `(account name, blob endpoint)` pairs; an endpoint must be an http(s) URL.
    pub fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<StorageRoutes, String> {
        let mut routes = Vec::new();
        for (name, endpoint) in pairs {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!(
                    "storage route: '{name}' is not a storage account name (letters and digits)"
                ));
            }
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(format!("storage route for {name}: '{endpoint}' is not an http(s) URL"));
            }
            routes.push((name.to_ascii_lowercase(), endpoint.trim_end_matches('/').to_string()));
        }
        Ok(StorageRoutes { routes })
    }

    /// Parses `NAME=BLOB_ENDPOINT` (the `--storage-route` flag).
    pub fn parse_flag(text: &str) -> Result<(String, String), String> {
        let (name, endpoint) = text
            .split_once('=')
            .ok_or_else(|| format!("--storage-route takes NAME=BLOB_ENDPOINT, not '{text}'"))?;
        StorageRoutes::new([(name, endpoint)])?;
        Ok((name.to_string(), endpoint.to_string()))
    }

    /// `url` with its origin replaced by the routed endpoint when its host is `<routed account>.blob.<…>`;
    /// otherwise `url` as it is. Path and query are kept byte for byte.
    pub fn resolve<'u>(&self, url: &'u str) -> Cow<'u, str> {
        let Some((scheme_end, rest)) = url.find("://").map(|i| (i + 3, &url[i + 3..])) else {
            return Cow::Borrowed(url);
        };
        let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let host = rest[..authority_len].rsplit('@').next().unwrap_or("");
        let Some((account, _)) = host.split_once(".blob.") else {
            return Cow::Borrowed(url);
        };
        match self.routes.iter().find(|(name, _)| name.eq_ignore_ascii_case(account)) {
            Some((_, endpoint)) => Cow::Owned(format!("{endpoint}{}", &url[scheme_end + authority_len..])),
            None => Cow::Borrowed(url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> StorageRoutes {
        StorageRoutes::new([("ArrTestStorage", "http://127.0.0.1:10000/arrteststorage/")]).unwrap()
    }

    #[test]
    fn a_routed_accounts_public_host_goes_to_its_endpoint_with_path_and_query_kept() {
        assert_eq!(
            routes().resolve("https://arrteststorage.blob.core.windows.net/test/Input/a%20b.fbx?sv=1&sig=x"),
            "http://127.0.0.1:10000/arrteststorage/test/Input/a%20b.fbx?sv=1&sig=x"
        );
        assert_eq!(
            routes().resolve("https://ARRTESTSTORAGE.blob.localhost:1234/test"),
            "http://127.0.0.1:10000/arrteststorage/test"
        );
    }

    #[test]
    fn other_urls_are_sent_as_written() {
        for url in [
            "https://other.blob.core.windows.net/test",
            "http://127.0.0.1:10000/arrteststorage/test",
            "https://arrteststorage.file.core.windows.net/test",
            "not a url",
        ] {
            assert_eq!(routes().resolve(url), url);
        }
    }

    #[test]
    fn bad_routes_name_what_is_wrong() {
        assert!(StorageRoutes::parse_flag("noequals")
            .unwrap_err()
            .contains("NAME=BLOB_ENDPOINT"));
        assert!(StorageRoutes::parse_flag("a.b=http://x")
            .unwrap_err()
            .contains("account name"));
        assert!(StorageRoutes::parse_flag("acct=ftp://x")
            .unwrap_err()
            .contains("http(s)"));
    }
}
