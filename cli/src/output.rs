//! Results on stdout: readable tables, or with `--output json` the session and conversion JSON exactly as
//! the core serialises it (the 2021-01-01 wire names the C ABI uses, never a SAS), one document per line.

use std::fmt::Write as _;

use arr_session::{AssetConversion, ConversionSettings, Session};
use serde_json::json;

use crate::args::OutputFormat;

/// One session: `key  value` lines, or its JSON object.
pub fn session(session: &Session, format: OutputFormat) {
    match format {
        OutputFormat::Json => println!("{}", session_json(session)),
        OutputFormat::Table => print!("{}", session_table(session)),
    }
}

/// Several sessions: a table with a header, or a JSON array.
pub fn sessions(list: &[Session], format: OutputFormat) {
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string(list).expect("sessions serialise")),
        OutputFormat::Table if list.is_empty() => println!("No Starting or Ready sessions."),
        OutputFormat::Table => print!("{}", sessions_table(list)),
    }
}

/// The result of stopping one session.
pub fn stopped(id: &str, format: OutputFormat) {
    match format {
        OutputFormat::Json => println!("{}", json!({ "id": id, "stopped": true })),
        OutputFormat::Table => println!("Stopped session {id}."),
    }
}

/// One conversion: `key  value` lines, or its JSON object.
pub fn conversion(conversion: &AssetConversion, format: OutputFormat) {
    match format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string(conversion).expect("a conversion serialises")
        ),
        OutputFormat::Table => print!("{}", conversion_table(conversion)),
    }
}

/// Several conversions: a table with a header, or a JSON array.
pub fn conversions(list: &[AssetConversion], format: OutputFormat) {
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string(list).expect("conversions serialise")),
        OutputFormat::Table if list.is_empty() => println!("No conversions."),
        OutputFormat::Table => print!("{}", conversions_table(list)),
    }
}

/// Where the model is read from: container, prefix and path joined as one URL.
pub fn input_location(settings: &ConversionSettings) -> String {
    let input = &settings.input_location;
    join(&[
        &input.storage_container_uri,
        input.blob_prefix.as_deref().unwrap_or_default(),
        &input.relative_input_asset_path,
    ])
}

/// Where the asset goes (or went): the service's output URI once there is one, else container, prefix
/// and file name (the name may be left for the service to choose).
fn output_location(c: &AssetConversion) -> String {
    if let Some(uri) = c.output.as_ref().and_then(|o| o.output_asset_uri.clone()) {
        return uri;
    }
    let output = &c.settings.output_location;
    join(&[
        &output.storage_container_uri,
        output.blob_prefix.as_deref().unwrap_or_default(),
        output.output_asset_filename.as_deref().unwrap_or_default(),
    ])
}

/// Joins URL parts with exactly one `/` between non-empty parts.
fn join(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts.iter().filter(|p| !p.trim_matches('/').is_empty()) {
        if out.is_empty() {
            out.push_str(part.trim_end_matches('/'));
        } else {
            out.push('/');
            out.push_str(part.trim_matches('/'));
        }
    }
    out
}

fn conversion_table(c: &AssetConversion) -> String {
    let mut rows: Vec<(&str, String)> = vec![("id", c.id.clone()), ("status", c.status.to_string())];
    rows.push(("input", input_location(&c.settings)));
    let output_key = if c.output.is_some() { "output asset" } else { "output" };
    rows.push((output_key, output_location(c)));
    if let Some(created) = &c.creation_time {
        rows.push(("created", created.clone()));
    }
    if let Some(error) = &c.error {
        rows.push(("error", format!("{}: {}", error.code, error.message)));
    }
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (key, value) in rows {
        let _ = writeln!(out, "{key:<width$}  {value}");
    }
    out
}

fn conversions_table(list: &[AssetConversion]) -> String {
    let header = ["ID", "STATUS", "INPUT", "OUTPUT OR ERROR"];
    let rows: Vec<[String; 4]> = list
        .iter()
        .map(|c| {
            let last = match &c.error {
                Some(error) => format!("{}: {}", error.code, error.message),
                None => output_location(c),
            };
            [c.id.clone(), c.status.to_string(), input_location(&c.settings), last]
        })
        .collect();
    table(&header, &rows)
}

