//! Checks a settings file's text against the tables in `rules.rs`.

use serde_json::{Map, Value};

use super::rules::{
    Field, Shape, AXIS_VALUES, CONVERSION_SETTINGS, MATERIAL_OVERRIDE, MAX_MATERIALS, POINT_CLOUD_EXTENSIONS,
    TEXTURE_MAPS,
};
use super::{pointer, Finding, Severity};

/// Which of the service's settings files a text is.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingsFileKind {
    /// `<model>.ConversionSettings.json`, or the deprecated `conversionSettings.json`.
    ConversionSettings,
    /// `<model>.MaterialOverrides.json`, or a file named by the deprecated `material-override` key.
    MaterialOverrides,
}

impl SettingsFileKind {
    /// The kind the file's name says (its last path component; letter case ignored here, the lint
    /// reports names the service would not find), or `None` for any other name.
    pub fn from_file_name(file: &str) -> Option<SettingsFileKind> {
        let name = file_name(file).to_ascii_lowercase();
        if name.ends_with(".conversionsettings.json") || name == "conversionsettings.json" {
            Some(SettingsFileKind::ConversionSettings)
        } else if name.ends_with(".materialoverrides.json") {
            Some(SettingsFileKind::MaterialOverrides)
        } else {
            None
        }
    }

    /// Checks `text` as this kind of file. `input_asset` (the model's path or name) matters for
    /// conversion settings: a point cloud reads only some of the keys.
    pub fn check(self, file: &str, text: &str, input_asset: Option<&str>) -> Vec<Finding> {
        let mut checker = Checker {
            file,
            findings: Vec::new(),
            point_cloud: input_asset.is_some_and(is_point_cloud),
        };
        match serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')) {
            Err(e) => checker.push(
                Severity::Error,
                "syntax",
                "",
                format!("not valid JSON: {e}; the service cannot read the file"),
            ),
            Ok(value) => match self {
                SettingsFileKind::ConversionSettings => checker.conversion_settings(&value),
                SettingsFileKind::MaterialOverrides => checker.material_overrides(&value),
            },
        }
        if self == SettingsFileKind::ConversionSettings && file_name(file) == "conversionSettings.json" {
            checker.push(
                Severity::Warning,
                "deprecated-file-name",
                "",
                "conversionSettings.json (one file for every model) is deprecated: name it <model>.ConversionSettings.json",
            );
        }
        checker.findings
    }
}

/// Checks a settings file: its kind from its name (see [`SettingsFileKind::from_file_name`]), else from
/// its content (an array is a material-override file, anything else conversion settings). Problems come
/// back as findings naming `file`, the JSON Pointer and the rule; an empty list means the file is fine.
pub fn check_settings(file: &str, text: &str, input_asset: Option<&str>) -> Vec<Finding> {
    let kind = SettingsFileKind::from_file_name(file).unwrap_or_else(|| {
        if text.trim_start_matches('\u{feff}').trim_start().starts_with('[') {
            SettingsFileKind::MaterialOverrides
        } else {
            SettingsFileKind::ConversionSettings
        }
    });
    kind.check(file, text, input_asset)
}

pub(crate) fn is_point_cloud(asset: &str) -> bool {
    extension(asset).is_some_and(|ext| POINT_CLOUD_EXTENSIONS.contains(&ext.as_str()))
}

/// The lower-case extension of a path's last component.
pub(crate) fn extension(path: &str) -> Option<String> {
    let name = file_name(path);
    name.rsplit_once('.')
        .filter(|(stem, _)| !stem.is_empty())
        .map(|(_, ext)| ext.to_ascii_lowercase())
}

pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

struct Checker<'a> {
    file: &'a str,
    findings: Vec<Finding>,
    point_cloud: bool,
}

