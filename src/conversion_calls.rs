//! Asset conversions through the client: create, get, list (every page), and wait for one or many
//! (api-version 2021-01-01; protocol.md §4).
//!
//! v1 conversions (§6.2) are not spoken: protocol.md has their paths and shapes but no recording of a
//! real answer, so a faithful v1 client could not be checked. A client configured for v1 refuses
//! conversion calls before sending anything.

use std::future::Future;
use std::time::Duration;

use reqwest::Method;

use crate::client::Client;
use crate::conversion::{AssetConversion, ConversionSettings};
use crate::error::{Error, Result};
use crate::resource_id::validate_conversion_id;
use crate::response::Response;
use crate::transport::Request;
use crate::wait::{Awaited, WaitOptions};
use crate::wire::conversions as wire;

/// Poll interval while waiting for conversions when none is configured (Conversion.ps1 polls every 10 s;
/// conversions take minutes).
pub const CONVERSION_POLL_INTERVAL: Duration = Duration::from_secs(10);

impl Client {
    fn conversions_supported(&self) -> Result<()> {
        if !self.wire().speaks_conversions() {
            return Err(Error::invalid_argument(
                "apiVersion",
                "asset conversions are spoken with api-version 2021-01-01 only",
            ));
        }
        Ok(())
    }

    /// Starts converting the model `settings.input_location` names into an `.arrAsset`, with id
    /// `conversion_id` (1 to 256 of `A-Z a-z 0-9 - _`). A retried create with the same settings finds the
    /// conversion (200) instead of starting a second one. The answer's settings are normalised by the
    /// service (prefixes end in `/`, the output name filled in) and carry no SAS.
    pub async fn create_conversion(
        &self,
        conversion_id: &str,
        settings: &ConversionSettings,
    ) -> Result<Response<AssetConversion>> {
        self.conversions_supported()?;
        validate_conversion_id(conversion_id)?;
        settings.validate()?;
        let url = wire::conversion_url(self.endpoint(), &self.config().account_id, conversion_id);
        let body = wire::create_body(settings);
        let response = self
            .execute_checked(|| {
                Request::new("conversions.create", Method::PUT, url.clone())
                    .json(&body)
                    .subject(conversion_id)
            })
            .await?;
        Response::decoded(&response, wire::decode_conversion(&response.body))
    }

    /// The conversion's current state.
    pub async fn get_conversion(&self, conversion_id: &str) -> Result<Response<AssetConversion>> {
        self.conversions_supported()?;
        validate_conversion_id(conversion_id)?;
        let url = wire::conversion_url(self.endpoint(), &self.config().account_id, conversion_id);
        let response = self
            .execute_checked(|| Request::get("conversions.get", url.clone()).subject(conversion_id))
            .await?;
        Response::decoded(&response, wire::decode_conversion(&response.body))
    }

    /// Every conversion of the account (all states), following `@nextLink` across pages.
    pub async fn list_conversions(&self) -> Result<Response<Vec<AssetConversion>>> {
        self.conversions_supported()?;
        let url = wire::list_url(self.endpoint(), &self.config().account_id);
        self.list_pages(Request::get("conversions.list", url), wire::decode_list)
            .await
    }

    /// Polls the conversion until it is Succeeded, Failed or Cancelled, and returns it in that state:
    /// a failed conversion is an answer (its `error` says why), not an `Err`. Throttling and transient
    /// failures do not end the wait; the timeout and cancellation of `options` do (with `Timeout` or
    /// `Cancelled`), and never the conversion.
    pub async fn wait_for_conversion(
        &self,
        conversion_id: &str,
        options: &WaitOptions<AssetConversion>,
    ) -> Result<Response<AssetConversion>> {
        self.conversions_supported()?;
        self.wait_one(conversion_id, options).await
    }

    /// Waits for many conversions with one list of the account per poll (plus a GET for an id the list
    /// does not show). Returns one result per id, in the order given: the conversion in its final state,
    /// or why there is none (`NotFound`, `InvalidArgument`, or `Timeout` for those still running when the
    /// timeout ran out). Cancellation fails the whole call with `Cancelled`.
    pub async fn wait_for_conversions<I>(
        &self,
        ids: I,
        options: &WaitOptions<AssetConversion>,
    ) -> Result<Vec<Result<AssetConversion>>>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.conversions_supported()?;
        let ids: Vec<String> = ids.into_iter().map(|id| id.as_ref().to_owned()).collect();
        self.wait_many(&ids, options).await
    }
}

/// A conversion wait ends when the conversion does: Succeeded, Failed or Cancelled are all answers.
impl Awaited for AssetConversion {
    const NOUN: &'static str = "conversion";
    const GOAL: &'static str = "finish";

    fn validate_id(id: &str) -> Result<()> {
        validate_conversion_id(id)
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn outcome(&self, _: Option<String>) -> Option<Result<AssetConversion>> {
        self.status.is_terminal().then(|| Ok(self.clone()))
    }

    fn default_interval(_: Option<&AssetConversion>) -> Duration {
        CONVERSION_POLL_INTERVAL
    }

    fn timed_out(error: Error, _: Option<AssetConversion>) -> Error {
        error
    }

    fn get(client: &Client, id: &str) -> impl Future<Output = Result<Response<AssetConversion>>> + Send {
        client.get_conversion(id)
    }

    async fn list(client: &Client) -> Result<Vec<AssetConversion>> {
        Ok(client.list_conversions().await?.into_value())
    }
}
