//! The settings a conversion is created with, as Conversion.ps1 reads them: flags first, then arrconfig.json's
//! `assetConversionSettings`, then (SAS only) the environment; and the container URLs `arr storage sas` signs.
//! Used by `arr conversion create` and by the checks that run before it.

use arr_session::{ConversionInputSettings, ConversionOutputSettings, ConversionSettings, Error, Result, Secret};

use crate::args::ConversionFlags;
use crate::arrconfig::ConversionConfig;

/// The blob service of a storage account, as Conversion.ps1 builds container URLs.
const BLOB_SERVICE: &str = "https://{account}.blob.core.windows.net";

/// The settings to create with: flags first, then `assetConversionSettings`, then (SAS only) the
/// environment. Errors name the flag and the arrconfig key that would set what is missing.
pub fn resolve(
    flags: &ConversionFlags,
    file: &ConversionConfig,
    input_sas: Option<Secret>,
    output_sas: Option<Secret>,
) -> Result<ConversionSettings> {
    let endpoint = flags.blob_endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty());
    let account = file.storage_account_name.as_deref();
    let input_container = container(
        Side {
            flag: "--input-container",
            key: "blobInputContainerName",
            given: flags.input_container.as_deref(),
            file_name: file.blob_input_container_name.as_deref(),
        },
        endpoint,
        account,
    )?;
    let relative_input_asset_path = given(flags.input.as_deref())
        .or(file.input_asset_path.clone())
        .ok_or_else(|| {
            Error::invalid_argument(
                "--input",
                "the input asset path is not set: pass --input (e.g. box.fbx), or fill in \
                 assetConversionSettings.inputAssetPath in arrconfig.json",
            )
        })?;
    let output_container = container(
        Side {
            flag: "--output-container",
            key: "blobOutputContainerName",
            given: flags.output_container.as_deref(),
            file_name: file.blob_output_container_name.as_deref(),
        },
        endpoint,
        account,
    )?;
    let settings = ConversionSettings {
        input_location: ConversionInputSettings {
            storage_container_uri: input_container,
            storage_container_read_list_sas: flags.input_sas.clone().or(input_sas),
            blob_prefix: prefix(flags.input_prefix.as_deref(), &file.input_folder_path),
            relative_input_asset_path,
        },
        output_location: ConversionOutputSettings {
            storage_container_uri: output_container,
            storage_container_write_sas: flags.output_sas.clone().or(output_sas),
            blob_prefix: prefix(flags.output_prefix.as_deref(), &file.output_folder_path),
            output_asset_filename: given(flags.output_name.as_deref()).or(file.output_asset_file_name.clone()),
        },
    };
    settings.validate().map_err(|e| {
        let (flag, key) = match e.argument().unwrap_or_default() {
            "inputLocation.storageContainerUri" => ("--input-container", "storageAccountName/blobInputContainerName"),
            "outputLocation.storageContainerUri" => {
                ("--output-container", "storageAccountName/blobOutputContainerName")
            }
            "outputLocation.outputAssetFilename" => ("--output-name", "outputAssetFileName"),
            _ => ("--input", "inputAssetPath"),
        };
        Error::invalid_argument(
            flag,
            format_args!("{} (set by {flag} or assetConversionSettings.{key})", e.message()),
        )
    })?;
    Ok(settings)
}

/// One of the two containers: how it is named on the command line and in the file.
struct Side<'a> {
    flag: &'static str,
    key: &'static str,
    given: Option<&'a str>,
    file_name: Option<&'a str>,
}

/// A container URL for `arr storage sas`: `given` (a URL or a name), else the file's container name,
/// joined as for conversions. `side` is `input` or `output`.
pub fn container_url(
    flag: &'static str,
    side: &str,
    given: Option<&str>,
    file_name: Option<&str>,
    endpoint: Option<&str>,
    account: Option<&str>,
) -> Result<String> {
    let key = if side == "input" {
        "blobInputContainerName"
    } else {
        "blobOutputContainerName"
    };
    let endpoint = endpoint.map(str::trim).filter(|e| !e.is_empty());
    container(
        Side {
            flag,
            key,
            given,
            file_name,
        },
        endpoint,
        account,
    )
}