impl Checker<'_> {
    fn push(&mut self, severity: Severity, rule: &'static str, path: &str, message: impl Into<String>) {
        self.findings
            .push(Finding::new(severity, rule, self.file, path, message));
    }

    fn conversion_settings(&mut self, value: &Value) {
        match value {
            Value::Object(map) => self.object(map, CONVERSION_SETTINGS, "", true),
            other => self.push(
                Severity::Error,
                "type",
                "",
                format!("must be a JSON object of settings, not {}", kind_of(other)),
            ),
        }
    }

    fn material_overrides(&mut self, value: &Value) {
        let Value::Array(entries) = value else {
            self.push(
                Severity::Error,
                "type",
                "",
                format!("must be a JSON array of material entries, not {}", kind_of(value)),
            );
            return;
        };
        if entries.len() > MAX_MATERIALS {
            self.push(
                Severity::Warning,
                "material-limit",
                "",
                format!(
                    "{} entries: an asset holds at most {MAX_MATERIALS} materials, so they cannot all apply",
                    entries.len()
                ),
            );
        }
        let mut exact_names = std::collections::HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            let path = format!("/{index}");
            let Value::Object(map) = entry else {
                self.push(
                    Severity::Error,
                    "type",
                    &path,
                    format!("each entry must be an object with a name, not {}", kind_of(entry)),
                );
                continue;
            };
            self.object(map, MATERIAL_OVERRIDE, &path, false);
            let regex = map.get("nameMatching").and_then(Value::as_str) == Some("regex");
            if let (Some(name), false) = (map.get("name").and_then(Value::as_str), regex) {
                if let Some(first) = exact_names.insert(name.to_owned(), index) {
                    self.push(
                        Severity::Warning,
                        "duplicate-name",
                        &pointer(&path, "name"),
                        format!("\"{name}\" is also entry {first}'s name: only one entry applies to a material"),
                    );
                }
            }
        }
    }

    /// A closed object: known keys checked, unknown ones refused, required ones present.
    fn object(&mut self, map: &Map<String, Value>, fields: &[Field], path: &str, top: bool) {
        for (key, value) in map {
            let at = pointer(path, key);
            let Some(field) = fields.iter().find(|f| f.key == key) else {
                let known: Vec<&str> = fields.iter().map(|f| f.key).collect();
                let hint = match closest(key, &known) {
                    Some(near) => format!("did you mean \"{near}\"?"),
                    None => format!("known: {}", known.join(", ")),
                };
                self.push(
                    Severity::Error,
                    "unknown-key",
                    &at,
                    format!("\"{key}\" is not a known key (the service refuses unknown keys); {hint}"),
                );
                continue;
            };
            self.value(&field.shape, value, &at);
            if let Some(why) = field.deprecated {
                self.push(
                    Severity::Warning,
                    "deprecated",
                    &at,
                    format!("\"{key}\" is deprecated: {why}"),
                );
            }
            if top && self.point_cloud && !field.point_cloud {
                self.push(
                    Severity::Warning,
                    "point-cloud-ignored",
                    &at,
                    format!(
                        "\"{key}\" has no effect on a point cloud (only scaling, recenterToOrigin, axis, \
                         gammaToLinearVertex and generateCollisionMesh are read)"
                    ),
                );
            }
        }
        for field in fields.iter().filter(|f| f.required && !map.contains_key(f.key)) {
            self.push(
                Severity::Error,
                "required",
                path,
                format!("\"{}\" is required", field.key),
            );
        }
    }

    fn value(&mut self, shape: &Shape, value: &Value, at: &str) {
        match shape {
            Shape::Bool => {
                if !value.is_boolean() {
                    let hint = match value.as_str() {
                        Some(s @ ("true" | "false" | "True" | "False")) => {
                            format!(" (write {} without quotes)", s.to_ascii_lowercase())
                        }
                        _ => String::new(),
                    };
                    self.push(
                        Severity::Error,
                        "type",
                        at,
                        format!("must be true or false, not {}{hint}", kind_of(value)),
                    );
                }
            }
            Shape::Number { exclusive_min, usual } => {
                let Some(n) = value.as_f64() else {
                    self.push(
                        Severity::Error,
                        "type",
                        at,
                        format!("must be a number, not {}", kind_of(value)),
                    );
                    return;
                };
                if let Some(min) = exclusive_min.filter(|min| n <= *min) {
                    self.push(
                        Severity::Error,
                        "range",
                        at,
                        format!("must be greater than {min}, not {n}"),
                    );
                } else if let Some((low, high)) = usual.filter(|(low, high)| n < *low || n > *high) {
                    self.push(
                        Severity::Warning,
                        "range",
                        at,
                        format!("{n} is outside {low} to {high}, the range the material model uses"),
                    );
                }
            }
            Shape::String => {
                if !value.is_string() {
                    self.push(
                        Severity::Error,
                        "type",
                        at,
                        format!("must be a string, not {}", kind_of(value)),
                    );
                }
            }
            Shape::Enum(allowed) => self.one_of(allowed, value, at),
            Shape::Axis => self.axis(value, at),
            Shape::MetadataKeys => {
                let Some(keys) = self.array(value, at) else { return };
                for (index, key) in keys.iter().enumerate() {
                    let item = pointer(at, &index.to_string());
                    match key.as_str() {
                        None => self.push(
                            Severity::Error,
                            "type",
                            &item,
                            format!("must be a string, not {}", kind_of(key)),
                        ),
                        Some("") => self.push(Severity::Warning, "pattern", &item, "an empty key matches nothing"),
                        Some(k) if k.trim_end_matches('*').contains('*') => self.push(
                            Severity::Warning,
                            "pattern",
                            &item,
                            format!(
                                "\"{k}\": a * is a wildcard only at the end (\"ABC*\" keeps keys starting with ABC)"
                            ),
                        ),
                        Some(_) => {}
                    }
                }
            }
            Shape::TextureMaps => {
                let Some(maps) = self.array(value, at) else { return };
                for (index, map) in maps.iter().enumerate() {
                    self.one_of(TEXTURE_MAPS, map, &pointer(at, &index.to_string()));
                }
            }
            Shape::ColorOrAlpha => self.color(value, at),
            Shape::Object(fields) => match value {
                Value::Object(map) => self.object(map, fields, at, false),
                other => self.push(
                    Severity::Error,
                    "type",
                    at,
                    format!("must be an object, not {}", kind_of(other)),
                ),
            },
        }
    }

    fn array<'v>(&mut self, value: &'v Value, at: &str) -> Option<&'v Vec<Value>> {
        match value {
            Value::Array(items) => Some(items),
            other => {
                self.push(
                    Severity::Error,
                    "type",
                    at,
                    format!("must be an array, not {}", kind_of(other)),
                );
                None
            }
        }
    }

    fn one_of(&mut self, allowed: &[&str], value: &Value, at: &str) {
        match value.as_str() {
            Some(s) if allowed.contains(&s) => {}
            Some(s) => {
                let hint = match allowed.iter().find(|a| a.eq_ignore_ascii_case(s)) {
                    Some(exact) => format!(" (values are case-sensitive: write \"{exact}\")"),
                    None => String::new(),
                };
                self.push(
                    Severity::Error,
                    "enum",
                    at,
                    format!("\"{s}\" is not one of {}{hint}", allowed.join(", ")),
                );
            }
            None => self.push(
                Severity::Error,
                "type",
                at,
                format!("must be one of {}, not {}", allowed.join(", "), kind_of(value)),
            ),
        }
    }

    fn axis(&mut self, value: &Value, at: &str) {
        let Some(items) = self.array(value, at) else { return };
        if items.len() != 3 {
            self.push(
                Severity::Error,
                "axis-count",
                at,
                format!(
                    "must list exactly three axes (e.g. [\"+x\", \"+z\", \"-y\"]), not {}",
                    items.len()
                ),
            );
        }
        let mut seen: Vec<(char, usize)> = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let item_at = pointer(at, &index.to_string());
            self.one_of(AXIS_VALUES, item, &item_at);
            let Some(s) = item.as_str().filter(|s| AXIS_VALUES.contains(s) && *s != "default") else {
                continue;
            };
            let letter = s.chars().last().unwrap_or('x');
            if let Some((_, first)) = seen.iter().find(|(l, _)| *l == letter) {
                self.push(
                    Severity::Error,
                    "axis-repeat",
                    &item_at,
                    format!(
                        "\"{s}\": the {letter} axis is already used at index {first}; each of x, y and z may appear once"
                    ),
                );
            } else {
                seen.push((letter, index));
            }
        }
    }

    fn color(&mut self, value: &Value, at: &str) {
        let Value::Object(map) = value else {
            self.push(
                Severity::Error,
                "type",
                at,
                format!(
                    "must be an object {{\"r\", \"g\", \"b\"[, \"a\"]}} or {{\"a\"}}, not {}",
                    kind_of(value)
                ),
            );
            return;
        };
        for (key, component) in map {
            let component_at = pointer(at, key);
            if ["r", "g", "b", "a"].contains(&key.as_str()) {
                if !component.is_number() {
                    self.push(
                        Severity::Error,
                        "type",
                        &component_at,
                        format!("must be a number, not {}", kind_of(component)),
                    );
                }
            } else {
                self.push(
                    Severity::Warning,
                    "unknown-key",
                    &component_at,
                    format!("\"{key}\" is not a color component (r, g, b, a) and is ignored"),
                );
            }
        }
        let rgb = ["r", "g", "b"].map(|k| map.contains_key(k));
        if rgb.contains(&true) && rgb.contains(&false) || !rgb.contains(&true) && !map.contains_key("a") {
            let missing: Vec<&str> = ["r", "g", "b"].into_iter().filter(|k| !map.contains_key(*k)).collect();
            self.push(
                Severity::Error,
                "required",
                at,
                format!("needs r, g and b (or only a); missing {}", missing.join(", ")),
            );
        }
    }
}

fn kind_of(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string \"{s}\""),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// The known key a typo most likely meant: at most two edits away ignoring case, or the start of it.
fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = key.to_ascii_lowercase();
    let near = known
        .iter()
        .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k);
    near.or_else(|| {
        known
            .iter()
            .find(|k| lower.len() >= 4 && k.to_ascii_lowercase().starts_with(&lower))
            .copied()
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
