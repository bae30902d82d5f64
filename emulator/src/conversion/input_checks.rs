//! What the emulator checks of a conversion's input before it "converts" it: the settings file beside
//! the model, and the model's format version where its first bytes say it. It reads no more than that:
//! bytes it cannot place (a test's `b"a model"`) pass as a model of the format its name says.
//!
//! Settings (`<model>.ConversionSettings.json`, or the deprecated `conversionSettings.json`), checked
//! against the published schema (docs: "Configure model conversion parameters"): the file is a JSON
//! object, every key is one the schema lists (`additionalProperties: false`), and `axis` is exactly three
//! of `default`, `+x`, `-x`, `+y`, `-y`, `+z`, `-z` (so `"Default"`, as ARRT once wrote, is refused:
//! ARRT issue #19). Which of the schema's rules the service applied, and how it reported them, is
//! inferred; the other rules (types, `scaling` > 0, enums of `vertex`) are not checked here.
//!
//! Formats (docs: "Convert models", supported source formats): FBX 2011 to 2020 (file versions 7100 to
//! 7700, binary or ASCII header), glTF and GLB 2.x (`asset.version`, the GLB header's version), and PLY
//! in `binary_little_endian` only.

use serde_json::Value;

/// Top-level keys of the settings schema.
const SETTINGS_KEYS: [&str; 14] = [
    "scaling",
    "recenterToOrigin",
    "opaqueMaterialDefaultSidedness",
    "material-override",
    "gammaToLinearMaterial",
    "gammaToLinearVertex",
    "sceneGraphMode",
    "generateCollisionMesh",
    "unlitMaterials",
    "deduplicateMaterials",
    "fbxAssumeMetallic",
    "axis",
    "vertex",
    "metadataKeys",
];
const AXIS_VALUES: [&str; 7] = ["default", "+x", "-x", "+y", "-y", "+z", "-z"];
/// FBX 2011 and FBX 2020 as file versions.
const FBX_VERSIONS: std::ops::RangeInclusive<u32> = 7100..=7700;
const FBX_BINARY_MAGIC: &[u8] = b"Kaydara FBX Binary  \0";

/// Why a settings file is refused: the JSON path (`axis[0]`, `""` for the whole file) and the rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SettingsProblem {
    pub path: String,
    pub problem: String,
}

/// The settings file's object, or why the service would refuse it.
pub(super) fn check_settings(bytes: &[u8]) -> Result<Value, SettingsProblem> {
    let problem = |path: &str, problem: String| SettingsProblem {
        path: path.to_string(),
        problem,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| problem("", "the file is not UTF-8 text".into()))?;
    let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| problem("", format!("the file is not valid JSON: {e}")))?;
    let Some(object) = value.as_object() else {
        return Err(problem("", "the file must hold a JSON object".into()));
    };
    if let Some(unknown) = object.keys().find(|k| !SETTINGS_KEYS.contains(&k.as_str())) {
        return Err(problem(
            unknown,
            format!("'{unknown}' is not a conversion setting (additionalProperties: false)"),
        ));
    }
    if let Some(axis) = object.get("axis") {
        let items = axis
            .as_array()
            .filter(|a| a.len() == 3)
            .ok_or_else(|| problem("axis", "axis must be an array of exactly three values".into()))?;
        for (i, item) in items.iter().enumerate() {
            if !item.as_str().is_some_and(|s| AXIS_VALUES.contains(&s)) {
                return Err(problem(
                    &format!("axis[{i}]"),
                    format!("{item} is not one of {}", AXIS_VALUES.join(", ")),
                ));
            }
        }
    }
    Ok(value)
}

/// What the info file says of the input's format.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct InputFormat {
    /// `.fbx`, as the name has it (lower-cased).
    pub extension: String,
    /// The importer's name (the documented example says `glTF2 Importer`; the others are inferred).
    pub description: &'static str,
    /// The format version the header gives, or empty.
    pub version: String,
    /// The tool that wrote the file, when the format records it (glTF's `asset.generator`), or empty.
    pub generator: String,
}

