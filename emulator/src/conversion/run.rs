//! One conversion's storage work against real storage: the conversion at hand (`Run`), reading the input's
//! blobs and writing the output's, and how a refused read or write is reported. The simulated worker and
//! the pipeline converter both work through it.

use std::time::SystemTime;

use super::codes::{INPUT_CONTAINER_ERROR, OUTPUT_CONTAINER_ERROR};
use super::record::Outcome;
use super::result_files::{result_file, ResultError};
use super::settings::Settings;
use super::storage::{blob_url, send};
use crate::blob::StorageAccount;
use crate::shared::Shared;

/// One conversion's storage work against real storage.
pub(super) struct Run<'a> {
    pub shared: &'a Shared,
    pub account: &'a StorageAccount,
    /// (account id, conversion id): the conversion's key in the table.
    pub key: &'a (String, String),
    pub id: &'a str,
    pub settings: &'a Settings,
    pub conversion_id: String,
}

impl Run<'_> {
    /// `outputAssetFilename` without `.arrAsset`: the name of the files beside the asset.
    pub(super) fn output_stem(&self) -> &str {
        let name = &self.settings.output_location.output_asset_filename;
        name.strip_suffix(".arrAsset")
            .unwrap_or(name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s))
    }

    /// A failed conversion leaves its result file and log (no asset, no info file). A failure to write
    /// them changes nothing: the conversion failed already.
    pub(super) async fn write_failure(&self, error: &ResultError) {
        let now = crate::blob::iso_seconds(SystemTime::now());
        let log = format!(
            "{now} arr-emulator conversion {}\n{now} conversion failed: error {} ({}): {}\n",
            self.id, error.code, error.title, error.details
        );
        let stem = self.output_stem();
        let files = [
            (
                format!("{stem}.result.json"),
                result_file(&self.conversion_id, Some(error), &[]),
                "application/json",
            ),
            (format!("{stem}.log"), log.into_bytes(), "text/plain"),
        ];
        if let Err(e) = self.write(&files).await {
            tracing::debug!(target: "arr_emulator::request", "conversion {}: result file not written: {e:?}", self.id);
        }
    }

    /// PUTs each file into the output container, under `blobPrefix`.
    pub(super) async fn write(&self, files: &[(String, Vec<u8>, &str)]) -> Result<(), Outcome> {
        let output = &self.settings.output_location;
        for (file, content, content_type) in files {
            let blob = self.settings.output_blob(file);
            let url = blob_url(&output.storage_container_uri, &blob);
            let sas = output.storage_container_write_sas.as_deref();
            let body = Some((content.clone(), *content_type));
            match send(self.shared, self.account, "PUT", &url, sas, body).await {
                Ok((200..=299, _)) => {}
                Ok((404, _)) => return Err(output_refused("the output container does not exist")),
                Ok((status, _)) => {
                    return Err(output_refused(&format!(
                        "writing {blob} was refused with HTTP {status}"
                    )))
                }
                Err(e) => {
                    return Err(output_refused(&format!(
                        "the storage account could not be reached: {e}"
                    )))
                }
            }
        }
        Ok(())
    }
}

/// A blob of the input container: its bytes, None when it does not exist, or the refusal.
pub(super) async fn read_blob(
    shared: &Shared,
    account: &StorageAccount,
    container: &str,
    blob: &str,
    sas: Option<&str>,
) -> Result<Option<Vec<u8>>, Outcome> {
    match send(shared, account, "GET", &blob_url(container, blob), sas, None).await {
        Ok((200, body)) => Ok(Some(body)),
        Ok((404, _)) => Ok(None),
        Ok((status, _)) => Err(input_refused(&format!("reading {blob} was refused with HTTP {status}"))),
        Err(e) => Err(input_refused(&format!("the storage account could not be reached: {e}"))),
    }
}

pub(super) fn input_refused(detail: &str) -> Outcome {
    Outcome::failed(
        INPUT_CONTAINER_ERROR,
        format!("Could not read the input from the storage account: {detail}. Please make sure the input container exists and can be read and listed with the given storageContainerReadListSas or the linked storage account."),
    )
}

pub(super) fn output_refused(detail: &str) -> Outcome {
    Outcome::failed(
        OUTPUT_CONTAINER_ERROR,
        format!("Could not write the conversion output to the storage account: {detail}. Please make sure the output container exists and can be written with the given storageContainerWriteSas or the linked storage account."),
    )
}
