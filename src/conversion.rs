//! The asset conversion model: settings (where the input model is, where the `.arrAsset` goes), status,
//! output and error, with the REST names of api-version 2021-01-01 (protocol.md §4, §5.5).
//!
//! The two SAS fields are secrets: read from callers, sent to the service, never written back out (the
//! service does not echo them either), never in `Debug`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, ServiceError};
use crate::secret::Secret;

/// Where the input model is: a blob container, an optional prefix (a virtual folder; only blobs under it
/// are read), and the model's path below the prefix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversionInputSettings {
    /// The container, e.g. `https://contosostorage01.blob.core.windows.net/arrinput`.
    pub storage_container_uri: String,
    /// A SAS (`?sv=...`) giving read and list access; `None` when the storage account is linked to the
    /// ARR account. Never serialised.
    #[serde(default, skip_serializing)]
    pub storage_container_read_list_sas: Option<Secret>,
    /// Only blobs starting with this prefix are read (the service adds a trailing `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_prefix: Option<String>,
    /// The model, relative to the prefix: `house.fbx`, `scene/car.glb`.
    pub relative_input_asset_path: String,
}

/// Where the output goes: a blob container, an optional prefix, and the `.arrAsset` file name (default:
/// the input's name with `.arrAsset`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversionOutputSettings {
    /// The container the asset, its `.result.json` and logs are written to.
    pub storage_container_uri: String,
    /// A SAS giving write access; `None` when the storage account is linked. Never serialised.
    #[serde(default, skip_serializing)]
    pub storage_container_write_sas: Option<Secret>,
    /// A virtual folder for everything the conversion writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_prefix: Option<String>,
    /// The asset's file name; must end in `.arrAsset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_asset_filename: Option<String>,
}

/// The input and output of a conversion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversionSettings {
    /// Where the model is read from.
    pub input_location: ConversionInputSettings,
    /// Where the asset is written to.
    pub output_location: ConversionOutputSettings,
}

impl ConversionSettings {
    /// Settings for `relative_input_asset_path` in `input_container`, written to `output_container`.
    pub fn new(
        input_container: impl Into<String>,
        relative_input_asset_path: impl Into<String>,
        output_container: impl Into<String>,
    ) -> ConversionSettings {
        ConversionSettings {
            input_location: ConversionInputSettings {
                storage_container_uri: input_container.into(),
                storage_container_read_list_sas: None,
                blob_prefix: None,
                relative_input_asset_path: relative_input_asset_path.into(),
            },
            output_location: ConversionOutputSettings {
                storage_container_uri: output_container.into(),
                storage_container_write_sas: None,
                blob_prefix: None,
                output_asset_filename: None,
            },
        }
    }

