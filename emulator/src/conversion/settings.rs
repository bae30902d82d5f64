//! A conversion's input and output locations, normalised (prefixes end in `/`, the output file name
//! filled in), and the blob names and URIs derived from them.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InputSettings {
    pub storage_container_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_prefix: Option<String>,
    pub relative_input_asset_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_container_read_list_sas: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OutputSettings {
    pub storage_container_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_prefix: Option<String>,
    pub output_asset_filename: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_container_write_sas: Option<String>,
}

/// Normalised settings (prefixes end in `/`, the output file name filled in). SAS values are kept for
/// the storage work (and the state file) but never shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Settings {
    pub input_location: InputSettings,
    pub output_location: OutputSettings,
}

impl Settings {
    pub(super) fn without_sas(&self) -> Settings {
        let mut s = self.clone();
        s.input_location.storage_container_read_list_sas = None;
        s.output_location.storage_container_write_sas = None;
        s
    }

    /// The settings as the service echoes them: normalised, SAS fields never filled in.
    pub(super) fn to_json(&self) -> Value {
        let i = &self.input_location;
        let o = &self.output_location;
        let mut input = Map::new();
        input.insert("storageContainerUri".into(), json!(i.storage_container_uri));
        if let Some(p) = &i.blob_prefix {
            input.insert("blobPrefix".into(), json!(p));
        }
        input.insert("relativeInputAssetPath".into(), json!(i.relative_input_asset_path));
        let mut output = Map::new();
        output.insert("storageContainerUri".into(), json!(o.storage_container_uri));
        if let Some(p) = &o.blob_prefix {
            output.insert("blobPrefix".into(), json!(p));
        }
        output.insert("outputAssetFilename".into(), json!(o.output_asset_filename));
        json!({ "inputLocation": input, "outputLocation": output })
    }

    /// Blob name of the input: `blobPrefix + relativeInputAssetPath`.
    pub(super) fn input_blob(&self) -> String {
        let i = &self.input_location;
        format!(
            "{}{}",
            i.blob_prefix.as_deref().unwrap_or(""),
            i.relative_input_asset_path
        )
    }

    /// Blob name of an output file: `blobPrefix + name`.
    pub(super) fn output_blob(&self, name: &str) -> String {
        format!("{}{name}", self.output_location.blob_prefix.as_deref().unwrap_or(""))
    }

    /// `storageContainerUri + "/" + blobPrefix + outputAssetFilename` (protocol.md §4.2).
    pub(super) fn output_asset_uri(&self) -> String {
        let o = &self.output_location;
        format!(
            "{}/{}",
            o.storage_container_uri.trim_end_matches('/'),
            self.output_blob(&o.output_asset_filename)
        )
    }
}