/// A container URL: the flag's URL as is; else a container name (the flag's, else the file's) joined to
/// `--blob-endpoint`, else to the storage account's blob service.
fn container(side: Side<'_>, endpoint: Option<&str>, account: Option<&str>) -> Result<String> {
    let given = side.given.map(str::trim).filter(|g| !g.is_empty());
    if let Some(url) = given.filter(|g| g.contains("://")) {
        return Ok(url.to_owned());
    }
    let Side { flag, key, .. } = side;
    let name = given.or(side.file_name).map(|n| n.trim_matches('/')).ok_or_else(|| {
        Error::invalid_argument(
            flag,
            format_args!(
                "the {} container is not set: pass {flag} URL, or fill in assetConversionSettings.{key} \
                 (and storageAccountName) in arrconfig.json",
                if flag == "--input-container" { "input" } else { "output" }
            ),
        )
    })?;
    let base = match (endpoint, account) {
        (Some(endpoint), _) => endpoint.trim_end_matches('/').to_owned(),
        (None, Some(account)) => BLOB_SERVICE.replace("{account}", account),
        (None, None) => {
            return Err(Error::invalid_argument(
                flag,
                format_args!(
                    "container {name:?} needs a storage account: pass {flag} as a URL or --blob-endpoint, or \
                     fill in assetConversionSettings.storageAccountName in arrconfig.json"
                ),
            ))
        }
    };
    Ok(format!("{base}/{name}"))
}

/// A flag's value; blank counts as not given.
fn given(flag: Option<&str>) -> Option<String> {
    flag.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// A blob prefix: the flag's (where an empty flag means "no prefix", overriding the file), else the file's.
fn prefix(flag: Option<&str>, file: &Option<String>) -> Option<String> {
    match flag {
        Some(flag) => given(Some(flag)),
        None => file.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> ConversionConfig {
        ConversionConfig {
            storage_account_name: Some("contosostorage01".into()),
            blob_input_container_name: Some("arrinput".into()),
            blob_output_container_name: Some("arroutput".into()),
            input_folder_path: Some("models".into()),
            input_asset_path: Some("box.fbx".into()),
            output_folder_path: Some("out".into()),
            output_asset_file_name: None,
        }
    }

    #[test]
    fn the_file_gives_what_the_script_sends() {
        let s = resolve(&ConversionFlags::default(), &file(), None, None).unwrap();
        assert_eq!(
            s.input_location.storage_container_uri,
            "https://contosostorage01.blob.core.windows.net/arrinput"
        );
        assert_eq!(s.input_location.blob_prefix.as_deref(), Some("models"));
        assert_eq!(s.input_location.relative_input_asset_path, "box.fbx");
        assert_eq!(
            s.output_location.storage_container_uri,
            "https://contosostorage01.blob.core.windows.net/arroutput"
        );
        assert_eq!(s.output_location.blob_prefix.as_deref(), Some("out"));
        assert_eq!(s.output_location.output_asset_filename, None);
    }

    #[test]
    fn flags_override_and_blob_endpoint_replaces_the_account() {
        let flags = ConversionFlags {
            input_container: Some("other".into()),
            output_container: Some("http://127.0.0.1:1/acct/out".into()),
            input_prefix: Some(String::new()),
            output_name: Some("x.arrAsset".into()),
            blob_endpoint: Some("http://127.0.0.1:10000/devstoreaccount1/".into()),
            input_sas: Some(Secret::new("?sig=flag")),
            ..ConversionFlags::default()
        };
        let s = resolve(
            &flags,
            &file(),
            Some(Secret::new("?sig=env")),
            Some(Secret::new("?sig=out")),
        )
        .unwrap();
        assert_eq!(
            s.input_location.storage_container_uri,
            "http://127.0.0.1:10000/devstoreaccount1/other"
        );
        assert_eq!(s.output_location.storage_container_uri, "http://127.0.0.1:1/acct/out");
        assert_eq!(s.input_location.blob_prefix, None);
        assert_eq!(s.output_location.output_asset_filename.as_deref(), Some("x.arrAsset"));
        assert_eq!(
            s.input_location
                .storage_container_read_list_sas
                .as_ref()
                .map(Secret::expose),
            Some("?sig=flag")
        );
        assert_eq!(
            s.output_location
                .storage_container_write_sas
                .as_ref()
                .map(Secret::expose),
            Some("?sig=out")
        );
    }

    #[test]
    fn missing_values_name_the_flag_and_the_key() {
        let mut f = file();
        f.input_asset_path = None;
        let e = resolve(&ConversionFlags::default(), &f, None, None).unwrap_err();
        assert_eq!(e.argument(), Some("--input"));
        assert!(e.message().contains("assetConversionSettings.inputAssetPath"), "{e}");

        let e = resolve(&ConversionFlags::default(), &ConversionConfig::default(), None, None).unwrap_err();
        assert_eq!(e.argument(), Some("--input-container"));
        assert!(e.message().contains("blobInputContainerName"), "{e}");

        let mut f = file();
        f.storage_account_name = None;
        let e = resolve(&ConversionFlags::default(), &f, None, None).unwrap_err();
        assert!(e.message().contains("storageAccountName"), "{e}");

        let flags = ConversionFlags {
            output_name: Some("x.fbx".into()),
            ..ConversionFlags::default()
        };
        let e = resolve(&flags, &file(), None, None).unwrap_err();
        assert_eq!(e.argument(), Some("--output-name"));
        assert!(e.message().contains("outputAssetFileName"), "{e}");
    }
}