    /// Reads the JSON form the C ABI and the bindings pass (the REST `conversion_settings`, SAS
    /// included): `{"inputLocation": {...}, "outputLocation": {...}}`. Unknown keys are refused.
    pub fn from_json(text: &str) -> Result<ConversionSettings> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        struct Input {
            storage_container_uri: String,
            #[serde(default)]
            storage_container_read_list_sas: Option<Secret>,
            #[serde(default)]
            blob_prefix: Option<String>,
            relative_input_asset_path: String,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        struct Output {
            storage_container_uri: String,
            #[serde(default)]
            storage_container_write_sas: Option<Secret>,
            #[serde(default)]
            blob_prefix: Option<String>,
            #[serde(default)]
            output_asset_filename: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        struct Settings {
            input_location: Input,
            output_location: Output,
        }
        // serde's own messages name the unknown or missing field (`unknown field `blobPrefx``).
        let settings: Settings =
            serde_json::from_str(text).map_err(|e| Error::invalid_argument("settings", format_args!("{e}")))?;
        let settings = ConversionSettings {
            input_location: ConversionInputSettings {
                storage_container_uri: settings.input_location.storage_container_uri,
                storage_container_read_list_sas: settings.input_location.storage_container_read_list_sas,
                blob_prefix: settings.input_location.blob_prefix,
                relative_input_asset_path: settings.input_location.relative_input_asset_path,
            },
            output_location: ConversionOutputSettings {
                storage_container_uri: settings.output_location.storage_container_uri,
                storage_container_write_sas: settings.output_location.storage_container_write_sas,
                blob_prefix: settings.output_location.blob_prefix,
                output_asset_filename: settings.output_location.output_asset_filename,
            },
        };
        settings.validate()?;
        Ok(settings)
    }

    /// The checks made before sending: container URIs are URLs, the input path is given, and an output
    /// file name ends in `.arrAsset` (the service's rule).
    pub fn validate(&self) -> Result<()> {
        for (name, uri) in [
            (
                "inputLocation.storageContainerUri",
                &self.input_location.storage_container_uri,
            ),
            (
                "outputLocation.storageContainerUri",
                &self.output_location.storage_container_uri,
            ),
        ] {
            let url =
                url::Url::parse(uri).map_err(|e| Error::invalid_argument(name, format_args!("not a URL: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(Error::invalid_argument(name, "must be an http(s) URL"));
            }
        }
        if self.input_location.relative_input_asset_path.trim().is_empty() {
            return Err(Error::invalid_argument(
                "inputLocation.relativeInputAssetPath",
                "must not be empty",
            ));
        }
        if let Some(name) = &self.output_location.output_asset_filename {
            if !name.to_ascii_lowercase().ends_with(".arrasset") {
                return Err(Error::invalid_argument(
                    "outputLocation.outputAssetFilename",
                    "must end in .arrAsset",
                ));
            }
        }
        Ok(())
    }
}

/// A conversion's state. Terminal states are `Cancelled`, `Failed` and `Succeeded`. An open enum, as
/// for sessions: an unknown value is kept in [`ConversionStatus::Other`].
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ConversionStatus {
    /// Created, not started yet.
    NotStarted,
    /// Converting.
    Running,
    /// Cancelled; terminal.
    Cancelled,
    /// Failed; its `error` says why. Terminal.
    Failed,
    /// Done; its `output` says where the asset is. Terminal.
    Succeeded,
    /// A value this version does not know, as sent.
    Other(String),
}

impl ConversionStatus {
    const KNOWN: [ConversionStatus; 5] = [
        ConversionStatus::NotStarted,
        ConversionStatus::Running,
        ConversionStatus::Cancelled,
        ConversionStatus::Failed,
        ConversionStatus::Succeeded,
    ];

    /// The value as the service spells it.
    pub fn as_str(&self) -> &str {
        match self {
            ConversionStatus::NotStarted => "NotStarted",
            ConversionStatus::Running => "Running",
            ConversionStatus::Cancelled => "Cancelled",
            ConversionStatus::Failed => "Failed",
            ConversionStatus::Succeeded => "Succeeded",
            ConversionStatus::Other(other) => other,
        }
    }

    /// Cancelled, Failed or Succeeded: the conversion will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            ConversionStatus::Cancelled | ConversionStatus::Failed | ConversionStatus::Succeeded
        )
    }
}

impl From<&str> for ConversionStatus {
    fn from(value: &str) -> ConversionStatus {
        Self::KNOWN
            .into_iter()
            .find(|known| known.as_str().eq_ignore_ascii_case(value))
            // The native SDK spells it "Canceled".
            .or_else(|| {
                value
                    .eq_ignore_ascii_case("Canceled")
                    .then_some(ConversionStatus::Cancelled)
            })
            .unwrap_or_else(|| ConversionStatus::Other(value.to_owned()))
    }
}

impl From<String> for ConversionStatus {
    fn from(value: String) -> ConversionStatus {
        ConversionStatus::from(value.as_str())
    }
}

impl From<ConversionStatus> for String {
    fn from(status: ConversionStatus) -> String {
        match status {
            ConversionStatus::Other(other) => other,
            known => known.as_str().to_owned(),
        }
    }
}

impl fmt::Display for ConversionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a successful conversion produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversionOutput {
    /// The `.arrAsset`'s URL (without SAS): what a session loads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_asset_uri: Option<String>,
}

/// A conversion as the service last described it. Serialises with the REST names (SAS left out).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetConversion {
    /// The conversion id.
    pub id: String,
    /// The settings as the service normalised them (prefixes end in `/`, the output name filled in).
    pub settings: ConversionSettings,
    /// Its state.
    pub status: ConversionStatus,
    /// Why it failed, when it did.
    #[serde(default)]
    pub error: Option<ServiceError>,
    /// Where the asset is, once Succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<ConversionOutput>,
    /// As sent (`2022-09-14T01:02:25.3744317Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<String>,
    /// What the service wrote about the conversion in the output container (its result and info files),
    /// when they were read ([`crate::Client::get_conversion_with_results`]); not part of the REST shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<crate::preflight::ConversionResults>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: &str = r#"{"inputLocation":{"storageContainerUri":"https://s.blob.core.windows.net/in",
        "storageContainerReadListSas":"?sv=1&sig=SECRET","blobPrefix":"models","relativeInputAssetPath":"house.fbx"},
        "outputLocation":{"storageContainerUri":"https://s.blob.core.windows.net/out",
        "storageContainerWriteSas":"?sv=1&sig=SECRET2"}}"#;

    #[test]
    fn sas_is_read_but_never_written_or_shown() {
        let settings = ConversionSettings::from_json(SETTINGS).unwrap();
        assert_eq!(
            settings
                .input_location
                .storage_container_read_list_sas
                .as_ref()
                .map(Secret::expose),
            Some("?sv=1&sig=SECRET")
        );
        let written = serde_json::to_string(&settings).unwrap();
        assert!(
            !written.contains("SECRET") && !format!("{settings:?}").contains("SECRET"),
            "{written}"
        );
    }

    #[test]
    fn unknown_keys_and_bad_names_are_refused_naming_them() {
        let error = ConversionSettings::from_json(&SETTINGS.replace("blobPrefix", "blobPrefx")).unwrap_err();
        assert!(error.message().contains("blobPrefx"), "{error}");
        let named = SETTINGS.replace(
            r#""storageContainerWriteSas""#,
            r#""outputAssetFilename":"x.fbx","storageContainerWriteSas""#,
        );
        let error = ConversionSettings::from_json(&named).unwrap_err();
        assert_eq!(error.argument(), Some("outputLocation.outputAssetFilename"));
    }

    #[test]
    fn statuses_are_an_open_enum() {
        assert_eq!(ConversionStatus::from("succeeded"), ConversionStatus::Succeeded);
        assert_eq!(ConversionStatus::from("Canceled"), ConversionStatus::Cancelled);
        assert_eq!(ConversionStatus::from("Paused").as_str(), "Paused");
        assert!(ConversionStatus::Failed.is_terminal() && !ConversionStatus::Running.is_terminal());
    }
}