/// The input's format, or why the service would not convert it (a version or encoding it does not
/// support, said the way the result file's `details` says it).
pub(super) fn check_format(file_name: &str, bytes: &[u8]) -> Result<InputFormat, String> {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let mut format = InputFormat {
        extension: format!(".{extension}"),
        description: "",
        version: String::new(),
        generator: String::new(),
    };
    match extension.as_str() {
        "fbx" => {
            format.description = "Autodesk FBX Importer";
            if let Some(version) = fbx_version(bytes) {
                if !FBX_VERSIONS.contains(&version) {
                    return Err(format!(
                        "FBX file version {version} is not supported: the conversion supports FBX 2011 to 2020 \
                         (file versions {} to {})",
                        FBX_VERSIONS.start(),
                        FBX_VERSIONS.end()
                    ));
                }
                format.version = version.to_string();
            }
        }
        "gltf" => {
            format.description = "glTF2 Importer";
            if let Ok(Value::Object(doc)) = serde_json::from_slice::<Value>(bytes) {
                let asset = doc.get("asset");
                let version = asset.and_then(|a| a.get("version")).and_then(Value::as_str);
                if let Some(v) = version {
                    if !(v == "2" || v.starts_with("2.")) {
                        return Err(unsupported_gltf(v));
                    }
                    format.version = v.to_string();
                }
                let generator = asset.and_then(|a| a.get("generator")).and_then(Value::as_str);
                format.generator = generator.unwrap_or_default().to_string();
            }
        }
        "glb" => {
            format.description = "glTF2 Importer";
            if bytes.len() >= 8 && &bytes[..4] == b"glTF" {
                match u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) {
                    1 => return Err(unsupported_gltf("1")),
                    2 => format.version = "2.0".into(),
                    _ => {}
                }
            }
        }
        "ply" => {
            format.description = "Stanford Polygon Library (PLY) Importer";
            if let Some(encoding) = ply_encoding(bytes) {
                if encoding != "binary_little_endian" {
                    return Err(format!(
                        "PLY files encoded as {encoding} are not supported: only binary_little_endian 1.0 is"
                    ));
                }
                format.version = "1.0".into();
            }
        }
        "e57" => format.description = "E57 Importer",
        "las" | "laz" => format.description = "LAS Importer",
        _ => format.description = "XYZ Importer",
    }
    Ok(format)
}

fn unsupported_gltf(version: &str) -> String {
    format!("glTF version {version} is not supported: the conversion supports glTF and GLB 2.x")
}

/// The FBX file version from a binary header (little-endian u32 after the magic) or an ASCII one
/// (`; FBX 7.4.0 project file`).
fn fbx_version(bytes: &[u8]) -> Option<u32> {
    if bytes.starts_with(FBX_BINARY_MAGIC) {
        let v = bytes.get(23..27)?;
        return Some(u32::from_le_bytes([v[0], v[1], v[2], v[3]]));
    }
    let head = std::str::from_utf8(&bytes[..bytes.len().min(256)]).ok()?;
    let rest = head.trim_start_matches('\u{feff}').strip_prefix("; FBX ")?;
    let mut parts = rest.split_whitespace().next()?.split('.');
    let major: u32 = parts.next()?.parse().ok()?;
    let minor: u32 = parts.next()?.parse().ok()?;
    Some(major * 1000 + minor * 100)
}

