//! Asset conversions through the client: create, get, list (every page), and wait for one or many
//! (api-version 2021-01-01; protocol.md §4).
//!
//! v1 conversions (§6.2) are not spoken: protocol.md has their paths and shapes but no recording of a
//! real answer, so a faithful v1 client could not be checked. A client configured for v1 refuses
//! conversion calls before sending anything.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::Method;

use crate::client::Client;
use crate::config::ApiVersion;
use crate::conversion::{AssetConversion, ConversionSettings};
use crate::error::{Error, Result};
use crate::model::{validate_resource_id, Response};
use crate::transport::Request;
use crate::wait::{bounded, is_transient, WaitOptions};
use crate::wire::conversions as wire;

/// Poll interval while waiting for conversions when none is configured (Conversion.ps1 polls every 10 s;
/// conversions take minutes).
pub const CONVERSION_POLL_INTERVAL: Duration = Duration::from_secs(10);

impl Client {
    fn conversions_supported(&self) -> Result<()> {
        if self.api_version() == ApiVersion::V1 {
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
        validate_resource_id(conversion_id, "conversionId")?;
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
        conversion_response(&response)
    }

    /// The conversion's current state.
    pub async fn get_conversion(&self, conversion_id: &str) -> Result<Response<AssetConversion>> {
        self.conversions_supported()?;
        validate_resource_id(conversion_id, "conversionId")?;
        let url = wire::conversion_url(self.endpoint(), &self.config().account_id, conversion_id);
        let response = self
            .execute_checked(|| Request::get("conversions.get", url.clone()).subject(conversion_id))
            .await?;
        conversion_response(&response)
    }

    /// Every conversion of the account (all states), following `@nextLink` across pages.
    pub async fn list_conversions(&self) -> Result<Response<Vec<AssetConversion>>> {
        self.conversions_supported()?;
        let url = wire::list_url(self.endpoint(), &self.config().account_id);
        self.list_pages("conversions.list", url, wire::decode_list).await
    }

    /// Polls the conversion until it is Succeeded, Failed or Cancelled, and returns it in that state:
    /// a failed conversion is an answer (its `error` says why), not an `Err`. Throttling and transient
    /// failures do not end the wait; the timeout and cancellation of `options` do (with `Timeout` or
    /// `Cancelled`), and never the conversion.
    pub async fn wait_for_conversion(
        &self,
        conversion_id: &str,
        options: &WaitOptions,
    ) -> Result<Response<AssetConversion>> {
        self.conversions_supported()?;
        validate_resource_id(conversion_id, "conversionId")?;
        let polling = async {
            loop {
                let delay = match self.get_conversion(conversion_id).await {
                    Ok(response) => {
                        if let Some(progress) = &options.on_conversion_progress {
                            progress(response.value());
                        }
                        if response.value().status.is_terminal() {
                            return Ok(response);
                        }
                        self.conversion_poll_interval(options)
                    }
                    Err(e) if is_transient(&e) => self.conversion_backoff(options, &e),
                    Err(e) => return Err(e),
                };
                tokio::time::sleep(delay).await;
            }
        };
        let what = format!("conversion {conversion_id}");
        self.until_closed(bounded(polling, options, || None, &what, "finish"))
            .await
    }

    /// Waits for many conversions with one list of the account per poll (plus a GET for an id the list
    /// does not show). Returns one result per id, in the order given: the conversion in its final state,
    /// or why there is none (`NotFound`, `InvalidArgument`, or `Timeout` for those still running when the
    /// timeout ran out). Cancellation fails the whole call with `Cancelled`.
    pub async fn wait_for_conversions<I>(&self, ids: I, options: &WaitOptions) -> Result<Vec<Result<AssetConversion>>>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.conversions_supported()?;
        let ids: Vec<String> = ids.into_iter().map(|id| id.as_ref().to_owned()).collect();
        let results: Mutex<Vec<Option<Result<AssetConversion>>>> = Mutex::new(vec![None; ids.len()]);
        let finish = |index: usize, outcome: Result<AssetConversion>| {
            results.lock().unwrap_or_else(|p| p.into_inner())[index] = Some(outcome);
        };
        let mut pending: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, id) in ids.iter().enumerate() {
            match validate_resource_id(id, "conversionId") {
                Ok(()) => pending.entry(id.as_str()).or_default().push(index),
                Err(e) => finish(index, Err(e)),
            }
        }
        let polling = async {
            while !pending.is_empty() {
                let listed = match self.list_conversions().await {
                    Ok(list) => list.into_value(),
                    Err(e) if is_transient(&e) => {
                        tokio::time::sleep(self.conversion_backoff(options, &e)).await;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let listed: HashMap<&str, &AssetConversion> = listed.iter().map(|c| (c.id.as_str(), c)).collect();
                let mut settled: Vec<(&str, Result<AssetConversion>)> = Vec::new();
                for id in pending.keys() {
                    let seen = match listed.get(id) {
                        Some(conversion) => Some((*conversion).clone()),
                        None => match self.get_conversion(id).await {
                            Ok(response) => Some(response.into_value()),
                            Err(e) if is_transient(&e) => None,
                            Err(e) => {
                                settled.push((id, Err(e)));
                                None
                            }
                        },
                    };
                    if let Some(conversion) = seen {
                        if let Some(progress) = &options.on_conversion_progress {
                            progress(&conversion);
                        }
                        if conversion.status.is_terminal() {
                            settled.push((id, Ok(conversion)));
                        }
                    }
                }
                for (id, outcome) in settled {
                    if let Some(indexes) = pending.remove(id) {
                        for index in indexes {
                            finish(index, outcome.clone());
                        }
                    }
                }
                if !pending.is_empty() {
                    tokio::time::sleep(self.conversion_poll_interval(options)).await;
                }
            }
            Ok(())
        };
        let timed_out = match self
            .until_closed(bounded(polling, options, || None, "the conversions", "finish"))
            .await
        {
            Ok(()) => false,
            Err(e) if e.is_wait_timeout() => true,
            Err(e) => return Err(e),
        };
        let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(results
            .into_iter()
            .zip(&ids)
            .map(|(outcome, id)| {
                outcome.unwrap_or_else(|| {
                    debug_assert!(timed_out);
                    Err(Error::wait_timeout(format!(
                        "conversion {id} did not finish before the timeout"
                    )))
                })
            })
            .collect())
    }

    fn conversion_poll_interval(&self, options: &WaitOptions) -> Duration {
        options
            .poll_interval
            .or(self.config().poll_interval)
            .unwrap_or(CONVERSION_POLL_INTERVAL)
    }

    fn conversion_backoff(&self, options: &WaitOptions, error: &Error) -> Duration {
        let interval = self.conversion_poll_interval(options);
        error.retry_after().map_or(interval, |after| after.max(interval))
    }
}

fn conversion_response(response: &crate::transport::Response) -> Result<Response<AssetConversion>> {
    let conversion = wire::decode_conversion(&response.body)
        .map_err(|e| e.with_http_status(response.status).with_ms_cv(response.ms_cv.clone()))?;
    Ok(Response {
        value: conversion,
        ms_cv: response.ms_cv.clone(),
        http_status: response.status,
    })
}
