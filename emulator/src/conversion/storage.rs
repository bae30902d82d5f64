//! Requests to blob storage on a conversion's behalf (through the SAS of the request or the linked
//! account's key), and the linked-storage check a create makes.

use std::time::SystemTime;

use super::settings::Settings;
use crate::blob::{encode_path, http_date, with_sas, StorageAccount, STORAGE_VERSION};
use crate::shared::Shared;

pub(super) fn blob_url(container_uri: &str, blob: &str) -> String {
    format!("{}/{}", container_uri.trim_end_matches('/'), encode_path(blob))
}

/// Before a create is accepted: every side without a SAS must be a container of the linked storage
/// account that exists and can be reached with its key. Simulated storage: a container whose name
/// contains `missing` is not accessible.
pub(super) async fn check_linked_access(shared: &Shared, settings: &Settings) -> Result<(), String> {
    let sides = [
        (
            &settings.input_location.storage_container_uri,
            settings.input_location.storage_container_read_list_sas.is_some(),
        ),
        (
            &settings.output_location.storage_container_uri,
            settings.output_location.storage_container_write_sas.is_some(),
        ),
    ];
    for (uri, has_sas) in sides {
        if has_sas {
            continue;
        }
        let Some(account) = &shared.storage else {
            let name = uri.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            if name.to_ascii_lowercase().contains("missing") {
                return Err(format!("simulated storage: container {uri} does not exist"));
            }
            continue;
        };
        let Some(container) = account.container_of(&shared.storage_routes.resolve(uri)) else {
            return Err(format!(
                "{uri} is not a container of the linked storage account {}",
                account.blob_endpoint
            ));
        };
        let url = format!("{}/{container}?restype=container", account.blob_endpoint);
        match send(shared, account, "GET", &url, None, None).await {
            Ok((200, _)) => {}
            Ok((status, _)) => return Err(format!("container {container}: HTTP {status}")),
            Err(e) => return Err(format!("container {container}: {e}")),
        }
    }
    Ok(())
}

/// One request to blob storage: with the SAS appended when there is one, else signed with the linked
/// account's key. Answers (status, body).
pub(super) async fn send(
    shared: &Shared,
    account: &StorageAccount,
    method: &str,
    url: &str,
    sas: Option<&str>,
    body: Option<(Vec<u8>, &str)>,
) -> Result<(u16, Vec<u8>), String> {
    let routed = shared.storage_routes.resolve(url);
    let full = match sas {
        Some(sas) => with_sas(&routed, sas),
        None => routed.to_string(),
    };
    let parsed = reqwest::Url::parse(&full).map_err(|e| format!("bad URL {url}: {e}"))?;
    let method_value = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let date = http_date(SystemTime::now());
    let mut x_ms: Vec<(&str, &str)> = vec![("x-ms-date", &date), ("x-ms-version", STORAGE_VERSION)];
    if body.is_some() {
        x_ms.push(("x-ms-blob-type", "BlockBlob"));
    }
    let mut request = shared.http.request(method_value, parsed.clone());
    for (k, v) in &x_ms {
        request = request.header(*k, *v);
    }
    let (length, content_type) = body.as_ref().map_or((0, ""), |(b, t)| (b.len(), *t));
    if sas.is_none() {
        let query: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let auth = account.shared_key(method, parsed.path(), &pairs, &x_ms, length, content_type);
        request = request.header("authorization", auth);
    }
    if let Some((bytes, content_type)) = body {
        request = request.header("content-type", content_type).body(bytes);
    }
    // reqwest names the request's URL in its errors, SAS included: the text goes without it (the caller
    // names the blob).
    let resp = request.send().await.map_err(|e| e.without_url().to_string())?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.map_err(|e| e.without_url().to_string())?;
    if !(200..300).contains(&status) {
        tracing::debug!(
            target: "arr_emulator::request",
            "storage {method} {url} -> {status}: {}",
            String::from_utf8_lossy(&bytes).chars().take(300).collect::<String>()
        );
    }
    Ok((status, bytes.to_vec()))
}