/// A header and rows, columns padded to the widest cell, two spaces apart.
fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(out, "{}", padded.join("  ").trim_end());
    };
    line(&mut out, header);
    for row in rows {
        line(&mut out, &row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

pub fn session_json(session: &Session) -> String {
    serde_json::to_string(session).expect("a session serialises")
}

fn session_table(s: &Session) -> String {
    let mut rows: Vec<(&str, String)> = vec![("id", s.id.clone()), ("status", s.status.to_string())];
    rows.push(("size", s.size.to_string()));
    if let Some(lease) = s.max_lease_time_minutes {
        rows.push(("lease", minutes(lease)));
    }
    if let Some(elapsed) = s.elapsed_time_minutes {
        rows.push(("elapsed", minutes(elapsed)));
    }
    if let Some(host) = &s.hostname {
        rows.push(("hostname", host.clone()));
    }
    if let Some(port) = s.handshake_port {
        rows.push(("handshake port", port.to_string()));
    }
    if let Some(port) = s.arr_inspector_port {
        rows.push(("inspector port", port.to_string()));
    }
    if let Some(teraflops) = s.teraflops {
        rows.push(("teraflops", teraflops.to_string()));
    }
    if let Some(created) = &s.creation_time {
        rows.push(("created", created.clone()));
    }
    if let Some(error) = &s.error {
        rows.push(("error", format!("{}: {}", error.code, error.message)));
    }
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (key, value) in rows {
        let _ = writeln!(out, "{key:<width$}  {value}");
    }
    out
}

fn sessions_table(list: &[Session]) -> String {
    let header = ["ID", "STATUS", "SIZE", "LEASE", "ELAPSED", "HOSTNAME"];
    let rows: Vec<[String; 6]> = list
        .iter()
        .map(|s| {
            [
                s.id.clone(),
                s.status.to_string(),
                s.size.to_string(),
                s.max_lease_time_minutes.map(minutes).unwrap_or_else(|| "-".into()),
                s.elapsed_time_minutes.map(minutes).unwrap_or_else(|| "-".into()),
                s.hostname.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    table(&header, &rows)
}

fn minutes(value: u32) -> String {
    format!("{value} min")
}

#[cfg(test)]
mod tests {
    use super::*;
    use arr_session::{SessionSize, SessionStatus};

    fn sample(id: &str) -> Session {
        Session {
            id: id.into(),
            status: SessionStatus::Ready,
            size: SessionSize::Standard,
            max_lease_time_minutes: Some(90),
            elapsed_time_minutes: Some(3),
            hostname: Some("h.example".into()),
            handshake_port: Some(50051),
            arr_inspector_port: None,
            teraflops: None,
            creation_time: None,
            error: None,
        }
    }

    #[test]
    fn tables_align_and_skip_missing_fields() {
        let text = session_table(&sample("s1"));
        assert!(text.contains("status          Ready\n"), "{text}");
        assert!(text.contains("lease           90 min\n"));
        assert!(!text.contains("teraflops"));
        let text = sessions_table(&[sample("a"), sample("longer-id")]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("ID         STATUS"), "{text}");
        assert!(lines[1].starts_with("a          Ready"));
    }

    #[test]
    fn conversion_locations_join_cleanly() {
        let mut c = AssetConversion {
            id: "c1".into(),
            settings: ConversionSettings::new("https://s.example/in/", "box.fbx", "https://s.example/out"),
            status: arr_session::ConversionStatus::Running,
            error: None,
            output: None,
            creation_time: None,
            results: None,
        };
        c.settings.input_location.blob_prefix = Some("models/".into());
        c.settings.output_location.blob_prefix = Some("o".into());
        assert_eq!(input_location(&c.settings), "https://s.example/in/models/box.fbx");
        let text = conversion_table(&c);
        assert!(text.contains("output  https://s.example/out/o\n"), "{text}");
        let text = conversions_table(&[c]);
        assert!(text.lines().next().unwrap().starts_with("ID  STATUS   INPUT"), "{text}");
    }

    #[test]
    fn json_uses_the_wire_names() {
        let value: serde_json::Value = serde_json::from_str(&session_json(&sample("s1"))).unwrap();
        assert_eq!(value["maxLeaseTimeMinutes"], 90);
        assert_eq!(value["handshakePort"], 50051);
        assert!(value.get("teraflops").is_none());
    }
}
