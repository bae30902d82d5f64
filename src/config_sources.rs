//! Reading a [`ClientConfig`] from the camelCase JSON the C ABI and the bindings pass, and from `ARR_*`
//! variables. Unknown keys and invalid values are refused with an error naming the key, so a typo in a
//! Unity inspector or a config file is found at start-up, not at the first request.

use serde_json::Value;

use crate::call_history::CallHistoryOptions;
use crate::config::{ApiVersion, ClientConfig};
use crate::credentials::Credential;
use crate::error::{Error, Result};
use crate::json_fields::Fields;
use crate::proxy::ProxySetting;
use crate::secret::Secret;

impl ClientConfig {
    /// Reads the camelCase JSON form (the one the C ABI and the bindings pass). See the README for keys.
    pub fn from_json(text: &str) -> Result<ClientConfig> {
        ClientConfig::from_json_with(text, None)
    }

    /// Like [`ClientConfig::from_json`], with the credential supplied in code (a token provider) instead
    /// of `accountKey`/`accessToken` in the JSON, which must then be absent.
    pub fn from_json_with_credential(text: &str, credential: Credential) -> Result<ClientConfig> {
        ClientConfig::from_json_with(text, Some(credential))
    }

    fn from_json_with(text: &str, given: Option<Credential>) -> Result<ClientConfig> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::invalid_argument("config", format_args!("not valid JSON: {e}")))?;
        let Value::Object(mut map) = value else {
            return Err(Error::invalid_argument("config", "must be a JSON object"));
        };
        let mut fields = Fields::new(&mut map, "");
        let endpoint = fields.required_string("endpoint")?;
        let account_id = fields.required_string("accountId")?;
        let account_key = fields.optional_string("accountKey")?;
        let access_token = fields.optional_string("accessToken")?;
        let credential = match (account_key, access_token, given) {
            (None, None, Some(given)) => given,
            (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
                return Err(Error::invalid_argument(
                    "accountKey/accessToken",
                    "must not be given together with a token provider",
                ))
            }
            (Some(key), None, None) => Credential::AccountKey(Secret::new(key)),
            (None, Some(token), None) => Credential::AccessToken(Secret::new(token)),
            _ => {
                return Err(Error::invalid_argument(
                    "accountKey/accessToken",
                    "exactly one of accountKey or accessToken must be given",
                ))
            }
        };
        let mut config = ClientConfig::new(endpoint, account_id, credential);
        config.account_domain = fields.optional_string("accountDomain")?;
        config.sts_endpoint = fields.optional_string("stsEndpoint")?;
        if let Some(v) = fields.optional_string("apiVersion")? {
            config.api_version = ApiVersion::parse(&v).ok_or_else(|| {
                Error::invalid_argument(
                    "apiVersion",
                    format_args!("must be \"2021-01-01\" or \"v1\", not {v:?}"),
                )
            })?;
        }
        if let Some(ms) = fields.optional_millis("connectTimeoutMs")? {
            config.connect_timeout = ms;
        }
        if let Some(ms) = fields.optional_millis("requestTimeoutMs")? {
            config.request_timeout = ms;
        }
        config.poll_interval = fields.optional_millis("pollIntervalMs")?;
        config.user_agent_suffix = fields.optional_string("userAgentSuffix")?;
        if let Some(proxy) = fields.optional_string("proxy")? {
            config.proxy = match proxy.as_str() {
                "system" => ProxySetting::System,
                "none" => ProxySetting::None,
                _ => ProxySetting::Url(proxy),
            };
        }
        config.extra_root_ca_pem = fields.optional_string("extraRootCaPem")?;
        config.allow_insecure_http = fields.optional_bool("allowInsecureHttp")?.unwrap_or(false);
        config.stop_owned_sessions_on_close = fields.optional_bool("stopOwnedSessionsOnClose")?.unwrap_or(false);
        if let Some(ms) = fields.optional_millis("closeTimeoutMs")? {
            config.close_timeout = ms;
        }
        if let Some(retry) = fields.take_raw("retry") {
            let Value::Object(mut retry_map) = retry else {
                return Err(Error::invalid_argument("retry", "must be an object"));
            };
            let mut retry_fields = Fields::new(&mut retry_map, "retry.");
            if let Some(n) = retry_fields.optional_u64("maxRetries", 0, 100)? {
                config.retry.max_retries = n as u32;
            }
            if let Some(ms) = retry_fields.optional_millis("baseDelayMs")? {
                config.retry.base_delay = ms;
            }
            if let Some(ms) = retry_fields.optional_millis("maxDelayMs")? {
                config.retry.max_delay = ms;
            }
            retry_fields.reject_unknown()?;
        }
        if let Some(history) = fields.take_raw("callHistory") {
            config.call_history = Some(call_history_options(history)?);
        }
        fields.reject_unknown()?;
        Ok(config)
    }

    /// Reads `ARR_ENDPOINT`, `ARR_ACCOUNT_ID`, `ARR_ACCOUNT_DOMAIN`, `ARR_STS_ENDPOINT`, `ARR_ACCOUNT_KEY` or
    /// `ARR_ACCESS_TOKEN`, and `ARR_API_VERSION` through `lookup` (e.g. `std::env::var`). Returns `Ok(None)`
    /// when none of them is set, so callers can fall back to the emulator.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<ClientConfig>> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let names = [
            "ARR_ENDPOINT",
            "ARR_ACCOUNT_ID",
            "ARR_ACCOUNT_DOMAIN",
            "ARR_ACCOUNT_KEY",
            "ARR_ACCESS_TOKEN",
        ];
        if names.iter().all(|n| get(n).is_none()) {
            return Ok(None);
        }
        let credential = match (get("ARR_ACCOUNT_KEY"), get("ARR_ACCESS_TOKEN")) {
            (Some(key), None) => Credential::AccountKey(Secret::new(key)),
            (None, Some(token)) => Credential::AccessToken(Secret::new(token)),
            _ => {
                return Err(Error::invalid_argument(
                    "ARR_ACCOUNT_KEY/ARR_ACCESS_TOKEN",
                    "set exactly one of them",
                ))
            }
        };
        let endpoint = get("ARR_ENDPOINT").ok_or_else(|| Error::invalid_argument("ARR_ENDPOINT", "is not set"))?;
        let account_id =
            get("ARR_ACCOUNT_ID").ok_or_else(|| Error::invalid_argument("ARR_ACCOUNT_ID", "is not set"))?;
        let mut config = ClientConfig::new(endpoint, account_id, credential);
        config.account_domain = get("ARR_ACCOUNT_DOMAIN");
        config.sts_endpoint = get("ARR_STS_ENDPOINT");
        if let Some(v) = get("ARR_API_VERSION") {
            config.api_version = ApiVersion::parse(&v)
                .ok_or_else(|| Error::invalid_argument("ARR_API_VERSION", "must be 2021-01-01 or v1"))?;
        }
        Ok(Some(config))
    }
}

