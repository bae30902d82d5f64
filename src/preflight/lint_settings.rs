//! The settings files the service reads beside the model: found (names that miss by letter case are
//! reported), read and checked, and the file the deprecated `material-override` key names.

use crate::error::Result;

use super::blob::{Container, Listing};
use super::check::SettingsFileKind;
use super::lint::{stem, DEFAULT_SCAN_BYTES};
use super::{Finding, Severity};

/// The settings files the service would read beside the model, checked; names that miss by letter case
/// or deprecated forms are reported. Returns the blobs checked.
pub(super) async fn check_settings_files(
    container: &Container,
    findings: &mut Vec<Finding>,
    listing: &Listing,
    input_blob: &str,
    dir: &str,
) -> Result<Vec<String>> {
    let stem = stem(input_blob);
    let specific = format!("{dir}{stem}.ConversionSettings.json");
    let deprecated = format!("{dir}conversionSettings.json");
    let overrides = format!("{dir}{stem}.MaterialOverrides.json");
    let mut checked = Vec::new();
    let mut settings_text: Option<(String, String)> = None;
    for (name, kind) in [
        (&specific, SettingsFileKind::ConversionSettings),
        (&deprecated, SettingsFileKind::ConversionSettings),
        (&overrides, SettingsFileKind::MaterialOverrides),
    ] {
        if !listing.blobs.contains_key(name.as_str()) {
            let lower = name.to_lowercase();
            if let Some(near) = listing.blobs.keys().find(|b| b.to_lowercase() == lower) {
                findings.push(Finding::new(
                    Severity::Warning,
                    "settings-file-name",
                    near,
                    "",
                    format!("the service looks for \"{name}\" (names are case-sensitive); this file is not read"),
                ));
            }
            continue;
        }
        let Some(bytes) = container.read(name, Some(DEFAULT_SCAN_BYTES)).await? else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        findings.extend(kind.check(name, &text, Some(input_blob)));
        checked.push(name.clone());
        if kind == SettingsFileKind::ConversionSettings && settings_text.is_none() {
            settings_text = Some((name.clone(), text));
        }
    }
    if checked.contains(&specific) && checked.contains(&deprecated) {
        findings.push(Finding::new(
            Severity::Warning,
            "settings-file-both",
            &deprecated,
            "",
            format!("both \"{specific}\" and this deprecated file exist: keep only the model's own"),
        ));
    }
    // The deprecated `material-override` key names a file, taken here relative to the model's folder
    // (inferred: the documentation's example puts it beside the model).
    let named = settings_text.and_then(|(file, text)| {
        let value: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
        let target = value.get("material-override")?.as_str()?.to_owned();
        Some((file, target))
    });
    if let Some((file, target)) = named.filter(|(_, t)| !t.is_empty()) {
        let blob = format!("{dir}{}", target.trim_start_matches('/'));
        if checked.contains(&overrides) {
            findings.push(Finding::new(
                Severity::Warning,
                "settings-file-both",
                &file,
                "/material-override",
                format!("names \"{target}\" while \"{overrides}\" exists too: keep only the model's own file"),
            ));
        }
        match listing.blobs.contains_key(&blob) {
            true => {
                if let Some(bytes) = container.read(&blob, Some(DEFAULT_SCAN_BYTES)).await? {
                    let text = String::from_utf8_lossy(&bytes);
                    findings.extend(SettingsFileKind::MaterialOverrides.check(&blob, &text, Some(input_blob)));
                    checked.push(blob);
                }
            }
            false => findings.push(Finding::new(
                Severity::Error,
                "reference-missing",
                &file,
                "/material-override",
                format!("names \"{target}\", which is not found beside the model (\"{blob}\")"),
            )),
        }
    }
    Ok(checked)
}
