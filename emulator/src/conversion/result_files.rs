//! The files a conversion leaves beside its output, in the service's shapes (docs: "Get information about
//! conversions"): `<name>.result.json`, a JSON array of `{"conversionId"}`, at most one
//! `{"error": code, "title", "details"}` and exactly one `{"result": "succeeded" | "failed"}`; and, for a
//! succeeded conversion, `<name>.info.json` with the sections `files`, `conversionSettings`, `inputInfo`,
//! `inputStatistics`, `materialOverrides` (when the settings name one), `outputInfo` and
//! `outputStatistics`. The simulated converter does not read models, so its statistics are zeros; the
//! pipeline converter fills in what it measured ([`Measured`]). Structs keep the documented key order
//! (serde_json's maps sort their keys).

use ring::digest::{digest, SHA256};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::input_checks::InputFormat;

/// One `error` (or `warning`) entry of a result file.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ResultError {
    pub code: &'static str,
    pub title: &'static str,
    pub details: Value,
}

/// `<name>.result.json`: one entry per line. `conversion_id` is the service's internal id (not the one
/// the conversion was created with). Warnings come before the error; with warnings and no error the
/// result is `succeeded with warnings`.
pub(super) fn result_file(conversion_id: &str, error: Option<&ResultError>, warnings: &[ResultError]) -> Vec<u8> {
    #[derive(Serialize)]
    struct ErrorEntry<'a> {
        error: &'a str,
        title: &'a str,
        details: &'a Value,
    }
    #[derive(Serialize)]
    struct WarningEntry<'a> {
        warning: &'a str,
        title: &'a str,
        details: &'a Value,
    }
    let mut lines = vec![line(&json!({ "conversionId": conversion_id }))];
    for w in warnings {
        lines.push(line(&WarningEntry {
            warning: w.code,
            title: w.title,
            details: &w.details,
        }));
    }
    if let Some(e) = error {
        lines.push(line(&ErrorEntry {
            error: e.code,
            title: e.title,
            details: &e.details,
        }));
    }
    let result = match (error, warnings.is_empty()) {
        (Some(_), _) => "failed",
        (None, true) => "succeeded",
        (None, false) => "succeeded with warnings",
    };
    lines.push(line(&json!({ "result": result })));
    format!("[\n{}\n]\n", lines.join(",\n")).into_bytes()
}

/// One result-file entry on one line, its fields in their own order.
fn line<T: Serialize>(entry: &T) -> String {
    format!("  {}", serde_json::to_string(entry).expect("JSON serialises"))
}

/// What an info file says about one succeeded conversion.
pub(super) struct InfoInput<'a> {
    /// The input file's name (`box.fbx`).
    pub input_name: &'a str,
    /// The output file's name, when the request named one other than the default.
    pub custom_output_name: Option<&'a str>,
    /// The settings file's object (`{}` without one).
    pub conversion_settings: &'a Value,
    pub format: &'a InputFormat,
    pub input_bytes: &'a [u8],
    /// What the pipeline converter measured; None for the simulated converter (zero statistics).
    pub measured: Option<&'a Measured>,
}

