//! The conversion operations of api-version 2021-01-01: create (PUT), get, list.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use super::codes::{LINKED_STORAGE_ERROR, LINKED_STORAGE_MESSAGE};
use super::create_body::parse_settings;
use super::record::{Conversion, Outcome, STATUS_NOT_STARTED};
use super::settings::Settings;
use super::storage::check_linked_access;
use super::worker::worker;
use crate::respond::{bad_request, empty, error_2021, json as json_resp, no_store, query_param, Resp};
use crate::shared::Shared;

fn valid_id(id: &str) -> bool {
    (1..=256).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// PUT: 201 NotStarted, 200 for the same settings again, 409 for other settings, 403 when linked
/// storage is needed and not accessible.
///
/// `planned_failure` (code, message): the conversion is to end `Failed` with it, without storage work.
pub(crate) async fn create(
    shared: &Arc<Shared>,
    account: &str,
    id: &str,
    body: &[u8],
    planned_failure: Option<(String, String)>,
) -> Resp {
    if !valid_id(id) {
        let shown: String = id.chars().take(64).collect();
        return bad_request(&format!(
            "The conversion id '{shown}{}' is invalid: it must be 1 to 256 characters of letters, digits, '-' and '_'.",
            if id.chars().count() > 64 { "..." } else { "" }
        ));
    }
    let also_obj = shared.config.converter.profile == super::pipeline::ConverterProfile::Pipeline;
    let settings = match parse_settings(body, also_obj) {
        Ok(s) => s,
        Err(m) => return bad_request(&m),
    };
    if let Some(resp) = existing_answer(shared, account, id, &settings) {
        return resp;
    }
    if let Err(reason) = check_linked_access(shared, &settings).await {
        tracing::debug!(target: "arr_emulator::request", "conversion {id}: linked storage refused: {reason}");
        return error_2021(StatusCode::FORBIDDEN, LINKED_STORAGE_ERROR, LINKED_STORAGE_MESSAGE);
    }
    let config = &shared.config;
    let scale = config.time_scale;
    let emulated = |d: Duration| (d.as_nanos() as f64 / scale) as u64;
    let created = shared.store.with_conversions(|table, now| {
        let key = (account.to_string(), id.to_string());
        if table.map.contains_key(&key) {
            return (None, false);
        }
        let running_at_ns = now.saturating_add(emulated(config.conversion_start_delay));
        let conversion = Conversion {
            account_id: account.to_string(),
            id: id.to_string(),
            seq: table.next_seq,
            settings: settings.clone(),
            created_at_ns: now,
            running_at_ns,
            done_at_ns: running_at_ns.saturating_add(emulated(config.conversion_duration)),
            outcome: None,
            forced: None,
            forced_at_ns: None,
            planned_failure: planned_failure.map(|(code, message)| Outcome::failed(&code, message)),
            phases: Vec::new(),
        };
        table.next_seq += 1;
        let body = conversion.to_json(now, Some(STATUS_NOT_STARTED));
        table.map.insert(key, conversion);
        (Some(body), true)
    });
    match created {
        Some(body) => {
            tokio::spawn(worker(shared.clone(), account.to_string(), id.to_string()));
            json_resp(StatusCode::CREATED, &body)
        }
        // Created by a concurrent request meanwhile: answer as for a retry.
        None => existing_answer(shared, account, id, &settings).unwrap_or_else(|| {
            error_2021(
                StatusCode::CONFLICT,
                "Conflict",
                "A resource already exists under the given ID.",
            )
        }),
    }
}

/// The answer when a conversion with this id exists: 200 for the same settings (SAS aside), else 409.
fn existing_answer(shared: &Shared, account: &str, id: &str, settings: &Settings) -> Option<Resp> {
    shared.store.with_conversions(|table, now| {
        let answer = table.map.get(&(account.to_string(), id.to_string())).map(|c| {
            if c.settings.without_sas() == settings.without_sas() {
                json_resp(StatusCode::OK, &c.to_json(now, None))
            } else {
                error_2021(
                    StatusCode::CONFLICT,
                    "Conflict",
                    "A resource already exists under the given ID.",
                )
            }
        });
        (answer, false)
    })
}

pub(crate) fn get(shared: &Shared, account: &str, id: &str) -> Resp {
    shared.store.with_conversions(|table, now| {
        let resp = match table.map.get(&(account.to_string(), id.to_string())) {
            Some(c) => no_store(json_resp(StatusCode::OK, &c.to_json(now, None))),
            None => empty(StatusCode::NOT_FOUND),
        };
        (resp, false)
    })
}

/// GET list: every conversion of the account in creation order, `page_size` per page; `@nextLink` is
/// an absolute URL, or `null` on the last page (as the service sent it). No Cache-Control (§8.1).
pub(crate) fn list(shared: &Shared, account: &str, path: &str, query: Option<&str>, origin: &str) -> Resp {
    let version = query_param(query, "api-version").unwrap_or_default();
    let after = match query_param(query, "skiptoken") {
        None => None,
        Some(token) => match URL_SAFE_NO_PAD
            .decode(&token)
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|s| s.strip_prefix("after:").and_then(|n| n.parse::<u64>().ok()))
        {
            Some(seq) => Some(seq),
            None => return bad_request("The skiptoken query parameter is invalid."),
        },
    };
    let page_size = shared.config.page_size;
    let body = shared.store.with_conversions(|table, now| {
        let mut mine: Vec<&Conversion> = table
            .map
            .values()
            .filter(|c| c.account_id == account && after.is_none_or(|a| c.seq > a))
            .collect();
        mine.sort_by_key(|c| c.seq);
        let page = &mine[..mine.len().min(page_size)];
        let next = if mine.len() > page_size {
            let last = page.last().expect("page is non-empty").seq;
            let token = URL_SAFE_NO_PAD.encode(format!("after:{last}"));
            json!(format!("{origin}{path}?api-version={version}&skiptoken={token}"))
        } else {
            Value::Null
        };
        let items: Vec<Value> = page.iter().map(|c| c.to_json(now, None)).collect();
        (json!({ "conversions": items, "@nextLink": next }), false)
    });
    json_resp(StatusCode::OK, &body)
}
