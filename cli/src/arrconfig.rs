//! `arrconfig.json` in the format of ARR's PowerShell scripts (`Scripts/arrconfig.json`).
//!
//! Only the keys RenderingSession.ps1 and Conversion.ps1 use to call the service are read; everything else
//! in the file (`resourceGroup` and `localAssetDirectoryPath`, which only the scripts' upload and SAS
//! generation use, and comments the user added as extra keys) is ignored. A value the user has not filled in still
//! holds the template's `"<fill in ...>"` text: such placeholders, and empty strings, count as unset.

use std::fmt;
use std::path::Path;

use arr_session::{Error, Result, Secret};
use serde_json::Value;

/// The values the file provides; `None` where the file leaves a placeholder or has no such key.
#[derive(Clone, Default)]
pub struct ArrConfig {
    pub account_id: Option<String>,
    pub account_key: Option<Secret>,
    pub account_domain: Option<String>,
    pub remote_rendering_domain: Option<String>,
    pub vm_size: Option<String>,
    pub max_lease_time: Option<String>,
    pub conversion: ConversionConfig,
}

/// `assetConversionSettings`, as Conversion.ps1 reads it. Holds no secret (the script makes its SAS
/// tokens with Az PowerShell rather than reading them from the file).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConversionConfig {
    pub storage_account_name: Option<String>,
    pub blob_input_container_name: Option<String>,
    pub blob_output_container_name: Option<String>,
    pub input_folder_path: Option<String>,
    pub input_asset_path: Option<String>,
    pub output_folder_path: Option<String>,
    pub output_asset_file_name: Option<String>,
}

impl fmt::Debug for ArrConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArrConfig")
            .field("account_id", &self.account_id)
            .field("account_key", &self.account_key.as_ref().map(|_| "<redacted>"))
            .field("account_domain", &self.account_domain)
            .field("remote_rendering_domain", &self.remote_rendering_domain)
            .field("vm_size", &self.vm_size)
            .field("max_lease_time", &self.max_lease_time)
            .field("conversion", &self.conversion)
            .finish()
    }
}

impl ArrConfig {
    /// Reads and parses `path`; `origin` (e.g. `--config`) names where the path came from in errors.
    pub fn load(path: &Path, origin: &str) -> Result<ArrConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::invalid_argument(origin, format_args!("cannot read {}: {e}", path.display())))?;
        ArrConfig::parse(&text)
            .map_err(|message| Error::invalid_argument(origin, format_args!("{}: {message}", path.display())))
    }

    /// Parses the file's text. Errors name the offending key but never echo a value.
    pub fn parse(text: &str) -> std::result::Result<ArrConfig, String> {
        // PowerShell writes UTF-8 with a byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let root: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        if !root.is_object() {
            return Err("must be a JSON object".to_owned());
        }
        let account = section(&root, "accountSettings")?;
        let rendering = section(&root, "renderingSessionSettings")?;
        let conversion = section(&root, CONVERSION)?;
        let key = |name: &str| value(conversion, CONVERSION, name);
        Ok(ArrConfig {
            account_id: value(account, "accountSettings", "arrAccountId")?,
            account_key: value(account, "accountSettings", "arrAccountKey")?.map(Secret::new),
            account_domain: value(account, "accountSettings", "arrAccountDomain")?,
            remote_rendering_domain: value(rendering, "renderingSessionSettings", "remoteRenderingDomain")?,
            vm_size: value(rendering, "renderingSessionSettings", "vmSize")?,
            max_lease_time: value(rendering, "renderingSessionSettings", "maxLeaseTime")?,
            conversion: ConversionConfig {
                storage_account_name: key("storageAccountName")?,
                blob_input_container_name: key("blobInputContainerName")?,
                blob_output_container_name: key("blobOutputContainerName")?,
                input_folder_path: key("inputFolderPath")?,
                input_asset_path: key("inputAssetPath")?,
                output_folder_path: key("outputFolderPath")?,
                output_asset_file_name: key("outputAssetFileName")?,
            },
        })
    }
}

const CONVERSION: &str = "assetConversionSettings";

fn section<'a>(root: &'a Value, name: &str) -> std::result::Result<Option<&'a Value>, String> {
    match root.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v)),
        Some(_) => Err(format!("{name} must be an object")),
    }
}

fn value(section: Option<&Value>, section_name: &str, key: &str) -> std::result::Result<Option<String>, String> {
    match section.and_then(|s| s.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if is_placeholder(s) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(format!("{section_name}.{key} must be a string")),
    }
}