/// The sections a real conversion fills in: each replaces the simulated one (the pipeline keeps the
/// documented keys and adds its own beside them, docs/converter.md).
pub(super) struct Measured {
    pub input_statistics: Value,
    pub material_overrides: Option<Value>,
    /// Keys added to `outputInfo` (the output's format and byte sizes).
    pub output_info: Value,
    pub output_statistics: Value,
    /// The settings the converter could not honour and the textures it could not find, as text.
    pub warnings: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InfoFile<'a> {
    files: Value,
    conversion_settings: &'a Value,
    input_info: Value,
    input_statistics: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    material_overrides: Option<Value>,
    output_info: Value,
    output_statistics: Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// `<name>.info.json`.
pub(super) fn info_file(info: &InfoInput<'_>) -> Vec<u8> {
    let measured = info.measured;
    let mut files = Map::new();
    files.insert("input".into(), json!(info.input_name));
    if let Some(output) = info.custom_output_name {
        files.insert("output".into(), json!(output));
    }
    let doc = InfoFile {
        files: Value::Object(files),
        conversion_settings: info.conversion_settings,
        input_info: json!({
            "sourceAssetExtension": info.format.extension,
            "sourceAssetFormat": info.format.description,
            "sourceAssetFormatVersion": info.format.version,
            "sourceAssetGenerator": info.format.generator,
        }),
        input_statistics: measured.map(|m| m.input_statistics.clone()).unwrap_or_else(|| {
            json!({
                "numMeshes": 0, "numFaces": 0, "numVertices": 0, "numMaterial": 0, "numFacesSmallestMesh": 0,
                "numFacesBiggestMesh": 0, "numNodes": 0, "numMeshUsagesInScene": 0, "maxNodeDepth": 0,
            })
        }),
        material_overrides: match measured {
            Some(m) => m.material_overrides.clone(),
            None => info
                .conversion_settings
                .get("material-override")
                .map(|_| json!({ "numOverrides": 0, "numOverriddenMaterials": 0 })),
        },
        output_info: {
            let mut output_info = json!({
                "conversionToolVersion": concat!("arr-emulator ", env!("CARGO_PKG_VERSION")),
                "conversionHash": conversion_hash(info.input_bytes),
            });
            if let (Some(extra), Some(map)) = (measured.map(|m| &m.output_info), output_info.as_object_mut()) {
                if let Some(extra) = extra.as_object() {
                    map.extend(extra.clone());
                }
            }
            output_info
        },
        output_statistics: measured.map(|m| m.output_statistics.clone()).unwrap_or_else(|| {
            json!({
                "numMeshPartsCreated": 0,
                "numMeshPartsInstanced": 0,
                "recenteringOffset": [0.0, 0.0, 0.0],
                "boundingBox": { "min": [0.0, 0.0, 0.0], "max": [0.0, 0.0, 0.0] },
            })
        }),
        warnings: measured.map(|m| m.warnings.clone()).unwrap_or_default(),
    };
    let mut text = serde_json::to_vec_pretty(&doc).expect("JSON serialises");
    text.push(b'\n');
    text
}

/// Sixteen upper-case hex digits that change when the input does (the service's hash is of the
/// converted data; ours is of the input, which is all the emulator has).
fn conversion_hash(input: &[u8]) -> String {
    digest(&SHA256, input).as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_file_shapes() {
        let ok: Value = serde_json::from_slice(&result_file("c-1", None, &[])).unwrap();
        assert_eq!(ok, json!([{"conversionId": "c-1"}, {"result": "succeeded"}]));
        let error = ResultError {
            code: "2007",
            title: "The input asset is not valid.",
            details: json!({"import error": "x"}),
        };
        let text = String::from_utf8(result_file("c-2", Some(&error), &[])).unwrap();
        assert!(
            text.contains(r#"{"error":"2007","title":"The input asset is not valid.","details":{"#),
            "{text}"
        );
        let failed: Value = serde_json::from_slice(text.as_bytes()).unwrap();
        assert_eq!(
            failed,
            json!([{"conversionId": "c-2"},
                   {"error": "2007", "title": "The input asset is not valid.", "details": {"import error": "x"}},
                   {"result": "failed"}])
        );
    }

    #[test]
    fn info_file_shape() {
        let format = InputFormat {
            extension: ".gltf".into(),
            description: "glTF2 Importer",
            version: "2.0".into(),
            generator: "COLLADA2GLTF".into(),
        };
        let settings = json!({"recenterToOrigin": true, "material-override": "m.json"});
        let info: Value = serde_json::from_slice(&info_file(&InfoInput {
            input_name: "Buggy.gltf",
            custom_output_name: None,
            conversion_settings: &settings,
            format: &format,
            input_bytes: b"{}",
            measured: None,
        }))
        .unwrap();
        let text = String::from_utf8(info_file(&InfoInput {
            input_name: "Buggy.gltf",
            custom_output_name: Some("car.arrAsset"),
            conversion_settings: &json!({}),
            format: &format,
            input_bytes: b"{}",
            measured: None,
        }))
        .unwrap();
        let at = |key: &str| text.find(&format!("\"{key}\"")).unwrap_or(usize::MAX);
        let order = [
            "files",
            "conversionSettings",
            "inputInfo",
            "inputStatistics",
            "outputInfo",
            "outputStatistics",
        ];
        assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{text}");
        assert!(
            !text.contains("materialOverrides") && text.contains("\"output\": \"car.arrAsset\""),
            "{text}"
        );
        assert_eq!(info["files"], json!({"input": "Buggy.gltf"}));
        assert_eq!(
            info["materialOverrides"],
            json!({"numOverrides": 0, "numOverriddenMaterials": 0})
        );
        assert_eq!(info["conversionSettings"], settings);
        assert_eq!(info["inputInfo"]["sourceAssetFormatVersion"], "2.0");
        let hash = info["outputInfo"]["conversionHash"].as_str().unwrap();
        assert!(hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase()));
        assert_eq!(info["outputStatistics"]["boundingBox"]["min"], json!([0.0, 0.0, 0.0]));
    }
}
