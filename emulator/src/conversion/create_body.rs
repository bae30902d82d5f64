//! Validation and normalisation of a create request's body into [`Settings`]; every error names the field.

use serde_json::{Map, Value};

use super::settings::{InputSettings, OutputSettings, Settings};
use crate::respond::json_object;

/// Input file endings the service documents (models: FBX, glTF/GLB; point clouds: XYZ, PLY, E57, LAS, LAZ).
const SUPPORTED_INPUTS: [&str; 8] = ["fbx", "gltf", "glb", "xyz", "ply", "e57", "las", "laz"];

fn object<'a>(parent: &'a Value, name: &str, path: &str) -> Result<&'a Map<String, Value>, String> {
    match parent.get(name) {
        None | Some(Value::Null) => Err(format!("The {path} field is required.")),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(format!("The {path} field must be an object.")),
    }
}

fn text(obj: &Map<String, Value>, name: &str, path: &str, required: bool) -> Result<Option<String>, String> {
    match obj.get(name) {
        None | Some(Value::Null) if required => Err(format!("The {path}.{name} field is required.")),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if required && s.trim().is_empty() => {
            Err(format!("The {path}.{name} field is required."))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("The {path}.{name} field must be a string.")),
    }
}

fn container_uri(obj: &Map<String, Value>, path: &str) -> Result<String, String> {
    let uri = text(obj, "storageContainerUri", path, true)?.expect("required");
    match reqwest::Url::parse(&uri) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(uri),
        _ => Err(format!(
            "The {path}.storageContainerUri value '{uri}' is not an absolute http(s) URI."
        )),
    }
}

/// `""` means no prefix; anything else ends in `/` (the service appends it: `"Input"` -> `"Input/"`).
fn prefix(value: Option<String>) -> Option<String> {
    match value {
        None => None,
        Some(p) if p.is_empty() => None,
        Some(p) if p.ends_with('/') => Some(p),
        Some(p) => Some(format!("{p}/")),
    }
}

/// The create's settings, normalised. `also_obj`: the converter reads Wavefront OBJ too (the pipeline
/// converter does; the service does not).
pub(super) fn parse_settings(body: &[u8], also_obj: bool) -> Result<Settings, String> {
    let body = json_object(body, "settings")?;
    let settings = object(&body, "settings", "settings")?;
    let settings = Value::Object(settings.clone());
    let input = object(&settings, "inputLocation", "settings.inputLocation")?;
    let output = object(&settings, "outputLocation", "settings.outputLocation")?;
    let (ip, op) = ("settings.inputLocation", "settings.outputLocation");
    let input_uri = container_uri(input, ip)?;
    let output_uri = container_uri(output, op)?;
    let relative = text(input, "relativeInputAssetPath", ip, true)?.expect("required");
    let file = relative.rsplit('/').next().unwrap_or(&relative);
    let (stem, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    let obj = also_obj.then_some("obj");
    let supported: Vec<&str> = SUPPORTED_INPUTS.iter().copied().chain(obj).collect();
    if !supported.iter().any(|s| s.eq_ignore_ascii_case(ext)) || stem.is_empty() {
        return Err(format!(
            "The {ip}.relativeInputAssetPath '{relative}' does not name a supported input file. Supported file types: {}.",
            supported.iter().map(|s| format!(".{s}")).collect::<Vec<_>>().join(", ")
        ));
    }
    let filename = match text(output, "outputAssetFilename", op, false)? {
        Some(f) if f.is_empty() => format!("{stem}.arrAsset"),
        Some(f) => {
            let lower = f.to_ascii_lowercase();
            if !lower.ends_with(".arrasset") || lower == ".arrasset" {
                return Err(format!(
                    "The {op}.outputAssetFilename '{f}' is invalid: it must end in '.arrAsset'."
                ));
            }
            f
        }
        None => format!("{stem}.arrAsset"),
    };
    Ok(Settings {
        input_location: InputSettings {
            storage_container_uri: input_uri,
            blob_prefix: prefix(text(input, "blobPrefix", ip, false)?),
            relative_input_asset_path: relative,
            storage_container_read_list_sas: text(input, "storageContainerReadListSas", ip, false)?
                .filter(|s| !s.trim().is_empty()),
        },
        output_location: OutputSettings {
            storage_container_uri: output_uri,
            blob_prefix: prefix(text(output, "blobPrefix", op, false)?),
            output_asset_filename: filename,
            storage_container_write_sas: text(output, "storageContainerWriteSas", op, false)?
                .filter(|s| !s.trim().is_empty()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversion::record::format_z;

    #[test]
    fn normalisation() {
        let s = parse_settings(
            br#"{"settings":{"inputLocation":{"storageContainerUri":"https://a.blob.core.windows.net/in","blobPrefix":"Input","relativeInputAssetPath":"testBox.fbx","storageContainerReadListSas":"?sp=rl"},
                "outputLocation":{"storageContainerUri":"https://a.blob.core.windows.net/out","blobPrefix":"rr-test-id"}}}"#,
            false,
        )
        .unwrap();
        assert_eq!(s.input_location.blob_prefix.as_deref(), Some("Input/"));
        assert_eq!(s.output_location.output_asset_filename, "testBox.arrAsset");
        assert_eq!(
            s.output_asset_uri(),
            "https://a.blob.core.windows.net/out/rr-test-id/testBox.arrAsset"
        );
        assert!(!s.to_json().to_string().contains("Sas"));
        assert_eq!(format_z(1_663_117_345_374_431_700), "2022-09-14T01:02:25.3744317Z");
    }

    #[test]
    fn validation_messages() {
        let err = |b: &str| parse_settings(b.as_bytes(), false).unwrap_err();
        let obj = r#"{"settings":{"inputLocation":{"storageContainerUri":"https://a.blob.core.windows.net/in","relativeInputAssetPath":"m.obj"},"outputLocation":{"storageContainerUri":"https://a.blob.core.windows.net/out"}}}"#;
        assert!(err(obj).contains("Supported file types: .fbx,"), "{}", err(obj));
        assert_eq!(
            parse_settings(obj.as_bytes(), true)
                .unwrap()
                .output_location
                .output_asset_filename,
            "m.arrAsset"
        );
        assert_eq!(err("{}"), "The settings field is required.");
        assert_eq!(
            err(r#"{"settings":{}}"#),
            "The settings.inputLocation field is required."
        );
        let out = r#""outputLocation":{"storageContainerUri":"https://a/out"}"#;
        assert_eq!(
            err(&format!(
                r#"{{"settings":{{"inputLocation":{{"storageContainerUri":"https://a/in"}},{out}}}}}"#
            )),
            "The settings.inputLocation.relativeInputAssetPath field is required."
        );
        assert!(err(&format!(
            r#"{{"settings":{{"inputLocation":{{"storageContainerUri":"in","relativeInputAssetPath":"a.fbx"}},{out}}}}}"#
        ))
        .contains("absolute"));
        assert!(err(
            r#"{"settings":{"inputLocation":{"storageContainerUri":"https://a/in","relativeInputAssetPath":"a.fbx"},"outputLocation":{"storageContainerUri":"https://a/out","outputAssetFilename":"x.bin"}}}"#
        )
        .contains("must end in '.arrAsset'"));
        assert!(err(&format!(
            r#"{{"settings":{{"inputLocation":{{"storageContainerUri":"https://a/in","relativeInputAssetPath":"a.obj"}},{out}}}}}"#
        ))
        .contains("Supported file types"));
    }
}