/// `""`, or the template's `"<fill in ...>"` / `"<standard or premium>"`.
pub fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    value.is_empty() || (value.starts_with('<') && value.ends_with('>'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"{
        "accountSettings": {
          "arrAccountId": "<fill in the account ID from the Azure Portal>",
          "arrAccountKey": "<fill in the account key from the Azure Portal>",
          "arrAccountDomain": "<select from available regions: australiaeast, eastus or specify the full url>"
        },
        "renderingSessionSettings": {
          "remoteRenderingDomain": "<select from available regions or specify the full url>",
          "vmSize": "<standard or premium>",
          "maxLeaseTime": "<hh:mm:ss>"
        },
        "assetConversionSettings": {
          "resourceGroup": "<resource group which contains the storage account you created>",
          "storageAccountName": "<name of the storage account you created>",
          "blobInputContainerName": "<input container inside the storage container>",
          "blobOutputContainerName": "<output container inside the storage container>",
          "localAssetDirectoryPath": "<fill in a path to a local directory containing your asset>",
          "inputFolderPath": "<optional: base folderpath in the input container for asset upload. uses / as dir separator>",
          "inputAssetPath": "<the path to the asset under inputcontainer/inputfolderpath pointing to the input asset e.g. box.fbx>",
          "outputFolderPath": "<optional: base folderpath in the output container>",
          "outputAssetFileName": "<optional: filename for the converted asset>"
        }
    }"#;

    #[test]
    fn the_untouched_template_sets_nothing() {
        let c = ArrConfig::parse(TEMPLATE).unwrap();
        assert!(c.account_id.is_none() && c.account_key.is_none() && c.account_domain.is_none());
        assert!(c.remote_rendering_domain.is_none() && c.vm_size.is_none() && c.max_lease_time.is_none());
        assert_eq!(c.conversion, ConversionConfig::default());
    }

    #[test]
    fn conversion_settings_are_read() {
        let text = TEMPLATE
            .replace("<name of the storage account you created>", "contosostorage01")
            .replace("<input container inside the storage container>", "arrinput")
            .replace(
                "<the path to the asset under inputcontainer/inputfolderpath pointing to the input asset e.g. box.fbx>",
                "box.fbx",
            )
            .replace("<optional: base folderpath in the output container>", " out/box ");
        let c = ArrConfig::parse(&text).unwrap().conversion;
        assert_eq!(c.storage_account_name.as_deref(), Some("contosostorage01"));
        assert_eq!(c.blob_input_container_name.as_deref(), Some("arrinput"));
        assert_eq!(c.input_asset_path.as_deref(), Some("box.fbx"));
        assert_eq!(c.output_folder_path.as_deref(), Some("out/box"));
        assert!(c.blob_output_container_name.is_none() && c.input_folder_path.is_none());
        assert!(c.output_asset_file_name.is_none());
        let err = ArrConfig::parse(r#"{"assetConversionSettings":{"inputAssetPath":1}}"#).unwrap_err();
        assert_eq!(err, "assetConversionSettings.inputAssetPath must be a string");
    }

    #[test]
    fn filled_values_are_read_with_a_bom() {
        let text = "\u{feff}".to_owned()
            + &TEMPLATE
                .replace("<fill in the account key from the Azure Portal>", "s3cret")
                .replace("<standard or premium>", "premium")
                .replace("<hh:mm:ss>", " 01:30:00 ");
        let c = ArrConfig::parse(&text).unwrap();
        assert_eq!(c.account_key.unwrap().expose(), "s3cret");
        assert_eq!(c.vm_size.as_deref(), Some("premium"));
        assert_eq!(c.max_lease_time.as_deref(), Some("01:30:00"));
        assert!(c.account_id.is_none());
    }

    #[test]
    fn malformed_files_name_the_problem_without_values() {
        assert!(ArrConfig::parse("{").unwrap_err().contains("not valid JSON"));
        assert!(ArrConfig::parse("[]").is_err());
        let err = ArrConfig::parse(r#"{"accountSettings":{"arrAccountKey":42}}"#).unwrap_err();
        assert_eq!(err, "accountSettings.arrAccountKey must be a string");
        assert!(ArrConfig::parse(r#"{"accountSettings":"x"}"#).is_err());
        assert!(ArrConfig::parse("{}").is_ok());
    }

    #[test]
    fn debug_hides_the_key() {
        let c = ArrConfig {
            account_key: Some(Secret::new("s3cret")),
            ..ArrConfig::default()
        };
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