/// The `format` of a PLY header (`ply` then `format ascii 1.0`).
fn ply_encoding(bytes: &[u8]) -> Option<&str> {
    let head = std::str::from_utf8(&bytes[..bytes.len().min(512)]).ok().or_else(|| {
        // A binary body may follow the header within the first bytes; read up to the first non-UTF-8 byte.
        let valid = std::str::from_utf8(&bytes[..bytes.len().min(512)]).err()?.valid_up_to();
        std::str::from_utf8(&bytes[..valid]).ok()
    })?;
    let mut lines = head.lines();
    if lines.next()?.trim() != "ply" {
        return None;
    }
    lines
        .find_map(|l| l.trim().strip_prefix("format "))
        .and_then(|f| f.split_whitespace().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fbx_binary(version: u32) -> Vec<u8> {
        let mut b = FBX_BINARY_MAGIC.to_vec();
        b.extend_from_slice(&[0x1a, 0x00]);
        b.extend_from_slice(&version.to_le_bytes());
        b.extend_from_slice(&[0; 16]);
        b
    }

    #[test]
    fn settings_rules() {
        let ok = check_settings(br#"{"scaling": 0.01, "axis": ["+x", "+z", "-y"], "vertex": {}}"#).unwrap();
        assert_eq!(ok["scaling"], 0.01);
        assert!(check_settings(b"\xef\xbb\xbf{}").is_ok(), "a byte-order mark is fine");
        let err = |text: &str| check_settings(text.as_bytes()).unwrap_err();
        assert_eq!(err(r#"{"axis": ["Default", "+z", "-y"]}"#).path, "axis[0]");
        assert!(err(r#"{"axis": ["Default", "+z", "-y"]}"#)
            .problem
            .contains(r#""Default" is not one of default"#));
        assert_eq!(err(r#"{"axis": ["+x", "+y"]}"#).path, "axis");
        assert_eq!(err(r#"{"axis": "+x"}"#).path, "axis");
        let unknown = err(r#"{"scaling": 1, "recenter": true}"#);
        assert_eq!(unknown.path, "recenter");
        assert!(unknown.problem.contains("additionalProperties"), "{unknown:?}");
        assert_eq!(err("{ scaling: 1 ").path, "");
        assert!(err("{ scaling: 1 ").problem.contains("not valid JSON"));
        assert!(err("[1]").problem.contains("JSON object"));
        assert!(check_settings(b"\xff\xfe").unwrap_err().problem.contains("UTF-8"));
    }

    #[test]
    fn format_versions() {
        assert_eq!(check_format("a.fbx", &fbx_binary(7400)).unwrap().version, "7400");
        assert_eq!(check_format("a.FBX", &fbx_binary(7700)).unwrap().extension, ".fbx");
        assert!(check_format("a.fbx", &fbx_binary(6100)).unwrap_err().contains("6100"));
        assert!(check_format("a.fbx", &fbx_binary(7800)).is_err());
        assert!(check_format("a.fbx", b"; FBX 6.1.0 project file\n").is_err());
        assert_eq!(
            check_format("a.fbx", b"; FBX 7.3.0 project file\n").unwrap().version,
            "7300"
        );
        // Bytes that are no known header pass: the emulator does not read models.
        assert!(check_format("a.fbx", b"Kaydara FBX Binary, as far as the emulator cares").is_ok());
        assert!(check_format("a.fbx", b"a model").is_ok());

        let gltf = check_format(
            "a.gltf",
            br#"{"asset": {"version": "2.0", "generator": "COLLADA2GLTF"}}"#,
        )
        .unwrap();
        assert_eq!(
            (gltf.version.as_str(), gltf.generator.as_str()),
            ("2.0", "COLLADA2GLTF")
        );
        assert!(check_format("a.gltf", br#"{"asset": {"version": "1.0"}}"#)
            .unwrap_err()
            .contains("1.0"));
        assert!(check_format("a.gltf", b"not json").is_ok());
        let mut glb = b"glTF".to_vec();
        glb.extend_from_slice(&1u32.to_le_bytes());
        assert!(check_format("a.glb", &glb).is_err());
        glb[4] = 2;
        assert_eq!(check_format("a.glb", &glb).unwrap().version, "2.0");
        assert!(check_format("a.glb", b"glTF binary").is_ok());

        assert!(check_format("a.ply", b"ply\nformat ascii 1.0\nend_header\n")
            .unwrap_err()
            .contains("ascii"));
        let mut ply = b"ply\r\nformat binary_little_endian 1.0\r\nend_header\r\n".to_vec();
        ply.extend_from_slice(&[0xff, 0xfe, 0x00]);
        assert!(check_format("a.ply", &ply).is_ok());
        assert_eq!(check_format("a.laz", b"LASF").unwrap().description, "LAS Importer");
    }
}
