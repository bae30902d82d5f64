//! Asset conversions, api-version 2021-01-01: `PUT/GET /accounts/{a}/conversions/{c}`, list with
//! `@nextLink` (protocol.md §4). The SAS fields go out in the create body and are never read back (the
//! service does not echo them).

use reqwest::Url;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{decode, join};
use crate::conversion::{
    AssetConversion, ConversionInputSettings, ConversionOutput, ConversionOutputSettings, ConversionSettings,
    ConversionStatus,
};
use crate::error::{Error, ErrorKind, Result, ServiceError};

pub(crate) fn conversion_url(base: &Url, account_id: &str, conversion_id: &str) -> Url {
    with_api_version(join(base, &["accounts", account_id, "conversions", conversion_id]))
}

pub(crate) fn list_url(base: &Url, account_id: &str) -> Url {
    with_api_version(join(base, &["accounts", account_id, "conversions"]))
}

fn with_api_version(mut url: Url) -> Url {
    url.set_query(Some(&format!("api-version={}", super::v2021::API_VERSION)));
    url
}

/// `{"settings": {"inputLocation": {...}, "outputLocation": {...}}}`, the SAS values included.
pub(crate) fn create_body(settings: &ConversionSettings) -> Value {
    let mut input = Map::new();
    let i = &settings.input_location;
    input.insert("storageContainerUri".into(), json!(i.storage_container_uri));
    if let Some(sas) = &i.storage_container_read_list_sas {
        input.insert("storageContainerReadListSas".into(), json!(sas.expose()));
    }
    if let Some(prefix) = &i.blob_prefix {
        input.insert("blobPrefix".into(), json!(prefix));
    }
    input.insert("relativeInputAssetPath".into(), json!(i.relative_input_asset_path));
    let mut output = Map::new();
    let o = &settings.output_location;
    output.insert("storageContainerUri".into(), json!(o.storage_container_uri));
    if let Some(sas) = &o.storage_container_write_sas {
        output.insert("storageContainerWriteSas".into(), json!(sas.expose()));
    }
    if let Some(prefix) = &o.blob_prefix {
        output.insert("blobPrefix".into(), json!(prefix));
    }
    if let Some(name) = &o.output_asset_filename {
        output.insert("outputAssetFilename".into(), json!(name));
    }
    json!({ "settings": { "inputLocation": input, "outputLocation": output } })
}

/// `conversion` as the service writes it; tolerant of absent fields other than `id` and `status`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireConversion {
    id: Option<String>,
    settings: Option<WireSettings>,
    status: Option<String>,
    error: Option<ServiceError>,
    output: Option<WireOutput>,
    creation_time: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct WireSettings {
    #[serde(default)]
    input_location: WireLocation,
    #[serde(default)]
    output_location: WireLocation,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct WireLocation {
    storage_container_uri: Option<String>,
    blob_prefix: Option<String>,
    relative_input_asset_path: Option<String>,
    output_asset_filename: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireOutput {
    output_asset_uri: Option<String>,
}

impl WireConversion {
    fn into_conversion(self) -> Result<AssetConversion> {
        let id = self.id.filter(|s| !s.is_empty()).ok_or_else(|| missing("id"))?;
        let status = self.status.filter(|s| !s.is_empty()).ok_or_else(|| missing("status"))?;
        let settings = self.settings.unwrap_or_default();
        let (input, output) = (settings.input_location, settings.output_location);
        Ok(AssetConversion {
            id,
            settings: ConversionSettings {
                input_location: ConversionInputSettings {
                    storage_container_uri: input.storage_container_uri.unwrap_or_default(),
                    storage_container_read_list_sas: None,
                    blob_prefix: input.blob_prefix,
                    relative_input_asset_path: input.relative_input_asset_path.unwrap_or_default(),
                },
                output_location: ConversionOutputSettings {
                    storage_container_uri: output.storage_container_uri.unwrap_or_default(),
                    storage_container_write_sas: None,
                    blob_prefix: output.blob_prefix,
                    output_asset_filename: output.output_asset_filename,
                },
            },
            status: ConversionStatus::from(status.as_str()),
            error: self.error,
            output: self.output.map(|o| ConversionOutput {
                output_asset_uri: o.output_asset_uri.filter(|u| !u.is_empty()),
            }),
            creation_time: self.creation_time.filter(|t| !t.is_empty()),
            results: None,
        })
    }
}

fn missing(field: &str) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!("the conversion in the response has no {field}"),
    )
}

pub(crate) fn decode_conversion(body: &[u8]) -> Result<AssetConversion> {
    decode::<WireConversion>(body, "conversion")?.into_conversion()
}

/// One page of the list: the conversions and the URL of the next page (`"@nextLink": null` on the last).
pub(crate) fn decode_list(body: &[u8]) -> Result<(Vec<AssetConversion>, Option<String>)> {
    #[derive(Deserialize)]
    struct WireList {
        #[serde(default, deserialize_with = "super::null_as_default")]
        conversions: Vec<WireConversion>,
        #[serde(rename = "@nextLink", alias = "@nextlink")]
        next_link: Option<String>,
    }
    let list: WireList = decode(body, "conversion list")?;
    let conversions = list
        .conversions
        .into_iter()
        .map(WireConversion::into_conversion)
        .collect::<Result<Vec<_>>>()?;
    Ok((conversions, list.next_link.filter(|l| !l.is_empty())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_spec_examples() {
        let c = decode_conversion(
            br#"{"id":"contoso-conversion","creationTime":"2021-01-01T11:11:11.111Z","settings":{"inputLocation":
            {"storageContainerUri":"https://s.blob.core.windows.net/arrinput","blobPrefix":"models/",
            "relativeInputAssetPath":"house.fbx"},"outputLocation":{"storageContainerUri":
            "https://s.blob.core.windows.net/arroutput","blobPrefix":"out/","outputAssetFilename":"h.arrAsset"}},
            "status":"Succeeded","error":null,"output":{"outputAssetUri":"https://s.blob.core.windows.net/arroutput/out/h.arrAsset"}}"#,
        )
        .unwrap();
        assert_eq!(c.status, ConversionStatus::Succeeded);
        assert_eq!(c.settings.input_location.relative_input_asset_path, "house.fbx");
        assert!(c.output.unwrap().output_asset_uri.unwrap().ends_with("/out/h.arrAsset"));
        let (page, next) = decode_list(br#"{"conversions":[],"@nextLink":null}"#).unwrap();
        assert!(page.is_empty() && next.is_none());
    }

    #[test]
    fn the_body_carries_the_sas_and_only_given_fields() {
        let mut settings = ConversionSettings::new("https://s/in", "a.fbx", "https://s/out");
        settings.input_location.storage_container_read_list_sas = Some("?sig=r".into());
        let body = create_body(&settings);
        assert_eq!(
            body["settings"]["inputLocation"]["storageContainerReadListSas"],
            "?sig=r"
        );
        assert!(body["settings"]["outputLocation"].get("blobPrefix").is_none());
    }
}
