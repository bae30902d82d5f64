//! `GET /_emulator/overview`: everything the dashboard shows, in one JSON document. It holds no account
//! key, token or SAS: sessions have none, conversions are shown by their URIs without SAS, the storage
//! account by its blob endpoint, accounts by id, and requests as the redacted log records.

use serde_json::{json, Value};

use crate::conversion::{format_z, Conversion};
use crate::session::{Status, View};
use crate::shared::Shared;
use crate::timefmt::format_creation_time;

/// Requests shown in the log panel.
const LOG_ROWS: usize = 200;

pub(crate) fn overview(shared: &Shared) -> Value {
    let config = &shared.config;
    let sessions: Vec<Value> = shared.store.list(None).iter().map(session_row).collect();
    let conversions: Vec<Value> = shared.store.with_conversions(|table, now| {
        let rows = table
            .to_vec()
            .iter()
            .map(|c| conversion_row(c, now, config.time_scale))
            .collect();
        (rows, false)
    });
    let accounts: Vec<&str> = shared.accounts.iter().map(|(id, _)| id.as_str()).collect();
    json!({
        "emulator": {
            "baseUrl": shared.base_url,
            "accounts": accounts,
            "storage": shared.storage.as_ref().map(|s| s.blob_endpoint.split('?').next().unwrap_or("").to_string()),
            "timeScale": config.time_scale,
            "startDelaySeconds": config.start_delay.as_secs_f64(),
        },
        "clock": { "advancedMinutes": shared.store.clock_advanced_minutes() },
        "hosts": hosts_summary(shared),
        "sessions": sessions,
        "conversions": conversions,
        "faults": shared.faults.pending(),
        "requests": shared.log.latest(LOG_ROWS),
    })
}

fn session_row(view: &View) -> Value {
    let s = &view.session;
    let lease_secs = u64::from(s.max_lease_minutes) * 60;
    let remaining_secs = if view.status.is_active() {
        lease_secs.saturating_sub(view.elapsed_secs)
    } else {
        0
    };
    let ready = view.status == Status::Ready;
    json!({
        "accountId": s.account_id,
        "id": s.id,
        "status": view.reported_status(),
        "realStatus": view.status.as_str(),
        "size": view.reported_size(),
        "maxLeaseTimeMinutes": s.max_lease_minutes,
        "elapsedSeconds": view.elapsed_secs,
        "remainingSeconds": remaining_secs,
        "hostname": ready.then(|| s.hostname.clone()),
        "handshakePort": ready.then_some(s.handshake_port),
        "arrInspectorPort": ready.then_some(s.arr_inspector_port),
        "creationTime": format_creation_time(s.created_at_ns),
        "errorCode": view.failure().map(|f| f.code.clone()),
        "errorMessage": view.failure().map(|f| f.message.clone()),
        "host": s.host.as_ref().map(|h| json!({
            "provider": h.provider,
            "state": h.state.as_str(),
            "lastLog": h.last_log,
        })),
        "billedMinutes": billed_minutes(view),
        "cost": s.host.as_ref().map(|h| billed_minutes(view) as f64 * h.price_per_hour / 60.0),
    })
}

/// Minutes billed so far: every started minute of Ready time (inferred; the service billed per minute).
fn billed_minutes(view: &View) -> u64 {
    view.elapsed_secs.div_ceil(60)
}

/// The host provider and its warm pools.
fn hosts_summary(shared: &Shared) -> Value {
    let warm: Vec<Value> = shared
        .hosts
        .warm_hosts()
        .into_iter()
        .map(|(size, key, ready)| json!({ "size": size, "key": key, "ready": ready }))
        .collect();
    json!({ "provider": shared.hosts.provider_name(), "warm": warm })
}

fn conversion_row(c: &Conversion, now: u64, time_scale: f64) -> Value {
    let snapshot = c.snapshot(now);
    json!({
        "accountId": snapshot.account_id,
        "id": snapshot.id,
        "status": snapshot.status,
        "inputAssetUri": snapshot.input_asset_uri,
        "outputAssetUri": snapshot.output_asset_uri,
        "creationTime": format_z(c.created_at_ns),
        "elapsedSeconds": c.elapsed_secs(now, time_scale),
        "errorCode": snapshot.error_code,
        "errorMessage": snapshot.error_message,
        // The pipeline converter's phases done so far (none for the simulated one).
        "phases": c.phases.iter().map(|(name, seconds)| json!({ "phase": name, "seconds": seconds })).collect::<Vec<_>>(),
    })
}