/// `"callHistory": {"path": "calls.jsonl", "maxBytes"?: 1048576}`.
fn call_history_options(value: Value) -> Result<CallHistoryOptions> {
    let Value::Object(mut map) = value else {
        return Err(Error::invalid_argument("callHistory", "must be an object with a path"));
    };
    let mut fields = Fields::new(&mut map, "callHistory.");
    let mut options = CallHistoryOptions::new(fields.required_string("path")?);
    if let Some(max) = fields.optional_u64("maxBytes", 1, u64::MAX)? {
        options.max_bytes = max;
    }
    fields.reject_unknown()?;
    options.validate()?;
    Ok(options)
}

#[cfg(test)]
mod tests {

    use crate::config::tests::config;

    #[test]
    fn unknown_keys_and_bad_values_name_the_field() {
        let cases = [
            (r#","colour":1"#, "colour"),
            (r#","requestTimeoutMs":"5""#, "requestTimeoutMs"),
            (r#","requestTimeoutMs":0"#, "requestTimeoutMs"),
            (r#","apiVersion":"2020""#, "apiVersion"),
            (r#","retry":{"maxRetries":-1}"#, "retry.maxRetries"),
            (r#","retry":{"tries":1}"#, "retry.tries"),
            (r#","accessToken":"t""#, "accountKey/accessToken"),
        ];
        for (extra, field) in cases {
            let err = config(extra).unwrap_err();
            assert!(err.message().starts_with(field), "{extra}: {}", err.message());
        }
    }
}
